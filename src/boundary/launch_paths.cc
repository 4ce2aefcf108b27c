#include "boundary/launch_paths.h"

#include <filesystem>
#include <system_error>
#include <utility>

#include "core/strings.h"

namespace coven::boundary {
namespace {

namespace fs = std::filesystem;
using core::Error;
using core::ErrorCode;

Error Invalid(std::string message) {
  return {ErrorCode::kInvalidRequest, std::move(message)};
}

// Checks that `path` names an existing directory (following symlinks) and returns its
// canonical form. Messages name the request field `what` ("projectRoot", "cwd") and the
// value as the client sent it, `shown`.
core::Result<std::string> CanonicalDirectory(const std::string& what, const std::string& shown,
                                             const std::string& path) {
  std::error_code ec;
  fs::file_status st = fs::status(path, ec);
  if (st.type() == fs::file_type::not_found) {
    return Invalid(what + " `" + shown + "` does not exist");
  }
  if (ec) {
    return Invalid(what + " `" + shown + "` cannot be resolved: " + ec.message());
  }
  if (st.type() != fs::file_type::directory) {
    return Invalid(what + " `" + shown + "` is not a directory");
  }
  // canonical() is realpath(3): symlinks and `..` resolved against the real tree, which is
  // what makes a symlink escaping the root visible to IsInside() (SPEC 4.2).
  fs::path canonical = fs::canonical(path, ec);
  if (ec) {
    return Invalid(what + " `" + shown + "` cannot be resolved: " + ec.message());
  }
  return canonical.string();
}

}  // namespace

bool IsInside(const std::string& root, const std::string& candidate) {
  if (root.empty() || candidate.size() < root.size()) {
    return false;
  }
  if (candidate.compare(0, root.size(), root) != 0) {
    return false;
  }
  if (candidate.size() == root.size()) {
    return true;
  }
  // Only a whole component counts: "/repo" contains "/repo/x" but not "/repo2". A root
  // ending in '/' (only "/" when canonical) already ends on a boundary.
  return root.back() == '/' || candidate[root.size()] == '/';
}

core::Result<LaunchPaths> ResolveLaunchPaths(std::string_view project_root,
                                             std::optional<std::string_view> cwd) {
  std::string root_in(core::Trim(project_root));
  if (root_in.empty()) {
    return Invalid("projectRoot is required");
  }
  if (root_in.front() != '/') {
    return Invalid("projectRoot must be an absolute path").WithDetail("projectRoot", root_in);
  }
  auto root = CanonicalDirectory("projectRoot", root_in, root_in);
  if (!root) {
    return root.error();
  }
  if (!cwd || core::Trim(*cwd).empty()) {
    return LaunchPaths{*root, *root};
  }
  std::string cwd_in(*cwd);
  std::string candidate_in = cwd_in.front() == '/' ? cwd_in : (fs::path(*root) / cwd_in).string();
  auto candidate = CanonicalDirectory("cwd", cwd_in, candidate_in);
  if (!candidate) {
    return candidate.error();
  }
  if (!IsInside(*root, *candidate)) {
    return Invalid("cwd is outside the Coven project root")
        .WithDetail("projectRoot", *root)
        .WithDetail("cwd", *candidate);
  }
  return LaunchPaths{std::move(*root), std::move(*candidate)};
}

}  // namespace coven::boundary
