// Real PTYs and real processes. Every wait has a deadline (poll on the master, or TryWait
// in a bounded loop) so a bug fails the test instead of hanging it.
#include "pty/pty.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "core/unique_fd.h"
#include "pty/process_spawn.h"
#include "support/temp_dir.h"

namespace coven::pty {
namespace {

using coven::testing::TempDir;

using std::chrono::steady_clock;

// A hang guard, not a performance check.
constexpr auto kDeadline = std::chrono::seconds(20);

int MillisLeft(steady_clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - steady_clock::now());
  return left.count() > 0 ? static_cast<int>(left.count()) : 0;
}

// Reads the master until `needle` appears (or, with an empty needle, until EOF/EIO), or
// the deadline passes. Returns everything read.
std::string ReadUntil(int fd, const std::string& needle) {
  std::string out;
  auto deadline = steady_clock::now() + kDeadline;
  for (;;) {
    if (!needle.empty() && out.find(needle) != std::string::npos) {
      return out;
    }
    int left = MillisLeft(deadline);
    if (left == 0) {
      ADD_FAILURE() << "deadline waiting for '" << needle << "'; got: " << out;
      return out;
    }
    struct pollfd p = {fd, POLLIN, 0};
    int r = ::poll(&p, 1, left);
    if (r < 0 && errno == EINTR) {
      continue;
    }
    if (r <= 0) {
      continue;
    }
    char buf[4096];
    MasterReadResult got = ReadMaster(fd, buf, sizeof(buf));
    if (got.status == MasterRead::kWouldBlock) {
      continue;
    }
    if (got.status == MasterRead::kClosed) {
      if (!needle.empty()) {
        ADD_FAILURE() << "EOF waiting for '" << needle << "'; got: " << out;
      }
      return out;
    }
    out.append(buf, got.bytes);
  }
}

std::string ReadToEnd(int fd) {
  return ReadUntil(fd, "");
}

// Waits for the child to exit, failing the test (and returning nullopt) at the deadline.
std::optional<ExitInfo> WaitWithDeadline(ChildProcess& child) {
  auto deadline = steady_clock::now() + kDeadline;
  while (MillisLeft(deadline) > 0) {
    auto r = child.TryWait();
    if (!r) {
      ADD_FAILURE() << r.error().message;
      return std::nullopt;
    }
    if (r->has_value()) {
      return **r;
    }
    ::poll(nullptr, 0, 5);
  }
  ADD_FAILURE() << "deadline waiting for pid " << child.pid();
  return std::nullopt;
}

// Removes \r so PTY output (ONLCR turns \n into \r\n) compares like plain text.
std::string NoCr(std::string s) {
  std::erase(s, '\r');
  return s;
}

Spawned SpawnOrDie(const SpawnOptions& opts) {
  auto spawned = SpawnInPty(opts);
  EXPECT_TRUE(spawned.has_value()) << (spawned ? "" : spawned.error().message);
  if (!spawned) {
    std::abort();
  }
  return std::move(*spawned);
}

Spawned SpawnShell(const std::string& script, std::vector<std::string> args = {}) {
  SpawnOptions opts;
  opts.argv = {"/bin/sh", "-c", script, "sh"};
  opts.argv.insert(opts.argv.end(), args.begin(), args.end());
  return SpawnOrDie(opts);
}

void WriteExecutable(const std::string& path, const std::string& text) {
  core::UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755));
  ASSERT_TRUE(fd.valid());
  ASSERT_TRUE(core::WriteAll(fd.fd(), text).has_value());
}

int CountOpenFds() {
  int n = 0;
  DIR* dir = ::opendir("/proc/self/fd");
  if (dir == nullptr) {
    return -1;
  }
  while (struct dirent* e = ::readdir(dir)) {
    if (e->d_name[0] != '.') {
      ++n;
    }
  }
  ::closedir(dir);
  return n;
}

