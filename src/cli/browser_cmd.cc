// The interactive session browser (`coven sessions` on a terminal, SPEC 6.4).
#include <cstdio>

#include "cli/commands.h"
#include "cli/session_client.h"

namespace coven::cli {

int RunSessionBrowser(Context& /*ctx*/, const core::HomePaths& /*paths*/, bool /*all*/) {
  // TODO(#4): the interactive browser; until then the plain table is printed.
  return -1;
}

}  // namespace coven::cli
