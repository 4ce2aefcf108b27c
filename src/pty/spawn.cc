// SpawnInPty: the only fork() in Coven (STYLE.md section 5, SPEC 4.5); everything without
// a PTY goes through posix_spawn in process_spawn.cc.
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <optional>
#include <string>
#include <vector>

#include "core/path_search.h"
#include "pty/pty.h"

namespace coven::pty {
namespace {

using core::ErrorCode;
using core::Result;
using core::UniqueFd;

constexpr const char* kDefaultPath = "/usr/bin:/bin";

// Which step of the child's setup failed; sent to the parent with errno.
enum class ChildStep : int { kSetsid = 1, kControllingTty, kStdio, kChdir, kSignals, kExec };

struct ChildFailure {
  int step;
  int err;
};

// Everything the child needs, prepared before fork so the child allocates nothing.
struct ChildPlan {
  const char* path = nullptr;
  char* const* argv = nullptr;
  char* const* envp = nullptr;
  const char* cwd = nullptr;  // nullptr: inherit
  int slave_fd = -1;          // >= 3, close-on-exec
  int error_fd = -1;          // >= 3, close-on-exec: EOF in the parent means exec succeeded
  int max_fd = 0;             // bound for the close loop when close_range is missing
  sigset_t empty_mask;
};

[[noreturn]] void ReportAndExit(int error_fd, ChildStep step, int err) noexcept {
  ChildFailure failure{static_cast<int>(step), err};
  // A pipe write of this size is atomic; if it fails the parent still sees EOF and a 127.
  ssize_t ignored = ::write(error_fd, &failure, sizeof(failure));
  (void)ignored;
  ::_exit(127);
}

// Closes every fd >= 3 except `keep`, so nothing the parent opened without O_CLOEXEC reaches
// the harness.
void CloseOtherFds(int keep, int max_fd) noexcept {
  bool ok = true;
  if (keep > 3) {
    ok = ::syscall(SYS_close_range, 3U, static_cast<unsigned>(keep - 1), 0U) == 0;
  }
  if (ok && ::syscall(SYS_close_range, static_cast<unsigned>(keep + 1), ~0U, 0U) == 0) {
    return;
  }
  // close_range needs Linux 5.9.
  for (int fd = 3; fd < max_fd; ++fd) {
    if (fd != keep) {
      ::close(fd);
    }
  }
}

// Runs in the child between fork and exec: only async-signal-safe calls, no allocation
// (the parent may have had other threads holding malloc's locks at fork time).
[[noreturn]] void RunChild(const ChildPlan& plan) noexcept {
  // A new session makes the harness its own process group, so one kill(-pgid) reaches
  // everything it starts, and detaches it from the daemon's terminal.
  if (::setsid() < 0) {
    ReportAndExit(plan.error_fd, ChildStep::kSetsid, errno);
  }
  // A session leader without a controlling terminal adopts the slave; this also makes the
  // child's group the terminal's foreground group (so it gets SIGWINCH and ^C).
  if (::ioctl(plan.slave_fd, TIOCSCTTY, 0) < 0) {
    ReportAndExit(plan.error_fd, ChildStep::kControllingTty, errno);
  }
  for (int target = 0; target <= 2; ++target) {
    // dup2 clears close-on-exec on the copy.
    if (::dup2(plan.slave_fd, target) < 0) {
      ReportAndExit(plan.error_fd, ChildStep::kStdio, errno);
    }
  }
  if (plan.cwd != nullptr && ::chdir(plan.cwd) < 0) {
    ReportAndExit(plan.error_fd, ChildStep::kChdir, errno);
  }
  // Dispositions: handlers would be reset by exec anyway, but SIG_IGN survives it (a
  // daemon ignoring SIGPIPE or SIGHUP must not pass that on). A zeroed sigaction is
  // SIG_DFL. EINVAL for SIGKILL, SIGSTOP and libc's reserved signals is expected.
  struct sigaction dfl = {};
  for (int sig = 1; sig < NSIG; ++sig) {
    ::sigaction(sig, &dfl, nullptr);
  }
  // The parent blocked every signal around fork; the harness starts with none blocked.
  // NOLINTNEXTLINE(concurrency-mt-unsafe): the forked child has a single thread.
  if (::sigprocmask(SIG_SETMASK, &plan.empty_mask, nullptr) < 0) {
    ReportAndExit(plan.error_fd, ChildStep::kSignals, errno);
  }
  CloseOtherFds(plan.error_fd, plan.max_fd);
  ::execve(plan.path, plan.argv, plan.envp);
  ReportAndExit(plan.error_fd, ChildStep::kExec, errno);
}

core::Error SpawnError(const std::string& context, int err) {
  core::Error e = core::SysError(context, err);
  e.code = ErrorCode::kPtySpawnFailed;
  return e;
}

// Moves `fd` to a number >= 3 (keeping close-on-exec), so the child's dup2 onto 0..2
// cannot clobber it even when this process runs with stdin/stdout/stderr closed.
Result<UniqueFd> AboveStdio(UniqueFd fd) {
  if (fd.fd() >= 3) {
    return fd;
  }
  UniqueFd moved(::fcntl(fd.fd(), F_DUPFD_CLOEXEC, 3));
  if (!moved.valid()) {
    return core::SysError("fcntl(F_DUPFD_CLOEXEC)", errno);
  }
  return moved;
}

struct PtyPair {
  PtyMaster master;
  UniqueFd slave;
};

Result<PtyPair> OpenPty(WindowSize size) {
  UniqueFd master(::posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC));
  if (!master.valid()) {
    return core::SysError("posix_openpt", errno);
  }
  if (::grantpt(master.fd()) != 0) {
    return core::SysError("grantpt", errno);
  }
  if (::unlockpt(master.fd()) != 0) {
    return core::SysError("unlockpt", errno);
  }
  char name[128];
  if (int err = ::ptsname_r(master.fd(), name, sizeof(name)); err != 0) {
    return core::SysError("ptsname_r", err);
  }
  // O_NOCTTY: the slave must not become *our* controlling terminal; the child takes it
  // explicitly with TIOCSCTTY.
  UniqueFd slave(::open(name, O_RDWR | O_NOCTTY | O_CLOEXEC));
  if (!slave.valid()) {
    return core::SysError(std::string("open ") + name, errno);
  }
  auto high_slave = AboveStdio(std::move(slave));
  if (!high_slave) {
    return high_slave.error();
  }
  PtyPair pair{PtyMaster(std::move(master)), std::move(*high_slave)};
  // Set before the child starts, so its first look at the terminal sees the right size.
  if (core::Status s = pair.master.Resize(size); !s) {
    return s.error();
  }
  return pair;
}

std::string PathFromEnv(const std::vector<std::string>& env) {
  if (env.empty()) {
    const char* path = ::getenv("PATH");  // NOLINT(concurrency-mt-unsafe): read-only use
    return path != nullptr ? path : kDefaultPath;
  }
  for (const std::string& entry : env) {
    if (entry.rfind("PATH=", 0) == 0) {
      return entry.substr(5);
    }
  }
  return kDefaultPath;
}

bool IsExecutableFile(const std::string& path, int* err) {
  struct stat st = {};
  if (::stat(path.c_str(), &st) != 0) {
    *err = errno;
    return false;
  }
  if (!S_ISREG(st.st_mode) || ::access(path.c_str(), X_OK) != 0) {
    *err = EACCES;
    return false;
  }
  return true;
}

// Pointers into `strings` (which must outlive the result), null-terminated, for execve.
std::vector<char*> CStringArray(const std::vector<std::string>& strings) {
  std::vector<char*> out;
  out.reserve(strings.size() + 1);
  for (const std::string& s : strings) {
    out.push_back(const_cast<char*>(s.c_str()));  // execve does not write through them
  }
  out.push_back(nullptr);
  return out;
}

// A relative path with a '/' means this process's cwd to ResolveExecutable, but the child
// execs after chdir; make it absolute so both agree.
Result<std::string> AbsoluteFromHere(const std::string& path) {
  if (path.front() == '/') {
    return path;
  }
  char buf[4096];
  if (::getcwd(buf, sizeof(buf)) == nullptr) {
    return SpawnError("cannot start `" + path + "`: getcwd", errno);
  }
  return std::string(buf) + "/" + path;
}

// Reads the child's report from the error pipe: nullopt on EOF, which means exec
// succeeded (the pipe's write end is close-on-exec).
std::optional<ChildFailure> ReadChildFailure(int fd) {
  ChildFailure failure{};
  auto* bytes = reinterpret_cast<char*>(&failure);
  size_t got = 0;
  while (got < sizeof(failure)) {
    ssize_t n = ::read(fd, bytes + got, sizeof(failure) - got);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      break;
    }
    got += static_cast<size_t>(n);
  }
  if (got == 0) {
    return std::nullopt;
  }
  if (got < sizeof(failure)) {
    failure = ChildFailure{static_cast<int>(ChildStep::kExec), EIO};
  }
  return failure;
}

