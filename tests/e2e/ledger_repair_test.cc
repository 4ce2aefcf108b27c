// End-to-end: a damaged ledger (issue 13, item 7). The daemon refuses to start on it naming
// the file and the fix, `coven doctor` reports it, `coven doctor --repair` rebuilds it from
// the session folders (keeping the damaged file aside), and nothing under sessions/ changes.
#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <unistd.h>

#include <filesystem>
#include <map>
#include <string>

#include "e2e/session_helpers.h"

namespace coven::testing::sess {
namespace {

// Exits 0 for the prompt "ok", 3 for "bad"; "wait" waits for a line of input; "hang"
// sleeps (its shim is killed to make an orphan).
constexpr const char* kHarness = R"(#!/bin/sh
for last; do :; done
case "$last" in
  ok) echo done-ok; exit 0;;
  bad) echo done-bad; exit 3;;
  wait) echo waiting; read line; exit 0;;
  *) echo sleeping; exec sleep 60;;
esac
)";

// Every regular file under `dir` with a hash of its bytes.
std::map<std::string, uint64_t> Snapshot(const std::string& dir) {
  std::map<std::string, uint64_t> out;
  std::error_code ec;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir, ec)) {
    if (e.is_regular_file(ec)) {
      out[e.path().string()] = Fnv1a(ReadFileOrEmpty(e.path().string()));
    }
  }
  return out;
}

// Overwrites pages 2 and 3 of the SQLite file (the tables' b-trees) with garbage, keeping
// the header so it still looks like a database.
void Corrupt(const std::string& path) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  std::string junk(8192, '\xAB');
  ASSERT_EQ(::pwrite(fd, junk.data(), junk.size(), 4096), static_cast<ssize_t>(junk.size()));
  ::close(fd);
}

std::vector<std::string> DamagedCopies(const CovenHome& home) {
  std::vector<std::string> out;
  for (const auto& e : std::filesystem::directory_iterator(home.home())) {
    std::string name = e.path().filename().string();
    if (name.rfind("coven.sqlite3.damaged-", 0) == 0 && name.find("-wal") == std::string::npos &&
        name.find("-shm") == std::string::npos) {
      out.push_back(name);
    }
  }
  return out;
}

// Shims of sessions under `home` that still run (when a failed check left no daemon to
// kill them through); SIGKILL ends each, and its harness gets SIGHUP from the closed PTY.
void KillStrayShims(const std::string& home) {
  std::string needle = std::string("--session-dir\0", 14) + home + "/sessions/";
  for (const auto& e : std::filesystem::directory_iterator("/proc")) {
    std::string pid = e.path().filename().string();
    if (pid.find_first_not_of("0123456789") == std::string::npos &&
        ReadFileOrEmpty(e.path().string() + "/cmdline").find(needle) != std::string::npos) {
      ::kill(std::stoi(pid), SIGKILL);
    }
  }
}

class LedgerRepairTest : public SessionTest {
 protected:
  void TearDown() override {
    SessionTest::TearDown();
    KillStrayShims(home_.home());
  }
};

