#include "api/session_json.h"

#include <boost/json.hpp>

#include "api/activity_routes.h"
#include "core/redact.h"
#include "core/strings.h"

namespace coven::api {
namespace json = boost::json;

namespace {

json::value OptionalString(const std::optional<std::string>& s) {
  return s ? json::value(*s) : json::value(nullptr);
}

// Redacts every string inside a JSON document, keeping its structure.
void RedactStrings(json::value& v) {
  if (v.is_string()) {
    std::string redacted = core::RedactSecrets(std::string_view(v.as_string()));
    if (redacted != std::string_view(v.as_string())) {
      v = redacted;
    }
  } else if (v.is_array()) {
    for (json::value& e : v.as_array()) {
      RedactStrings(e);
    }
  } else if (v.is_object()) {
    for (auto& kv : v.as_object()) {
      RedactStrings(kv.value());
    }
  }
}

}  // namespace

json::object SessionJson(const store::SessionRow& row,
                         const std::optional<core::Activity>& activity) {
  json::object o;
  o["id"] = row.id;
  o["project_root"] = row.project_root;
  o["harness"] = row.harness;
  o["title"] = row.title;
  o["status"] = row.status;
  o["exit_code"] = row.exit_code ? json::value(*row.exit_code) : json::value(nullptr);
  o["archived_at"] = OptionalString(row.archived_at);
  o["created_at"] = row.created_at;
  o["updated_at"] = row.updated_at;
  o["cwd"] = row.cwd.empty() ? json::value(nullptr) : json::value(row.cwd);
  o["exit_signal"] = OptionalString(row.exit_signal);
  // Additive (issue 10): the harness's conversation id, and the worktree the session runs in.
  o["conversation_id"] = OptionalString(row.conversation_id);
  o["worktree_path"] = OptionalString(row.worktree_path);
  o["worktree_branch"] = OptionalString(row.worktree_branch);
  o["activity"] = ActivityJson(activity);
  return o;
}

std::string PayloadJson(const sessions::SessionEvent& event, bool raw) {
  if (event.payload_is_raw) {
    std::string text = core::SanitizeUtf8(event.payload);
    json::object o;
    o["data"] = raw ? text : core::RedactSecrets(text);
    return json::serialize(o);
  }
  if (raw) {
    return event.payload;
  }
  boost::system::error_code ec;
  json::value v = json::parse(event.payload, ec);
  if (ec) {
    return event.payload;
  }
  RedactStrings(v);
  return json::serialize(v);
}

std::string EventRecordJson(const sessions::SessionEvent& event, const std::string& session_id,
                            bool raw) {
  json::object rec;
  rec["seq"] = event.seq;
  rec["id"] = event.id;
  rec["session_id"] = session_id;
  rec["kind"] = event.kind;
  rec["payload_json"] = PayloadJson(event, raw);
  rec["created_at"] = event.created_at;
  return json::serialize(rec);
}

std::string EventPageJson(const sessions::EventPage& page, const std::string& session_id, bool raw,
                          size_t max_json_bytes) {
  std::string events;
  size_t count = 0;
  bool has_more = page.has_more;
  int64_t last_seq = 0;
  for (const sessions::SessionEvent& e : page.events) {
    std::string rec = EventRecordJson(e, session_id, raw);
    if (count > 0 && events.size() + rec.size() + 1 > max_json_bytes) {
      has_more = true;
      break;
    }
    if (count++ > 0) {
      events += ',';
    }
    events += rec;
    last_seq = e.seq;
  }
  std::string out = "{\"events\":[" + events + "],\"nextCursor\":";
  out += count == 0 ? "null" : "{\"afterSeq\":" + std::to_string(last_seq) + "}";
  out += has_more ? ",\"hasMore\":true}" : ",\"hasMore\":false}";
  return out;
}

}  // namespace coven::api
