// The session routes of SPEC 2.8-2.13 plus this project's additive ones (resize and the
// rituals), shaped as the wire expects.
#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include <boost/json.hpp>

#include "api/errors.h"
#include "api/launch_body.h"
#include "api/routes.h"
#include "api/session_json.h"
#include "api/streams.h"
#include "core/error.h"
#include "core/strings.h"
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
  return Json(201, SessionJson(*row));
}

// The list as a JSON array of SessionRecords (SPEC 2.8).
core::Result<std::string> ListJson(sessions::SessionManager& sm, bool include_archived) {
  auto rows = sm.List(include_archived);
  if (!rows) {
    return rows.error();
  }
  json::array out;
  for (const auto& row : *rows) {
    out.emplace_back(SessionJson(row));
  }
  return json::serialize(out);
}

// SPEC 2.8 lists non-archived sessions; `all=true` (additive) includes archived ones;
// `watch=true` (additive) streams the list again on every change (Server-Sent Events).
Response List(sessions::SessionManager& sm, std::string_view query) {
  bool all = QueryParam(query, "all") == "true";
  if (QueryParam(query, "watch") == "true") {
    Response res;
    res.stream = MakeSessionListStream(
        sm, all, [&sm](bool include_archived) { return ListJson(sm, include_archived); });
    return res;
  }
  auto list = ListJson(sm, all);
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
  return Json(200, SessionJson(*row));
}

// SPEC 2.11: 404, then 409 on the ledger status, and only then the body.
Response Input(sessions::SessionManager& sm, const std::string& id, const std::string& body) {
  auto row = sm.Get(id);
  if (!row) {
    return ErrorResponse(row.error());
  }
  if (row->status != "running") {
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

Response Ritual(sessions::SessionManager& sm, const std::string& id, const std::string& verb) {
  if (verb == "sacrifice") {
    if (core::Status s = sm.Sacrifice(id); !s) {
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
  return Json(200, SessionJson(*row));
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
  return Json(200, out);
}

bool EndsWith(const std::string& s, std::string_view suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

std::vector<std::pair<std::string, bool>> AdditiveCapabilities() {
  return {{"eventStream", true},         {"attachStream", true}, {"sessionRituals", true},
          {"sessionResize", true},       {"redaction", true},    {"harnessArgs", true},
          {"sessionWatch", true},        {"promptIsData", true}, {"sessionLaunchMode", true},
          {"sessionLaunchPolicy", true}, {"sessionModel", true}};
}

std::optional<Response> DispatchSessionRoute(sessions::SessionManager* sessions,
                                             const std::string& method, const std::string& path,
                                             std::string_view query, const std::string& body,
                                             bool is_upgrade) {
  constexpr std::string_view kPrefix = "/sessions/";
  bool under_sessions = path.rfind(kPrefix, 0) == 0;
  if (path == "/doctor" && method == "GET") {
    if (sessions == nullptr) {
      return ErrorResponse(
          Error(ErrorCode::kRuntimeUnavailable, "Session runtime is not available."));
    }
    return Doctor(*sessions);
  }
  bool is_route = path == "/sessions" || path == "/events" ||
                  (under_sessions && (method == "GET" || method == "POST"));
  if (!is_route || (path == "/events" && method != "GET") ||
      (path == "/sessions" && method != "GET" && method != "POST")) {
    return std::nullopt;
  }
  if (sessions == nullptr) {
    return ErrorResponse(
        Error(ErrorCode::kRuntimeUnavailable, "Session runtime is not available."));
  }
  sessions::SessionManager& sm = *sessions;
  if (path == "/sessions") {
    return method == "GET" ? List(sm, query) : Launch(sm, body);
  }
  if (path == "/events") {
    return Events(sm, query);
  }
  auto id_before = [&](std::string_view suffix) {
    return path.substr(kPrefix.size(), path.size() - kPrefix.size() - suffix.size());
  };
  if (method == "POST") {
    static constexpr std::string_view kVerbs[] = {"/input",   "/kill",   "/resize",
                                                  "/archive", "/summon", "/sacrifice"};
    for (std::string_view verb : kVerbs) {
      if (!EndsWith(path, verb) || path.size() < kPrefix.size() + verb.size()) {
        continue;
      }
      std::string id = id_before(verb);
      if (verb == "/input") {
        return Input(sm, id, body);
      }
      if (verb == "/kill") {
        return Kill(sm, id);
      }
      if (verb == "/resize") {
        return Resize(sm, id, body);
      }
      return Ritual(sm, id, std::string(verb.substr(1)));
    }
    return std::nullopt;
  }
  // Additive stream routes (ids never contain '/', so these cannot shadow a lookup).
  if (EndsWith(path, "/stream") || EndsWith(path, "/attach")) {
    std::string id = id_before("/stream");  // both suffixes have the same length
    auto row = sm.Get(id);
    if (!row) {
      return ErrorResponse(row.error());
    }
    int64_t after = 0;
    if (auto raw_after = QueryParam(query, "afterSeq")) {
      auto v = core::ParseInt64(*raw_after);
      if (!v) {
        return ErrorResponse(Error(ErrorCode::kInvalidRequest, "afterSeq must be an integer.")
                                 .WithDetail("afterSeq", *raw_after));
      }
      after = *v;
    } else if (auto raw_tail = QueryParam(query, "tail")) {
      // Additive: start `tail` events before the end (a preview needs only the last screen).
      auto v = core::ParseInt64(*raw_tail);
      if (!v || *v < 0) {
        return ErrorResponse(
            Error(ErrorCode::kInvalidRequest, "tail must be a non-negative integer.")
                .WithDetail("tail", *raw_tail));
      }
      auto last = sm.LastSeq(id);
      if (!last) {
        return ErrorResponse(last.error());
      }
      after = std::max<int64_t>(0, *last - *v);
    }
    Response res;
    if (EndsWith(path, "/stream")) {
      res.stream = MakeEventStream(sm, id, after, QueryParam(query, "raw") == "true");
      return res;
    }
    if (!is_upgrade) {
      return ErrorResponse(Error(ErrorCode::kInvalidRequest,
                                 "attach needs a WebSocket upgrade (use `coven attach`)"));
    }
    res.duplex = MakeAttachStream(sm, id, after);
    return res;
  }
  return Get(sm, path.substr(kPrefix.size()));
}

}  // namespace coven::api