// True when `pid` no longer runs: gone, or a zombie waiting for a parent (this sandbox's
// pid 1 may not reap orphans quickly).
bool IsDead(pid_t pid) {
  if (::kill(pid, 0) != 0 && errno == ESRCH) {
    return true;
  }
  auto stat = core::ReadFile("/proc/" + std::to_string(pid) + "/stat");
  if (!stat) {
    return true;
  }
  size_t paren = stat->rfind(')');
  return paren != std::string::npos && paren + 2 < stat->size() && (*stat)[paren + 2] == 'Z';
}

// Given a child that prints, we should read its output through the master and then EIO.
TEST(PtyTest, OutputArrivesThroughMaster) {
  Spawned s = SpawnShell("printf hello");
  EXPECT_EQ(ReadToEnd(s.master.fd()), "hello");
  auto info = WaitWithDeadline(s.child);
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->exit_code, 0);
}

// Given a spawned child, its stdin and stdout should be terminals.
TEST(PtyTest, ChildSeesATerminal) {
  Spawned s = SpawnShell("test -t 0 && test -t 1 && test -t 2 && echo tty || echo notty");
  EXPECT_EQ(NoCr(ReadToEnd(s.master.fd())), "tty\n");
}

// Given a child in its own session, its pid should be its process group and session id.
TEST(PtyTest, ChildLeadsItsOwnSession) {
  Spawned s = SpawnShell("echo ready; read line");
  ReadUntil(s.master.fd(), "ready");
  EXPECT_EQ(::getpgid(s.child.pid()), s.child.pid());
  EXPECT_EQ(::getsid(s.child.pid()), s.child.pid());
  EXPECT_NE(::getsid(s.child.pid()), ::getsid(0));
  ASSERT_TRUE(core::WriteAll(s.master.fd(), "done\n").has_value());
  auto info = WaitWithDeadline(s.child);
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->exit_code, 0);
}

// Given a cwd, the child should start there.
TEST(PtyTest, ChildStartsInRequestedCwd) {
  TempDir dir;
  SpawnOptions opts;
  opts.argv = {"/bin/sh", "-c", "pwd -P"};
  opts.cwd = dir.path();
  Spawned s = SpawnOrDie(opts);
  char real[4096];
  ASSERT_NE(::realpath(dir.path().c_str(), real), nullptr);
  EXPECT_EQ(NoCr(ReadToEnd(s.master.fd())), std::string(real) + "\n");
}

// Given an environment, the child should get exactly it and resolve argv[0] with its PATH.
TEST(PtyTest, ChildGetsGivenEnvironment) {
  TempDir dir;
  WriteExecutable(dir.path() + "/fake-harness",
                  "#!/bin/sh\necho \"FOO=$FOO HOME=${HOME-unset}\"\n");
  SpawnOptions opts;
  opts.argv = {"fake-harness"};
  opts.env = {"PATH=" + dir.path() + ":/usr/bin:/bin", "FOO=bar"};
  Spawned s = SpawnOrDie(opts);
  EXPECT_EQ(NoCr(ReadToEnd(s.master.fd())), "FOO=bar HOME=unset\n");
}

// Given a window size, the child should see it, and a resize should reach it with SIGWINCH.
TEST(PtyTest, WindowSizeAndResize) {
  SpawnOptions opts;
  opts.argv = {"/bin/sh", "-c",
               "stty size; trap 'stty size; exit 0' WINCH; echo ready; "
               "sleep 100 & wait"};
  opts.size = {33, 101};
  Spawned s = SpawnOrDie(opts);
  std::string out = ReadUntil(s.master.fd(), "ready");
  EXPECT_NE(NoCr(out).find("33 101\n"), std::string::npos) << out;
  auto size = s.master.Size();
  ASSERT_TRUE(size.has_value());
  EXPECT_EQ(size->rows, 33);
  EXPECT_EQ(size->cols, 101);

  ASSERT_TRUE(s.master.Resize({50, 132}).has_value());
  EXPECT_NE(ReadUntil(s.master.fd(), "50 132").find("50 132"), std::string::npos);
  auto info = WaitWithDeadline(s.child);
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->exit_code, 0);
  EXPECT_TRUE(s.child.SignalGroup(SIGKILL).has_value());  // the background sleep
}

