// api/session_json.h: wire shapes of sessions and events (SPEC 3.1, 2.13), shared by the
// HTTP routes. Internal to api/.
#pragma once

#include <optional>
#include <string>

#include <boost/json/object.hpp>

#include "core/activity.h"
#include "sessions/session_manager.h"
#include "store/ledger.h"

namespace coven::api {

// SessionRecord in declaration order (snake_case), plus the additive `cwd`,
// `exit_signal` and `activity` (api/activity_routes.h; null when not live).
boost::json::object SessionJson(const store::SessionRow& row,
                                const std::optional<core::Activity>& activity);

// `payload_json` for one event: output/input bytes become {"data": "<text>"} with invalid
// UTF-8 replaced; secrets are redacted unless `raw`.
std::string PayloadJson(const sessions::SessionEvent& event, bool raw);

// One event record, serialized: {"seq","id","session_id","kind","payload_json","created_at"}
// (SPEC 2.13), the same for GET /events and the SSE stream.
std::string EventRecordJson(const sessions::SessionEvent& event, const std::string& session_id,
                            bool raw);

// The serialized page {"events":[...],"nextCursor":{"afterSeq":N}|null,"hasMore":bool}, cut
// (with hasMore true) before the events pass `max_json_bytes`; at least one event is kept.
// Each record is serialized once (its size decides the cut, then it is copied in).
std::string EventPageJson(const sessions::EventPage& page, const std::string& session_id, bool raw,
                          size_t max_json_bytes);

}  // namespace coven::api
