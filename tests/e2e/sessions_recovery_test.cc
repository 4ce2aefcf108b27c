// End-to-end: sessions survive the daemon (SPEC Part A 7, 3.7): restart and kill -9 of the
// daemon leave harnesses running and controllable, a lost shim orphans only its session,
// an exit while the daemon was down is settled from the log, and a torn log tail is
// served up to the cut.
#include <signal.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "e2e/session_helpers.h"
#include "support/testing.h"

namespace coven::testing::sess {
namespace {

// A harness that echoes each input line back as "got:<line>" (terminal echo off, so only
// the harness itself can produce that text).
constexpr char kEchoHarness[] =
    "#!/bin/sh\nstty -echo\necho ready\nwhile read line; do echo \"got:$line\"; done\n";

class SessionRecoveryTest : public SessionTest {
 protected:
  // SIGKILLs the daemon and waits until it is gone.
  void KillDaemon() {
    pid_t pid = home_.DaemonPid();
    ASSERT_GT(pid, 0);
    ASSERT_EQ(::kill(pid, SIGKILL), 0);
    ASSERT_TRUE(WaitFor([&] { return !ProcessAlive(pid); }, kHangGuard));
  }

  void StopDaemon() {
    RunResult r = home_.Coven({"daemon", "stop"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
};

// Given a running session, we should keep it running and controllable across
// `coven daemon restart`.
TEST_F(SessionRecoveryTest, RestartKeepsSessionLive) {
  home_.AddScript("codex", kEchoHarness);
  std::string id = LaunchId("codex", "survive");
  ASSERT_TRUE(WaitOutput(id, "ready"));
  ASSERT_EQ(SendInput(id, "before\n").status, 202);
  ASSERT_TRUE(WaitOutput(id, "got:before"));
  pid_t old_pid = home_.DaemonPid();
  RunResult r = home_.Coven({"daemon", "restart"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ASSERT_NE(home_.DaemonPid(), old_pid);
  EXPECT_EQ(Status(id), "running");
  HttpResult in = SendInput(id, "after\n");
  EXPECT_EQ(in.status, 202) << in.body;
  EXPECT_TRUE(WaitOutput(id, "got:after"));
  std::vector<json::object> events = AllEvents(id);
  ExpectContiguous(events);
}

// Given 20 live sessions and a daemon killed with SIGKILL, we should find all 20 still
// running after `coven daemon start`, each taking input and with contiguous seqs.
TEST_F(SessionRecoveryTest, KillNineWithTwentyLiveSessions) {
  home_.AddScript("codex", kEchoHarness);
  constexpr int kSessions = 20;
  std::vector<std::string> ids;
  for (int i = 0; i < kSessions; ++i) {
    ids.push_back(LaunchId("codex", "cat " + std::to_string(i)));
    ASSERT_FALSE(ids.back().empty());
  }
  for (const std::string& id : ids) {
    ASSERT_TRUE(WaitOutput(id, "ready"));
  }
  ASSERT_NO_FATAL_FAILURE(KillDaemon());
  ASSERT_NO_FATAL_FAILURE(home_.StartDaemon());
  for (int i = 0; i < kSessions; ++i) {
    EXPECT_EQ(Status(ids[i]), "running") << i;
  }
  for (int i = 0; i < kSessions; ++i) {
    HttpResult r = SendInput(ids[i], "ping-" + std::to_string(i) + "\n");
    EXPECT_EQ(r.status, 202) << i << ": " << r.body;
  }
  for (int i = 0; i < kSessions; ++i) {
    SCOPED_TRACE(i);
    EXPECT_TRUE(WaitOutput(ids[i], "got:ping-" + std::to_string(i)));
    std::vector<json::object> events = AllEvents(ids[i]);
    ExpectContiguous(events);
    ASSERT_FALSE(events.empty());
    EXPECT_EQ(Kind(events.front()), "start");
  }
}

// Given three live sessions and one shim killed with SIGKILL, we should see only that
// session leave `running` (orphaned, or settled from its log) while the others stay live.
TEST_F(SessionRecoveryTest, LostShimOrphansOnlyItsSession) {
  home_.AddScript("codex", kEchoHarness);
  std::vector<std::string> ids;
  for (int i = 0; i < 3; ++i) {
    ids.push_back(LaunchId("codex", "s" + std::to_string(i)));
  }
  for (const std::string& id : ids) {
    ASSERT_TRUE(WaitOutput(id, "ready"));
  }
  pid_t harness = HarnessPid(ids[1]);
  ASSERT_GT(harness, 0);
  pid_t shim = ParentPid(harness);
  ASSERT_GT(shim, 1);
  ASSERT_NE(shim, home_.DaemonPid());
  EXPECT_NE(ReadFileOrEmpty("/proc/" + std::to_string(shim) + "/cmdline").find("shim"),
            std::string::npos)
      << "the harness's parent should be the shim";
  ASSERT_EQ(::kill(shim, SIGKILL), 0);

  json::value rec = WaitFinished(ids[1]);
  std::string status = Str(Field(rec, "status"));
  EXPECT_TRUE(status == "orphaned" || status == "failed" || status == "completed") << status;
  ExpectError(SendInput(ids[1], "x\n"), 409, "session_not_live");
  // The harness lost its terminal with its shim.
  EXPECT_TRUE(WaitFor([&] { return !ProcessAlive(harness); }, kHangGuard));
  for (int i : {0, 2}) {
    EXPECT_EQ(Status(ids[i]), "running");
    EXPECT_EQ(SendInput(ids[i], "still\n").status, 202);
    EXPECT_TRUE(WaitOutput(ids[i], "got:still"));
  }
  EXPECT_EQ(Get("/api/v1/health").status, 200);
  // The old events stay readable.
  std::vector<json::object> events = AllEvents(ids[1]);
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(Kind(events.front()), "start");
}

// Given harnesses that exit (0 and 7) while the daemon is stopped, we should find them
// completed/0 and failed/7 once the daemon starts again.
TEST_F(SessionRecoveryTest, ExitWhileDaemonDownIsSettled) {
  const std::string go = project_ / "go";
  home_.AddScript(
      "codex", "#!/bin/sh\necho ready\nwhile [ ! -e '" + go + "' ]; do sleep 0.05; done\nexit 0\n");
  home_.AddScript("gemini", "#!/bin/sh\necho ready\nwhile [ ! -e '" + go +
                                "' ]; do sleep 0.05; done\nexit 7\n");
  std::string zero = LaunchId("codex", "zero");
  std::string seven = LaunchId("gemini", "seven");
  ASSERT_TRUE(WaitOutput(zero, "ready"));
  ASSERT_TRUE(WaitOutput(seven, "ready"));
  pid_t shims[2] = {ParentPid(HarnessPid(zero)), ParentPid(HarnessPid(seven))};
  ASSERT_GT(shims[0], 1);
  ASSERT_GT(shims[1], 1);
  ASSERT_NO_FATAL_FAILURE(StopDaemon());
  WriteFile(go, "");
  // The shims exit once their harness's exit is logged.
  ASSERT_TRUE(
      WaitFor([&] { return !ProcessAlive(shims[0]) && !ProcessAlive(shims[1]); }, kHangGuard));
  ASSERT_NO_FATAL_FAILURE(home_.StartDaemon());
  json::value rec = Session(zero);
  EXPECT_EQ(Str(Field(rec, "status")), "completed") << json::serialize(rec);
  EXPECT_EQ(Field(rec, "exit_code"), json::value(0));
  rec = Session(seven);
  EXPECT_EQ(Str(Field(rec, "status")), "failed") << json::serialize(rec);
  EXPECT_EQ(Field(rec, "exit_code"), json::value(7));
  std::vector<json::object> events = AllEvents(seven);
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(Kind(events.back()), "exit");
  ExpectContiguous(events);
}

// Given a completed session whose log lost its last bytes while the daemon was down, we
// should serve exactly the events before the cut, never garbage.
TEST_F(SessionRecoveryTest, TruncatedLogTailIsServedUpToTheCut) {
  home_.AddScript("codex", "#!/bin/sh\nstty -opost\necho one\necho two\nexit 0\n");
  std::string id = LaunchId("codex", "short");
  EXPECT_EQ(Str(Field(WaitFinished(id), "status")), "completed");
  std::vector<json::object> before = AllEvents(id);
  ASSERT_GE(before.size(), 3u);
  ASSERT_EQ(Kind(before.back()), "exit");
  ASSERT_NO_FATAL_FAILURE(StopDaemon());

  std::string log = home_.home() + "/sessions/" + id + "/events.log";
  auto size = std::filesystem::file_size(log);
  ASSERT_GT(size, 70u);
  std::filesystem::resize_file(log, size - 5);
  ASSERT_NO_FATAL_FAILURE(home_.StartDaemon());

  for (bool raw : {false, true}) {
    SCOPED_TRACE(raw);
    std::vector<json::object> after = AllEvents(id, raw);
    ASSERT_EQ(after.size(), before.size() - 1);
    ExpectContiguous(after);
    for (size_t i = 0; i < after.size(); ++i) {
      EXPECT_EQ(after[i], before[i]) << i;  // nothing here needs redaction
      EXPECT_FALSE(Payload(after[i]).is_null()) << after[i];
    }
    // The cursor past the cut answers an empty page.
    json::value page = EventsPage(id, "&afterSeq=" + std::to_string(after.size()));
    EXPECT_TRUE(Field(page, "events").as_array().empty());
    EXPECT_TRUE(Field(page, "nextCursor").is_null());
  }
  EXPECT_EQ(Status(id), "completed");
  EXPECT_EQ(Get("/api/v1/health").status, 200);

  // Cutting into the file header too must not produce garbage either.
  ASSERT_NO_FATAL_FAILURE(StopDaemon());
  std::filesystem::resize_file(log, 20);
  ASSERT_NO_FATAL_FAILURE(home_.StartDaemon());
  HttpResult r = Get("/api/v1/events?sessionId=" + id);
  if (r.status == 200) {
    EXPECT_TRUE(Field(ParseJson(r.body), "events").as_array().empty()) << r.body;
  } else {
    EXPECT_GE(r.status, 400) << r.body;
    EXPECT_TRUE(Field(ParseJson(r.body), "error").is_object()) << r.body;
  }
  EXPECT_EQ(Get("/api/v1/health").status, 200);
}

}  // namespace
}  // namespace coven::testing::sess