// Given an argument full of shell metacharacters, it should arrive as one argv element.
TEST(PtyTest, ArgumentIsDataNotCode) {
  const std::string evil = "hello; rm -rf / && echo pwned $(id) `id` | cat > x";
  Spawned s = SpawnShell("printf '[%s]\\n' \"$@\"", {evil, "second"});
  EXPECT_EQ(NoCr(ReadToEnd(s.master.fd())), "[" + evil + "]\n[second]\n");
}

// Given a child that exits 3, ExitInfo should say exit code 3 and no signal.
TEST(PtyTest, ExitCodeIsReported) {
  Spawned s = SpawnShell("exit 3");
  auto info = WaitWithDeadline(s.child);
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->exit_code, 3);
  EXPECT_FALSE(info->signal.has_value());
  // Later calls report the same exit.
  auto again = s.child.Wait();
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->exit_code, 3);
}

// Given a child killed by SIGKILL, ExitInfo should carry signal 9 named SIGKILL.
TEST(PtyTest, KilledBySignalIsReported) {
  Spawned s = SpawnShell("echo ready; exec sleep 100");
  ReadUntil(s.master.fd(), "ready");
  ASSERT_TRUE(s.child.SignalGroup(SIGKILL).has_value());
  auto info = WaitWithDeadline(s.child);
  ASSERT_TRUE(info.has_value());
  EXPECT_FALSE(info->exit_code.has_value());
  ASSERT_EQ(info->signal, SIGKILL);
  EXPECT_EQ(SignalName(*info->signal), "SIGKILL");
}

TEST(PtyTest, SignalNames) {
  EXPECT_EQ(SignalName(SIGTERM), "SIGTERM");
  EXPECT_EQ(SignalName(SIGHUP), "SIGHUP");
  EXPECT_EQ(SignalName(SIGINT), "SIGINT");
  EXPECT_EQ(SignalName(0), "SIG0");
  EXPECT_EQ(SignalName(200), "SIG200");
}

// Given a shell with a background grandchild, SIGKILL to the group should end both.
TEST(PtyTest, SignalGroupReachesGrandchild) {
  Spawned s = SpawnShell("sleep 100 & echo \"gc=$!.\"; wait");
  std::string out = ReadUntil(s.master.fd(), ".");
  size_t at = out.find("gc=");
  ASSERT_NE(at, std::string::npos) << out;
  pid_t grandchild = static_cast<pid_t>(std::stol(out.substr(at + 3)));
  ASSERT_GT(grandchild, 0);
  EXPECT_EQ(::getpgid(grandchild), s.child.pid());

  ASSERT_TRUE(s.child.SignalGroup(SIGKILL).has_value());
  auto info = WaitWithDeadline(s.child);
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->signal, SIGKILL);
  auto deadline = steady_clock::now() + kDeadline;
  while (!IsDead(grandchild) && MillisLeft(deadline) > 0) {
    ::poll(nullptr, 0, 5);
  }
  EXPECT_TRUE(IsDead(grandchild));
  // Once the group is empty, signalling it again is not an error.
  EXPECT_TRUE(s.child.SignalGroup(SIGKILL).has_value());
}

