// client/sse_stream.h: follows one of the daemon's Server-Sent Events routes (a session's
// events, GET /api/v1/sessions/<id>/stream, or the session list, GET
// /api/v1/sessions?watch=true) without blocking the caller: the caller polls fd() in its
// own loop (next to the terminal, say) and calls ReadAvailable() when it is readable. Owns
// its socket; not thread-safe.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "client/sse.h"
#include "core/result.h"
#include "core/unique_fd.h"

namespace coven::client {

class SseStream {
 public:
  // Connects, sends GET `target` and reads the reply's head (bounded by `timeout_ms`).
  // Errors: kRuntimeUnavailable when nothing listens, kSessionNotFound for a 404 (with the
  // daemon's message), kIo for anything else (a reply that is not text/event-stream too).
  static core::Result<std::unique_ptr<SseStream>> Open(const std::string& socket_path,
                                                       const std::string& target,
                                                       int timeout_ms = 10'000);

  // The socket; readable when events (or the end) arrived.
  int fd() const { return fd_.fd(); }

  // True when bytes that came with the reply's head wait to be parsed: the socket will not
  // signal them, so call ReadAvailable() without waiting for fd().
  bool buffered() const { return !early_body_.empty(); }

  // Reads at most `max_bytes` of what has arrived, without blocking, and appends the
  // events it completes to `out`. Returns false once the daemon has closed the stream,
  // true while it goes on.
  core::Result<bool> ReadAvailable(std::vector<SseEvent>& out, size_t max_bytes = 256 * 1024);

 private:
  SseStream(core::UniqueFd fd, std::string early_body);

  core::UniqueFd fd_;
  std::string early_body_;  // body bytes that came with the head
  SseParser parser_;
};

}  // namespace coven::client
