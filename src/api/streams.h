// api/streams.h: the live streams of SPEC Part A 9 over a session's event log.
//   - EventStream: Server-Sent Events, one `event:` per log record (the same JSON record as
//     GET /events), from a cursor until the session's exit has been sent.
//   - AttachStream: the interactive attach: raw output bytes after a cursor, input and
//     resize in, and a final {"type":"exit",...} message.
//   - SessionListStream: the whole session list again whenever it changes.
// Both are woken by the session manager when the log grows; nothing polls.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "api/http.h"
#include "core/result.h"

namespace coven::sessions {
class SessionManager;
}

namespace coven::api {

std::shared_ptr<StreamSource> MakeEventStream(sessions::SessionManager& sm, std::string id,
                                              int64_t after_seq, bool raw);
// `paint` (may be empty) is sent before the output after `after_seq`: the rejoin paint.
std::shared_ptr<DuplexSource> MakeAttachStream(sessions::SessionManager& sm, std::string id,
                                               int64_t after_seq, std::string paint = {});

// The session list as Server-Sent Events: `event: sessions` with `data:` the same JSON
// array as GET /api/v1/sessions[?all=true], once at once and again after every change of
// the list (coalesced: one event per wake-up). A list that cannot be read is retried at the
// next wake-up or heartbeat instead of being sent. Never ends; the client closes it.
// A session's events as an asciicast v2 recording (eventlog::CastWriter), one page per
// Pull; output and input redacted unless `raw`. Ends after the last event logged so far.
std::shared_ptr<StreamSource> MakeRecordingStream(sessions::SessionManager& sm, std::string id,
                                                  std::string title, bool raw);

std::shared_ptr<StreamSource> MakeSessionListStream(
    sessions::SessionManager& sm, bool include_archived,
    std::function<core::Result<std::string>(bool include_archived)> list_json);

}  // namespace coven::api