// Given a child that ignores SIGHUP and SIGTERM, it should survive them and die on SIGKILL.
TEST(PtyTest, SigkillEndsAChildIgnoringHupAndTerm) {
  Spawned s = SpawnShell(
      "trap '' HUP TERM; echo ready; while read line; do echo \"got:$line\"; "
      "done");
  ReadUntil(s.master.fd(), "ready");
  ASSERT_TRUE(s.child.SignalGroup(SIGHUP).has_value());
  ASSERT_TRUE(s.child.SignalGroup(SIGTERM).has_value());
  // An ignored signal is discarded when sent, so the child answering proves it survived.
  ASSERT_TRUE(core::WriteAll(s.master.fd(), "ping\n").has_value());
  ReadUntil(s.master.fd(), "got:ping");
  auto still = s.child.TryWait();
  ASSERT_TRUE(still.has_value());
  EXPECT_FALSE(still->has_value());

  ASSERT_TRUE(s.child.SignalGroup(SIGKILL).has_value());
  auto info = WaitWithDeadline(s.child);
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->signal, SIGKILL);
}

// Given a parent that ignores SIGPIPE and blocks SIGUSR1, the child should get defaults.
TEST(PtyTest, SignalDispositionsAndMaskAreReset) {
  struct sigaction ign = {};
  ign.sa_handler = SIG_IGN;
  struct sigaction old_pipe = {};
  ASSERT_EQ(::sigaction(SIGPIPE, &ign, &old_pipe), 0);
  sigset_t usr1;
  sigset_t old_mask;
  sigemptyset(&usr1);
  sigaddset(&usr1, SIGUSR1);
  ASSERT_EQ(::pthread_sigmask(SIG_BLOCK, &usr1, &old_mask), 0);
  // SigIgn and SigBlk are hex masks; SIGPIPE is bit 13, SIGUSR1 bit 10.
  Spawned s = SpawnShell("grep -E '^Sig(Ign|Blk)' /proc/self/status");
  std::string out = NoCr(ReadToEnd(s.master.fd()));
  ::sigaction(SIGPIPE, &old_pipe, nullptr);
  ::pthread_sigmask(SIG_SETMASK, &old_mask, nullptr);
  EXPECT_NE(out.find("SigBlk:\t0000000000000000"), std::string::npos) << out;
  EXPECT_NE(out.find("SigIgn:\t0000000000000000"), std::string::npos) << out;
}

// Given a program that is not on PATH, spawning should fail before forking, naming it.
TEST(PtyTest, MissingProgramFails) {
  int fds_before = CountOpenFds();
  SpawnOptions opts;
  opts.argv = {"coven-no-such-program-xyz", "arg"};
  auto r = SpawnInPty(opts);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, core::ErrorCode::kPtySpawnFailed);
  EXPECT_NE(r.error().message.find("`coven-no-such-program-xyz`"), std::string::npos)
      << r.error().message;
  EXPECT_EQ(CountOpenFds(), fds_before);

  opts.argv = {"/nonexistent/dir/prog"};
  r = SpawnInPty(opts);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, core::ErrorCode::kPtySpawnFailed);
  EXPECT_EQ(r.error().sys_errno, ENOENT);
  EXPECT_NE(r.error().message.find("/nonexistent/dir/prog"), std::string::npos);
}

// Given a cwd that does not exist, spawning should fail naming the cwd, reap the child and
// leave no fd open.
TEST(PtyTest, BadCwdFailsWithoutLeaks) {
  int fds_before = CountOpenFds();
  SpawnOptions opts;
  opts.argv = {"/bin/sh", "-c", "echo should-not-run"};
  opts.cwd = "/nonexistent/coven-cwd";
  auto r = SpawnInPty(opts);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, core::ErrorCode::kPtySpawnFailed);
  EXPECT_EQ(r.error().sys_errno, ENOENT);
  EXPECT_NE(r.error().message.find("/nonexistent/coven-cwd"), std::string::npos)
      << r.error().message;
  EXPECT_NE(r.error().message.find("/bin/sh"), std::string::npos);
  EXPECT_EQ(CountOpenFds(), fds_before);
  errno = 0;
  EXPECT_EQ(::waitpid(-1, nullptr, WNOHANG), -1);  // no zombie, no child at all
  EXPECT_EQ(errno, ECHILD);
}

