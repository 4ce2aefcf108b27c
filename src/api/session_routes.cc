// The session routes of SPEC 2.8-2.13 plus this project's additive ones (resize and the
// rituals), shaped as the wire expects.
#include <algorithm>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <boost/json.hpp>

#include "api/activity_routes.h"
#include "api/errors.h"
#include "api/launch_body.h"
#include "api/routes.h"
#include "api/session_json.h"
#include "api/streams.h"
#include "api/worktree_json.h"
#include "core/error.h"
#include "core/redact.h"
#include "core/session_status.h"
#include "core/strings.h"
#include "screen/screen_model.h"
#include "sessions/session_manager.h"

namespace coven::api {
namespace json = boost::json;
using core::Error;
using core::ErrorCode;

namespace {

constexpr size_t kDefaultPageEvents = 500;
constexpr size_t kMaxPageEvents = 1000;
constexpr size_t kMaxPageJsonBytes = size_t{768} * 1024;

Response Json(int status, const json::value& v) {
  return Response{status, json::serialize(v)};
}

Response Accepted() {
  json::object o;
  o["accepted"] = true;
  o["ok"] = true;
  return Json(202, o);
}

// Parses a request body that must be a JSON object; an empty body is {}.
core::Result<json::object> BodyObject(const std::string& body) {
  if (core::Trim(body).empty()) {
    return json::object();
  }
  boost::system::error_code ec;
  json::value v = json::parse(body, ec);
  if (ec) {
    return Error(ErrorCode::kInvalidRequest, "request body is not valid JSON: " + ec.message());
  }
  if (!v.is_object()) {
    return Error(ErrorCode::kInvalidRequest, "request body must be a JSON object");
  }
  return std::move(v.as_object());
}

std::optional<std::string> StringField(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr || !v->is_string()) {
    return std::nullopt;
  }
  return std::string(v->as_string());
}

// rows/cols: optional positive integers up to 1000.
core::Result<uint16_t> SizeField(const json::object& o, std::string_view key, uint16_t fallback) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr || v->is_null()) {
    return fallback;
  }
  if (!v->is_int64() || v->as_int64() < 1 || v->as_int64() > 1000) {
    return Error(ErrorCode::kInvalidRequest,
                 std::string(key) + " must be an integer from 1 to 1000");
  }
  return static_cast<uint16_t>(v->as_int64());
}

Response Launch(sessions::SessionManager& sm, const std::string& body) {
  auto obj = BodyObject(body);
  if (!obj) {
    return ErrorResponse(obj.error());
  }
  auto req = ParseLaunchBody(*obj);
  if (!req) {
    return ErrorResponse(req.error());
  }
  auto row = sm.Launch(*req);
  if (!row) {
    return ErrorResponse(row.error());
  }
  return Json(201, SessionJson(*row, sm.Activity(row->id)));
}

using ActivityFilter = std::optional<std::set<core::ActivityState>>;

// The list as a JSON array of SessionRecords (SPEC 2.8); with a filter, only the live
// sessions whose activity state is in it.
core::Result<std::string> ListJson(sessions::SessionManager& sm, bool include_archived,
                                   const ActivityFilter& filter) {
  auto rows = sm.List(include_archived);
  if (!rows) {
    return rows.error();
  }
  json::array out;
  for (const auto& row : *rows) {
    auto activity = sm.Activity(row.id);
    if (filter && (!activity || filter->count(activity->state) == 0)) {
      continue;
    }
    out.emplace_back(SessionJson(row, activity));
  }
  return json::serialize(out);
}

// SPEC 2.8 lists non-archived sessions; `all=true` (additive) includes archived ones;
// `watch=true` (additive) streams the list again on every change (Server-Sent Events).
// `activity=asking,waiting` (additive) keeps the live sessions in those states.
Response List(sessions::SessionManager& sm, std::string_view query) {
  bool all = QueryParam(query, "all") == "true";
  auto filter = ParseActivityFilter(query);
  if (!filter) {
    return ErrorResponse(filter.error());
  }
  if (QueryParam(query, "watch") == "true") {
    Response res;
    res.content_type = "text/event-stream";
    res.stream = MakeSessionListStream(sm, all, [&sm, f = *filter](bool include_archived) {
      return ListJson(sm, include_archived, f);
    });
    return res;
  }
  auto list = ListJson(sm, all, *filter);
  if (!list) {
    return ErrorResponse(list.error());
  }
  return Response{200, std::move(*list)};
}

