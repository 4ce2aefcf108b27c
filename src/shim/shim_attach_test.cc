// Tests for the direct attach (kAttach, shim::AttachLink): real shims, real PTYs.
#include <poll.h>

#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "screen/screen_model.h"
#include "shim/shim.h"
#include "shim/shim_test_helpers.h"

namespace coven::shim {
namespace {

using eventlog::EventKind;
using test_helpers::kDeadline;
using test_helpers::Output;
using test_helpers::ReadEvents;
using test_helpers::WaitUntil;
using ::testing::HasSubstr;
using ShimAttachTest = test_helpers::ShimFixture;

// Reads what `link` has (waiting up to 50 ms for something to arrive) into `out`; returns
// false once the link has ended.
bool Pump(AttachLink& link, std::string* out, std::string* exit_json = nullptr) {
  pollfd pfd{link.fd(), POLLIN, 0};
  (void)::poll(&pfd, 1, 50);
  auto r = link.Read(out);
  EXPECT_TRUE(r) << (r ? "" : r.error().message);
  if (!r) {
    return false;
  }
  if (exit_json != nullptr) {
    *exit_json = r->exit_json;
  }
  return !r->ended;
}

// The logged output after `seq`.
std::string OutputAfter(const std::string& dir, uint64_t seq) {
  std::string out;
  for (const auto& e : ReadEvents(dir)) {
    if (e.seq > seq && e.kind == EventKind::kOutput) {
      out += e.payload;
    }
  }
  return out;
}

// Given a live harness, two attached links should each get the screen's paint, then exactly
// the bytes logged after its seq, as they come; input from either (no reply frames on
// success) reaches the harness; both end with the exit event's payload.
TEST_F(ShimAttachTest, PaintsThenStreamsExactlyWhatIsLogged) {
  ASSERT_TRUE(Launch({"/bin/sh", "-c",
                      "stty -echo; printf 'first'; read x; printf ' second-%s' \"$x\"; read y; "
                      "printf ' third-%s' \"$y\""}));
  ASSERT_TRUE(WaitForOutput("first"));
  auto a = AttachLink::Open(session_dir_);
  ASSERT_TRUE(a) << a.error().message;
  auto b = AttachLink::Open(session_dir_);
  ASSERT_TRUE(b) << b.error().message;
  EXPECT_THAT(a->paint(), HasSubstr("first"));
  EXPECT_EQ(a->seq(), ReadEvents(session_dir_).back().seq);

  std::string out_a;
  std::string out_b;
  a->QueueInput("go\n");
  ASSERT_TRUE(a->Flush());
  ASSERT_TRUE(WaitUntil([&] {
    Pump(*a, &out_a);
    Pump(*b, &out_b);
    return out_a.find("second-go") != std::string::npos &&
           out_b.find("second-go") != std::string::npos;
  }));
  b->QueueInput("end\n");
  ASSERT_TRUE(b->Flush());
  std::string exit_a;
  std::string exit_b;
  ASSERT_TRUE(WaitUntil([&] { return !Pump(*a, &out_a, &exit_a); }));
  ASSERT_TRUE(WaitUntil([&] { return !Pump(*b, &out_b, &exit_b); }));
  EXPECT_EQ(exit_a, R"({"exitCode":0,"status":"completed"})");
  EXPECT_EQ(exit_b, exit_a);
  EXPECT_EQ(out_a, OutputAfter(session_dir_, a->seq()));
  EXPECT_EQ(out_b, OutputAfter(session_dir_, b->seq()));
  EXPECT_THAT(out_a, HasSubstr("third-end"));
  WaitShim();
}

// Given an attached client that reads nothing while the harness prints about 6 MB, the
// harness should not wait for it (all its output is logged meanwhile), and when the client
// reads again it should get what was queued, then a repaint: fed to a terminal, the
// screen equals the shim's, having received far less than was printed.
TEST_F(ShimAttachTest, SlowClientIsRepaintedNotWaitedFor) {
  ASSERT_TRUE(
      Launch({"/bin/sh", "-c",
              "stty -echo; read go; awk 'BEGIN { for (i = 0; i < 4000; i++) { "
              "printf \"\\033[H\\033[2J\"; for (j = 0; j < 30; j++) "
              "printf \"line %d %d %s\\n\", i, j, \"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\" } "
              "printf \"DONE\" }'; read x"}));
  auto link = AttachLink::Open(session_dir_);
  ASSERT_TRUE(link) << link.error().message;
  link->QueueInput("\n");
  ASSERT_TRUE(link->Flush());
  // Not reading: the harness must still finish printing.
  ASSERT_TRUE(WaitForOutput("DONE"));
  size_t printed = OutputAfter(session_dir_, link->seq()).size();
  EXPECT_GT(printed, 4u << 20);

  auto live = ReadScreen(session_dir_);
  ASSERT_TRUE(live) << live.error().message;
  screen::ScreenModel model(live->snapshot.rows, live->snapshot.cols);
  model.Feed(link->paint());
  size_t received = 0;
  std::string out;
  ASSERT_TRUE(WaitUntil([&] {
    out.clear();
    Pump(*link, &out);
    received += out.size();
    model.Feed(out);
    return model.Capture().lines == live->snapshot.lines;
  })) << "received "
      << received << " of " << printed << " bytes";
  EXPECT_LT(received, printed / 2);
  EXPECT_THAT(model.Capture().lines.back(), HasSubstr("DONE"));

  link->QueueInput("\n");
  ASSERT_TRUE(link->Flush());
  std::string exit_json;
  ASSERT_TRUE(WaitUntil([&] { return !Pump(*link, &out, &exit_json); }));
  EXPECT_EQ(exit_json, R"({"exitCode":0,"status":"completed"})");
  WaitShim();
}

// Given a finished session, attaching directly should be refused as not live (the CLI
// then takes the daemon's path, which shows the final screen).
TEST_F(ShimAttachTest, FinishedSessionIsNotLive) {
  ASSERT_TRUE(Launch({"/bin/sh", "-c", "printf bye"}));
  WaitShim();
  auto link = AttachLink::Open(session_dir_);
  ASSERT_FALSE(link);
  EXPECT_EQ(link.error().code, core::ErrorCode::kSessionNotLive);
}

}  // namespace
}  // namespace coven::shim
