// api/session_json.h: wire shapes of sessions and events (SPEC 3.1, 2.13), shared by the
// HTTP routes. Internal to api/.
#pragma once

#include <string>

#include <boost/json/object.hpp>

#include "sessions/session_manager.h"
#include "store/ledger.h"

namespace coven::api {

// SessionRecord in declaration order (snake_case), plus the additive `cwd` and
// `exit_signal`.
boost::json::object SessionJson(const store::SessionRow& row);

// `payload_json` for one event: output/input bytes become {"data": "<text>"} with invalid
// UTF-8 replaced; secrets are redacted unless `raw`.
std::string PayloadJson(const sessions::SessionEvent& event, bool raw);

// {"events":[...],"nextCursor":{"afterSeq":N}|null,"hasMore":bool}, cut (with hasMore
// true) before the serialized events pass `max_json_bytes`; at least one event is kept.
boost::json::object EventPageJson(const sessions::EventPage& page, const std::string& session_id,
                                  bool raw, size_t max_json_bytes);

}  // namespace coven::api
