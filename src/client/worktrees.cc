#include "client/worktrees.h"

#include <utility>

#include <boost/json.hpp>

#include "client/sessions.h"
#include "core/error.h"

namespace coven::client {
namespace json = boost::json;

namespace {

std::string Str(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->as_string()) : std::string();
}

std::vector<WorktreeInfo> Entries(const json::object& body, std::string_view key) {
  std::vector<WorktreeInfo> out;
  const json::value* list = body.if_contains(key);
  if (list == nullptr || !list->is_array()) {
    return out;
  }
  for (const json::value& item : list->as_array()) {
    if (!item.is_object()) {
      continue;
    }
    const json::object& o = item.as_object();
    WorktreeInfo w;
    w.session_id = Str(o, "sessionId");
    w.status = Str(o, "status");
    w.title = Str(o, "title");
    w.harness = Str(o, "harness");
    w.path = Str(o, "path");
    w.branch = Str(o, "branch");
    w.state = Str(o, "state");
    w.error = Str(o, "error");
    if (const json::value* n = o.if_contains("uniqueCommits"); n && n->is_int64()) {
      w.unique_commits = n->as_int64();
    }
    out.push_back(std::move(w));
  }
  return out;
}

core::Result<WorktreeList> Fetch(const DaemonClient& c, const std::string& method,
                                 const std::string& target, std::string_view list_key) {
  auto body = Call(c, method, target);
  if (!body) {
    return body.error();
  }
  boost::system::error_code ec;
  json::value v = json::parse(*body, ec);
  if (ec || !v.is_object()) {
    return core::Error(core::ErrorCode::kInternal,
                       "the daemon sent a worktree list that is not "
                       "a JSON object (is it an older daemon?)");
  }
  WorktreeList out;
  out.worktrees = Entries(v.as_object(), list_key);
  out.kept = Entries(v.as_object(), "kept");
  out.json = std::move(*body);
  return out;
}

}  // namespace

core::Result<WorktreeList> ListWorktrees(const DaemonClient& c) {
  return Fetch(c, "GET", "/api/v1/worktrees", "worktrees");
}

core::Result<WorktreeList> PruneWorktrees(const DaemonClient& c) {
  return Fetch(c, "POST", "/api/v1/worktrees/prune", "removed");
}

}  // namespace coven::client
