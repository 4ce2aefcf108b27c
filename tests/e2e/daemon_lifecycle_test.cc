// End-to-end: `coven daemon start|status|stop|restart|serve` against the real binary.
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <string>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "support/testing.h"

extern char** environ;  // NOLINT(readability-redundant-declaration)

namespace coven::testing {
namespace {

namespace json = boost::json;

// Live `coven daemon serve` processes whose environment names `home` as COVEN_HOME.
int CountServeProcesses(const std::string& home) {
  int count = 0;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/proc", ec)) {
    std::string name = entry.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) {
      continue;
    }
    std::string cmdline = ReadFileOrEmpty(entry.path().string() + "/cmdline");
    std::string environ_text = '\0' + ReadFileOrEmpty(entry.path().string() + "/environ");
    bool is_serve = cmdline.find(std::string("daemon\0serve", 12)) != std::string::npos;
    bool is_ours =
        environ_text.find('\0' + std::string("COVEN_HOME=") + home + '\0') != std::string::npos;
    if (is_serve && is_ours && ProcessAlive(std::stoi(name))) {
      ++count;
    }
  }
  return count;
}

// A `sleep 30` child unrelated to Coven; killed and reaped on destruction.
class SleepChild {
 public:
  SleepChild() {
    char a0[] = "sleep";
    char a1[] = "30";
    char* argv[] = {a0, a1, nullptr};
    if (::posix_spawnp(&pid_, "sleep", nullptr, nullptr, argv, environ) != 0) {
      pid_ = -1;
    }
  }
  ~SleepChild() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }
  SleepChild(const SleepChild&) = delete;
  SleepChild& operator=(const SleepChild&) = delete;
  SleepChild(SleepChild&&) = delete;
  SleepChild& operator=(SleepChild&&) = delete;
  pid_t pid() const { return pid_; }
  // True while the child has neither exited nor been killed by a signal.
  bool Running() const { return pid_ > 0 && ::waitpid(pid_, nullptr, WNOHANG) == 0; }

 private:
  pid_t pid_ = -1;
};

std::string Record(int pid, const std::string& socket) {
  return "{\n  \"pid\": " + std::to_string(pid) +
         ",\n  \"startedAt\": \"2026-05-14T23:24:21.123456789Z\",\n  \"socket\": \"" + socket +
         "\"\n}\n";
}

void MakeHome(const CovenHome& h) {
  ASSERT_EQ(::mkdir(h.home().c_str(), 0700), 0);
}

int HealthPid(const std::string& socket) {
  HttpResult r = Http(socket, "GET", "/api/v1/health");
  if (r.status != 200) {
    return 0;
  }
  boost::system::error_code ec;
  json::value v = json::parse(r.body, ec);
  if (ec || !v.is_object() || !v.as_object().contains("daemon") || !v.at("daemon").is_object()) {
    return 0;
  }
  return static_cast<int>(v.at("daemon").at("pid").to_number<int64_t>());
}

// Given a fresh home, start should detach a daemon that answers health, and stop should
// remove the socket and daemon.json.
TEST(DaemonLifecycleTest, StartStatusStop) {
  CovenHome h;
  RunResult status = h.Coven({"daemon", "status"});
  EXPECT_EQ(status.exit_code, 0);
  EXPECT_EQ(status.out, "coven daemon status=stopped\n");

  h.StartDaemon();
  int pid = h.DaemonPid();
  ASSERT_GT(pid, 0);
  EXPECT_TRUE(ProcessAlive(pid));
  HttpResult health = Http(h.socket(), "GET", "/api/v1/health");
  EXPECT_EQ(health.status, 200);
  EXPECT_NE(health.body.find("\"pid\":" + std::to_string(pid)), std::string::npos);

  status = h.Coven({"daemon", "status"});
  EXPECT_EQ(status.out, "coven daemon status=running ok=true pid=" + std::to_string(pid) +
                            " socket=" + h.socket() + "\n");

  RunResult stop = h.Coven({"daemon", "stop"});
  EXPECT_EQ(stop.exit_code, 0) << stop.err;
  EXPECT_EQ(stop.out, "coven daemon status=stopped\n");
  EXPECT_FALSE(ProcessAlive(pid));
  EXPECT_FALSE(Exists(h.socket()));
  EXPECT_FALSE(Exists(h.file("daemon.json")));
  stop = h.Coven({"daemon", "stop"});
  EXPECT_EQ(stop.out, "coven daemon was not running\n");
}

