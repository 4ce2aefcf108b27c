// Tests for shim/: real shims started through LaunchShim (coven_shim_testhost plays `coven
// shim`) with real PTYs and harness scripts. The pure pieces are in shim_pure_test.cc.
#include "shim/shim.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/clock.h"
#include "core/strings.h"
#include "eventlog/event_log.h"
#include "shim/internal/json.h"
#include "shim/internal/output_chunker.h"
#include "shim/internal/shim_loop.h"
#include "shim/internal/wire.h"
#include "shim/shim_test_helpers.h"
#include "support/temp_dir.h"

namespace coven::shim {
namespace {

using coven::testing::TempDir;

using eventlog::Event;
using eventlog::EventKind;
using ::testing::HasSubstr;
using namespace std::chrono_literals;

using test_helpers::kDeadline;
using test_helpers::OfKind;
using test_helpers::Output;
using test_helpers::ProcessGone;
using test_helpers::ReadEvents;
using test_helpers::WaitExit;
using test_helpers::WaitUntil;
using test_helpers::WriteScript;

using ShimTest = test_helpers::ShimFixture;

// Given a harness that prints and exits 3, we should log start, the output and a failed
// exit, then the shim should exit 0 and remove its socket.
TEST_F(ShimTest, RecordsStartOutputAndExit) {
  auto launched = Launch({"/bin/sh", "-c", "printf hello; exit 3"});
  ASSERT_TRUE(launched) << launched.error().message;
  EXPECT_GT(launched->harness_pid, 0);
  int status = WaitShim();
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
  EXPECT_FALSE(std::filesystem::exists(ShimSocketPath(session_dir_)));

  auto events = ReadEvents(session_dir_);
  ASSERT_GE(events.size(), 3u);
  EXPECT_EQ(events.front().kind, EventKind::kStart);
  EXPECT_EQ(events.front().payload,
            R"({"argv":["/bin/sh","-c","printf hello; exit 3"],"cols":80,"cwd":")" + home_.path() +
                R"(","pid":)" + std::to_string(launched->harness_pid) + R"(,"rows":24})");
  EXPECT_EQ(Output(events), "hello");
  EXPECT_EQ(events.back().kind, EventKind::kExit);
  EXPECT_EQ(events.back().payload, R"({"exitCode":3,"status":"failed"})");
}

// Given a watched shim, we should hear about appended events and then its exit.
TEST_F(ShimTest, WatcherSeesAppendsAndExit) {
  std::mutex mu;
  std::condition_variable cv;
  uint64_t appended = 0;
  std::string gone_id;
  std::string gone_json;
  bool gone = false;
  ShimWatcher watcher({[&](const std::string&, uint64_t seq) {
                         std::lock_guard<std::mutex> lock(mu);
                         appended = std::max(appended, seq);
                         cv.notify_all();
                       },
                       [&](const std::string& id, const std::string& exit_json) {
                         std::lock_guard<std::mutex> lock(mu);
                         gone = true;
                         gone_id = id;
                         gone_json = exit_json;
                         cv.notify_all();
                       },
                       nullptr});
  auto launched = Launch({"/bin/sh", "-c", "read x; printf 'got %s' \"$x\""});
  ASSERT_TRUE(launched) << launched.error().message;
  ASSERT_TRUE(watcher.Watch("sess-1", session_dir_));
  EXPECT_EQ(watcher.watched_count(), 1u);
  auto seq = SendInput(session_dir_, "go\n");
  ASSERT_TRUE(seq) << seq.error().message;
  {
    std::unique_lock<std::mutex> lock(mu);
    ASSERT_TRUE(cv.wait_for(lock, kDeadline, [&] { return gone; }));
    EXPECT_EQ(gone_id, "sess-1");
    EXPECT_EQ(gone_json, R"({"exitCode":0,"status":"completed"})");
    EXPECT_GE(appended, *seq);
  }
  EXPECT_TRUE(WaitUntil([&] { return watcher.watched_count() == 0; }));
  EXPECT_THAT(Output(ReadEvents(session_dir_)), HasSubstr("got go"));
  WaitShim();
}

