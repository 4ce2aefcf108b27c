// Tests for eventlog/asciicast.h: the exact lines of a recording.
#include "eventlog/asciicast.h"

#include <gtest/gtest.h>

namespace coven::eventlog {
namespace {

constexpr int64_t kT0 = 1'700'000'000'123'456'789;

// Given a start, output, input, a resize and an exit, we should get the header from the
// start event (size, whole-second timestamp, title), then "o", "i" and "r" lines with
// microsecond times since the start, strings escaped as JSON, and nothing for the exit.
TEST(CastWriterTest, WritesHeaderThenTimedEvents) {
  CastWriter cast("fix \"tests\"");
  std::string out;
  out += cast.Add(EventKind::kStart, kT0, R"({"argv":["codex"],"cols":120,"rows":40,"pid":7})");
  out += cast.Add(EventKind::kOutput, kT0 + 1'500'000'000, "hi\x1b[1m\r\n");
  out += cast.Add(EventKind::kInput, kT0 + 2'000'001'000, "y\r");
  out += cast.Add(EventKind::kResize, kT0 + 2'250'000'000, R"({"cols":100,"rows":30})");
  out += cast.Add(EventKind::kExit, kT0 + 3'000'000'000, R"({"exitCode":0,"status":"completed"})");
  out += cast.Finish();
  EXPECT_EQ(out,
            "{\"version\":2,\"width\":120,\"height\":40,\"timestamp\":1700000000,"
            "\"env\":{\"TERM\":\"xterm-256color\"},\"title\":\"fix \\\"tests\\\"\"}\n"
            "[1.500000, \"o\", \"hi\\u001b[1m\\r\\n\"]\n"
            "[2.000001, \"i\", \"y\\r\"]\n"
            "[2.250000, \"r\", \"100x30\"]\n");
}

// Given output that is not valid UTF-8, the line should hold U+FFFD instead (a cast is
// JSON); given no start event, the header should say 80x24 at the first event's time.
TEST(CastWriterTest, InvalidUtf8AndMissingStart) {
  CastWriter cast("");
  std::string out = cast.Add(EventKind::kOutput, kT0,
                             "a\xff"
                             "b\xc3\xa9");
  EXPECT_EQ(out,
            "{\"version\":2,\"width\":80,\"height\":24,\"timestamp\":1700000000,"
            "\"env\":{\"TERM\":\"xterm-256color\"}}\n"
            "[0.000000, \"o\", \"a\xef\xbf\xbd"
            "b\xc3\xa9\"]\n");
  // A clock that went back gives time 0, never a negative one.
  EXPECT_EQ(cast.Add(EventKind::kOutput, kT0 - 5, "x"), "[0.000000, \"o\", \"x\"]\n");
}

// Given no events at all, Finish should still give a playable (empty) recording.
TEST(CastWriterTest, EmptyLogIsAHeader) {
  CastWriter cast("t");
  EXPECT_EQ(cast.Finish(),
            "{\"version\":2,\"width\":80,\"height\":24,\"timestamp\":0,"
            "\"env\":{\"TERM\":\"xterm-256color\"},\"title\":\"t\"}\n");
}

}  // namespace
}  // namespace coven::eventlog
