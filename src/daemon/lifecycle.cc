#include "daemon/lifecycle.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <sstream>
#include <thread>
#include <vector>

#include "client/daemon_client.h"
#include "core/strings.h"
#include "core/unique_fd.h"
#include "daemon/daemon_record.h"
#include "daemon/home_dir.h"
#include "daemon/notify_config.h"
#include "pty/process_spawn.h"

extern char** environ;  // NOLINT(readability-redundant-declaration)

namespace coven::daemon {
using core::Error;
using core::ErrorCode;

namespace {

constexpr auto kProbeTimeout = std::chrono::milliseconds(2000);
constexpr auto kReadyTimeout = std::chrono::milliseconds(15000);
constexpr auto kStopTimeout = std::chrono::milliseconds(10000);
// A daemon that does not answer (stopped, wedged) gets SIGCONT+SIGTERM, then SIGKILL after
// this grace; then it has this long again to vanish.
constexpr auto kForceGrace = std::chrono::milliseconds(3000);

// A zombie counts as dead: the daemon's starter has exited, and whoever adopted it may
// reap it late (a container's pid 1 often never does).
bool PidAlive(int pid) {
  if (pid <= 0 || (::kill(pid, 0) != 0 && errno != EPERM)) {
    return false;
  }
  auto stat = core::ReadFile("/proc/" + std::to_string(pid) + "/stat");
  if (!stat) {
    return true;
  }
  size_t paren = stat->rfind(')');
  return paren == std::string::npos || paren + 2 >= stat->size() || (*stat)[paren + 2] != 'Z';
}

std::string RunningLine(const char* word, int pid, const std::string& socket,
                        const std::string& supervisor = "") {
  std::string line = std::string("coven daemon status=") + word + " pid=" + std::to_string(pid) +
                     " socket=" + socket;
  // Additive to SPEC 5.3's line: scripts grep `status=...`; people learn who restarts it.
  return supervisor.empty() ? line : line + " supervisor=" + supervisor;
}

// Health of whatever answers on `socket`, as a record; error when nothing sensible answers.
core::Result<DaemonRecord> ProbeHealth(const std::string& socket) {
  client::DaemonClient client(socket, kProbeTimeout);
  auto reply = client.Get("/health");
  if (!reply) {
    return reply.error();
  }
  if (reply->status != 200) {
    return Error(ErrorCode::kCorrupt, "health answered " + std::to_string(reply->status));
  }
  return DaemonRecordFromHealth(reply->body);
}

// The NUL-separated fields of /proc/<pid>/<file> (cmdline), empty when unreadable.
std::vector<std::string> ProcFields(int pid, const char* file) {
  auto text = core::ReadFile("/proc/" + std::to_string(pid) + "/" + file);
  std::vector<std::string> out;
  if (!text) {
    return out;
  }
  size_t start = 0;
  while (start < text->size()) {
    size_t end = text->find('\0', start);
    end = end == std::string::npos ? text->size() : end;
    out.push_back(text->substr(start, end - start));
    start = end + 1;
  }
  return out;
}

// The pid holding the flock on `lock_path`, from /proc/locks (0 when none or unknown).
// Lines look like "3: FLOCK  ADVISORY  WRITE 1234 fd:01:5678 0 EOF"; waiters carry "->".
int FlockHolder(const std::string& lock_path) {
  struct stat st {};
  auto locks = core::ReadFile("/proc/locks");
  if (::stat(lock_path.c_str(), &st) != 0 || !locks) {
    return 0;
  }
  char want[64];
  std::snprintf(want, sizeof(want), "%02x:%02x:%lu", ::major(st.st_dev), ::minor(st.st_dev),
                static_cast<unsigned long>(st.st_ino));
  std::istringstream lines(*locks);
  std::string line;
  while (std::getline(lines, line)) {
    std::istringstream fields(line);
    std::string slot, type, mode, access, pid, inode;
    fields >> slot >> type >> mode >> access >> pid >> inode;
    if (type == "FLOCK" && inode == want) {
      return static_cast<int>(core::ParseInt64(pid).value_or(0));
    }
  }
  return 0;
}

// Whether `pid` is this home's daemon, proven without its socket (it may be stopped or
// wedged): its command line is `<coven> daemon serve ...` and it holds this home's
// daemon.lock. A recycled pid or any other process fails one of the two.
bool IsOurDaemonProcess(const core::HomePaths& paths, int pid) {
  std::vector<std::string> args = ProcFields(pid, "cmdline");
  bool is_serve = args.size() >= 3 && args[1] == "daemon" && args[2] == "serve";
  return is_serve && FlockHolder(paths.lock) == pid;
}

bool WaitGone(int pid, std::chrono::milliseconds limit) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (PidAlive(pid)) {
    if (std::chrono::steady_clock::now() > deadline) {
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

void RemoveStaleFiles(const core::HomePaths& paths) {
  RemoveDaemonRecord(paths.daemon_json);
  ::unlink(paths.socket.c_str());
}

// Reads the ready pipe: "ok\n" once the daemon serves, or an error text; EOF means the
// daemon died before it was ready.
core::Status WaitReady(int fd, const std::string& log_path) {
  std::string got;
  auto deadline = std::chrono::steady_clock::now() + kReadyTimeout;
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      return Error(ErrorCode::kRuntimeUnavailable,
                   "the daemon did not become ready in time; see " + log_path);
    }
    pollfd p{fd, POLLIN, 0};
    int r = ::poll(&p, 1, static_cast<int>(left.count()));
    if (r < 0 && errno == EINTR) {
      continue;
    }
    char buf[512];
    ssize_t n = r > 0 ? ::read(fd, buf, sizeof(buf)) : 0;
    if (r > 0 && n > 0) {
      got.append(buf, static_cast<size_t>(n));
      continue;
    }
    if (r > 0 && n == 0) {
      break;  // EOF: the daemon wrote everything it will write
    }
  }
  if (got.rfind("ok", 0) == 0) {
    return core::Ok();
  }
  if (got.empty()) {
    return Error(ErrorCode::kRuntimeUnavailable,
                 "the daemon exited before it was ready; see " + log_path);
  }
  while (!got.empty() && got.back() == '\n') {
    got.pop_back();
  }
  return Error(ErrorCode::kRuntimeUnavailable, got);
}

core::Result<int> SpawnServe(const core::HomePaths& paths, const std::string& exe) {
  auto pipe = core::MakePipe();
  if (!pipe) {
    return pipe.error();
  }
  std::vector<std::string> env;
  for (char** e = environ; *e != nullptr; ++e) {
    if (std::string_view(*e).rfind("COVEN_HOME=", 0) != 0) {
      env.emplace_back(*e);
    }
  }
  env.push_back("COVEN_HOME=" + paths.home);
  pty::ProcessOptions options;
  options.argv = {exe, "daemon", "serve", "--ready-fd", "3"};
  options.env = std::move(env);
  options.new_session = true;
  options.stdio_to_null = true;
  options.fd3 = pipe->write.fd();
  auto pid = pty::SpawnProcess(options);
  if (!pid) {
    return pid.error();
  }
  pipe->write.Reset();
  if (core::Status s = WaitReady(pipe->read.fd(), paths.log); !s) {
    return s.error();
  }
  return static_cast<int>(*pid);
}

}  // namespace

std::string SelfExecutable() {
  char buf[4096];
  ssize_t n = ::readlink("/proc/self/exe", buf, sizeof(buf) - 1);
  if (n <= 0) {
    return "coven";
  }
  return std::string(buf, static_cast<size_t>(n));
}

bool VerifyDaemon(const std::string& socket, int pid) {
  auto rec = ProbeHealth(socket);
  return rec && rec->pid == pid;
}

core::Result<StatusReport> DaemonStatus(const core::HomePaths& paths) {
  StatusReport report;
  report.line = "coven daemon status=stopped";
  auto rec = ReadDaemonRecord(paths.daemon_json);
  if (!rec && rec.error().sys_errno == ENOENT) {
    return report;
  }
  if (!rec) {
    // Corrupt metadata: trust a daemon that answers on the socket, else clear it.
    auto probed = ProbeHealth(paths.socket);
    if (probed) {
      if (core::Status s = WriteDaemonRecord(paths.daemon_json, *probed); !s) {
        return s.error();
      }
      return StatusReport{DaemonState::kRunning, probed->pid, probed->socket,
                          RunningLine("running ok=true", probed->pid, probed->socket)};
    }
    RemoveDaemonRecord(paths.daemon_json);
    return report;
  }
  if (VerifyDaemon(rec->socket, rec->pid)) {
    return StatusReport{DaemonState::kRunning, rec->pid, rec->socket,
                        RunningLine("running ok=true", rec->pid, rec->socket, rec->supervisor)};
  }
  if (PidAlive(rec->pid)) {
    return StatusReport{DaemonState::kStale, rec->pid, rec->socket,
                        RunningLine("stale ok=false", rec->pid, rec->socket)};
  }
  RemoveStaleFiles(paths);
  return report;
}

core::Result<std::string> StartDaemon(const core::HomePaths& paths, const std::string& exe) {
  if (core::Status s = EnsureHome(paths.home); !s) {
    return s.error();
  }
  auto status = DaemonStatus(paths);
  if (!status) {
    return status.error();
  }
  if (status->state == DaemonState::kRunning) {
    return RunningLine("running", status->pid, status->socket);
  }
  if (status->state == DaemonState::kStale) {
    return NotAnswering(*status);
  }
  auto pid = SpawnServe(paths, exe);
  if (!pid) {
    return pid.error();
  }
  return RunningLine("running", *pid, paths.socket);
}

core::Error NotAnswering(const StatusReport& status) {
  return Error(ErrorCode::kRuntimeUnavailable,
               "the coven daemon (pid " + std::to_string(status.pid) + ") does not answer on " +
                   status.socket + " (stopped or wedged); run `coven daemon restart`");
}

namespace {

// SIGCONT (a stopped daemon must run to see SIGTERM) and SIGTERM, then SIGKILL after
// kForceGrace. Only for a pid IsOurDaemonProcess vouched for.
core::Result<std::string> ForceStop(const core::HomePaths& paths, int pid) {
  ::kill(pid, SIGCONT);
  ::kill(pid, SIGTERM);
  if (!WaitGone(pid, kForceGrace)) {
    ::kill(pid, SIGKILL);
    if (!WaitGone(pid, kForceGrace)) {
      return Error(ErrorCode::kConflict, "Coven daemon pid " + std::to_string(pid) +
                                             " survived SIGKILL; not clearing daemon status");
    }
  }
  RemoveStaleFiles(paths);
  return std::string("coven daemon status=stopped");
}

core::Result<std::string> Stop(const core::HomePaths& paths, bool force_unanswering) {
  auto rec = ReadDaemonRecord(paths.daemon_json);
  if (!rec && rec.error().sys_errno == ENOENT) {
    return std::string("coven daemon was not running");
  }
  if (!rec) {
    return rec.error().WithContext(paths.daemon_json);
  }
  if (!VerifyDaemon(rec->socket, rec->pid)) {
    if (PidAlive(rec->pid) && force_unanswering && IsOurDaemonProcess(paths, rec->pid)) {
      return ForceStop(paths, rec->pid);
    }
    if (PidAlive(rec->pid)) {
      return Error(
          ErrorCode::kConflict,
          "Coven daemon pid " + std::to_string(rec->pid) +
              " could not be verified through its socket; not signaling or clearing "
              "daemon status" +
              (force_unanswering
                   ? std::string(" (it is not a `coven daemon serve` holding ") + paths.lock + ")"
                   : std::string("; `coven daemon restart` replaces a daemon that "
                                 "does not answer")));
    }
    RemoveStaleFiles(paths);
    return std::string("coven daemon status=stopped");
  }
  if (::kill(rec->pid, SIGTERM) != 0 && errno != ESRCH) {
    return core::SysError("signal daemon pid " + std::to_string(rec->pid), errno);
  }
  auto deadline = std::chrono::steady_clock::now() + kStopTimeout;
  while (PidAlive(rec->pid)) {
    if (std::chrono::steady_clock::now() > deadline) {
      return Error(ErrorCode::kConflict, "Coven daemon pid " + std::to_string(rec->pid) +
                                             " did not exit after SIGTERM; not clearing "
                                             "daemon status");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  RemoveStaleFiles(paths);
  return std::string("coven daemon status=stopped");
}

}  // namespace

core::Result<std::string> StopDaemon(const core::HomePaths& paths) {
  return Stop(paths, /*force_unanswering=*/false);
}

core::Result<std::string> RestartDaemon(const core::HomePaths& paths, const std::string& exe) {
  auto stopped = Stop(paths, /*force_unanswering=*/true);
  if (!stopped) {
    return stopped.error();
  }
  bool was_running = *stopped != "coven daemon was not running";
  auto started = StartDaemon(paths, exe);
  if (!started || !was_running) {
    return started;
  }
  std::string line = *started;
  line.replace(line.find("status=running"), 14, "status=restarted");
  return line;
}

}  // namespace coven::daemon

namespace coven::daemon {

core::Result<std::string> ReloadDaemon(const core::HomePaths& paths) {
  // Checked here first, so that a bad file is the user's error now, with the field named,
  // instead of a line in the daemon's log (the daemon keeps its previous set-up then).
  std::string config_path = paths.home + "/config.json";
  if (auto config = LoadNotifyConfig(config_path); !config) {
    return config.error();
  }
  auto status = DaemonStatus(paths);
  if (!status) {
    return status.error();
  }
  if (status->state != DaemonState::kRunning) {
    return std::string("coven daemon was not running (config.json is read when it starts)");
  }
  if (::kill(status->pid, SIGHUP) != 0) {
    return core::SysError("signal the daemon (pid " + std::to_string(status->pid) + ")", errno);
  }
  return "coven daemon reloaded pid=" + std::to_string(status->pid) + " config=" + config_path;
}

}  // namespace coven::daemon