// Given a watched harness that streams 16 MB (~130 log batches), the watcher should hear of
// the stream at most once per kNotifyInterval (plus the notice of the end), yet of every
// event before the exit.
TEST_F(ShimTest, WatcherHearsOfAStreamAtMostOncePerInterval) {
  std::string file = home_.path() + "/big.txt";
  std::string line(99, 'x');
  line += '\n';  // the terminal makes it CR LF: a stream the screen model takes fast
  std::ofstream out(file, std::ios::binary);
  for (int i = 0; i < 160'000; ++i) {
    out << line;
  }
  out.close();
  std::mutex mu;
  std::condition_variable cv;
  uint64_t notices = 0;
  uint64_t appended = 0;
  bool gone = false;
  ShimWatcher watcher({[&](const std::string&, uint64_t seq) {
                         std::lock_guard<std::mutex> lock(mu);
                         ++notices;
                         appended = std::max(appended, seq);
                       },
                       [&](const std::string&, const std::string&) {
                         std::lock_guard<std::mutex> lock(mu);
                         gone = true;
                         cv.notify_all();
                       },
                       nullptr});
  auto launched = Launch({"/bin/sh", "-c", "read x; exec cat " + file});
  ASSERT_TRUE(launched) << launched.error().message;
  ASSERT_TRUE(watcher.Watch("sess-1", session_dir_));
  auto start = std::chrono::steady_clock::now();
  ASSERT_TRUE(SendInput(session_dir_, "go\n"));
  std::unique_lock<std::mutex> lock(mu);
  ASSERT_TRUE(cv.wait_for(lock, kDeadline, [&] { return gone; }));
  // Every notice was sent after `start` and heard before now, kNotifyInterval apart but the
  // first (the input's echo) and the goodbye's.
  auto elapsed = std::chrono::steady_clock::now() - start;
  uint64_t bound = static_cast<uint64_t>(elapsed / internal::kNotifyInterval) + 2;
  EXPECT_LE(notices, bound) << "over " << elapsed / 1ms << " ms";
  auto events = ReadEvents(session_dir_);
  ASSERT_EQ(events.back().kind, EventKind::kExit);
  EXPECT_EQ(appended, events.back().seq);
  lock.unlock();
  WaitShim();
}

// Given a `cat` harness, input should reach it, be echoed back and be logged.
TEST_F(ShimTest, InputReachesHarnessAndIsLogged) {
  auto launched = Launch({"cat"});
  ASSERT_TRUE(launched) << launched.error().message;
  auto hello = Hello(session_dir_);
  ASSERT_TRUE(hello) << hello.error().message;
  EXPECT_EQ(hello->harness_pid, launched->harness_pid);
  EXPECT_GE(hello->last_seq, 1u);

  auto seq = SendInput(session_dir_, "ping\n");
  ASSERT_TRUE(seq) << seq.error().message;
  // The terminal echoes the line, then cat prints it.
  ASSERT_TRUE(WaitForOutput("ping\r\nping\r\n"));
  ASSERT_TRUE(SendInput(session_dir_, "\x04"));  // ^D: end of input for cat
  WaitShim();

  auto events = ReadEvents(session_dir_);
  auto inputs = OfKind(events, EventKind::kInput);
  ASSERT_EQ(inputs.size(), 2u);
  EXPECT_EQ(inputs[0]->seq, *seq);
  EXPECT_EQ(inputs[0]->payload, "ping\n");
  EXPECT_EQ(events.back().payload, R"({"exitCode":0,"status":"completed"})");
  struct stat st = {};
  EXPECT_NE(::stat(ShimSocketPath(session_dir_).c_str(), &st), 0);
}