Response Get(sessions::SessionManager& sm, const std::string& id) {
  auto row = sm.Get(id);
  if (!row) {
    return ErrorResponse(row.error());
  }
  return Json(200, SessionJson(*row, sm.Activity(row->id)));
}

// SPEC 2.11: 404, then 409 on the ledger status, and only then the body.
Response Input(sessions::SessionManager& sm, const std::string& id, const std::string& body) {
  auto row = sm.Get(id);
  if (!row) {
    return ErrorResponse(row.error());
  }
  if (!core::IsStatus(row->status, core::SessionStatus::kRunning)) {
    return ErrorResponse(
        Error(ErrorCode::kSessionNotLive, "Session is not live.").WithDetail("sessionId", id));
  }
  auto obj = BodyObject(body);
  if (!obj) {
    return ErrorResponse(obj.error());
  }
  auto data = StringField(*obj, "data");
  if (!data) {
    return ErrorResponse(
        Error(ErrorCode::kInvalidRequest, "input payload requires string field `data`"));
  }
  if (core::Status s = sm.Input(id, *data); !s) {
    return ErrorResponse(s.error());
  }
  return Accepted();
}

Response Kill(sessions::SessionManager& sm, const std::string& id) {
  if (core::Status s = sm.Kill(id); !s) {
    return ErrorResponse(s.error());
  }
  return Accepted();
}

Response Resize(sessions::SessionManager& sm, const std::string& id, const std::string& body) {
  if (auto row = sm.Get(id); !row) {
    return ErrorResponse(row.error());
  }
  auto obj = BodyObject(body);
  if (!obj) {
    return ErrorResponse(obj.error());
  }
  if (!obj->contains("rows") || !obj->contains("cols")) {
    return ErrorResponse(Error(ErrorCode::kInvalidRequest, "resize requires rows and cols"));
  }
  auto rows = SizeField(*obj, "rows", 0);
  auto cols = SizeField(*obj, "cols", 0);
  if (!rows || !cols) {
    return ErrorResponse(!rows ? rows.error() : cols.error());
  }
  if (core::Status s = sm.Resize(id, *rows, *cols); !s) {
    return ErrorResponse(s.error());
  }
  return Accepted();
}

// The sacrifice body (additive): {} or {"force": true} (removes a worktree holding work).
core::Result<bool> ForceField(const std::string& body) {
  auto obj = BodyObject(body);
  if (!obj) {
    return obj.error();
  }
  const json::value* force = obj->if_contains("force");
  if (force == nullptr || force->is_null()) {
    return false;
  }
  if (!force->is_bool()) {
    return Error(ErrorCode::kInvalidRequest, "`force` must be a boolean")
        .WithDetail("field", "force");
  }
  return force->as_bool();
}

Response Ritual(sessions::SessionManager& sm, const std::string& id, const std::string& verb,
                const std::string& body = "") {
  if (verb == "sacrifice") {
    auto force = ForceField(body);
    if (!force) {
      return ErrorResponse(force.error());
    }
    if (core::Status s = sm.Sacrifice(id, *force); !s) {
      return ErrorResponse(s.error());
    }
    json::object o;
    o["ok"] = true;
    o["sacrificed"] = true;
    o["sessionId"] = id;
    return Json(200, o);
  }
  auto row = verb == "archive" ? sm.Archive(id) : sm.Summon(id);
  if (!row) {
    return ErrorResponse(row.error());
  }
  return Json(200, SessionJson(*row, sm.Activity(row->id)));
}