// Given a file that passes the PATH check but cannot be executed, exec's error should be
// reported from the child, naming the program.
TEST(PtyTest, ExecFailureIsReportedFromChild) {
  TempDir dir;
  WriteExecutable(dir.path() + "/not-a-binary", "\x01\x02 garbage without a shebang\n");
  int fds_before = CountOpenFds();
  SpawnOptions opts;
  opts.argv = {"not-a-binary"};
  opts.env = {"PATH=" + dir.path()};
  opts.cwd = dir.path();
  auto r = SpawnInPty(opts);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, core::ErrorCode::kPtySpawnFailed);
  EXPECT_EQ(r.error().sys_errno, ENOEXEC);
  EXPECT_NE(r.error().message.find("cannot start `not-a-binary`"), std::string::npos)
      << r.error().message;
  EXPECT_NE(r.error().message.find(" in " + dir.path()), std::string::npos);
  EXPECT_EQ(CountOpenFds(), fds_before);
  errno = 0;
  EXPECT_EQ(::waitpid(-1, nullptr, WNOHANG), -1);
  EXPECT_EQ(errno, ECHILD);
}

// Given this process holds extra fds, with and without O_CLOEXEC, the child should see
// only 0, 1 and 2 (plus the one ls opens to read the folder).
TEST(PtyTest, NoFdLeaksIntoChild) {
  std::vector<core::UniqueFd> held;
  for (int i = 0; i < 3; ++i) {
    held.emplace_back(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  }
  // Deliberately inheritable: close_range in the child must still close it.
  held.emplace_back(::open("/dev/null", O_RDONLY));  // NOLINT(android-cloexec-open)
  for (const auto& fd : held) {
    ASSERT_TRUE(fd.valid());
  }
  SpawnOptions opts;
  opts.argv = {"ls", "-1", "/proc/self/fd"};
  Spawned s = SpawnOrDie(opts);
  std::string out = NoCr(ReadToEnd(s.master.fd()));
  std::set<std::string> seen;
  size_t start = 0;
  while (start < out.size()) {
    size_t end = out.find('\n', start);
    if (end == std::string::npos) {
      end = out.size();
    }
    if (end > start) {
      seen.insert(out.substr(start, end - start));
    }
    start = end + 1;
  }
  EXPECT_EQ(seen, (std::set<std::string>{"0", "1", "2", "3"})) << out;
}

// Given an unreaped child, the destructor should kill its group and reap it.
TEST(PtyTest, DestructorKillsAndReaps) {
  pid_t pid = -1;
  {
    Spawned s = SpawnShell("trap '' HUP TERM; echo ready; exec sleep 100");
    ReadUntil(s.master.fd(), "ready");
    pid = s.child.pid();
  }
  errno = 0;
  EXPECT_EQ(::waitpid(pid, nullptr, WNOHANG), -1);
  EXPECT_EQ(errno, ECHILD);
}

// Given a moved-from or released ChildProcess, nothing should be killed twice.
TEST(PtyTest, MoveAndRelease) {
  Spawned s = SpawnShell("echo ready; exec sleep 100");
  ReadUntil(s.master.fd(), "ready");
  ChildProcess moved = std::move(s.child);
  EXPECT_EQ(s.child.pid(), -1);  // NOLINT(bugprone-use-after-move): checking the moved-from state
  pid_t pid = moved.Release();
  EXPECT_EQ(moved.pid(), -1);
  ASSERT_EQ(::kill(-pid, SIGKILL), 0);
  ChildProcess again(pid);
  auto info = WaitWithDeadline(again);
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->signal, SIGKILL);
}

