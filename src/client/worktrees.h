// client/worktrees.h: the sessions' git worktrees as the daemon lists and prunes them
// (GET /api/v1/worktrees, POST /api/v1/worktrees/prune; issue 10 item 5).
#pragma once

#include <string>
#include <vector>

#include "client/daemon_client.h"
#include "core/result.h"

namespace coven::client {

struct WorktreeInfo {
  std::string session_id, status, title, harness, path, branch;
  std::string state;  // clean, dirty, unmerged, removed, or unknown (then `error` says why)
  int64_t unique_commits = 0;
  std::string error;
};

struct WorktreeList {
  std::vector<WorktreeInfo> worktrees;  // the list, or what prune removed
  std::vector<WorktreeInfo> kept;       // prune only
  std::string json;                     // the daemon's body, for --json
};

// GET /worktrees. Errors as client::Call's.
core::Result<WorktreeList> ListWorktrees(const DaemonClient& c);
// POST /worktrees/prune: `worktrees` holds the removed ones.
core::Result<WorktreeList> PruneWorktrees(const DaemonClient& c);

}  // namespace coven::client