core::Error DescribeFailure(const SpawnOptions& opts, const std::string& exec_path,
                            ChildFailure failure) {
  std::string what = "cannot start `" + opts.argv[0] + "`";
  switch (static_cast<ChildStep>(failure.step)) {
    case ChildStep::kChdir:
      return SpawnError(what + ": cannot enter directory " + opts.cwd, failure.err);
    case ChildStep::kExec:
      if (exec_path != opts.argv[0]) {
        what += " (" + exec_path + ")";
      }
      if (!opts.cwd.empty()) {
        what += " in " + opts.cwd;
      }
      return SpawnError(what, failure.err);
    case ChildStep::kSetsid:
      return SpawnError(what + ": setsid", failure.err);
    case ChildStep::kControllingTty:
      return SpawnError(what + ": TIOCSCTTY", failure.err);
    case ChildStep::kStdio:
      return SpawnError(what + ": dup2 onto stdio", failure.err);
    case ChildStep::kSignals:
      return SpawnError(what + ": sigprocmask", failure.err);
  }
  return SpawnError(what, failure.err);
}

// Forks with every signal blocked around the fork, so no handler of this process ever runs
// in the child, and calls `child(arg)` there. `child` must not return (it execs or
// _exits), may make only async-signal-safe calls, and starts with every signal blocked: it
// sets its own mask once dispositions are reset. The parent's mask is restored before
// this returns. Returns the child's pid, or the fork error (kPtySpawnFailed).
Result<pid_t> ForkBlockingSignals(void (*child)(const void* arg), const void* arg) {
  sigset_t all;
  sigset_t old;
  ::sigfillset(&all);
  ::pthread_sigmask(SIG_SETMASK, &all, &old);
  pid_t pid = ::fork();
  if (pid == 0) {
    child(arg);
    ::_exit(127);  // `child` must not return; never run the parent's code here
  }
  int fork_errno = errno;
  ::pthread_sigmask(SIG_SETMASK, &old, nullptr);
  if (pid < 0) {
    return SpawnError("fork", fork_errno);
  }
  return pid;
}

}  // namespace

