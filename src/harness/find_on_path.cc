#include <filesystem>
#include <system_error>
#include <utility>

#include "harness/harness_registry.h"

namespace coven::harness {
namespace {

namespace fs = std::filesystem;

bool IsPlainName(const std::string& name) {
  return !name.empty() && name != "." && name != ".." &&
         name.find_first_of("/\\") == std::string::npos;
}

// A regular file (after following symlinks) with any execute bit, as SPEC 4.3 words it.
// Whether *this* user may execute it is left to exec, like the reference implementation.
bool IsExecutableFile(const fs::path& path) {
  std::error_code ec;
  fs::file_status st = fs::status(path, ec);
  if (ec || st.type() != fs::file_type::regular) {
    return false;
  }
  constexpr fs::perms kAnyExec =
      fs::perms::owner_exec | fs::perms::group_exec | fs::perms::others_exec;
  return (st.permissions() & kAnyExec) != fs::perms::none;
}

}  // namespace

std::optional<std::string> FindOnPath(const std::string& executable, const std::string& path_env) {
  if (!IsPlainName(executable)) {
    return std::nullopt;
  }
  size_t start = 0;
  while (start <= path_env.size()) {
    size_t end = path_env.find(':', start);
    if (end == std::string::npos) {
      end = path_env.size();
    }
    std::string dir = path_env.substr(start, end - start);
    start = end + 1;
    // POSIX reads an empty entry as ".", which would make availability depend on the
    // daemon's cwd; we skip empty and relative entries instead.
    if (dir.empty() || dir.front() != '/') {
      continue;
    }
    while (dir.size() > 1 && dir.back() == '/') {
      dir.pop_back();
    }
    std::string candidate = dir == "/" ? "/" + executable : dir + "/" + executable;
    if (IsExecutableFile(candidate)) {
      return candidate;
    }
  }
  return std::nullopt;
}

}  // namespace coven::harness