// Given a running daemon, a second start should report the same pid, succeed, and not
// spawn a second daemon.
TEST(DaemonLifecycleTest, DoubleStartReportsRunningDaemon) {
  CovenHome h;
  h.StartDaemon();
  int pid = h.DaemonPid();
  ASSERT_GT(pid, 0);
  RunResult again = h.Coven({"daemon", "start"});
  EXPECT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(again.out, "coven daemon status=running pid=" + std::to_string(pid) +
                           " socket=" + h.socket() + "\n");
  EXPECT_EQ(h.DaemonPid(), pid);
  EXPECT_EQ(CountServeProcesses(h.home()), 1);
  EXPECT_EQ(HealthPid(h.socket()), pid);
}

// Given daemon.json naming a dead pid and a missing socket, status should report stopped
// and delete the stale file.
TEST(DaemonLifecycleTest, StatusClearsRecordOfDeadPid) {
  CovenHome h;
  MakeHome(h);
  if (ProcessAlive(999999)) {
    GTEST_SKIP() << "pid 999999 happens to exist";
  }
  WriteFile(h.file("daemon.json"), Record(999999, h.socket()), 0600);
  RunResult status = h.Coven({"daemon", "status"});
  EXPECT_EQ(status.exit_code, 0) << status.err;
  EXPECT_EQ(status.out, "coven daemon status=stopped\n");
  EXPECT_FALSE(Exists(h.file("daemon.json")));
}

// Given a corrupt daemon.json and no daemon, status should report stopped and delete it.
TEST(DaemonLifecycleTest, StatusClearsCorruptRecordWithoutDaemon) {
  CovenHome h;
  MakeHome(h);
  WriteFile(h.file("daemon.json"), "{not json", 0600);
  RunResult status = h.Coven({"daemon", "status"});
  EXPECT_EQ(status.exit_code, 0) << status.err;
  EXPECT_EQ(status.out, "coven daemon status=stopped\n");
  EXPECT_FALSE(Exists(h.file("daemon.json")));
}

// Given a running daemon whose daemon.json got corrupted, status should trust the socket,
// report running, and rewrite daemon.json with the numeric pid.
TEST(DaemonLifecycleTest, StatusRepairsCorruptRecordFromRunningDaemon) {
  CovenHome h;
  h.StartDaemon();
  int pid = h.DaemonPid();
  ASSERT_GT(pid, 0);
  WriteFile(h.file("daemon.json"), "{not json", 0600);
  RunResult status = h.Coven({"daemon", "status"});
  EXPECT_EQ(status.exit_code, 0) << status.err;
  EXPECT_EQ(status.out, "coven daemon status=running ok=true pid=" + std::to_string(pid) +
                            " socket=" + h.socket() + "\n");
  boost::system::error_code ec;
  json::value rec = json::parse(ReadFileOrEmpty(h.file("daemon.json")), ec);
  ASSERT_FALSE(ec) << ReadFileOrEmpty(h.file("daemon.json"));
  ASSERT_TRUE(rec.is_object());
  ASSERT_TRUE(rec.as_object().contains("pid"));
  ASSERT_TRUE(rec.at("pid").is_number());
  EXPECT_EQ(rec.at("pid").to_number<int64_t>(), pid);
  EXPECT_EQ(rec.at("socket"), json::value(h.socket()));
  EXPECT_TRUE(rec.at("startedAt").is_string());
}