Response Events(sessions::SessionManager& sm, std::string_view query) {
  auto session_id = QueryParam(query, "sessionId");
  if (!session_id) {
    return ErrorResponse(
        Error(ErrorCode::kInvalidRequest, "sessionId query parameter is required."));
  }
  sessions::EventQuery q;
  q.session_id = *session_id;
  if (auto raw = QueryParam(query, "afterSeq")) {
    auto v = core::ParseInt64(*raw);
    if (!v) {
      return ErrorResponse(Error(ErrorCode::kInvalidRequest, "afterSeq must be an integer.")
                               .WithDetail("afterSeq", *raw));
    }
    q.after_seq = *v;
  }
  q.max_events = kDefaultPageEvents;
  if (auto raw = QueryParam(query, "limit")) {
    auto v = core::ParseInt64(*raw);
    if (!v) {
      return ErrorResponse(
          Error(ErrorCode::kInvalidRequest, "limit must be an integer.").WithDetail("limit", *raw));
    }
    q.max_events = static_cast<size_t>(std::clamp<int64_t>(*v, 1, kMaxPageEvents));
  }
  q.after_event_id = QueryParam(query, "afterEventId");
  q.max_payload_bytes = kMaxPageJsonBytes;
  bool raw = QueryParam(query, "raw") == "true";
  auto page = sm.Events(q);
  if (!page) {
    return ErrorResponse(page.error());
  }
  return Response{200, EventPageJson(*page, q.session_id, raw, kMaxPageJsonBytes)};
}

Response Doctor(sessions::SessionManager& sm) {
  sessions::Diagnosis d = sm.Diagnose();
  json::object ledger;
  ledger["path"] = d.ledger_path;
  ledger["integrity"] = d.ledger_integrity;
  ledger["schemaVersion"] = d.schema_version;
  json::array harnesses;
  for (const auto& h : d.harnesses) {
    json::object o;
    o["id"] = h.adapter->id;
    o["label"] = h.adapter->label;
    o["executable"] = h.adapter->executable;
    o["ready"] = h.path.has_value();
    o["path"] = h.path ? json::value(*h.path) : json::value(nullptr);
    o["installHint"] = h.adapter->install_hint;
    o["passThrough"] = h.adapter->pass_through;
    o["builtin"] = h.adapter->builtin;
    harnesses.emplace_back(std::move(o));
  }
  json::array problems;
  for (const std::string& p : d.adapter_problems) {
    problems.emplace_back(p);
  }
  json::object out;
  out["ledger"] = std::move(ledger);
  out["harnesses"] = std::move(harnesses);
  out["adapterProblems"] = std::move(problems);
  out["liveSessions"] = d.live_sessions;
  json::array notifications;
  for (const std::string& line : d.notifications) {
    notifications.emplace_back(line);
  }
  out["notifications"] = std::move(notifications);
  return Json(200, out);
}

// The cursor a live stream starts after: afterSeq, or `tail` events before the end
// (additive: a preview needs only the last screen), or 0.
core::Result<int64_t> StreamStart(sessions::SessionManager& sm, const std::string& id,
                                  std::string_view query) {
  if (auto raw_after = QueryParam(query, "afterSeq")) {
    auto v = core::ParseInt64(*raw_after);
    if (!v) {
      return Error(ErrorCode::kInvalidRequest, "afterSeq must be an integer.")
          .WithDetail("afterSeq", *raw_after);
    }
    return *v;
  }
  if (auto raw_tail = QueryParam(query, "tail")) {
    auto v = core::ParseInt64(*raw_tail);
    if (!v || *v < 0) {
      return Error(ErrorCode::kInvalidRequest, "tail must be a non-negative integer.")
          .WithDetail("tail", *raw_tail);
    }
    auto last = sm.LastSeq(id);
    if (!last) {
      return last.error();
    }
    return std::max<int64_t>(0, *last - *v);
  }
  return int64_t{0};
}

constexpr std::string_view kMouseNames[] = {"none", "click", "drag", "move"};
constexpr std::string_view kSourceNames[] = {"live", "final", "rebuilt"};

