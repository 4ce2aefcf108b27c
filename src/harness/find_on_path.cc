#include <filesystem>
#include <system_error>
#include <utility>

#include "core/path_search.h"
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
  return core::SearchPath(executable, path_env,
                          [](const std::string& candidate) { return IsExecutableFile(candidate); });
}

}  // namespace coven::harness
