// Tests for shim/'s pure pieces: payload JSON, output chunking, frames and the shim argv.
#include <signal.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/strings.h"
#include "shim/internal/json.h"
#include "shim/internal/output_chunker.h"
#include "shim/internal/wire.h"
#include "shim/shim.h"
#include "support/random.h"

namespace coven::shim {
namespace {

TEST(ShimJsonTest, PayloadsAreCompactSortedAndEscaped) {
  EXPECT_EQ(internal::StartPayload({"sh", "-c", "echo \"hi\"\n"}, 80, "/tmp/a\\b", 42, 24),
            R"({"argv":["sh","-c","echo \"hi\"\n"],"cols":80,"cwd":"/tmp/a\\b","pid":42,)"
            R"("rows":24})");
  EXPECT_EQ(internal::ResizePayload(30, 100), R"({"cols":100,"rows":30})");
  EXPECT_EQ(internal::KillPayload(), R"({"status":"killed"})");
  EXPECT_EQ(internal::ExitPayload(0, std::nullopt), R"({"exitCode":0,"status":"completed"})");
  EXPECT_EQ(internal::ExitPayload(3, std::nullopt), R"({"exitCode":3,"status":"failed"})");
  EXPECT_EQ(internal::ExitPayload(std::nullopt, SIGKILL),
            R"({"exitCode":1,"signal":"SIGKILL","status":"failed"})");
  EXPECT_EQ(internal::ExitPayload(std::nullopt, std::nullopt),
            R"({"exitCode":null,"status":"failed"})");
  EXPECT_EQ(internal::KilledEndPayload(), R"({"exitCode":null,"status":"killed"})");
  std::string s;
  internal::AppendJsonString(&s, std::string("\x1b[0m\xff", 5));
  EXPECT_EQ(s, "\"\\u001b[0m\xEF\xBF\xBD\"");
}

// Given output that exceeds one event, we should cut under the JSON budget and never inside
// a character.
TEST(ShimChunkerTest, CutsUnderBudgetAtCharacterBoundaries) {
  constexpr size_t kBudget = internal::kMaxOutputJsonBytes - 1 - internal::kOutputJsonOverhead;
  std::string ascii(100000, 'a');
  EXPECT_EQ(internal::NextChunkLength(ascii), kBudget);
  std::string controls(100000, '\x1b');
  EXPECT_EQ(internal::NextChunkLength(controls), kBudget / 6);
  EXPECT_EQ(internal::NextChunkLength("short"), 5u);
  // "€" is 3 bytes costing 9; after one ASCII byte the budget ends inside a character.
  std::string euros = "x";
  while (euros.size() < 100000) {
    euros += "\xE2\x82\xAC";
  }
  size_t n = internal::NextChunkLength(euros);
  EXPECT_TRUE(core::IsValidUtf8(euros.substr(0, n)));
  EXPECT_LT(internal::EscapedCost(euros.substr(0, n)), kBudget + 1);
  EXPECT_GT(n, kBudget / 3 - 3);
  // Stray continuation bytes cannot be kept whole; the cut still makes progress.
  std::string junk(100000, '\x80');
  EXPECT_EQ(internal::NextChunkLength(junk), kBudget / 3);
}

// Given random mixes of every kind of byte (so each word-sized step meets controls, quotes,
// backslashes and non-ASCII at every position), we should cut exactly where counting the
// bytes one by one does.
TEST(ShimChunkerTest, WordwiseCountingEqualsBytewise) {
  constexpr size_t kBudget = internal::kMaxOutputJsonBytes - 1 - internal::kOutputJsonOverhead;
  auto bytewise = [&](std::string_view data) {
    size_t cost = 0;
    size_t n = 0;
    while (n < data.size() &&
           cost + internal::EscapedCost(static_cast<unsigned char>(data[n])) <= kBudget) {
      cost += internal::EscapedCost(static_cast<unsigned char>(data[n]));
      ++n;
    }
    return n;
  };
  const std::string kinds[] = {"a", "\"", "\\", "\x1b", "\x7f", "\x1f", " ", "\xc3\xa9", "~"};
  coven::testing::XorShift64 random(0x9E3779B97F4A7C15ull);
  for (int round = 0; round < 40; ++round) {
    std::string data;
    while (data.size() < 70000) {
      uint64_t x = random.Next();
      // Long plain runs in some rounds, dense specials in others.
      size_t pick = (x >> 8) % (round % 2 == 0 ? 9 : 40);
      data += pick < 9 ? kinds[pick] : "a";
    }
    size_t n = internal::NextChunkLength(data);
    size_t want = bytewise(data);
    // NextChunkLength may back off further to a character boundary, never by more than 3.
    EXPECT_LE(n, want) << round;
    EXPECT_GE(n + 3, want) << round;
    EXPECT_TRUE(core::IsValidUtf8(data.substr(0, n))) << round;
    EXPECT_LE(internal::EscapedCost(data.substr(0, n)), kBudget) << round;
    if (n != want) {
      EXPECT_EQ(static_cast<unsigned char>(data[n]) & 0xC0, 0xC0u) << round;  // a lead byte
    }
  }
}