// Given a resize, the harness should see the new size and the log should hold it.
TEST_F(ShimTest, ResizeReachesHarnessAndIsLogged) {
  auto launched = Launch({"/bin/sh", "-c", "stty size; read x; stty size"});
  ASSERT_TRUE(launched) << launched.error().message;
  ASSERT_TRUE(WaitForOutput("24 80"));
  struct stat st = {};
  ASSERT_EQ(::stat(ShimSocketPath(session_dir_).c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);

  ASSERT_TRUE(SendResize(session_dir_, 30, 100));
  ASSERT_TRUE(SendInput(session_dir_, "\n"));
  ASSERT_TRUE(WaitForOutput("30 100"));
  WaitShim();
  auto events = ReadEvents(session_dir_);
  auto resizes = OfKind(events, EventKind::kResize);
  ASSERT_EQ(resizes.size(), 1u);
  EXPECT_EQ(resizes[0]->payload, R"({"cols":100,"rows":30})");
  auto bad = SendResize(session_dir_, 0, 10);
  EXPECT_FALSE(bad);
}

// Given a live harness that drew a screen, ReadScreen should return the shim's model at the
// last logged seq and follow a resize; after the exit, the recorded final screen; without
// that file, the same screen rebuilt from the log.
TEST_F(ShimTest, ScreenIsLiveThenFinalThenRebuilt) {
  auto launched = Launch(
      {"/bin/sh", "-c",
       "stty -echo; printf '\\033[2J\\033[3;5Hhello\\033]2;t1\\007'; read x; printf ' bye'"});
  ASSERT_TRUE(launched) << launched.error().message;
  core::Result<SessionScreen> live = core::Error(core::ErrorCode::kIo, "not read");
  ASSERT_TRUE(WaitUntil([&] {
    live = ReadScreen(session_dir_);
    return live && live->snapshot.title == "t1";
  }));
  EXPECT_EQ(live->source, ScreenSource::kLive);
  EXPECT_EQ(live->snapshot.rows, 24);
  EXPECT_EQ(live->snapshot.lines[2], "    hello");
  EXPECT_EQ(live->snapshot.title, "t1");
  EXPECT_EQ(live->snapshot.cursor_row, 2);
  EXPECT_EQ(live->snapshot.cursor_col, 9);
  auto events = ReadEvents(session_dir_);
  EXPECT_EQ(live->seq, events.back().seq);

  ASSERT_TRUE(SendResize(session_dir_, 10, 40));
  auto resized = ReadScreen(session_dir_);
  ASSERT_TRUE(resized);
  EXPECT_EQ(resized->snapshot.rows, 10);
  EXPECT_EQ(resized->snapshot.cols, 40);

  ASSERT_TRUE(SendInput(session_dir_, "\n"));
  WaitShim();
  auto final_screen = ReadScreen(session_dir_);
  ASSERT_TRUE(final_screen) << final_screen.error().message;
  EXPECT_EQ(final_screen->source, ScreenSource::kFinal);
  EXPECT_EQ(final_screen->snapshot.lines[2], "    hello bye");
  EXPECT_EQ(final_screen->seq, ReadEvents(session_dir_).back().seq);  // the exit event

  std::filesystem::remove(FinalScreenPath(session_dir_));
  auto rebuilt = ReadScreen(session_dir_);
  ASSERT_TRUE(rebuilt) << rebuilt.error().message;
  EXPECT_EQ(rebuilt->source, ScreenSource::kRebuilt);
  EXPECT_EQ(rebuilt->seq, final_screen->seq);
  EXPECT_EQ(rebuilt->snapshot.lines, final_screen->snapshot.lines);
  EXPECT_EQ(rebuilt->snapshot.ansi, final_screen->snapshot.ansi);
  EXPECT_EQ(rebuilt->snapshot.rows, 10);
}

// Given a harness and a grandchild that ignore SIGHUP and SIGTERM, kill should still end
// both (SIGKILL after the graces) and log kill, then an exit naming SIGKILL.
TEST_F(ShimTest, KillEscalatesToSigkillAndReachesGrandchildren) {
  std::string script = Script("stubborn.sh",
                              "trap '' HUP TERM\n"
                              "sleep 1000 &\n"
                              "echo \"gc=$! ready\"\n"
                              "wait\n");
  auto launched = Launch({script});
  ASSERT_TRUE(launched) << launched.error().message;
  ASSERT_TRUE(WaitForOutput("ready"));
  std::string out = Output(ReadEvents(session_dir_));
  pid_t grandchild = static_cast<pid_t>(std::atoi(out.c_str() + out.find("gc=") + 3));
  ASSERT_GT(grandchild, 0);

  auto kill_seq = SendKill(session_dir_);
  ASSERT_TRUE(kill_seq) << kill_seq.error().message;
  auto again = SendKill(session_dir_);  // a second kill is the same kill
  ASSERT_TRUE(again);
  EXPECT_EQ(*again, *kill_seq);
  int status = WaitShim();
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  EXPECT_TRUE(WaitUntil([&] { return ProcessGone(grandchild); }));

  auto events = ReadEvents(session_dir_);
  auto kills = OfKind(events, EventKind::kKill);
  ASSERT_EQ(kills.size(), 1u);
  EXPECT_EQ(kills[0]->seq, *kill_seq);
  EXPECT_EQ(kills[0]->payload, R"({"status":"killed"})");
  EXPECT_EQ(events.back().kind, EventKind::kExit);
  EXPECT_EQ(events.back().payload, R"({"exitCode":1,"signal":"SIGKILL","status":"failed"})");
}

// Given a plain harness, kill should end it with the first signal, SIGHUP.
TEST_F(ShimTest, KillEndsPlainHarnessWithSighup) {
  auto launched = Launch({"sleep", "1000"});
  ASSERT_TRUE(launched) << launched.error().message;
  ASSERT_TRUE(SendKill(session_dir_));
  WaitShim();
  auto events = ReadEvents(session_dir_);
  EXPECT_EQ(events.back().payload, R"({"exitCode":1,"signal":"SIGHUP","status":"failed"})");
}

// Bytes drawn so that every kind of escaping and multi-byte character occurs, without '\n'
// (which the terminal turns into "\r\n").
std::string MixedText(size_t size, uint32_t seed) {
  static const char* const kPieces[] = {"abc", "\xE2\x82\xAC", "\xF0\x9F\x98\x80", "\"",
                                        "\\",  "\x1b[1m",      "xyz0123456789",    "\xC3\xA9"};
  std::string out;
  out.reserve(size + 16);
  uint32_t x = seed;
  while (out.size() < size) {
    x = x * 1103515245u + 12345u;
    out += kPieces[(x >> 16) % 8];
  }
  return out;
}

void ExpectEventsWellFormed(const std::vector<Event>& events) {
  size_t bad_utf8 = 0;
  size_t too_big = 0;
  for (const Event& e : events) {
    if (e.kind != EventKind::kOutput) {
      continue;
    }
    EXPECT_FALSE(e.payload.empty());
    if (!core::IsValidUtf8(e.payload)) {
      ++bad_utf8;
    }
    std::string json = "{\"data\":";
    internal::AppendJsonString(&json, e.payload);
    json += "}";
    if (json.size() >= internal::kMaxOutputJsonBytes ||
        internal::EscapedCost(e.payload) + internal::kOutputJsonOverhead >=
            internal::kMaxOutputJsonBytes) {
      ++too_big;
    }
  }
  EXPECT_EQ(bad_utf8, 0u);
  EXPECT_EQ(too_big, 0u);
}

// Given 20 MB of output, we should capture it byte for byte in events under the size bound.
TEST_F(ShimTest, LargeOutputIsCapturedExactly) {
  std::string data = MixedText(20'000'000, 7);
  std::string file = home_.path() + "/big.txt";
  std::ofstream(file, std::ios::binary) << data;
  auto launched = Launch({"cat", file});
  ASSERT_TRUE(launched) << launched.error().message;
  int status = WaitShim();
  ASSERT_TRUE(WIFEXITED(status));
  auto events = ReadEvents(session_dir_);
  std::string out = Output(events);
  EXPECT_EQ(out.size(), data.size());
  EXPECT_TRUE(out == data);
  ExpectEventsWellFormed(events);
  EXPECT_EQ(events.back().payload, R"({"exitCode":0,"status":"completed"})");
}

// Given multi-byte characters written 7 bytes at a time, no event should split one.
TEST_F(ShimTest, OutputNeverSplitsUtf8Characters) {
  std::string data;
  while (data.size() < 300'000) {
    data +=
        "\xE2\x82\xAC\xF0\x9F\x98\x80"
        "a\xE2\x82\xAC";
  }
  std::string file = home_.path() + "/utf8.txt";
  std::ofstream(file, std::ios::binary) << data;
  auto launched = Launch({"dd", "if=" + file, "bs=7", "status=none"});
  ASSERT_TRUE(launched) << launched.error().message;
  WaitShim();
  auto events = ReadEvents(session_dir_);
  EXPECT_TRUE(Output(events) == data);
  ExpectEventsWellFormed(events);
}

// Given a harness that exits while a grandchild (ignoring SIGHUP) still holds the terminal,
// the shim should still record the exit and end.
TEST_F(ShimTest, GrandchildHoldingTerminalDoesNotKeepShimAlive) {
  std::string script = Script("leaver.sh",
                              "trap '' HUP\n"
                              "sleep 1000 &\n"
                              "echo \"gc=$!\"\n");
  auto launched = Launch({script});
  ASSERT_TRUE(launched) << launched.error().message;
  int status = WaitShim();
  auto events = ReadEvents(session_dir_);
  std::string out = Output(events);
  ASSERT_NE(out.find("gc="), std::string::npos);
  pid_t grandchild = static_cast<pid_t>(std::atoi(out.c_str() + out.find("gc=") + 3));
  ASSERT_GT(grandchild, 0);
  ::kill(grandchild, SIGKILL);  // it outlives the session by design; clean it up
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  EXPECT_EQ(events.back().payload, R"({"exitCode":0,"status":"completed"})");
}

// Given a coven binary that cannot be executed, launch should fail naming it.
TEST_F(ShimTest, MissingCovenExecutableFailsLaunch) {
  LaunchSpec spec;
  spec.coven_exe = home_.path() + "/no-such-coven";
  spec.options.session_id = core::NewUuid();
  spec.options.session_dir = session_dir_;
  spec.options.argv = {"cat"};
  auto launched = LaunchShim(spec);
  ASSERT_FALSE(launched);
  EXPECT_EQ(launched.error().code, core::ErrorCode::kPtySpawnFailed);
  EXPECT_THAT(launched.error().message, HasSubstr("no-such-coven"));
  errno = 0;
  EXPECT_EQ(::waitpid(-1, nullptr, WNOHANG), -1);
  EXPECT_EQ(errno, ECHILD);
}

// Given a harness that cannot be found, launch should fail naming it, leaving no zombie
// and no socket.
TEST_F(ShimTest, BadHarnessFailsLaunch) {
  auto launched = Launch({"/nonexistent/coven-harness"});
  ASSERT_FALSE(launched);
  EXPECT_EQ(launched.error().code, core::ErrorCode::kPtySpawnFailed);
  EXPECT_THAT(launched.error().message, HasSubstr("/nonexistent/coven-harness"));
  errno = 0;
  EXPECT_EQ(::waitpid(-1, nullptr, WNOHANG), -1);  // no child at all: the shim was reaped
  EXPECT_EQ(errno, ECHILD);
  EXPECT_FALSE(std::filesystem::exists(ShimSocketPath(session_dir_)));
}

// Given a session folder whose socket path cannot fit sockaddr_un, launch should say so.
TEST_F(ShimTest, TooLongSocketPathFailsLaunch) {
  session_dir_ = home_.path() + "/" + std::string(120, 'd');
  std::filesystem::create_directory(session_dir_);
  auto launched = Launch({"cat"});
  ASSERT_FALSE(launched);
  EXPECT_THAT(launched.error().message, HasSubstr("socket path"));
}

// Given a shim killed with SIGKILL, the watcher should report it gone without an exit.
TEST_F(ShimTest, WatcherReportsVanishedShim) {
  std::mutex mu;
  std::condition_variable cv;
  std::optional<std::string> gone_json;
  ShimWatcher watcher({nullptr,
                       [&](const std::string&, const std::string& exit_json) {
                         std::lock_guard<std::mutex> lock(mu);
                         gone_json = exit_json;
                         cv.notify_all();
                       },
                       nullptr});
  auto launched = Launch({"sleep", "1000"});
  ASSERT_TRUE(launched) << launched.error().message;
  ASSERT_TRUE(watcher.Watch("s", session_dir_));
  ::kill(launched->shim_pid, SIGKILL);
  WaitShim();
  {
    std::unique_lock<std::mutex> lock(mu);
    ASSERT_TRUE(cv.wait_for(lock, kDeadline, [&] { return gone_json.has_value(); }));
    EXPECT_EQ(*gone_json, "");
  }
  // The harness got SIGHUP when its terminal's master closed.
  EXPECT_TRUE(WaitUntil([&] { return ProcessGone(launched->harness_pid); }));
}

// Given a session whose shim has exited, every command should answer kSessionNotLive.
TEST_F(ShimTest, CommandsAfterExitAreNotLive) {
  auto launched = Launch({"true"});
  ASSERT_TRUE(launched) << launched.error().message;
  WaitShim();
  auto input = SendInput(session_dir_, "x");
  ASSERT_FALSE(input);
  EXPECT_EQ(input.error().code, core::ErrorCode::kSessionNotLive);
  auto kill = SendKill(session_dir_);
  ASSERT_FALSE(kill);
  EXPECT_EQ(kill.error().code, core::ErrorCode::kSessionNotLive);
  auto resize = SendResize(session_dir_, 10, 10);
  ASSERT_FALSE(resize);
  EXPECT_EQ(resize.error().code, core::ErrorCode::kSessionNotLive);
  auto hello = Hello(session_dir_);
  ASSERT_FALSE(hello);
  EXPECT_EQ(hello.error().code, core::ErrorCode::kSessionNotLive);
  ShimWatcher watcher({});
  auto watch = watcher.Watch("s", session_dir_);
  ASSERT_FALSE(watch);
  EXPECT_EQ(watch.error().code, core::ErrorCode::kSessionNotLive);
}

// Given fds this process leaks (no close-on-exec), neither the shim nor the harness should
// inherit them: the harness has exactly 0, 1 and 2.
TEST_F(ShimTest, NoFdLeaksIntoShimOrHarness) {
  std::string marker = home_.path() + "/leak-marker";
  std::ofstream(marker) << "x";
  // Deliberately inheritable: the test proves the shim closes it anyway.
  int leaked = ::open(marker.c_str(), O_RDONLY);  // NOLINT(android-cloexec-open)
  ASSERT_GE(leaked, 0);
  int leaked_high = ::fcntl(leaked, F_DUPFD, 200);
  // The harness is looked at from outside while it waits in `read`: a listing made by the
  // harness itself would race with the shell's own pipe or directory fds (a flaky "3").
  auto launched = Launch({"/bin/sh", "-c", "echo \"pid=$$ end\"; read x"});
  ::close(leaked);
  ::close(leaked_high);
  ASSERT_TRUE(launched) << launched.error().message;
  ASSERT_TRUE(WaitForOutput("end"));
  std::string out = Output(ReadEvents(session_dir_));
  size_t at = out.find("pid=");
  ASSERT_NE(at, std::string::npos) << out;
  std::set<int> fds;
  for (const auto& entry : std::filesystem::directory_iterator(
           "/proc/" + std::to_string(std::atoi(out.c_str() + at + 4)) + "/fd")) {
    fds.insert(std::stoi(entry.path().filename().string()));
  }
  EXPECT_EQ(fds, (std::set<int>{0, 1, 2}));

  size_t shim_fds = 0;
  for (const auto& entry :
       std::filesystem::directory_iterator("/proc/" + std::to_string(launched->shim_pid) + "/fd")) {
    std::error_code ec;
    EXPECT_NE(std::filesystem::read_symlink(entry.path(), ec).string(), marker);
    ++shim_fds;
  }
  EXPECT_GT(shim_fds, 3u);
  ASSERT_TRUE(SendInput(session_dir_, "\n"));
  WaitShim();
}

// Given an exited shim that nobody waited for, ReapExitedChildren should reap it.
TEST_F(ShimTest, ReapExitedChildrenLeavesNoZombie) {
  auto launched = Launch({"true"});
  ASSERT_TRUE(launched) << launched.error().message;
  siginfo_t info = {};
  ASSERT_TRUE(WaitUntil([&] {
    info.si_pid = 0;
    return ::waitid(P_PID, static_cast<id_t>(launched->shim_pid), &info,
                    WEXITED | WNOHANG | WNOWAIT) == 0 &&
           info.si_pid == launched->shim_pid;
  }));
  ReapExitedChildren();
  reaped_ = true;
  errno = 0;
  EXPECT_EQ(::waitpid(launched->shim_pid, nullptr, WNOHANG), -1);
  EXPECT_EQ(errno, ECHILD);
}

}  // namespace
}  // namespace coven::shim