// Non-blocking mode: a read with nothing to read should say EAGAIN.
TEST(PtyTest, SetNonBlocking) {
  Spawned s = SpawnShell("echo ready; exec sleep 100");
  ReadUntil(s.master.fd(), "ready");
  ASSERT_TRUE(s.master.SetNonBlocking(true).has_value());
  EXPECT_NE(::fcntl(s.master.fd(), F_GETFL) & O_NONBLOCK, 0);
  char c = 0;
  // Output so far was consumed; an idle child gives EAGAIN rather than blocking.
  std::string rest;
  for (;;) {
    ssize_t n = ::read(s.master.fd(), &c, 1);
    if (n == 1) {
      rest.push_back(c);
      continue;
    }
    EXPECT_EQ(n, -1);
    EXPECT_EQ(errno, EAGAIN);
    break;
  }
  ASSERT_TRUE(s.master.SetNonBlocking(false).has_value());
  EXPECT_EQ(::fcntl(s.master.fd(), F_GETFL) & O_NONBLOCK, 0);
  EXPECT_TRUE(::fcntl(s.master.fd(), F_GETFD) & FD_CLOEXEC);
}

// Reads a non-blocking master the way the shim does: sleep in poll(), then ReadMaster again
// at once after each piece, until kClosed. Returns everything read.
std::string ReadLikeTheShim(PtyMaster& master) {
  std::string out;
  auto deadline = steady_clock::now() + kDeadline;
  while (MillisLeft(deadline) > 0) {
    struct pollfd p = {master.fd(), POLLIN, 0};
    ::poll(&p, 1, MillisLeft(deadline));
    char buf[65536];
    for (;;) {
      MasterReadResult got = master.Read(buf, sizeof(buf));
      if (got.status == MasterRead::kData) {
        out.append(buf, got.bytes);
        continue;
      }
      if (got.status == MasterRead::kClosed) {
        return out;
      }
      break;
    }
  }
  ADD_FAILURE() << "deadline waiting for the master to close; got: " << out;
  return out;
}

// Given an idle child, ReadMaster should say kWouldBlock; once the child has written and
// exited, it should return every byte, then say kClosed, and keep saying it.
TEST(PtyTest, ReadMasterWouldBlockThenDataThenClosed) {
  Spawned s = SpawnShell("stty -echo -opost; echo ready; read line; printf a; printf b");
  ReadUntil(s.master.fd(), "ready\n");
  ASSERT_TRUE(s.master.SetNonBlocking(true).has_value());
  char buf[16];
  EXPECT_EQ(s.master.Read(buf, sizeof(buf)).status, MasterRead::kWouldBlock);
  ASSERT_TRUE(core::WriteAll(s.master.fd(), "go\n").has_value());
  EXPECT_EQ(ReadLikeTheShim(s.master), "ab");
  EXPECT_EQ(s.master.Read(buf, sizeof(buf)).status, MasterRead::kClosed);
  EXPECT_EQ(s.master.Read(buf, sizeof(buf)).status, MasterRead::kClosed);
}

// Given children that write their last lines just before they exit, every byte should be
// read before kClosed, over many children read the shim's way. This pins the contract; it
// does not reproduce the kernel's early EIO (pty.h, ReadMaster), which needs the reader
// stalled at the wrong instant: 3,000 children here under load lost nothing even without
// the second read. That race is what the e2e launch tests met under load (9 runs in 807
// lost a harness's last lines before the fix, none in 600 after).
TEST(PtyTest, ReadMasterReadsTheLastLinesBeforeClosed) {
  constexpr int kChildren = 150;
  const std::string script =
      "stty -opost; echo \"first $(basename \"$0\")\"; for a in \"$@\"; do echo \"arg=[$a]\"; "
      "done; echo last";
  int complete = 0;
  for (int i = 0; i < kChildren; ++i) {
    Spawned s = SpawnShell(script, {"x", "--y"});
    ASSERT_TRUE(s.master.SetNonBlocking(true).has_value());
    std::string out = ReadLikeTheShim(s.master);
    EXPECT_EQ(out, "first sh\narg=[x]\narg=[--y]\nlast\n") << "child " << i;
    complete += out.ends_with("last\n") ? 1 : 0;
    ASSERT_TRUE(WaitWithDeadline(s.child).has_value());
  }
  EXPECT_EQ(complete, kChildren);
}
struct ResolveCase {
  std::string name;
  std::string path_env;
};

