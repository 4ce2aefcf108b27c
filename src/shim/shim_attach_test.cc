// Tests for the direct attach (kAttach, shim::AttachLink): real shims, real PTYs.
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <termios.h>
#include <unistd.h>

#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/unique_fd.h"
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

// Waits for a line, prints ~6 MB of full-screen repaints ending in DONE, waits for a line.
constexpr const char* kBigRepaint =
    "stty -echo; read go; awk 'BEGIN { for (i = 0; i < 4000; i++) { "
    "printf \"\\033[H\\033[2J\"; for (j = 0; j < 30; j++) "
    "printf \"line %d %d %s\\n\", i, j, \"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\" } "
    "printf \"DONE\" }'; read x";

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

// Given a harness that dies at once of the kill's SIGHUP, an attached link should hear
// `killed` as the end (it may ask the daemon before the daemon has recorded the kill),
// while the log's exit event keeps the raw result.
TEST_F(ShimAttachTest, KilledHarnessEndsAsKilledForClientsAndRawInTheLog) {
  ASSERT_TRUE(Launch({"sleep", "1000"}));
  auto link = AttachLink::Open(session_dir_);
  ASSERT_TRUE(link) << link.error().message;
  ASSERT_TRUE(SendKill(session_dir_));
  std::string out;
  std::string exit_json;
  ASSERT_TRUE(WaitUntil([&] { return !Pump(*link, &out, &exit_json); }));
  EXPECT_EQ(exit_json, R"({"exitCode":null,"status":"killed"})");
  WaitShim();
  EXPECT_EQ(ReadEvents(session_dir_).back().payload,
            R"({"exitCode":1,"signal":"SIGHUP","status":"failed"})");
}

// Given output the shim has just read (held up to kLogDelay for its log batch, though the
// attached link has it at once) and input sent the moment the link shows it, the log should
// hold that output before the input, as the terminal saw them, every time of 40.
TEST_F(ShimAttachTest, OutputHeldForTheLogIsLoggedBeforeLaterInput) {
  ASSERT_TRUE(Launch({"/bin/sh", "-c",
                      "stty -echo; i=0; while [ $i -lt 40 ]; do printf \"out-$i;\"; read x; "
                      "i=$((i + 1)); done"}));
  auto link = AttachLink::Open(session_dir_);
  ASSERT_TRUE(link) << link.error().message;
  std::string out = link->paint();
  for (int i = 0; i < 40; ++i) {
    std::string want = "out-" + std::to_string(i) + ";";
    ASSERT_TRUE(WaitUntil([&] {
      Pump(*link, &out);
      return out.find(want) != std::string::npos;
    })) << want;
    link->QueueInput("in-" + std::to_string(i) + "\n");
    ASSERT_TRUE(link->Flush());
  }
  WaitShim();
  // Each input follows the output that asked for it and precedes the next.
  std::string order;
  for (const auto& e : ReadEvents(session_dir_)) {
    if (e.kind == EventKind::kOutput || e.kind == EventKind::kInput) {
      order += e.payload;
    }
  }
  std::string want;
  for (int i = 0; i < 40; ++i) {
    want += "out-" + std::to_string(i) + ";in-" + std::to_string(i) + "\n";
  }
  EXPECT_EQ(order, want);
}

// Given an attached client that reads nothing while the harness prints about 6 MB, the
// harness should not wait for it (all its output is logged meanwhile), and when the client
// reads again it should get what was queued, then a repaint: fed to a terminal, the
// screen equals the shim's, having received far less than was printed.
TEST_F(ShimAttachTest, SlowClientIsRepaintedNotWaitedFor) {
  ASSERT_TRUE(Launch({"/bin/sh", "-c", kBigRepaint}));
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

// A terminal of the test's own (a PTY pair in raw mode, as `coven attach` leaves the user's
// terminal): the test plays the terminal emulator on the master side.
class TestTerminal {
 public:
  TestTerminal() {
    master_.Reset(::posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC));
    if (!master_.valid() || ::grantpt(master_.fd()) != 0 || ::unlockpt(master_.fd()) != 0) {
      return;
    }
    slave_.Reset(::open(::ptsname(master_.fd()), O_RDWR | O_NOCTTY | O_CLOEXEC));
    termios t{};
    if (slave_.valid() && ::tcgetattr(slave_.fd(), &t) == 0) {
      ::cfmakeraw(&t);
      ::tcsetattr(slave_.fd(), TCSANOW, &t);
    }
  }
  bool ok() const { return slave_.valid(); }
  int slave() const { return slave_.fd(); }
  void Type(std::string_view keys) { ASSERT_TRUE(core::WriteAll(master_.fd(), keys)); }
  // What the shim wrote to the terminal so far, waiting until it holds `text`.
  bool WaitShown(const std::string& text) {
    return WaitUntil([&] {
      Drain();
      return shown_.find(text) != std::string::npos;
    });
  }
  // Reads what the terminal has until it stays quiet for 20 ms.
  void Drain() {
    pollfd pfd{master_.fd(), POLLIN, 0};
    while (::poll(&pfd, 1, 20) > 0) {
      char buf[4096];
      ssize_t n = ::read(master_.fd(), buf, sizeof(buf));
      if (n <= 0) {
        break;
      }
      shown_.append(buf, static_cast<size_t>(n));
    }
  }
  const std::string& shown() const { return shown_; }

 private:
  core::UniqueFd master_;
  core::UniqueFd slave_;
  std::string shown_;
};

