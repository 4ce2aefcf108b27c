// LaunchShim: fork and exec `coven shim`, then wait for its ready line.
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <vector>

#include "core/strings.h"
#include "core/unique_fd.h"
#include "pty/pty.h"
#include "shim/shim.h"

namespace coven::shim {
namespace {

using core::ErrorCode;
using core::Result;
using core::Status;
using core::UniqueFd;

constexpr std::chrono::seconds kReadyTimeout{10};
constexpr std::chrono::seconds kReapTimeout{5};
constexpr int kReadyFd = 3;  // where the shim finds the ready pipe (ShimArgv says so)

// Everything the child needs, built before fork: the child allocates nothing.
struct ChildPlan {
  const char* path = nullptr;
  char* const* argv = nullptr;
  int null_fd = -1;                   // >= 4
  int ready_fd = -1;                  // >= 4
  const char* exec_failed = nullptr;  // "error ...\n", written when execv fails
  size_t exec_failed_len = 0;
  sigset_t empty_mask;
};

// Between fork and exec: async-signal-safe calls only.
[[noreturn]] void RunChild(const ChildPlan& plan) noexcept {
  // Its own session: no controlling terminal, and no signal aimed at the daemon's process
  // group (a ^C in the terminal that ran `coven daemon serve`) reaches it.
  ::setsid();
  struct sigaction dfl = {};  // zeroed: SIG_DFL; ignored signals would survive exec
  for (int sig = 1; sig < NSIG; ++sig) {
    ::sigaction(sig, &dfl, nullptr);
  }
  // dup2 clears close-on-exec on the copies; the sources are >= 4 and stay close-on-exec.
  if (::dup2(plan.null_fd, 0) < 0 || ::dup2(plan.null_fd, 1) < 0 || ::dup2(plan.null_fd, 2) < 0 ||
      ::dup2(plan.ready_fd, kReadyFd) < 0) {
    ::_exit(127);
  }
  if (::syscall(SYS_close_range, 4U, ~0U, 0U) != 0) {
    for (int fd = 4; fd < 65536; ++fd) {
      ::close(fd);
    }
  }
  ::sigprocmask(SIG_SETMASK, &plan.empty_mask, nullptr);
  ::execv(plan.path, plan.argv);
  ssize_t ignored = ::write(kReadyFd, plan.exec_failed, plan.exec_failed_len);
  (void)ignored;
  ::_exit(127);
}

Result<UniqueFd> Above3(UniqueFd fd) {
  UniqueFd moved(::fcntl(fd.fd(), F_DUPFD_CLOEXEC, 4));
  if (!moved.valid()) {
    return core::SysError("fcntl(F_DUPFD_CLOEXEC)", errno);
  }
  return moved;
}

// Reaps `pid`, which is exiting or about to; SIGKILL when it takes longer than the bound.
// Returns the wait status, or -1 when someone else reaped it.
int ReapBounded(pid_t pid) {
  UniqueFd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
  if (pidfd.valid()) {
    pollfd pfd{pidfd.fd(), POLLIN, 0};
    int timeout_ms = static_cast<int>(
        std::chrono::duration_cast<std::chrono::milliseconds>(kReapTimeout).count());
    if (::poll(&pfd, 1, timeout_ms) <= 0) {
      ::kill(pid, SIGKILL);
    }
  } else {
    ::kill(pid, SIGKILL);  // cannot wait with a bound otherwise; it failed anyway
  }
  int status = 0;
  pid_t r;
  do {
    r = ::waitpid(pid, &status, 0);
  } while (r < 0 && errno == EINTR);
  return r == pid ? status : -1;
}

// Reads the shim's one ready line: "ok <pid>", "error <message>" or "full <message>" (the
// disk is full). kPtySpawnFailed on
// "error", on EOF without a line (the shim died) and after kReadyTimeout.
Result<std::string> ReadReadyLine(int fd) {
  auto deadline = std::chrono::steady_clock::now() + kReadyTimeout;
  std::string line;
  char buf[512];
  while (line.find('\n') == std::string::npos) {
    auto left =
        std::chrono::ceil<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      return core::Error(
          ErrorCode::kPtySpawnFailed,
          "the shim did not report ready within " + std::to_string(kReadyTimeout.count()) + " s");
    }
    pollfd pfd{fd, POLLIN, 0};
    int n = ::poll(&pfd, 1, static_cast<int>(left.count()));
    if (n < 0 && errno != EINTR) {
      return core::SysError("poll shim ready pipe", errno);
    }
    if (n <= 0) {
      continue;
    }
    ssize_t got = ::read(fd, buf, sizeof(buf));
    if (got < 0 && errno == EINTR) {
      continue;
    }
    if (got <= 0) {
      return core::Error(ErrorCode::kPtySpawnFailed, "the shim exited before reporting ready");
    }
    line.append(buf, static_cast<size_t>(got));
  }
  line.resize(line.find('\n'));
  return line;
}

}  // namespace

