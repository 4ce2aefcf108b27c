// SessionManager's worktree listing and pruning (`coven worktrees`, issue 10 item 5).
#include <utility>

#include "core/session_status.h"
#include "sessions/session_manager.h"

namespace coven::sessions {

core::Result<std::vector<WorktreeEntry>> SessionManager::ListWorktrees() {
  std::vector<store::SessionRow> rows;
  {
    core::MutexLock lock(&ledger_mu_);
    auto listed = ledger_.ListWithWorktree();
    if (!listed) {
      return listed.error();
    }
    rows = std::move(*listed);
  }
  // git runs without the ledger lock held: it may take a while.
  std::vector<WorktreeEntry> out;
  for (store::SessionRow& row : rows) {
    WorktreeEntry entry;
    auto st =
        worktrees_.Inspect(row.project_root, *row.worktree_path, row.worktree_branch.value_or(""));
    if (st) {
      entry.status = *st;
    } else {
      entry.error = st.error().message;
    }
    entry.session = std::move(row);
    out.push_back(std::move(entry));
  }
  return out;
}

core::Result<PruneReport> SessionManager::PruneWorktrees() {
  auto entries = ListWorktrees();
  if (!entries) {
    return entries.error();
  }
  PruneReport report;
  for (WorktreeEntry& e : *entries) {
    const store::SessionRow& row = e.session;
    bool removable = e.error.empty() && e.status.state == WorktreeState::kClean &&
                     !core::IsStatus(row.status, core::SessionStatus::kRunning);
    if (e.status.state == WorktreeState::kRemoved) {
      continue;  // nothing left to prune
    }
    if (!removable) {
      report.kept.push_back(std::move(e));
      continue;
    }
    core::Status s = worktrees_.Remove(row.project_root, *row.worktree_path,
                                       row.worktree_branch.value_or(""), /*force=*/false);
    if (!s) {
      e.error = s.error().message;
      report.kept.push_back(std::move(e));
      continue;
    }
    e.status.state = WorktreeState::kRemoved;
    report.removed.push_back(std::move(e));
  }
  if (!report.removed.empty()) {
    NotifyListChanged();
  }
  return report;
}

}  // namespace coven::sessions