// Given a batch and the room left before an aligned offset of the log, we should take all
// of it as NextChunkLength cuts it when it fits, else fill the room exactly with whole
// records (frame plus payload), backing off only to keep a character whole, and never take
// a record that would not fit.
TEST(ShimChunkerTest, ChunksForRoomFillItExactlyAtCharacterBoundaries) {
  constexpr size_t kFrame = 32;
  std::vector<std::string_view> chunks;
  auto framed = [&] {
    size_t total = 0;
    for (std::string_view c : chunks) {
      total += kFrame + c.size();
      EXPECT_LT(internal::EscapedCost(c) + internal::kOutputJsonOverhead,
                internal::kMaxOutputJsonBytes);
      EXPECT_TRUE(core::IsValidUtf8(c));
    }
    return total;
  };
  std::string ascii(150000, 'a');
  // Fits: the same events as cutting it with NextChunkLength.
  EXPECT_EQ(internal::ChunkForRoom(ascii, SIZE_MAX, kFrame, &chunks), ascii.size());
  EXPECT_EQ(chunks.size(), 3u);
  EXPECT_EQ(chunks[0].size(), internal::NextChunkLength(ascii));
  EXPECT_EQ(framed(), ascii.size() + 3 * kFrame);
  // Does not fit: the room exactly, at any size, within one event or across several.
  for (size_t room : {4096, 59987, 60020, 131072 - 1000, 131072}) {
    size_t taken = internal::ChunkForRoom(ascii, room, kFrame, &chunks);
    EXPECT_EQ(framed(), room) << room;
    EXPECT_EQ(taken + kFrame * chunks.size(), room) << room;
  }
  // A room no larger than a frame takes nothing.
  EXPECT_EQ(internal::ChunkForRoom(ascii, kFrame, kFrame, &chunks), 0u);
  EXPECT_TRUE(chunks.empty());
  // Three-byte characters: the cut backs off to the start of the one it would split.
  std::string euros;
  while (euros.size() < 150000) {
    euros += "\xE2\x82\xAC";
  }
  for (size_t room = 10000; room < 10003; ++room) {
    size_t taken = internal::ChunkForRoom(euros, room, kFrame, &chunks);
    EXPECT_EQ(taken % 3, 0u) << room;
    EXPECT_LE(framed(), room) << room;
    EXPECT_GT(framed() + 3, room) << room;
  }
  // Stray continuation bytes have no boundary to keep: the room is filled all the same.
  std::string junk(150000, '\x80');
  EXPECT_EQ(internal::ChunkForRoom(junk, 20001, kFrame, &chunks), 20001 - kFrame);
}

// Given frames delivered one byte at a time, we should get them whole and in order.
TEST(ShimWireTest, ParsesFramesAcrossPartialReads) {
  std::string stream;
  internal::AppendFrame(&stream, internal::FrameType::kInput, "hello");
  internal::AppendFrame(&stream, internal::FrameType::kKill, "");
  internal::FrameParser parser;
  std::vector<internal::Frame> frames;
  for (char c : stream) {
    parser.Feed(std::string_view(&c, 1));
    auto f = parser.Next();
    ASSERT_TRUE(f);
    if (f->has_value()) {
      frames.push_back(std::move(**f));
    }
  }
  ASSERT_EQ(frames.size(), 2u);
  EXPECT_EQ(frames[0].type, internal::FrameType::kInput);
  EXPECT_EQ(frames[0].payload, "hello");
  EXPECT_EQ(frames[1].type, internal::FrameType::kKill);
  EXPECT_TRUE(parser.empty());

  std::string huge(1, static_cast<char>(internal::FrameType::kInput));
  internal::PutU32(&huge, static_cast<uint32_t>(internal::kMaxFramePayload + 1));
  internal::FrameParser bad;
  bad.Feed(huge);
  EXPECT_FALSE(bad.Next());
}

