#include "client/sessions.h"

#include <utility>

#include <boost/json.hpp>

#include "core/error.h"

namespace coven::client {
namespace json = boost::json;
using core::Error;
using core::ErrorCode;

namespace {

std::string StringOr(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->as_string()) : std::string();
}

// The `data` text of an event's payload_json, when it has one.
std::optional<std::string> PayloadData(const json::object& event) {
  const json::value* payload = event.if_contains("payload_json");
  if (payload == nullptr || !payload->is_string()) {
    return std::nullopt;
  }
  boost::system::error_code ec;
  json::value p = json::parse(payload->as_string(), ec);
  if (ec || !p.is_object()) {
    return std::nullopt;
  }
  const json::value* data = p.as_object().if_contains("data");
  if (data == nullptr || !data->is_string()) {
    return std::nullopt;
  }
  return std::string(data->as_string());
}

EventRecord EventFromObject(const json::object& o) {
  EventRecord e;
  if (const auto* seq = o.if_contains("seq"); seq && seq->is_int64()) {
    e.seq = seq->as_int64();
  }
  e.kind = StringOr(o, "kind");
  e.data = PayloadData(o);
  e.payload_json = StringOr(o, "payload_json");
  e.created_at = StringOr(o, "created_at");
  return e;
}

}  // namespace

core::Result<SessionRecord> ParseSessionRecord(const std::string& json_text) {
  boost::system::error_code ec;
  json::value v = json::parse(json_text, ec);
  if (ec || !v.is_object()) {
    return Error(ErrorCode::kInternal, "the daemon sent a session record that is not JSON");
  }
  const json::object& o = v.as_object();
  SessionRecord s;
  s.id = StringOr(o, "id");
  s.project_root = StringOr(o, "project_root");
  s.harness = StringOr(o, "harness");
  s.title = StringOr(o, "title");
  s.status = StringOr(o, "status");
  s.created_at = StringOr(o, "created_at");
  s.updated_at = StringOr(o, "updated_at");
  if (const auto* c = o.if_contains("exit_code"); c && c->is_int64()) {
    s.exit_code = c->as_int64();
  }
  if (const auto* a = o.if_contains("archived_at"); a && a->is_string()) {
    s.archived_at = std::string(a->as_string());
  }
  for (auto [key, field] : {std::pair{"conversation_id", &s.conversation_id},
                            std::pair{"worktree_path", &s.worktree_path},
                            std::pair{"worktree_branch", &s.worktree_branch}}) {
    if (const auto* f = o.if_contains(key); f && f->is_string()) {
      *field = std::string(f->as_string());
    }
  }
  s.cwd = StringOr(o, "cwd");
  if (const auto* a = o.if_contains("activity"); a && a->is_object()) {
    const json::object& ao = a->as_object();
    ActivityRecord r;
    r.state = core::ActivityFromName(StringOr(ao, "state")).value_or(core::ActivityState::kUnknown);
    r.since = StringOr(ao, "since");
    r.source = StringOr(ao, "source");
    r.detail = StringOr(ao, "detail");
    s.activity = std::move(r);
  }
  s.json = json_text;
  return s;
}

core::Result<std::vector<SessionRecord>> ParseSessionList(const std::string& json_array,
                                                          const std::string& project) {
  boost::system::error_code ec;
  json::value v = json::parse(json_array, ec);
  if (ec || !v.is_array()) {
    return Error(ErrorCode::kInternal, "the daemon sent a session list that is not a JSON array");
  }
  std::vector<SessionRecord> out;
  for (const json::value& item : v.as_array()) {
    auto s = ParseSessionRecord(json::serialize(item));
    if (!s) {
      continue;
    }
    bool inside = project.empty() || s->project_root == project ||
                  s->project_root.starts_with(project == "/" ? project : project + "/");
    if (inside) {
      out.push_back(std::move(*s));
    }
  }
  return out;
}

