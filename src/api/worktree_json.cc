#include "api/worktree_json.h"

#include <boost/json.hpp>

#include "api/errors.h"
#include "sessions/session_manager.h"

namespace coven::api {
namespace json = boost::json;

namespace {

json::object EntryJson(const sessions::WorktreeEntry& e) {
  json::object o;
  o["sessionId"] = e.session.id;
  o["status"] = e.session.status;
  o["title"] = e.session.title;
  o["harness"] = e.session.harness;
  o["projectRoot"] = e.session.project_root;
  o["path"] = e.session.worktree_path.value_or("");
  o["branch"] = e.session.worktree_branch.value_or("");
  o["state"] = e.error.empty() ? sessions::WorktreeStateName(e.status.state) : "unknown";
  o["uniqueCommits"] = e.status.unique_commits;
  if (!e.error.empty()) {
    o["error"] = e.error;
  }
  return o;
}

json::array EntriesJson(const std::vector<sessions::WorktreeEntry>& entries) {
  json::array out;
  for (const sessions::WorktreeEntry& e : entries) {
    out.emplace_back(EntryJson(e));
  }
  return out;
}

}  // namespace

Response WorktreeList(sessions::SessionManager& sm) {
  auto entries = sm.ListWorktrees();
  if (!entries) {
    return ErrorResponse(entries.error());
  }
  json::object o;
  o["worktrees"] = EntriesJson(*entries);
  return Response{200, json::serialize(o)};
}

Response WorktreePrune(sessions::SessionManager& sm) {
  auto report = sm.PruneWorktrees();
  if (!report) {
    return ErrorResponse(report.error());
  }
  json::object o;
  o["removed"] = EntriesJson(report->removed);
  o["kept"] = EntriesJson(report->kept);
  return Response{200, json::serialize(o)};
}

}  // namespace coven::api