// GET /sessions/<id>/screen (additive, docs/screen.md): the screen as JSON (keys sorted,
// text redacted unless raw=true), or with format=ansi the bytes that paint it (exact, as
// attach output is).
Response Screen(sessions::SessionManager& sm, const std::string& id, std::string_view query) {
  std::string format = QueryParam(query, "format").value_or("json");
  if (format != "json" && format != "ansi") {
    return ErrorResponse(Error(ErrorCode::kInvalidRequest, "format must be json or ansi.")
                             .WithDetail("format", format));
  }
  auto screen = sm.Screen(id);
  if (!screen) {
    return ErrorResponse(screen.error());
  }
  const screen::Snapshot& s = screen->snapshot;
  if (format == "ansi") {
    return Response{200, s.ansi, "application/octet-stream"};
  }
  bool raw = QueryParam(query, "raw") == "true";
  auto text = [raw](const std::string& t) {
    return raw ? core::SanitizeUtf8(t) : core::SanitizeUtf8(core::RedactSecrets(t));
  };
  json::array lines;
  for (const std::string& line : s.lines) {
    lines.emplace_back(text(line));
  }
  json::object cursor;
  cursor["col"] = s.cursor_col;
  cursor["row"] = s.cursor_row;
  cursor["visible"] = s.cursor_visible;
  json::object modes;
  modes["appCursorKeys"] = s.modes.app_cursor_keys;
  modes["appKeypad"] = s.modes.app_keypad;
  modes["bracketedPaste"] = s.modes.bracketed_paste;
  modes["focusEvents"] = s.modes.focus_events;
  modes["mouse"] = kMouseNames[static_cast<size_t>(s.modes.mouse)];
  modes["mouseSgr"] = s.modes.mouse_sgr;
  json::object o;
  o["altScreen"] = s.alt_screen;
  o["cols"] = s.cols;
  o["cursor"] = std::move(cursor);
  o["lines"] = std::move(lines);
  o["modes"] = std::move(modes);
  o["rows"] = s.rows;
  o["seq"] = screen->seq;
  o["sessionId"] = id;
  o["source"] = kSourceNames[static_cast<size_t>(screen->source)];
  o["title"] = text(s.title);
  return Json(200, o);
}

// What a session route's handler gets: the manager, the {id} of its pattern (empty when it
// has none) and the request.
struct SessionCall {
  sessions::SessionManager& sm;
  const std::string& id;
  std::string_view query;
  const std::string& body;
  bool is_upgrade;
};

// The additive live routes: SSE events, or the attach WebSocket.
Response Stream(const SessionCall& c, bool attach) {
  if (auto row = c.sm.Get(c.id); !row) {
    return ErrorResponse(row.error());
  }
  auto after = StreamStart(c.sm, c.id, c.query);
  if (!after) {
    return ErrorResponse(after.error());
  }
  Response res;
  if (!attach) {
    res.content_type = "text/event-stream";
    res.stream = MakeEventStream(c.sm, c.id, *after, QueryParam(c.query, "raw") == "true");
    return res;
  }
  if (!c.is_upgrade) {
    return ErrorResponse(
        Error(ErrorCode::kInvalidRequest, "attach needs a WebSocket upgrade (use `coven attach`)"));
  }
  int64_t from = *after;
  std::string paint;
  if (QueryParam(c.query, "screen") == "true") {
    // Rejoin (docs/screen.md): paint the current screen, then follow from the event
    // that screen reflects, so no byte is lost or shown twice.
    // A session without a screen (a legacy one with no event log, or a failed read) is
    // replayed after `afterSeq` instead: a rejoin never fails for want of a screen.
    if (auto screen = c.sm.Screen(c.id)) {
      paint = std::move(screen->snapshot.ansi);
      from = static_cast<int64_t>(screen->seq);
    }
  }
  res.duplex = MakeAttachStream(c.sm, c.id, from, std::move(paint));
  return res;
}

// GET /sessions/<id>/recording?format=asciicast (additive, docs/screen.md): the session
// as an asciicast v2 file, streamed page by page (memory does not grow with the log).
// Redacted like events unless raw=true.
Response Recording(const SessionCall& c) {
  std::string format = QueryParam(c.query, "format").value_or("asciicast");
  if (format != "asciicast") {
    return ErrorResponse(Error(ErrorCode::kInvalidRequest, "format must be asciicast.")
                             .WithDetail("format", format));
  }
  auto row = c.sm.Get(c.id);
  if (!row) {
    return ErrorResponse(row.error());
  }
  Response res;
  res.content_type = "application/x-asciicast";
  res.stream = MakeRecordingStream(c.sm, c.id, row->title, QueryParam(c.query, "raw") == "true");
  return res;
}

