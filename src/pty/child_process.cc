#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>

#include "pty/pty.h"

namespace coven::pty {
namespace {

ExitInfo DecodeWaitStatus(int status) {
  ExitInfo info;
  if (WIFSIGNALED(status)) {
    info.signal = WTERMSIG(status);
  } else {
    info.exit_code = WEXITSTATUS(status);
  }
  return info;
}

}  // namespace

std::string SignalName(int sig) {
  // glibc >= 2.32: "KILL" for SIGKILL, nullptr for numbers without an abbreviation.
  const char* abbrev = ::sigabbrev_np(sig);
  if (abbrev == nullptr) {
    return "SIG" + std::to_string(sig);
  }
  return std::string("SIG") + abbrev;
}

ChildProcess::ChildProcess(ChildProcess&& other) noexcept : pid_(other.pid_), exit_(other.exit_) {
  other.pid_ = -1;
  other.exit_.reset();
}

ChildProcess& ChildProcess::operator=(ChildProcess&& other) noexcept {
  if (this != &other) {
    KillAndReap();
    pid_ = other.pid_;
    exit_ = other.exit_;
    other.pid_ = -1;
    other.exit_.reset();
  }
  return *this;
}

ChildProcess::~ChildProcess() {
  KillAndReap();
}

void ChildProcess::KillAndReap() noexcept {
  if (pid_ > 0 && !exit_) {
    // The pid too, in case the child moved itself to another process group.
    ::kill(-pid_, SIGKILL);
    ::kill(pid_, SIGKILL);
    while (::waitpid(pid_, nullptr, 0) < 0 && errno == EINTR) {
    }
  }
  pid_ = -1;
  exit_.reset();
}

core::Status ChildProcess::SignalGroup(int sig) {
  if (pid_ <= 0) {
    return core::Error(core::ErrorCode::kInternal, "signal: no child process");
  }
  if (::kill(-pid_, sig) != 0 && errno != ESRCH) {
    return core::SysError("kill process group " + std::to_string(pid_) + " with " + SignalName(sig),
                          errno);
  }
  return core::Ok();
}

core::Result<std::optional<ExitInfo>> ChildProcess::TryWait() {
  if (exit_) {
    return exit_;
  }
  if (pid_ <= 0) {
    return core::Error(core::ErrorCode::kInternal, "wait: no child process");
  }
  int status = 0;
  pid_t r = -1;
  do {
    r = ::waitpid(pid_, &status, WNOHANG);
  } while (r < 0 && errno == EINTR);
  if (r < 0) {
    return core::SysError("waitpid " + std::to_string(pid_), errno);
  }
  if (r == 0) {
    return std::optional<ExitInfo>();
  }
  exit_ = DecodeWaitStatus(status);
  return exit_;
}

core::Result<ExitInfo> ChildProcess::Wait() {
  if (exit_) {
    return *exit_;
  }
  if (pid_ <= 0) {
    return core::Error(core::ErrorCode::kInternal, "wait: no child process");
  }
  int status = 0;
  pid_t r = -1;
  do {
    r = ::waitpid(pid_, &status, 0);
  } while (r < 0 && errno == EINTR);
  if (r < 0) {
    return core::SysError("waitpid " + std::to_string(pid_), errno);
  }
  exit_ = DecodeWaitStatus(status);
  return *exit_;
}

pid_t ChildProcess::Release() {
  pid_t pid = pid_;
  pid_ = -1;
  exit_.reset();
  return pid;
}

}  // namespace coven::pty