std::string LaunchBody(const LaunchRequest& request) {
  json::object req;
  req["projectRoot"] = request.project_root;
  if (!request.cwd.empty()) {
    req["cwd"] = request.cwd;
  }
  req["harness"] = request.harness;
  req["prompt"] = request.prompt;
  req["title"] = request.title;
  if (!request.harness_args.empty()) {
    json::array list;
    for (const std::string& arg : request.harness_args) {
      list.emplace_back(arg);
    }
    req["harnessArgs"] = std::move(list);
  }
  if (request.rows) {
    req["rows"] = *request.rows;
  }
  if (request.cols) {
    req["cols"] = *request.cols;
  }
  req["launchMode"] = request.mode == LaunchMode::kInteractive ? "interactive" : "nonInteractive";
  if (request.resume_conversation || request.new_conversation_id) {
    json::object conversation;
    conversation["mode"] = request.resume_conversation ? "resume" : "init";
    const std::string& id =
        request.resume_conversation ? *request.resume_conversation : *request.new_conversation_id;
    if (!id.empty()) {
      conversation["id"] = id;
    }
    req["conversation"] = std::move(conversation);
  }
  if (request.worktree_name) {
    json::object worktree;
    if (!request.worktree_name->empty()) {
      worktree["name"] = *request.worktree_name;
    }
    if (request.worktree_base) {
      worktree["base"] = *request.worktree_base;
    }
    req["worktree"] = std::move(worktree);
  }
  if (request.model) {
    req["model"] = *request.model;
  }
  return json::serialize(req);
}

LaunchRequest ResumeRequest(const SessionRecord& session) {
  LaunchRequest req;
  req.project_root = session.project_root;
  // The cwd it ran in: inside its worktree when it had one, which stays under the root.
  req.cwd = session.cwd;
  req.harness = session.harness;
  req.title = session.title;
  req.resume_conversation = session.conversation_id.value_or("");
  return req;
}

std::optional<EventRecord> ParseEventRecord(const std::string& record_json) {
  boost::system::error_code ec;
  json::value v = json::parse(record_json, ec);
  if (ec || !v.is_object()) {
    return std::nullopt;
  }
  return EventFromObject(v.as_object());
}

core::Result<EventPage> ParseEventPage(const std::string& body) {
  boost::system::error_code ec;
  json::value page = json::parse(body, ec);
  const json::value* events =
      ec || !page.is_object() ? nullptr : page.as_object().if_contains("events");
  if (events == nullptr || !events->is_array()) {
    return Error(ErrorCode::kInternal, "the daemon sent an events page that is not JSON");
  }
  EventPage out;
  for (const json::value& e : events->as_array()) {
    if (e.is_object()) {
      out.events.push_back(EventFromObject(e.as_object()));
    }
  }
  const json::value* more = page.as_object().if_contains("hasMore");
  out.has_more = more != nullptr && more->is_bool() && more->as_bool();
  return out;
}

core::Result<std::string> Call(const DaemonClient& c, const std::string& method,
                               const std::string& target, const std::string& body) {
  auto reply = c.Send(method, target, body);
  if (!reply) {
    return reply.error();
  }
  if (reply->status < 200 || reply->status > 299) {
    ErrorCode code = reply->status == 404   ? ErrorCode::kSessionNotFound
                     : reply->status == 409 ? ErrorCode::kSessionNotLive
                     : reply->status >= 500 ? ErrorCode::kInternal
                                            : ErrorCode::kInvalidRequest;
    return Error(code, ErrorMessageFromBody(reply->body));
  }
  return std::move(reply->body);
}

core::Result<std::vector<SessionRecord>> ListSessions(const DaemonClient& c, bool all,
                                                      const std::string& project) {
  auto body = Call(c, "GET", all ? "/api/v1/sessions?all=true" : "/api/v1/sessions");
  if (!body) {
    return body.error();
  }
  return ParseSessionList(*body, project);
}

core::Status ReportActivity(const DaemonClient& c, const std::string& id, const std::string& token,
                            core::ActivityState state, const std::string& detail) {
  json::object body{{"token", token}, {"state", core::ActivityName(state)}, {"detail", detail}};
  auto reply = Call(c, "POST", "/api/v1/sessions/" + id + "/activity", json::serialize(body));
  if (!reply) {
    return reply.error();
  }
  return core::Ok();
}

core::Result<std::vector<std::string>> ScreenLines(const DaemonClient& c, const std::string& id) {
  auto body = Call(c, "GET", "/api/v1/sessions/" + id + "/screen");
  if (!body) {
    return body.error();
  }
  boost::system::error_code ec;
  json::value v = json::parse(*body, ec);
  const json::value* lines = ec || !v.is_object() ? nullptr : v.as_object().if_contains("lines");
  if (lines == nullptr || !lines->is_array()) {
    return Error(ErrorCode::kInternal, "the daemon's screen reply has no lines");
  }
  std::vector<std::string> rows;
  for (const json::value& l : lines->as_array()) {
    rows.push_back(l.is_string() ? std::string(l.as_string()) : std::string());
  }
  return rows;
}

}  // namespace coven::client
