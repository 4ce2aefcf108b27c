// eventlog/asciicast.h: a session's events as an asciicast v2 recording (the format
// `asciinema play` replays: a JSON header line, then one `[time, code, data]` line per
// event, time in seconds since the recording began). Pure: no I/O, so the daemon's route
// and the CLI write the same bytes.
//
// What goes in: output as "o", input as "i", resizes as "r" ("COLSxROWS"). The header's
// size and timestamp come from the start event. Output that is not valid UTF-8 (a cast is
// JSON) has its bad sequences replaced with U+FFFD; the event log itself keeps the bytes.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "eventlog/event_log.h"

namespace coven::eventlog {

class CastWriter {
 public:
  explicit CastWriter(std::string title) : title_(std::move(title)) {}

  // The cast lines for the next event in log order (empty for kinds a cast does not
  // carry). `payload` is the event's payload as logged: raw bytes for output and input,
  // JSON text for start and resize. The header comes before the first line.
  std::string Add(EventKind kind, int64_t time_ns, std::string_view payload);

  // The header alone, for a log with no event yet (an empty recording).
  std::string Finish();

 private:
  std::string Header(int64_t time_ns, uint16_t cols, uint16_t rows);

  std::string title_;
  std::optional<int64_t> start_ns_;
};

}  // namespace coven::eventlog