std::string EventLogPath(const std::string& session_dir) {
  return session_dir + "/events.log";
}

std::string ShimSocketPath(const std::string& session_dir) {
  return session_dir + "/shim.sock";
}

std::vector<std::string> ShimArgv(const LaunchSpec& spec) {
  const ShimOptions& o = spec.options;
  std::vector<std::string> argv = {spec.coven_exe,
                                   "shim",
                                   "--session-id",
                                   o.session_id,
                                   "--session-dir",
                                   o.session_dir,
                                   "--cwd",
                                   o.cwd,
                                   "--rows",
                                   std::to_string(o.rows),
                                   "--cols",
                                   std::to_string(o.cols),
                                   "--ready-fd",
                                   std::to_string(kReadyFd),
                                   "--kill-grace-ms",
                                   std::to_string(o.kill_grace.count()),
                                   "--"};
  argv.insert(argv.end(), o.argv.begin(), o.argv.end());
  return argv;
}

Result<LaunchedShim> LaunchShim(const LaunchSpec& spec) {
  std::vector<std::string> args = ShimArgv(spec);
  std::vector<char*> argv;
  for (std::string& a : args) {
    argv.push_back(a.data());
  }
  argv.push_back(nullptr);
  std::string exec_failed = "error cannot execute " + spec.coven_exe + "\n";

  UniqueFd null_fd(::open("/dev/null", O_RDWR | O_CLOEXEC));
  if (!null_fd.valid()) {
    return core::SysError("open /dev/null", errno);
  }
  auto pipe = core::MakePipe();
  if (!pipe) {
    return pipe.error();
  }
  auto high_null = Above3(std::move(null_fd));
  auto high_ready = high_null ? Above3(std::move(pipe->write)) : high_null.error();
  if (!high_ready) {
    return high_ready.error();
  }
  ChildPlan plan;
  plan.path = spec.coven_exe.c_str();
  plan.argv = argv.data();
  plan.null_fd = high_null->fd();
  plan.ready_fd = high_ready->fd();
  plan.exec_failed = exec_failed.data();
  plan.exec_failed_len = exec_failed.size();
  ::sigemptyset(&plan.empty_mask);

  auto pid = pty::ForkBlockingSignals(
      [](const void* p) { RunChild(*static_cast<const ChildPlan*>(p)); }, &plan);
  if (!pid) {
    return pid.error();
  }
  high_ready->Reset();  // so EOF on the pipe means the shim closed it or died
  auto line = ReadReadyLine(pipe->read.fd());
  if (line && line->rfind("ok ", 0) == 0) {
    auto harness_pid = core::ParseInt64(std::string_view(*line).substr(3));
    if (harness_pid && *harness_pid > 0) {
      return LaunchedShim{*pid, static_cast<pid_t>(*harness_pid)};
    }
  }
  // Failure. After "error ..." the shim exits with status 1 by itself; otherwise it is
  // stuck or confused, so it is killed. Either way it is reaped here.
  bool reported_full = line && line->rfind("full ", 0) == 0;
  bool reported_error = reported_full || (line && line->rfind("error ", 0) == 0);
  if (!reported_error) {
    ::kill(*pid, SIGKILL);
  }
  int status = ReapBounded(*pid);
  if (!line) {
    core::Error e = line.error();
    if (status >= 0 && WIFEXITED(status)) {
      e.message += " (exit status " + std::to_string(WEXITSTATUS(status)) + ")";
    }
    return e;
  }
  if (reported_full) {
    return core::Error(ErrorCode::kStorageFull, line->substr(5));
  }
  if (reported_error) {
    return core::Error(ErrorCode::kPtySpawnFailed, line->substr(6));
  }
  return core::Error(ErrorCode::kPtySpawnFailed, "the shim reported `" + *line + "`");
}

Status RequireFreeSpace(const std::string& dir) {
  struct statvfs st {};
  if (::statvfs(dir.c_str(), &st) != 0) {
    return core::SysError("statvfs " + dir, errno);
  }
  // f_bavail/f_favail: what an unprivileged writer may still use (root's reserve excluded).
  uint64_t free_bytes = static_cast<uint64_t>(st.f_bavail) * st.f_frsize;
  bool no_inodes = st.f_files != 0 && st.f_favail == 0;
  if (free_bytes < kMinFreeBytes || no_inodes) {
    return core::Error(ErrorCode::kStorageFull, dir + " has " + std::to_string(free_bytes) +
                                                    " bytes free" +
                                                    (no_inodes ? " and no inode" : ""));
  }
  return core::Ok();
}

void ReapExitedChildren() {
  for (;;) {
    pid_t r = ::waitpid(-1, nullptr, WNOHANG);
    if (r > 0 || (r < 0 && errno == EINTR)) {
      continue;
    }
    return;  // 0: children still running; ECHILD: none left
  }
}

}  // namespace coven::shim
