// LaunchShim: start `coven shim` (through pty::SpawnProcess), then wait for its ready line.
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <iterator>
#include <set>
#include <string>
#include <vector>

#include "core/mutex.h"
#include "core/strings.h"
#include "core/unique_fd.h"
#include "pty/process_spawn.h"
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
static_assert(kReadyFd == 3, "pty::ProcessOptions::fd3 hands the pipe over as fd 3");

// The shims this process started and has not reaped. ReapExitedChildren reaps only these,
// never any child (waitpid(-1)): the daemon also runs short-lived programs (`git`, through
// pty::RunCaptured) whose exit status their caller must read itself.
class ShimChildren {
 public:
  void Add(pid_t pid) EXCLUDES(mu_) {
    core::MutexLock lock(&mu_);
    pids_.insert(pid);
  }
  void Remove(pid_t pid) EXCLUDES(mu_) {
    core::MutexLock lock(&mu_);
    pids_.erase(pid);
  }
  void ReapExited() EXCLUDES(mu_) {
    core::MutexLock lock(&mu_);
    for (auto it = pids_.begin(); it != pids_.end();) {
      pid_t r = ::waitpid(*it, nullptr, WNOHANG);
      if (r < 0 && errno == EINTR) {
        continue;
      }
      // Reaped now, or not ours any more (ECHILD): forget it; 0: still running.
      it = r == 0 ? std::next(it) : pids_.erase(it);
    }
  }

 private:
  core::Mutex mu_;
  std::set<pid_t> pids_ GUARDED_BY(mu_);
};

ShimChildren& Children() {
  static ShimChildren children;
  return children;
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

std::string FinalScreenPath(const std::string& session_dir) {
  return session_dir + "/screen.final";
}

std::string ShimSocketPath(const std::string& session_dir) {
  return session_dir + "/shim.sock";
}

namespace {

// The daemon's environment with `extra` added, an entry of `extra` replacing one of the
// same name.
std::vector<std::string> WithExtraEnv(const std::vector<std::string>& extra) {
  std::vector<std::string> env;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    std::string_view entry(*e);
    std::string_view name = entry.substr(0, entry.find('='));
    bool replaced = std::any_of(extra.begin(), extra.end(), [&](const std::string& x) {
      return x.size() > name.size() && x.compare(0, name.size(), name) == 0 &&
             x[name.size()] == '=';
    });
    if (!replaced) {
      env.emplace_back(entry);
    }
  }
  env.insert(env.end(), extra.begin(), extra.end());
  return env;
}

}  // namespace

std::vector<std::string> ShimArgv(const LaunchSpec& spec) {
  const ShimOptions& o = spec.options;
  std::vector<std::string> argv = {
      spec.coven_exe,    "shim",
      "--session-id",    o.session_id,
      "--session-dir",   o.session_dir,
      "--cwd",           o.cwd,
      "--rows",          std::to_string(o.rows),
      "--cols",          std::to_string(o.cols),
      "--ready-fd",      std::to_string(kReadyFd),
      "--kill-grace-ms", std::to_string(o.kill_grace.count()),
  };
  for (const std::string& pattern : o.screen_patterns) {
    argv.push_back("--screen-pattern");
    argv.push_back(pattern);
  }
  argv.push_back("--");
  argv.insert(argv.end(), o.argv.begin(), o.argv.end());
  return argv;
}

Result<LaunchedShim> LaunchShim(const LaunchSpec& spec) {
  auto pipe = core::MakePipe();
  if (!pipe) {
    return pipe.error();
  }
  pty::ProcessOptions options;
  options.argv = ShimArgv(spec);
  // Its own session: no controlling terminal, and no signal aimed at the daemon's process
  // group (a ^C in the terminal that ran `coven daemon serve`) reaches it. Ignored signals
  // would survive exec, hence every disposition back to default.
  options.new_session = true;
  options.stdio_to_null = true;
  options.default_signals = true;
  options.close_other_fds = true;
  options.fd3 = pipe->write.fd();  // kReadyFd
  if (!spec.extra_env.empty()) {
    options.env = WithExtraEnv(spec.extra_env);
  }
  auto pid = pty::SpawnProcess(options);
  if (!pid) {
    core::Error e = pid.error();
    e.code = ErrorCode::kPtySpawnFailed;  // the message names coven_exe
    return e;
  }
  Children().Add(*pid);
  pipe->write.Reset();  // so EOF on the pipe means the shim closed it or died
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
  Children().Remove(*pid);
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
  Children().ReapExited();
}

}  // namespace coven::shim
