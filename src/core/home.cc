#include "core/home.h"

#include <cstdlib>

namespace coven::core {

Result<std::string> ResolveCovenHome() {
  // getenv is fine here: the CLI reads the environment once, before any thread starts.
  const char* explicit_home = std::getenv("COVEN_HOME");  // NOLINT(concurrency-mt-unsafe)
  if (explicit_home != nullptr && explicit_home[0] != '\0') {
    return std::string(explicit_home);
  }
  const char* home = std::getenv("HOME");  // NOLINT(concurrency-mt-unsafe)
  if (home == nullptr || home[0] == '\0') {
    return Error(ErrorCode::kInvalidRequest,
                 "HOME is not set; set COVEN_HOME to choose a store path");
  }
  return std::string(home) + "/.coven";
}

HomePaths::HomePaths(std::string home_dir)
    : home(std::move(home_dir)),
      socket(home + "/coven.sock"),
      daemon_json(home + "/daemon.json"),
      ledger(home + "/coven.sqlite3"),
      lock(home + "/daemon.lock"),
      log(home + "/daemon.log"),
      sessions(home + "/sessions"),
      adapters(home + "/adapters") {}

}  // namespace coven::core
