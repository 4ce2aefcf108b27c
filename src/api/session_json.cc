#include "api/session_json.h"

#include <boost/json.hpp>

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

json::object SessionJson(const store::SessionRow& row) {
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

json::object EventPageJson(const sessions::EventPage& page, const std::string& session_id, bool raw,
                           size_t max_json_bytes) {
  json::array events;
  size_t total = 0;
  bool has_more = page.has_more;
  int64_t last_seq = 0;
  for (const sessions::SessionEvent& e : page.events) {
    json::object rec;
    rec["seq"] = e.seq;
    rec["id"] = e.id;
    rec["session_id"] = session_id;
    rec["kind"] = e.kind;
    rec["payload_json"] = PayloadJson(e, raw);
    rec["created_at"] = e.created_at;
    size_t size = json::serialize(rec).size() + 1;
    if (!events.empty() && total + size > max_json_bytes) {
      has_more = true;
      break;
    }
    total += size;
    last_seq = e.seq;
    events.emplace_back(std::move(rec));
  }
  json::object out;
  bool empty = events.empty();
  out["events"] = std::move(events);
  if (empty) {
    out["nextCursor"] = nullptr;
  } else {
    json::object cursor;
    cursor["afterSeq"] = last_seq;
    out["nextCursor"] = std::move(cursor);
  }
  out["hasMore"] = has_more;
  return out;
}

}  // namespace coven::api