Result<Spawned> SpawnInPty(const SpawnOptions& opts) {
  if (opts.argv.empty()) {
    return SpawnError("cannot start a program: empty argv", EINVAL);
  }
  auto resolved = ResolveExecutable(opts.argv[0], PathFromEnv(opts.env));
  if (!resolved) {
    return resolved.error();
  }
  auto exec_path = AbsoluteFromHere(*resolved);
  if (!exec_path) {
    return exec_path.error();
  }
  // Everything the child touches is built here, before fork.
  std::vector<char*> argv = CStringArray(opts.argv);
  std::vector<char*> envp;
  if (!opts.env.empty()) {
    envp = CStringArray(opts.env);
  }
  auto pty = OpenPty(opts.size);
  if (!pty) {
    return pty.error();
  }
  auto pipe = core::MakePipe();
  if (!pipe) {
    return pipe.error();
  }
  auto error_write = AboveStdio(std::move(pipe->write));
  if (!error_write) {
    return error_write.error();
  }
  ChildPlan plan;
  plan.path = exec_path->c_str();
  plan.argv = argv.data();
  plan.envp = opts.env.empty() ? environ : envp.data();
  plan.cwd = opts.cwd.empty() ? nullptr : opts.cwd.c_str();
  plan.slave_fd = pty->slave.fd();
  plan.error_fd = error_write->fd();
  long open_max = ::sysconf(_SC_OPEN_MAX);
  plan.max_fd = open_max > 0 && open_max < (1L << 20) ? static_cast<int>(open_max) : (1 << 20);
  ::sigemptyset(&plan.empty_mask);

  auto pid = ForkBlockingSignals([](const void* p) { RunChild(*static_cast<const ChildPlan*>(p)); },
                                 &plan);
  if (!pid) {
    return pid.error().WithContext("cannot start `" + opts.argv[0] + "`");
  }
  ChildProcess child(*pid);
  // Drop our copies: the child holds the slave now. Reading the master gives EIO (not EOF)
  // once every slave fd is closed, which can only happen if we do not keep one.
  pty->slave.Reset();
  error_write->Reset();
  if (auto failure = ReadChildFailure(pipe->read.fd())) {
    (void)child.Wait();  // the child is in _exit(127); reap it so no zombie stays
    return DescribeFailure(opts, *exec_path, *failure);
  }
  return Spawned{std::move(pty->master), std::move(child)};
}

Result<std::string> ResolveExecutable(const std::string& name, const std::string& path_env) {
  if (name.empty()) {
    return SpawnError("cannot start an empty program name", ENOENT);
  }
  int err = ENOENT;
  if (name.find('/') != std::string::npos) {
    if (IsExecutableFile(name, &err)) {
      return name;
    }
    return SpawnError("cannot start `" + name + "`", err);
  }
  int first_err = ENOENT;
  auto found = core::SearchPath(name, path_env, [&](const std::string& candidate) {
    if (IsExecutableFile(candidate, &err)) {
      return true;
    }
    if (err == EACCES) {
      first_err = EACCES;  // like execvp: report EACCES if some candidate was not executable
    }
    return false;
  });
  if (found) {
    return *found;
  }
  core::Error e = SpawnError("cannot start `" + name + "`", first_err);
  e.message = "cannot start `" + name + "`: not found on PATH" +
              (first_err == EACCES ? " (a match is not executable)" : "");
  return e;
}

}  // namespace coven::pty