// Given a reply, a whole frame and half of another in one read (an attach under heavy
// output), TakeRest should hand over exactly the bytes after the reply, the cut frame's
// part included, so a reader that takes the stream over stays in step (the attach link
// once dropped the partial frame and then read garbage as a frame header).
TEST(ShimWireTest, TakeRestKeepsThePartialFrame) {
  std::string reply;
  internal::AppendFrame(&reply, internal::FrameType::kOk, "paint");
  std::string rest;
  internal::AppendFrame(&rest, internal::FrameType::kOutput, "whole");
  internal::AppendFrame(&rest, internal::FrameType::kOutput, "cut in two");
  rest.resize(rest.size() - 4);
  internal::FrameParser parser;
  parser.Feed(reply + rest);
  auto first = parser.Next();
  ASSERT_TRUE(first && first->has_value());
  EXPECT_EQ((*first)->payload, "paint");
  EXPECT_EQ(parser.TakeRest(), rest);
  EXPECT_TRUE(parser.empty());
}

// A spec for /usr/bin/coven, session "id" in /d, cwd /w, 30x100, running `argv`.
LaunchSpec SampleSpec(std::vector<std::string> argv) {
  LaunchSpec spec;
  spec.coven_exe = "/usr/bin/coven";
  spec.options.session_id = "id";
  spec.options.session_dir = "/d";
  spec.options.cwd = "/w";
  spec.options.rows = 30;
  spec.options.cols = 100;
  spec.options.argv = std::move(argv);
  return spec;
}

TEST(ShimArgvTest, ListsFlagsThenHarnessArgv) {
  LaunchSpec spec = SampleSpec({"codex", "--flag"});
  EXPECT_THAT(
      ShimArgv(spec),
      ::testing::ElementsAre("/usr/bin/coven", "shim", "--session-id", "id", "--session-dir", "/d",
                             "--cwd", "/w", "--rows", "30", "--cols", "100", "--ready-fd", "3",
                             "--kill-grace-ms", "1000", "--", "codex", "--flag"));
}

// Given ShimArgv's flags (after `<coven_exe> shim`), ParseShimArgs should give back the
// same options, keep a harness argv that looks like flags, and refuse what is malformed.
TEST(ShimArgvTest, ParseShimArgsRoundTrips) {
  LaunchSpec spec = SampleSpec({"codex", "--rows", "-- x"});
  spec.options.kill_grace = std::chrono::milliseconds(250);
  std::vector<std::string> argv = ShimArgv(spec);
  auto parsed = ParseShimArgs(std::vector<std::string>(argv.begin() + 2, argv.end()));
  ASSERT_TRUE(parsed.has_value()) << parsed.error().message;
  EXPECT_EQ(parsed->session_id, "id");
  EXPECT_EQ(parsed->session_dir, "/d");
  EXPECT_EQ(parsed->cwd, "/w");
  EXPECT_EQ(parsed->rows, 30);
  EXPECT_EQ(parsed->cols, 100);
  EXPECT_EQ(parsed->ready_fd, 3);
  EXPECT_EQ(parsed->kill_grace, std::chrono::milliseconds(250));
  EXPECT_THAT(parsed->argv, ::testing::ElementsAre("codex", "--rows", "-- x"));

  for (const std::vector<std::string>& bad : std::vector<std::vector<std::string>>{
           {"--session-id", "id", "--session-dir", "/d", "--cwd", "/w", "--"},  // no harness
           {"--rows", "0", "--session-id", "id", "--session-dir", "/d", "--cwd", "/w", "--", "x"},
           {"--bogus", "1", "--", "x"},
           {"--session-id"}}) {
    EXPECT_FALSE(ParseShimArgs(bad).has_value()) << bad.front();
  }
}

}  // namespace
}  // namespace coven::shim
