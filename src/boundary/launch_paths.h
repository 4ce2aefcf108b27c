// boundary/launch_paths.h: the project-root and cwd guard (SPEC 4.1, 4.2; DESIGN.md
// "Boundaries").
//
// Before anything is spawned, the daemon resolves the launch request's `projectRoot` and
// optional `cwd` here. Both are canonicalized with realpath semantics (symlinks and `..`
// resolved, the path must exist), and the working directory must be the root itself or lie
// inside it, compared path component by path component (`/repo2` is not inside `/repo`).
// Because canonicalization happens before the comparison, a symlink inside the root that
// points outside it is refused.
//
// This module only reads the file system; it never creates, changes or opens anything.
// It knows nothing of harnesses, sessions or HTTP.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/result.h"

namespace coven::boundary {

// The canonical (realpath) project root and working directory of a launch.
struct LaunchPaths {
  std::string project_root;
  std::string cwd;  // equals project_root when no cwd was given
};

// Resolves a launch's paths. `project_root` is trimmed of ASCII whitespace and must be
// non-empty, absolute, exist and be a directory. `cwd`, when given and not blank, is used
// as-is when absolute and joined to the canonical root when relative; it must exist, be a
// directory, and canonicalize to the root or a path inside it.
//
// Fails with ErrorCode::kInvalidRequest and one of these messages:
//   "projectRoot is required"
//   "projectRoot must be an absolute path"
//   "projectRoot `<p>` does not exist" / "projectRoot `<p>` is not a directory"
//   "cwd `<c>` does not exist" / "cwd `<c>` is not a directory"
//   "cwd is outside the Coven project root" (details: projectRoot, cwd, both canonical)
// Other file-system failures (permission denied, a loop of symlinks, ...) are also
// kInvalidRequest, with the system's reason in the message.
// Thread-safe (reads only the file system).
core::Result<LaunchPaths> ResolveLaunchPaths(std::string_view project_root,
                                             std::optional<std::string_view> cwd);

// True when `candidate` equals `root` or has `root` as a whole-component prefix. Both must
// already be canonical absolute paths; this is pure string logic and touches no files.
bool IsInside(const std::string& root, const std::string& candidate);

}  // namespace coven::boundary