struct SessionRoute {
  std::string_view method;
  std::string_view pattern;  // see MatchRoute
  Response (*handler)(const SessionCall&);
};

// SPEC 2.8-2.13 and the additive routes, first match wins: the live routes come before the
// plain lookup, whose {id} would take them in. Ids never contain '/'.
constexpr SessionRoute kSessionRoutes[] = {
    {"GET", "/doctor", [](const SessionCall& c) { return Doctor(c.sm); }},
    {"GET", "/sessions", [](const SessionCall& c) { return List(c.sm, c.query); }},
    {"POST", "/sessions", [](const SessionCall& c) { return Launch(c.sm, c.body); }},
    {"GET", "/events", [](const SessionCall& c) { return Events(c.sm, c.query); }},
    {"POST", "/sessions/{id}/input",
     [](const SessionCall& c) { return Input(c.sm, c.id, c.body); }},
    {"POST", "/sessions/{id}/kill", [](const SessionCall& c) { return Kill(c.sm, c.id); }},
    {"POST", "/sessions/{id}/activity",
     [](const SessionCall& c) { return ReportActivity(c.sm, c.id, c.body); }},
    {"POST", "/sessions/{id}/resize",
     [](const SessionCall& c) { return Resize(c.sm, c.id, c.body); }},
    {"POST", "/sessions/{id}/archive",
     [](const SessionCall& c) { return Ritual(c.sm, c.id, "archive"); }},
    {"POST", "/sessions/{id}/summon",
     [](const SessionCall& c) { return Ritual(c.sm, c.id, "summon"); }},
    {"POST", "/sessions/{id}/sacrifice",
     [](const SessionCall& c) { return Ritual(c.sm, c.id, "sacrifice", c.body); }},
    {"GET", "/worktrees", [](const SessionCall& c) { return WorktreeList(c.sm); }},
    {"POST", "/worktrees/prune", [](const SessionCall& c) { return WorktreePrune(c.sm); }},
    {"GET", "/sessions/{id}/stream", [](const SessionCall& c) { return Stream(c, false); }},
    {"GET", "/sessions/{id}/attach", [](const SessionCall& c) { return Stream(c, true); }},
    {"GET", "/sessions/{id}/screen",
     [](const SessionCall& c) { return Screen(c.sm, c.id, c.query); }},
    {"GET", "/sessions/{id}/recording", [](const SessionCall& c) { return Recording(c); }},
    {"GET", "/sessions/{id}", [](const SessionCall& c) { return Get(c.sm, c.id); }},
};

}  // namespace

std::vector<std::pair<std::string, bool>> AdditiveCapabilities() {
  return {{"eventStream", true},         {"attachStream", true},   {"sessionRituals", true},
          {"sessionResize", true},       {"redaction", true},      {"harnessArgs", true},
          {"sessionWatch", true},        {"promptIsData", true},   {"sessionLaunchMode", true},
          {"sessionLaunchPolicy", true}, {"sessionModel", true},   {"sessionScreen", true},
          {"sessionRecording", true},    {"directAttach", true},   {"conversationResume", true},
          {"worktrees", true},           {"sessionActivity", true}};
}

std::optional<Response> DispatchSessionRoute(sessions::SessionManager* sessions,
                                             const std::string& method, const std::string& path,
                                             std::string_view query, const std::string& body,
                                             bool is_upgrade) {
  for (const SessionRoute& route : kSessionRoutes) {
    if (route.method != method) {
      continue;
    }
    std::optional<std::string_view> id = MatchRoute(route.pattern, path);
    if (!id) {
      continue;
    }
    if (sessions == nullptr) {
      return ErrorResponse(
          Error(ErrorCode::kRuntimeUnavailable, "Session runtime is not available."));
    }
    std::string id_text(*id);
    return route.handler(SessionCall{*sessions, id_text, query, body, is_upgrade});
  }
  return std::nullopt;
}

}  // namespace coven::api
