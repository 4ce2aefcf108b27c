// client/event_stream.h: follows a session's events live over the daemon's Server-Sent
// Events route (GET /api/v1/sessions/<id>/stream) without blocking the caller: the caller
// polls fd() in its own loop (next to the terminal, say) and calls ReadAvailable() when it
// is readable. Owns its socket; not thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "client/sse.h"
#include "core/result.h"
#include "core/unique_fd.h"

namespace coven::client {

// One record of the stream: the same JSON record GET /api/v1/events serves.
struct StreamedEvent {
  int64_t seq = 0;
  std::string kind;         // "output", "exit", ...
  std::string record_json;  // the whole record
};

class EventFollower {
 public:
  // Connects and reads the reply's head (bounded by `timeout_ms`). Errors: kRuntimeUnavailable
  // when nothing listens, kNotFound for an unknown session, kIo for anything else.
  static core::Result<std::unique_ptr<EventFollower>> Open(const std::string& socket_path,
                                                           const std::string& session_id,
                                                           int64_t after_seq, bool raw,
                                                           int timeout_ms = 10'000);

  // The socket; readable when events (or the end) arrived.
  int fd() const { return fd_.fd(); }

  // Reads at most `max_bytes` of what has arrived, without blocking, and appends the
  // events it completes to `out`. Returns false once the stream has ended (the daemon
  // closes it after the session's exit event), true while it goes on.
  core::Result<bool> ReadAvailable(std::vector<StreamedEvent>& out, size_t max_bytes = 256 * 1024);

 private:
  EventFollower(core::UniqueFd fd, std::string early_body);

  core::UniqueFd fd_;
  std::string early_body_;  // body bytes that came with the head
  SseParser parser_;
};

}  // namespace coven::client
