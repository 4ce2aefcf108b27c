// `coven worktrees [--json]` and `coven worktrees prune [--json]` (issue 10 item 5).
#include <cstdio>
#include <string>

#include "cli/commands.h"
#include "cli/session_client.h"
#include "client/worktrees.h"
#include "core/strings.h"

namespace coven::cli {
namespace {

// One line per worktree: state, short session id, session status, branch, path.
void PrintEntries(const std::vector<client::WorktreeInfo>& list) {
  for (const client::WorktreeInfo& w : list) {
    std::string state = w.state;
    if (state == "unmerged") {
      state += "(" + std::to_string(w.unique_commits) + ")";
    }
    std::printf("%-12s %-8s %-10s %-28s %s%s\n", core::TerminalSafe(state).c_str(),
                core::TerminalSafe(w.session_id.substr(0, 8)).c_str(),
                core::TerminalSafe(w.status).c_str(), core::TerminalSafe(w.branch).c_str(),
                core::TerminalSafe(w.path).c_str(),
                w.error.empty() ? "" : ("  (" + core::TerminalSafe(w.error) + ")").c_str());
  }
}

std::optional<client::DaemonClient> Daemon(Context& ctx) {
  auto home = ctx.Home();
  if (!home) {
    return std::nullopt;
  }
  auto daemon = EnsureDaemon(*home);
  if (!daemon) {
    ctx.Fail(daemon.error());
    return std::nullopt;
  }
  return std::move(*daemon);
}

}  // namespace

void WorktreesCommand(Context& ctx, const Args& args) {
  auto daemon = Daemon(ctx);
  if (!daemon) {
    return;
  }
  auto list = client::ListWorktrees(*daemon);
  if (!list) {
    ctx.Fail(list.error());
    return;
  }
  if (args.Flag("json")) {
    std::printf("%s\n", list->json.c_str());
    return;
  }
  if (list->worktrees.empty()) {
    std::printf("No session worktrees. Start one with `coven run codex --worktree \"task\"`.\n");
    return;
  }
  std::printf("%-12s %-8s %-10s %-28s %s\n", "STATE", "SESSION", "STATUS", "BRANCH", "PATH");
  PrintEntries(list->worktrees);
}

void WorktreesPruneCommand(Context& ctx, const Args& args) {
  auto daemon = Daemon(ctx);
  if (!daemon) {
    return;
  }
  auto report = client::PruneWorktrees(*daemon);
  if (!report) {
    ctx.Fail(report.error());
    return;
  }
  if (args.Flag("json")) {
    std::printf("%s\n", report->json.c_str());
    return;
  }
  std::printf("removed %zu worktree(s), kept %zu\n", report->worktrees.size(), report->kept.size());
  PrintEntries(report->worktrees);
  if (!report->kept.empty()) {
    std::printf("kept (running, or holding work):\n");
    PrintEntries(report->kept);
  }
}

}  // namespace coven::cli
