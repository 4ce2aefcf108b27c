// core/path_search.h: the PATH walk shared by harness checks (is `codex` installed?) and
// the PTY spawner (which file will exec run?), so both always agree. Thread-safe.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace coven::core {

// Tries `<dir>/<name>` for each absolute directory of the colon-separated `path_env`, in
// order, and returns the first candidate `accept` takes. Empty and relative entries are
// skipped: POSIX reads an empty entry as ".", which would make the answer depend on the
// current directory. `name` should be a plain file name (no '/').
std::optional<std::string> SearchPath(std::string_view name, std::string_view path_env,
                                      const std::function<bool(const std::string&)>& accept);

}  // namespace coven::core