// ResolveExecutable, table-driven against a temp folder.
TEST(PtyTest, ResolveExecutable) {
  TempDir dir;
  std::string bin = dir.path() + "/bin";
  std::string other = dir.path() + "/other";
  ASSERT_EQ(::mkdir(bin.c_str(), 0755), 0);
  ASSERT_EQ(::mkdir(other.c_str(), 0755), 0);
  WriteExecutable(bin + "/tool", "#!/bin/sh\n");
  WriteExecutable(other + "/tool", "#!/bin/sh\n");
  WriteExecutable(bin + "/plain", "data\n");
  ASSERT_EQ(::chmod((bin + "/plain").c_str(), 0644), 0);
  ASSERT_EQ(::mkdir((bin + "/dir").c_str(), 0755), 0);

  auto r = ResolveExecutable("tool", bin + ":" + other);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(*r, bin + "/tool");
  r = ResolveExecutable("tool", "::relative:" + other + "/:" + bin);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(*r, other + "/tool");
  r = ResolveExecutable(bin + "/tool", "");
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(*r, bin + "/tool");

  const ResolveCase failing[] = {
      {"plain", bin},        // not executable
      {"dir", bin},          // a directory
      {"missing", bin},      // absent
      {"tool", ""},          // empty PATH
      {"tool", "relative"},  // relative entries skipped
      {"", bin},             // empty name
      {bin + "/plain", ""},  // path, not executable
  };
  for (const ResolveCase& c : failing) {
    auto f = ResolveExecutable(c.name, c.path_env);
    ASSERT_FALSE(f.has_value()) << c.name;
    EXPECT_EQ(f.error().code, core::ErrorCode::kPtySpawnFailed) << c.name;
  }
}

}  // namespace
}  // namespace coven::pty

namespace coven::pty {
namespace {

// Given a detached spawn with an environment of our own, fd 3 and /dev/null stdio, the
// child should lead a new session, see exactly that environment, write to fd 3 and have
// stdin at end of input.
TEST(SpawnProcessTest, DetachedWithFd3AndOwnEnv) {
  auto pipe = core::MakePipe();
  ASSERT_TRUE(pipe.has_value());
  ProcessOptions o;
  o.argv = {"/bin/sh", "-c",
            "read -r x; echo \"rc=$? sid=$(cut -d' ' -f6 /proc/$$/stat) pid=$$ foo=$FOO "
            "home=${HOME-unset}\" >&3"};
  o.env = std::vector<std::string>{"FOO=bar baz", "PATH=/usr/bin:/bin"};
  o.new_session = true;
  o.stdio_to_null = true;
  o.fd3 = pipe->write.fd();
  auto pid = SpawnProcess(o);
  ASSERT_TRUE(pid.has_value()) << pid.error().message;
  pipe->write.Reset();
  std::string out;
  char buf[256];
  for (ssize_t n; (n = ::read(pipe->read.fd(), buf, sizeof(buf))) > 0;) {
    out.append(buf, static_cast<size_t>(n));
  }
  int status = 0;
  ASSERT_EQ(::waitpid(*pid, &status, 0), *pid);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  std::string want = "sid=" + std::to_string(*pid) + " pid=" + std::to_string(*pid);
  EXPECT_NE(out.find(want), std::string::npos) << out;
  EXPECT_NE(out.find("rc=1 "), std::string::npos) << out;  // stdin is /dev/null
  EXPECT_NE(out.find("foo=bar baz home=unset"), std::string::npos) << out;
}

// Given a program that does not exist, SpawnProcess should fail naming it.
TEST(SpawnProcessTest, MissingProgramIsAnError) {
  ProcessOptions o;
  o.argv = {"/nonexistent/coven-nope"};
  auto pid = SpawnProcess(o);
  ASSERT_FALSE(pid.has_value());
  EXPECT_NE(pid.error().message.find("/nonexistent/coven-nope"), std::string::npos);
}

}  // namespace
}  // namespace coven::pty
