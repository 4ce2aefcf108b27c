// api/worktree_json.h: GET /worktrees and POST /worktrees/prune (additive, issue 10 item 5).
// Internal to api/.
#pragma once

#include "api/http.h"

namespace coven::sessions {
class SessionManager;
}

namespace coven::api {

// {"worktrees":[{sessionId, status, title, harness, projectRoot, path, branch, state,
// uniqueCommits, error?}]}, newest session first.
Response WorktreeList(sessions::SessionManager& sm);
// {"removed":[...], "kept":[...]} with the same entries (see SessionManager::PruneWorktrees).
Response WorktreePrune(sessions::SessionManager& sm);

}  // namespace coven::api
