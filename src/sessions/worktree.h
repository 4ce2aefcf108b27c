// sessions/worktree.h: a git worktree per session (issue 10, item 5).
//
// A session launched with a worktree runs in `<projectRoot>/.coven/worktrees/<name>`, made by
// `git worktree add -b coven/<name> <path> <base commit>` in the project's repository, with
// `.coven/` added to the repository's `info/exclude` so the folder never shows as untracked.
// Sacrifice removes the worktree and its branch, but only when nothing would be lost: no
// uncommitted (or untracked) change and no commit that no other branch has, unless forced.
//
// Everything goes through the `git` program, found on PATH, as an argv vector (never a
// shell), with a bound on its run time. Values from a client (name, base) are checked
// before they reach git, and are never in an option's place: a base is resolved to a
// commit id first. This module knows nothing of sessions or the ledger. Thread-safe (each
// call runs its own git processes); calls block while git runs.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/result.h"

namespace coven::sessions {

// What a launch asks for: a name (default: the session's short id) and a base revision
// (default: HEAD).
struct WorktreeRequest {
  std::optional<std::string> name;
  std::optional<std::string> base;
};

struct Worktree {
  std::string name;    // "fix-tests"
  std::string path;    // "<projectRoot>/.coven/worktrees/fix-tests"
  std::string branch;  // "coven/fix-tests"
  std::string cwd;     // where the session runs: the launch cwd's place inside the worktree
};

// What removing a worktree would lose.
enum class WorktreeState {
  kClean,     // no change, every commit is on another branch: safe to remove
  kDirty,     // uncommitted or untracked changes
  kUnmerged,  // commits that no other branch has
  kRemoved,   // neither the folder nor the branch exists any more
};
// "clean", "dirty", "unmerged", "removed".
const char* WorktreeStateName(WorktreeState state);

struct WorktreeStatus {
  WorktreeState state = WorktreeState::kClean;
  int unique_commits = 0;  // with kUnmerged
};

class WorktreeTool {
 public:
  // `git` is the full path of the git program (nullopt: not installed; every call then
  // fails with kInvalidRequest saying so).
  explicit WorktreeTool(std::optional<std::string> git) : git_(std::move(git)) {}

  // ^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$ and not ending in ".lock": a folder name and a valid
  // branch name component. kInvalidRequest naming `worktree.name` otherwise.
  static core::Status CheckName(const std::string& name);

  // Creates the worktree for a session whose (canonical) project root and cwd are given.
  // kInvalidRequest (details field) when the project is not in a git repository, the name
  // is invalid or taken (folder or branch exists), or the base does not resolve to a commit;
  // nothing is created then. kInternal with git's message when git itself fails.
  core::Result<Worktree> Create(const std::string& project_root, const std::string& cwd,
                                const std::string& name,
                                const std::optional<std::string>& base) const;

  // What removing the worktree at `path` with `branch` would lose; kInternal when git fails.
  core::Result<WorktreeStatus> Inspect(const std::string& project_root, const std::string& path,
                                       const std::string& branch) const;

  // Removes the worktree folder and deletes its branch (each when still there). Without
  // `force` it first refuses with kWorktreeNotClean (409) when Inspect says kDirty or
  // kUnmerged, the message saying which and how to force it.
  core::Status Remove(const std::string& project_root, const std::string& path,
                      const std::string& branch, bool force) const;

 private:
  struct GitResult;
  core::Result<GitResult> Git(const std::string& dir, std::vector<std::string> args) const;

  std::optional<std::string> git_;
};

}  // namespace coven::sessions
