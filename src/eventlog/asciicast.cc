#include "eventlog/asciicast.h"

#include <cinttypes>
#include <cstdio>

#include <boost/json.hpp>

#include "core/strings.h"

namespace coven::eventlog {
namespace json = boost::json;

namespace {

// rows and cols of a start or resize payload ({"cols":80,"rows":24,...}); nullopt when
// absent or out of range.
std::optional<std::pair<uint16_t, uint16_t>> SizeOf(std::string_view payload) {
  boost::system::error_code ec;
  json::value v = json::parse(payload, ec);
  if (ec || !v.is_object()) {
    return std::nullopt;
  }
  const auto* cols = v.as_object().if_contains("cols");
  const auto* rows = v.as_object().if_contains("rows");
  if (cols == nullptr || rows == nullptr || !cols->is_int64() || !rows->is_int64() ||
      cols->as_int64() < 1 || cols->as_int64() > 65535 || rows->as_int64() < 1 ||
      rows->as_int64() > 65535) {
    return std::nullopt;
  }
  return std::make_pair(static_cast<uint16_t>(cols->as_int64()),
                        static_cast<uint16_t>(rows->as_int64()));
}

std::string Line(int64_t t_ns, const char* code, std::string_view data) {
  char time[48];
  std::snprintf(time, sizeof(time), "[%" PRId64 ".%06" PRId64 ", \"%s\", ", t_ns / 1'000'000'000,
                (t_ns % 1'000'000'000) / 1000, code);
  return time + json::serialize(json::string(core::SanitizeUtf8(data))) + "]\n";
}

}  // namespace

std::string CastWriter::Header(int64_t time_ns, uint16_t cols, uint16_t rows) {
  start_ns_ = time_ns;
  json::object h;
  h["version"] = 2;
  h["width"] = cols;
  h["height"] = rows;
  h["timestamp"] = time_ns / 1'000'000'000;
  h["env"] = json::object{{"TERM", "xterm-256color"}};
  if (!title_.empty()) {
    h["title"] = core::SanitizeUtf8(title_);
  }
  return json::serialize(h) + "\n";
}

std::string CastWriter::Add(EventKind kind, int64_t time_ns, std::string_view payload) {
  std::string out;
  if (!start_ns_) {
    auto size = kind == EventKind::kStart ? SizeOf(payload) : std::nullopt;
    out = Header(time_ns, size ? size->first : 80, size ? size->second : 24);
  }
  // A clock that stepped back (NTP) must not give a negative time: players reject it.
  int64_t t = time_ns > *start_ns_ ? time_ns - *start_ns_ : 0;
  switch (kind) {
    case EventKind::kOutput:
      out += Line(t, "o", payload);
      break;
    case EventKind::kInput:
      out += Line(t, "i", payload);
      break;
    case EventKind::kResize:
      if (auto size = SizeOf(payload)) {
        out += Line(t, "r", std::to_string(size->first) + "x" + std::to_string(size->second));
      }
      break;
    default:
      break;
  }
  return out;
}

std::string CastWriter::Finish() {
  return start_ns_ ? "" : Header(0, 80, 24);
}

}  // namespace coven::eventlog
