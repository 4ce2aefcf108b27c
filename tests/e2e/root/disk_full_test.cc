// A full disk loses nothing and breaks nothing (issue 13, item 4).
//
// Root only: each test moves its own process into a private mount namespace
// (unshare(CLONE_NEWNS); ctest runs every test in a process of its own, and this binary
// holds nothing else) and mounts a small tmpfs as COVEN_HOME, so filling it touches no
// other file system and nobody else sees it. The daemon, shims and harnesses it starts
// inherit the namespace.
#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <string>
#include <thread>

#include "e2e/session_helpers.h"
#include "e2e/tmux_helpers.h"

namespace coven::testing::sess {
namespace {

constexpr int kLines = 300'000;

// Bytes `seq 1 kLines` writes: every number plus its newline.
int64_t SeqBytes(int lines) {
  int64_t total = 0;
  for (int i = 1; i <= lines; ++i) {
    total += static_cast<int64_t>(std::to_string(i).size()) + 1;
  }
  return total;
}

// `wchar` of /proc/<pid>/io: bytes the process has written so far (-1 when unreadable).
int64_t BytesWritten(pid_t pid) {
  std::string io = ReadFileOrEmpty("/proc/" + std::to_string(pid) + "/io");
  size_t at = io.find("wchar: ");
  return at == std::string::npos ? -1 : std::stoll(io.substr(at + 7));
}

// Writes zeros to `path` until the file system says ENOSPC; true when it did.
bool FillDisk(const std::string& path) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) {
    return false;
  }
  std::string block(64 * 1024, '\0');
  bool full = false;
  for (;;) {
    ssize_t n = ::write(fd, block.data(), block.size());
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      full = n < 0 && errno == ENOSPC;
      break;
    }
  }
  // Fill the last partial page too, byte by byte, so nothing at all is left.
  while (full && ::write(fd, block.data(), 1) == 1) {
  }
  ::close(fd);
  return full;
}

class DiskFullTest : public SessionTest {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) {
      GTEST_SKIP() << "needs root (a private mount namespace and a tmpfs); CI runs as root";
    }
    ASSERT_EQ(::unshare(CLONE_NEWNS), 0) << std::strerror(errno);
    // Private propagation: our tmpfs must not appear in the parent namespace.
    if (::mount("none", "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) {
      // In a chroot whose / is not a mount point (scripts/fresh_check.sh) there is no way to
      // keep our tmpfs from propagating to the host's namespace, so the test does not run.
      int err = errno;
      ASSERT_EQ(err, EINVAL) << std::strerror(err);
      GTEST_SKIP() << "/ is not a mount point here (a chroot?): cannot make mounts private";
    }
    ASSERT_EQ(::mkdir(home_.home().c_str(), 0700), 0) << std::strerror(errno);
    ASSERT_EQ(::mount("coven-test", home_.home().c_str(), "tmpfs", MS_NOSUID | MS_NODEV,
                      "size=16m,mode=0700"),
              0)
        << std::strerror(errno);
    mounted_ = true;
    SessionTest::SetUp();
  }

  void TearDown() override {
    if (!mounted_) {
      return;
    }
    ::unlink(filler_in_home().c_str());
    SessionTest::TearDown();
    home_.Coven({"daemon", "stop"});
    ::umount2(home_.home().c_str(), MNT_DETACH);
  }

  std::string filler_in_home() const { return home_.file("filler"); }

  bool mounted_ = false;
};

