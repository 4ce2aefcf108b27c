// client/sse.h: an incremental parser of a Server-Sent Events body (the WHATWG event-stream
// format as the daemon writes it: `id:`, `event:`, `data:` fields, `:` comments, events
// ended by a blank line). Pure; not thread-safe (one per stream).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace coven::client {

struct SseEvent {
  std::string id;
  std::string event = "message";  // the `event:` field, or "message" when absent
  std::string data;               // `data:` lines joined with "\n"
};

class SseParser {
 public:
  // Consumes `bytes` (any split, even inside a line or a CRLF) and appends every event it
  // completes to `out`. Comments and unknown fields are skipped; an event without data is
  // not dispatched (as the format says).
  void Feed(std::string_view bytes, std::vector<SseEvent>& out);

 private:
  void Line(std::string_view line, std::vector<SseEvent>& out);

  std::string partial_;  // an unfinished line
  bool last_was_cr_ = false;
  SseEvent current_;
  bool has_data_ = false;
};

}  // namespace coven::client