// Given a terminal handed to the shim, the shim should paint it, show the harness's output
// on it and pass its keys to the harness with nothing on the link; the detach key should
// end the attach with kDetached and give the terminal back (keys typed after it no longer
// reach the harness), while the session goes on.
TEST_F(ShimAttachTest, TerminalAttachPaintsReadsKeysAndDetaches) {
  ASSERT_TRUE(Launch({"/bin/sh", "-c",
                      "stty -echo; printf 'first'; read x; printf ' got-%s' \"$x\"; read y; "
                      "printf ' then-%s' \"$y\""}));
  ASSERT_TRUE(WaitForOutput("first"));
  TestTerminal term;
  ASSERT_TRUE(term.ok());
  auto link = AttachLink::OpenWithTerminal(session_dir_, term.slave(), 0x1d);
  ASSERT_TRUE(link) << link.error().message;
  EXPECT_TRUE(link->owns_terminal());
  EXPECT_EQ(link->paint(), "");
  ASSERT_TRUE(term.WaitShown("first")) << term.shown();  // the paint, written by the shim

  term.Type("hello\r");
  ASSERT_TRUE(term.WaitShown(" got-hello")) << term.shown();
  std::string out;
  EXPECT_TRUE(Pump(*link, &out));
  EXPECT_EQ(out, "") << "output went over the link instead of the terminal";

  term.Type(
      "ab\x1d"
      "cd\r");  // "ab" counts; the detach key ends it; "cd" is not ours
  bool detached = false;
  ASSERT_TRUE(WaitUntil([&] {
    pollfd pfd{link->fd(), POLLIN, 0};
    (void)::poll(&pfd, 1, 50);
    auto r = link->Read(&out);
    detached = r && r->detached;
    return detached || !r;
  }));
  EXPECT_TRUE(detached);

  auto again = AttachLink::Open(session_dir_);
  ASSERT_TRUE(again) << again.error().message;  // still live
  again->QueueInput("z\n");
  ASSERT_TRUE(again->Flush());
  ASSERT_TRUE(WaitForOutput(" then-abz"));
  EXPECT_EQ(Output(ReadEvents(session_dir_)).find("cd"), std::string::npos);
  WaitShim();
}

// Given a terminal-attached client when the harness exits, its last output should be on the
// terminal before the link reports the end with the exit event's payload.
TEST_F(ShimAttachTest, TerminalAttachShowsTheLastOutputBeforeTheEnd) {
  ASSERT_TRUE(Launch({"/bin/sh", "-c", "stty -echo; printf 'ready'; read x; printf 'LAST-WORDS'"}));
  ASSERT_TRUE(WaitForOutput("ready"));
  TestTerminal term;
  ASSERT_TRUE(term.ok());
  auto link = AttachLink::OpenWithTerminal(session_dir_, term.slave(), 0x1d);
  ASSERT_TRUE(link) << link.error().message;
  ASSERT_TRUE(term.WaitShown("ready"));
  term.Type("\r");
  std::string out;
  std::string exit_json;
  ASSERT_TRUE(WaitUntil([&] { return !Pump(*link, &out, &exit_json); }));
  EXPECT_EQ(exit_json, R"({"exitCode":0,"status":"completed"})");
  EXPECT_TRUE(term.WaitShown("LAST-WORDS")) << term.shown();
  WaitShim();
}

// Given a terminal-attached client whose terminal stops taking output (nobody reads the
// master) while the harness prints megabytes of repaints, the harness should still finish,
// and once the terminal is read again what it shows should end on the current screen (the
// shim dropped what the terminal could not take and repainted), not on a stale frame.
TEST_F(ShimAttachTest, TerminalThatStopsReadingIsRepaintedNotWaitedFor) {
  ASSERT_TRUE(Launch({"/bin/sh", "-c", kBigRepaint}));
  TestTerminal term;
  ASSERT_TRUE(term.ok());
  auto link = AttachLink::OpenWithTerminal(session_dir_, term.slave(), 0x1d);
  ASSERT_TRUE(link) << link.error().message;
  ASSERT_TRUE(link->owns_terminal());
  auto ctl = AttachLink::Open(session_dir_);  // a second client, to type with
  ASSERT_TRUE(ctl) << ctl.error().message;
  ctl->QueueInput("\n");
  ASSERT_TRUE(ctl->Flush());
  ASSERT_TRUE(WaitForOutput("DONE"));  // not held back by the terminal nobody reads

  auto live = ReadScreen(session_dir_);
  ASSERT_TRUE(live) << live.error().message;
  screen::ScreenModel model(live->snapshot.rows, live->snapshot.cols);
  ASSERT_TRUE(WaitUntil([&] {
    term.Drain();
    model = screen::ScreenModel(live->snapshot.rows, live->snapshot.cols);
    model.Feed(term.shown());
    return model.Capture().lines == live->snapshot.lines;
  })) << "shown "
      << term.shown().size() << " bytes";
  EXPECT_LT(term.shown().size(), OutputAfter(session_dir_, link->seq()).size() / 2);
  ctl->QueueInput("\n");
  ASSERT_TRUE(ctl->Flush());
  WaitShim();
}

// Given a descriptor that is not a terminal, the shim should refuse it and the link should
// fall back to the plain attach (paint and output over the link).
TEST_F(ShimAttachTest, NonTerminalFallsBackToThePlainAttach) {
  ASSERT_TRUE(Launch({"/bin/sh", "-c", "stty -echo; printf 'plain'; read x"}));
  ASSERT_TRUE(WaitForOutput("plain"));
  auto pipe = core::MakePipe();
  ASSERT_TRUE(pipe);
  auto link = AttachLink::OpenWithTerminal(session_dir_, pipe->write.fd(), 0x1d);
  ASSERT_TRUE(link) << link.error().message;
  EXPECT_FALSE(link->owns_terminal());
  EXPECT_THAT(link->paint(), HasSubstr("plain"));
  link->QueueInput("\n");
  ASSERT_TRUE(link->Flush());
  WaitShim();
}

}  // namespace
}  // namespace coven::shim