// Given a harness printing 300,000 numbered lines into a COVEN_HOME that fills up, the
// harness blocks instead of losing output, a launch answers 507 storage_full and leaves no
// row or folder, list/events/doctor keep answering, and once space returns the session
// completes with every line logged exactly once, in order, and its exit code.
TEST_F(DiskFullTest, HarnessBlocksWhileFullAndCompletesByteExactAfter) {
  std::string trigger = project_ / "go";
  home_.AddScript("codex", "#!/bin/sh\nwhile [ ! -e " + trigger +
                               " ]; do sleep 0.02; done\nexec seq 1 " + std::to_string(kLines) +
                               "\n");
  std::string id = LaunchId("codex", "print");
  ASSERT_FALSE(id.empty());
  pid_t harness = HarnessPid(id);
  ASSERT_GT(harness, 0);

  ASSERT_TRUE(FillDisk(filler_in_home()));
  WriteFile(trigger, "");

  // The harness starts printing and must come to a stop: its byte count stays put.
  int64_t total = SeqBytes(kLines);
  int64_t last = -2;
  bool settled = WaitFor(
      [&] {
        int64_t now = BytesWritten(harness);
        std::this_thread::sleep_for(milliseconds(300));
        bool still = now > 0 && now == BytesWritten(harness);
        last = now;
        return still || !ProcessAlive(harness);
      },
      kHangGuard);
  ASSERT_TRUE(settled);
  EXPECT_TRUE(ProcessAlive(harness)) << "the harness was not held back: it finished";
  EXPECT_LT(last, total) << "the harness wrote everything while the disk was full";
  EXPECT_EQ(Status(id), "running");

  // A launch while full: a clear error of its own, and nothing half-made.
  HttpResult refused = LaunchRaw(Body({{"projectRoot", json::value(root_)},
                                       {"harness", json::value("codex")},
                                       {"prompt", json::value("again")}}));
  ExpectError(refused, 507, "storage_full");
  EXPECT_NE(refused.body.find("free some space"), std::string::npos) << refused.body;
  EXPECT_EQ(SessionFolders(home_).size(), 1u);
  json::value list = ParseJson(Get("/api/v1/sessions?all=true").body);
  ASSERT_TRUE(list.is_array());
  EXPECT_EQ(list.as_array().size(), 1u);

  // Reading keeps working while full.
  EXPECT_EQ(Str(Field(EventsPage(id, "&limit=1"), "events").as_array().at(0).at("kind")), "start");
  RunResult doctor = home_.Coven({"doctor", "--json"});
  EXPECT_NE(doctor.out.find("\"integrity\":\"ok\""), std::string::npos) << doctor.out << doctor.err;
  EXPECT_EQ(BytesWritten(harness), last) << "the harness moved on while the disk was full";

  // Space returns: the session runs to its end.
  ASSERT_EQ(::unlink(filler_in_home().c_str()), 0);
  json::value rec = WaitFinished(id, milliseconds(120'000));
  EXPECT_EQ(Str(Field(rec, "status")), "completed");
  EXPECT_EQ(Field(rec, "exit_code"), json::value(0));

  std::vector<json::object> events = AllEvents(id, /*raw=*/true);
  ASSERT_NO_FATAL_FAILURE(ExpectContiguous(events));
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(Kind(events.back()), "exit");
  int exits = 0;
  for (const json::object& e : events) {
    exits += Kind(e) == "exit" ? 1 : 0;
  }
  EXPECT_EQ(exits, 1);
  std::string expected;
  for (int i = 1; i <= kLines; ++i) {
    expected += std::to_string(i) + "\r\n";
  }
  std::string output = OutputOf(events);
  EXPECT_EQ(output.size(), expected.size());
  EXPECT_TRUE(output == expected) << "the log is not every line exactly once, in order";

  // The ledger came through intact.
  RunResult check = home_.Coven({"doctor", "--json"});
  EXPECT_NE(check.out.find("\"integrity\":\"ok\""), std::string::npos) << check.out;
}

// Given output the shim read while the disk is full (held: not logged, not in the screen
// model), a terminal that attaches then should get it right after its paint, and once
// space returns and the shim logs it, not a second time: every held line shows exactly
// once in the pane's history, no line twice, and the session goes on to its end with the
// client still attached.
TEST_F(DiskFullTest, AttachWhileFullGetsHeldOutputOnce) {
  std::string go = project_ / "go";
  std::string more = project_ / "more";
  home_.AddScript("codex", "#!/bin/sh\nstty -echo\nwhile [ ! -e " + go +
                               " ]; do sleep 0.02; done\nfor i in $(seq -w 1 400); do echo "
                               "\"held-line-$i\"; done\nwhile [ ! -e " +
                               more + " ]; do sleep 0.02; done\necho after-space-returned\n");
  std::string id = LaunchId("codex", "held");
  ASSERT_FALSE(id.empty());
  ASSERT_TRUE(FillDisk(filler_in_home()));
  WriteFile(go, "");
  // The 400 lines (6 KB) are read as they come; the log takes what still fits in its file's
  // last page (when the lines come in several batches) and the shim holds what it read
  // after that, reading no more until space returns.
  auto line = [](int i) {
    return "held-line-" + std::string(i < 10 ? "00" : (i < 100 ? "0" : "")) + std::to_string(i) +
           "\n";
  };
  std::this_thread::sleep_for(milliseconds(500));
  std::string before = OutputOf(AllEvents(id, /*raw=*/true));
  ASSERT_EQ(before.find("held-line-400"), std::string::npos) << "the disk was not full";
  int logged_before = 0;
  auto logged_line = [&](int i) {  // the terminal turned each \n into \r\n
    std::string l = line(i);
    return l.substr(0, l.size() - 1) + "\r\n";
  };
  while (logged_before < 400 && before.find(logged_line(logged_before + 1)) != std::string::npos) {
    ++logged_before;
  }

  Tmux tmux;
  std::string cmd =
      "cd " + ShellQuote(project_.path()) + " && env COVEN_HOME=" + ShellQuote(home_.home()) +
      " PATH=" + ShellQuote(home_.env()["PATH"]) + " NO_COLOR=1 " + ShellQuote(CovenBin()) +
      " attach " + id + "; echo \"rc=$?\"; exec sleep 100000";
  ASSERT_TRUE(tmux.Start(cmd));
  // The first line not in the log is in neither the model nor the log: only the held bytes
  // that follow the paint can bring it. (What the harness wrote after the log filled stays
  // in the terminal's buffer, unread, until space returns.)
  ASSERT_TRUE(tmux.WaitScreen(line(logged_before + 1))) << "held output did not follow the paint";

  ASSERT_EQ(::unlink(filler_in_home().c_str()), 0);
  ASSERT_TRUE(WaitFor(
      [&] { return OutputOf(AllEvents(id, true)).find("held-line-400") != std::string::npos; },
      kHangGuard))
      << "the held output was never logged";
  WriteFile(more, "");
  EXPECT_TRUE(tmux.WaitScreen("rc=0", kHangGuard));
  std::string pane = tmux.Screen();
  for (int i = 1; i <= 400; ++i) {
    size_t first = pane.find(line(i));
    // A line logged before the attach shows only if the paint still had it on screen.
    if (i > logged_before) {
      EXPECT_NE(first, std::string::npos) << line(i) << " missing:\n" << pane;
    }
    if (first != std::string::npos) {
      EXPECT_EQ(pane.find(line(i), first + 1), std::string::npos) << line(i) << " twice:\n" << pane;
    }
  }
  EXPECT_NE(pane.find("after-space-returned"), std::string::npos) << pane;
  json::value rec = WaitFinished(id);
  EXPECT_EQ(Str(Field(rec, "status")), "completed");
  std::string logged = OutputOf(AllEvents(id, true));
  EXPECT_NE(logged.find("held-line-001\r\n"), std::string::npos);
  EXPECT_EQ(logged.find("held-line-001", logged.find("held-line-001") + 1), std::string::npos);
}

}  // namespace
}  // namespace coven::testing::sess