// Given a running daemon, restart should replace it with a new process that answers, and
// print status=restarted with the new pid.
TEST(DaemonLifecycleTest, RestartReplacesRunningDaemon) {
  CovenHome h;
  h.StartDaemon();
  int old_pid = h.DaemonPid();
  ASSERT_GT(old_pid, 0);
  RunResult r = h.Coven({"daemon", "restart"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  int new_pid = h.DaemonPid();
  ASSERT_GT(new_pid, 0);
  EXPECT_NE(new_pid, old_pid);
  EXPECT_EQ(r.out, "coven daemon status=restarted pid=" + std::to_string(new_pid) +
                       " socket=" + h.socket() + "\n");
  EXPECT_FALSE(ProcessAlive(old_pid));
  EXPECT_TRUE(ProcessAlive(new_pid));
  EXPECT_EQ(HealthPid(h.socket()), new_pid);
}

// Given no daemon, restart should just start one and print a status=running line.
TEST(DaemonLifecycleTest, RestartWhenStoppedStarts) {
  CovenHome h;
  RunResult r = h.Coven({"daemon", "restart"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  int pid = h.DaemonPid();
  ASSERT_GT(pid, 0);
  EXPECT_EQ(r.out, "coven daemon status=running pid=" + std::to_string(pid) +
                       " socket=" + h.socket() + "\n");
  EXPECT_EQ(HealthPid(h.socket()), pid);
}

class DaemonSignalTest : public ::testing::TestWithParam<int> {};

// Given a running daemon, a termination signal should make it exit and remove its socket
// and daemon.json.
TEST_P(DaemonSignalTest, SignalCleansUp) {
  CovenHome h;
  h.StartDaemon();
  int pid = h.DaemonPid();
  ASSERT_GT(pid, 0);
  ASSERT_EQ(::kill(pid, GetParam()), 0);
  EXPECT_TRUE(WaitFor([&] { return !ProcessAlive(pid); }));
  EXPECT_TRUE(WaitFor([&] { return !Exists(h.socket()) && !Exists(h.file("daemon.json")); }))
      << "socket=" << Exists(h.socket()) << " daemon.json=" << Exists(h.file("daemon.json"))
      << "\ndaemon.log:\n"
      << ReadFileOrEmpty(h.file("daemon.log"));
  RunResult status = h.Coven({"daemon", "status"});
  EXPECT_EQ(status.out, "coven daemon status=stopped\n");
}

INSTANTIATE_TEST_SUITE_P(Signals, DaemonSignalTest, ::testing::Values(SIGTERM, SIGINT),
                         [](const ::testing::TestParamInfo<int>& param) {
                           return std::string(sigabbrev_np(param.param));
                         });

// Given a running daemon, SIGHUP should make it re-read config.json (docs/attention.md) and
// keep serving, not stop it.
TEST(DaemonLifecycleTest, HangupReloadsConfig) {
  CovenHome h;
  h.StartDaemon();
  int pid = h.DaemonPid();
  ASSERT_GT(pid, 0);
  ASSERT_EQ(::kill(pid, SIGHUP), 0);
  EXPECT_TRUE(WaitFor([&] {
    std::string log = ReadFileOrEmpty(h.file("daemon.log"));
    size_t first = log.find("config loaded");
    return first != std::string::npos && log.find("config loaded", first + 1) != std::string::npos;
  })) << ReadFileOrEmpty(h.file("daemon.log"));
  EXPECT_TRUE(ProcessAlive(pid));
  EXPECT_EQ(HealthPid(h.socket()), pid);
}

// Given a daemon signalled the moment `daemon start` returns, it should still clean up:
// start reports ready only once the daemon handles its stop signals. Repeated because the
// window, when there is one, is short (fewer rounds in the sanitizer builds, where a daemon
// start costs ten times as much; the release run keeps all 50).
TEST(DaemonLifecycleTest, SignalRightAfterStartCleansUp) {
  CovenHome h;
  const int rounds = kSanitized ? 10 : 50;
  for (int i = 0; i < rounds; ++i) {
    SCOPED_TRACE("round " + std::to_string(i));
    ASSERT_NO_FATAL_FAILURE(h.StartDaemon());
    int pid = h.DaemonPid();
    ASSERT_GT(pid, 0);
    ASSERT_EQ(::kill(pid, SIGTERM), 0);
    ASSERT_TRUE(WaitFor([&] { return !ProcessAlive(pid); }));
    ASSERT_TRUE(WaitFor([&] { return !Exists(h.socket()) && !Exists(h.file("daemon.json")); }))
        << "daemon.log:\n"
        << ReadFileOrEmpty(h.file("daemon.log"));
  }
}

// Given a running daemon, a second foreground `daemon serve` should fail fast naming the
// lock, and the first daemon should keep answering.
TEST(DaemonLifecycleTest, SecondServeIsRefusedByLock) {
  CovenHome h;
  h.StartDaemon();
  int pid = h.DaemonPid();
  ASSERT_GT(pid, 0);
  RunResult second = h.Coven({"daemon", "serve"}, milliseconds(10'000));
  EXPECT_NE(second.exit_code, 0);
  EXPECT_NE(second.exit_code, -1) << "second serve did not exit";
  EXPECT_NE(second.err.find("lock"), std::string::npos) << "stderr: " << second.err;
  EXPECT_EQ(HealthPid(h.socket()), pid);
  EXPECT_EQ(h.DaemonPid(), pid);
  EXPECT_TRUE(Exists(h.socket()));
}

// Given daemon.json naming a live process that is not a daemon, stop should refuse with
// exit 1 and leave that process alone.
TEST(DaemonLifecycleTest, StopRefusesUnverifiedLivePid) {
  CovenHome h;
  MakeHome(h);
  SleepChild sleeper;
  ASSERT_GT(sleeper.pid(), 0);
  WriteFile(h.file("daemon.json"), Record(sleeper.pid(), h.socket()), 0600);
  RunResult stop = h.Coven({"daemon", "stop"});
  EXPECT_EQ(stop.exit_code, 1);
  EXPECT_NE(stop.err.find("could not be verified"), std::string::npos) << stop.err;
  EXPECT_TRUE(sleeper.Running());
  EXPECT_TRUE(Exists(h.file("daemon.json")));

  // The same record reads as stale, untouched; a pid that does not answer is not fine.
  RunResult status = h.Coven({"daemon", "status"});
  EXPECT_EQ(status.exit_code, 1);
  EXPECT_NE(status.err.find("does not answer"), std::string::npos) << status.err;
  EXPECT_EQ(status.out, "coven daemon status=stale ok=false pid=" + std::to_string(sleeper.pid()) +
                            " socket=" + h.socket() + "\n");
  EXPECT_TRUE(Exists(h.file("daemon.json")));
  EXPECT_TRUE(sleeper.Running());
}

// Given a started daemon, the home should be 0700, daemon.json 0600 and the socket a real
// socket with mode 0600.
TEST(DaemonLifecycleTest, FileModes) {
  CovenHome h;
  h.StartDaemon();
  EXPECT_EQ(FileMode(h.home()), 0700u);
  EXPECT_EQ(FileMode(h.file("daemon.json")), 0600u);
  EXPECT_EQ(FileMode(h.socket()), 0600u);
  struct stat st {};
  ASSERT_EQ(::lstat(h.socket().c_str(), &st), 0);
  EXPECT_TRUE(S_ISSOCK(st.st_mode));
}

// Given --version, coven should print its name and the build version.
TEST(DaemonLifecycleTest, VersionFlag) {
  CovenHome h;
  RunResult r = h.Coven({"--version"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out, "coven 0.1.0\n");
}

// Given `coven daemon` without a subcommand or with an unknown one, coven should exit 2.
TEST(DaemonLifecycleTest, DaemonUsageErrorsExitTwo) {
  CovenHome h;
  RunResult none = h.Coven({"daemon"});
  EXPECT_EQ(none.exit_code, 2) << none.out << none.err;
  RunResult bad = h.Coven({"daemon", "frobnicate"});
  EXPECT_EQ(bad.exit_code, 2) << bad.out << bad.err;
  EXPECT_FALSE(Exists(h.file("daemon.json")));
}

}  // namespace
}  // namespace coven::testing