// Given sessions that completed, failed, still run and were orphaned, and a ledger whose
// pages were then damaged, the daemon should refuse to start naming the file and the fix,
// doctor should report it, and doctor --repair should bring every session back with its
// status from the log, without changing anything under sessions/.
TEST_F(LedgerRepairTest, DamagedLedgerIsRefusedReportedAndRebuilt) {
  home_.AddScript("codex", kHarness);
  std::string ok = LaunchId("codex", "ok");
  std::string bad = LaunchId("codex", "bad");
  std::string waiting = LaunchId("codex", "wait");
  std::string orphan = LaunchId("codex", "hang");
  WaitFinished(ok);
  WaitFinished(bad);
  ASSERT_TRUE(WaitOutput(waiting, "waiting"));
  ASSERT_TRUE(WaitOutput(orphan, "sleeping"));
  pid_t orphan_harness = HarnessPid(orphan);
  pid_t orphan_shim = ParentPid(orphan_harness);
  ASSERT_GT(orphan_shim, 1);
  ASSERT_EQ(::kill(orphan_shim, SIGKILL), 0);
  ::kill(orphan_harness, SIGKILL);
  EXPECT_EQ(Str(Field(WaitFinished(orphan), "status")), "orphaned");

  ASSERT_EQ(home_.Coven({"daemon", "stop"}).exit_code, 0);
  std::string ledger = home_.file("coven.sqlite3");
  ASSERT_FALSE(Exists(ledger + "-wal")) << "the stopped daemon left a WAL to fold in";
  ASSERT_NO_FATAL_FAILURE(Corrupt(ledger));
  std::map<std::string, uint64_t> before = Snapshot(home_.file("sessions"));
  ASSERT_FALSE(before.empty());

  RunResult start = home_.Coven({"daemon", "start"});
  EXPECT_EQ(start.exit_code, 1) << start.out << start.err;
  EXPECT_NE(start.err.find(ledger), std::string::npos) << start.err;
  EXPECT_NE(start.err.find("coven doctor --repair"), std::string::npos) << start.err;

  RunResult doctor = home_.Coven({"doctor"});
  EXPECT_EQ(doctor.exit_code, 1) << doctor.out << doctor.err;
  EXPECT_NE(doctor.out.find("is damaged"), std::string::npos) << doctor.out;
  EXPECT_NE(doctor.out.find("coven doctor --repair"), std::string::npos) << doctor.out;
  EXPECT_EQ(Snapshot(home_.file("sessions")), before);

  RunResult repair = home_.Coven({"doctor", "--repair"});
  ASSERT_EQ(repair.exit_code, 0) << repair.out << repair.err;
  EXPECT_NE(repair.out.find("from 4 session folders"), std::string::npos) << repair.out;
  EXPECT_EQ(DamagedCopies(home_).size(), 1u) << "the damaged ledger was not kept aside";
  EXPECT_EQ(Snapshot(home_.file("sessions")), before) << "repair changed sessions/";

  ASSERT_NO_FATAL_FAILURE(home_.StartDaemon());
  json::value rec = Session(ok);
  EXPECT_EQ(Str(Field(rec, "status")), "completed");
  EXPECT_EQ(Field(rec, "exit_code"), json::value(0));
  EXPECT_EQ(Str(Field(rec, "project_root")), root_);
  rec = Session(bad);
  EXPECT_EQ(Str(Field(rec, "status")), "failed");
  EXPECT_EQ(Field(rec, "exit_code"), json::value(3));
  EXPECT_EQ(Status(orphan), "orphaned");
  EXPECT_EQ(Status(waiting), "running");
  // Re-adopted: it still takes input and ends normally.
  EXPECT_EQ(SendInput(waiting, "go\n").status, 202);
  EXPECT_EQ(Str(Field(WaitFinished(waiting), "status")), "completed");
  RunResult healthy = home_.Coven({"doctor", "--json"});
  EXPECT_NE(healthy.out.find("\"integrity\":\"ok\""), std::string::npos) << healthy.out;
}

// Given a healthy ledger, doctor --repair should say so and change nothing.
TEST_F(LedgerRepairTest, RepairOfHealthyLedgerChangesNothing) {
  ASSERT_EQ(home_.Coven({"daemon", "stop"}).exit_code, 0);
  RunResult repair = home_.Coven({"doctor", "--repair"});
  EXPECT_EQ(repair.exit_code, 0) << repair.out << repair.err;
  EXPECT_NE(repair.out.find("nothing to repair"), std::string::npos) << repair.out;
  EXPECT_TRUE(DamagedCopies(home_).empty());
}

// Given a damaged ledger whose daemon.lock is held (as a running daemon holds it),
// doctor --repair should refuse, name `coven daemon stop`, and touch nothing.
TEST_F(LedgerRepairTest, RepairRefusesWhileTheDaemonLockIsHeld) {
  ASSERT_EQ(home_.Coven({"daemon", "stop"}).exit_code, 0);
  ASSERT_NO_FATAL_FAILURE(Corrupt(home_.file("coven.sqlite3")));
  int lock = ::open(home_.file("daemon.lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  ASSERT_GE(lock, 0);
  ASSERT_EQ(::flock(lock, LOCK_EX | LOCK_NB), 0);
  RunResult repair = home_.Coven({"doctor", "--repair"});
  ::close(lock);
  EXPECT_EQ(repair.exit_code, 1) << repair.out << repair.err;
  EXPECT_NE(repair.err.find("coven daemon stop"), std::string::npos) << repair.err;
  EXPECT_TRUE(DamagedCopies(home_).empty());
}

}  // namespace
}  // namespace coven::testing::sess
