#include "daemon/serve.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>

#include "api/api.h"
#include "control/control_plane.h"
#include "core/clock.h"
#include "core/home.h"
#include "core/strings.h"
#include "core/unique_fd.h"
#include "daemon/daemon_log.h"
#include "daemon/daemon_record.h"
#include "daemon/home_dir.h"
#include "daemon/ledger_repair.h"
#include "daemon/lifecycle.h"
#include "daemon/notifier.h"
#include "daemon/notify_config.h"
#include "harness/harness_registry.h"
#include "server/http_server.h"
#include "server/service_notify.h"
#include "sessions/session_manager.h"
#include "store/ledger.h"

namespace coven::daemon {
using core::Error;
using core::ErrorCode;

namespace {

// Holds `<home>/daemon.lock` for the life of the daemon so a second `serve` fails fast.
core::Result<core::UniqueFd> TakeServeLock(const std::string& path) {
  auto fd = LockDaemonHome(path);
  if (!fd) {
    if (fd.error().code == ErrorCode::kConflict) {
      return Error(ErrorCode::kConflict,
                   "another coven daemon is already serving this Coven home (" + path +
                       " is locked); use `coven daemon status`");
    }
    return fd.error();
  }
  std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd->fd(), 0) == 0) {
    (void)core::WriteAll(fd->fd(), pid);
  }
  return fd;
}

// Opens the ledger unless it is damaged: checked read-only first (Open switches on WAL and
// migrates, so a damaged file must not reach it), then once more through the connection.
// kCorrupt naming the file and `coven doctor --repair`.
core::Result<store::Ledger> OpenCheckedLedger(const core::HomePaths& paths) {
  LedgerHealth health = CheckLedger(paths);
  if (!health.is_ok) {
    return Error(ErrorCode::kCorrupt, DamagedLedgerMessage(paths, health.findings));
  }
  auto ledger = store::Ledger::Open(paths.ledger);
  if (!ledger && ledger.error().code == ErrorCode::kCorrupt) {
    return Error(ErrorCode::kCorrupt, DamagedLedgerMessage(paths, ledger.error().message));
  }
  if (!ledger) {
    return ledger.error();
  }
  auto findings = ledger->IntegrityCheck();
  if (!findings || *findings != "ok") {
    std::string why = findings ? *findings : findings.error().message;
    return Error(ErrorCode::kCorrupt, DamagedLedgerMessage(paths, why));
  }
  return ledger;
}

// The PATH harnesses are found on: the daemon's own, then the folder of the coven binary
// (where the bundled `coven-demo` lives). Exported so that shims see the same PATH.
// Runs before any thread starts.
std::string PathEnv() {
  const char* path = std::getenv("PATH");  // NOLINT(concurrency-mt-unsafe)
  std::string value = path != nullptr && path[0] != '\0' ? path : "/usr/local/bin:/usr/bin:/bin";
  std::string exe = SelfExecutable();
  size_t slash = exe.rfind('/');
  if (slash != std::string::npos && slash > 0) {
    value += ":" + exe.substr(0, slash);
  }
  ::setenv("PATH", value.c_str(), 1);  // NOLINT(concurrency-mt-unsafe)
  return value;
}

// The grace between SIGHUP, SIGTERM and SIGKILL on kill (SPEC Part A 6); tests shorten it.
std::chrono::milliseconds KillGrace() {
  const char* t = std::getenv("COVEN_KILL_GRACE_MS");  // NOLINT(concurrency-mt-unsafe)
  if (t != nullptr) {
    if (auto ms = core::ParseInt64(t); ms && *ms >= 0) {
      return std::chrono::milliseconds(*ms);
    }
  }
  return std::chrono::milliseconds(1000);
}

// A desktop session to show notifications in (what notify-send needs).
bool HasDesktop() {
  for (const char* name : {"DISPLAY", "WAYLAND_DISPLAY"}) {
    const char* v = std::getenv(name);  // NOLINT(concurrency-mt-unsafe): before any thread
    if (v != nullptr && *v != '\0') {
      return true;
    }
  }
  return false;
}

// The connection and stream limits (docs/daemon.md "Limits"). The soft limit on open files
// is raised toward the hard one first (Debian's soft default, 1024, would not hold 1,000
// clients next to 200 sessions); connections may then use half the fds, streams (each of
// which also reads a log) a quarter, the rest is for sessions, logs and the ledger. Past a
// limit a client gets 503 server_busy. COVEN_MAX_CONNECTIONS overrides the connection
// limit (tests use it to run out of fds before the limit is reached).
void ApplyConnectionLimits(server::ServerOptions& options, DaemonLog& log) {
  constexpr size_t kWantFds = 16384;
  size_t fds = server::RaiseOpenFileLimit(kWantFds);
  options.max_connections = std::clamp<size_t>(fds / 2, 16, 4096);
  options.max_streams = std::clamp<size_t>(fds / 4, 8, 2048);
  const char* env = std::getenv("COVEN_MAX_CONNECTIONS");  // NOLINT(concurrency-mt-unsafe)
  if (env != nullptr) {
    if (auto n = core::ParseInt64(env); n && *n > 0) {
      options.max_connections = static_cast<size_t>(*n);
    }
  }
  log.Write("limits: open files " + std::to_string(fds) + ", connections " +
            std::to_string(options.max_connections) + ", streams " +
            std::to_string(options.max_streams));
}

class ReadySignal {
 public:
  explicit ReadySignal(int fd) : fd_(fd) {}
  void Ok() { Send("ok\n"); }
  void Fail(const std::string& message) { Send(message + "\n"); }

 private:
  void Send(const std::string& text) {
    if (fd_.valid()) {
      (void)core::WriteAll(fd_.fd(), text);
      fd_.Reset();
    }
  }
  core::UniqueFd fd_;
};

}  // namespace

int Serve(const ServeOptions& options) {
  // First, before any thread exists: it takes NOTIFY_SOCKET out of the environment.
  const server::ServiceNotifier notifier = server::ServiceNotifier::FromEnvironment();
  ReadySignal ready(options.ready_fd);
  ::signal(SIGPIPE, SIG_IGN);  // peers that hang up must not kill the daemon
  core::HomePaths paths(AbsoluteHome(options.home));
  auto fail = [&ready, &options](const Error& e) {
    ready.Fail(e.message);
    if (options.ready_fd < 0) {
      std::fprintf(stderr, "Error: %s\n", e.message.c_str());
    }
    return 1;
  };
  if (core::Status s = EnsureHome(paths.home); !s) {
    return fail(s.error());
  }
  DaemonLog log(paths.log);
  auto lock = TakeServeLock(paths.lock);
  if (!lock) {
    log.Write("serve refused: " + lock.error().message);
    return fail(lock.error());
  }
  if (::chdir("/") != 0) {
    log.Write("chdir / failed; staying in the current directory");
  }

  api::DaemonInfo info{static_cast<int>(::getpid()), core::NowTimestamp(), paths.socket};
  auto ledger = OpenCheckedLedger(paths);
  if (!ledger) {
    log.Write("serve failed: " + ledger.error().message);
    return fail(ledger.error());
  }
  harness::HarnessRegistry registry = harness::HarnessRegistry::Load(paths.adapters);
  for (const std::string& problem : registry.problems()) {
    log.Write("adapter skipped: " + problem);
  }
  // Declared before the manager, whose watcher thread calls it.
  Notifier attention({SelfExecutable(), PathEnv(), HasDesktop(), [&log](const std::string& line) {
                        log.Write(line);  // outlives the notifier
                      }});
  auto reload = [&log, &attention, &paths] {
    auto config = LoadNotifyConfig(paths.home + "/config.json");
    if (!config) {
      log.Write("config not loaded (notifications keep their previous set-up): " +
                config.error().message);
      return;
    }
    attention.SetConfig(std::move(*config));
    log.Write("config loaded: " + paths.home + "/config.json");
  };
  reload();
  sessions::SessionManager::Options session_options{paths,
                                                    SelfExecutable(),
                                                    PathEnv(),
                                                    KillGrace(),
                                                    [&log](const std::string& line) {
                                                      log.Write(line);  // outlives the manager
                                                    },
                                                    nullptr,
                                                    nullptr};
  session_options.on_activity = [&attention](const sessions::ActivityTransition& t) {
    attention.OnTransition(t);
  };
  session_options.describe_notifications = [&attention] { return attention.Describe(); };
  sessions::SessionManager manager(std::move(session_options), std::move(*ledger),
                                   std::move(registry));
  sessions::RecoveryReport recovered = manager.Recover();
  log.Write("recovered sessions: adopted=" + std::to_string(recovered.adopted) + " finished=" +
            std::to_string(recovered.finished) + " orphaned=" + std::to_string(recovered.orphaned));
  control::ControlPlane control = control::ControlPlane::WithBuiltins();
  api::Api api(info, control, &manager);

  server::ServerOptions server_options;
  server_options.socket_path = paths.socket;
  server_options.threads = 8;
  server_options.on_child_exit = [&manager] { manager.ReapChildren(); };
  server_options.on_reload = reload;  // SIGHUP, `coven daemon reload`
  server_options.on_refused = [&log](const std::string& line) { log.Write(line); };
  server_options.on_busy = [&log](const std::string& line) { log.Write(line); };
  ApplyConnectionLimits(server_options, log);
  // Tests shorten the per-request deadline to watch idle connections get closed.
  if (const char* t = std::getenv("COVEN_HTTP_TIMEOUT_MS")) {  // NOLINT(concurrency-mt-unsafe)
    if (auto ms = core::ParseInt64(t); ms && *ms > 0) {
      server_options.request_timeout = std::chrono::milliseconds(*ms);
    }
  }
  auto server = server::HttpServer::Listen(
      server_options, [&api](const api::Request& req) { return api.Handle(req); });
  if (!server) {
    log.Write("serve failed: " + server.error().message);
    return fail(server.error());
  }
  if (core::Status s = WriteDaemonRecord(
          paths.daemon_json,
          {info.pid, info.started_at, paths.socket, notifier.active() ? "systemd" : ""});
      !s) {
    log.Write("serve failed: " + s.error().message);
    return fail(s.error());
  }
  log.Write("serving pid=" + std::to_string(info.pid) + " socket=" + paths.socket);
  ready.Ok();
  // Under systemd (Type=notify) `systemctl start` returns now: the socket is listening and
  // every later connection is served.
  if (core::Status s = notifier.Notify("READY=1\nMAINPID=" + std::to_string(info.pid) +
                                       "\nSTATUS=serving " + paths.socket);
      !s) {
    log.Write("service manager not told we are ready: " + s.error().message);
  } else if (notifier.active()) {
    log.Write("told the service manager we are ready");
  }

  int sig = (*server)->Run();
  log.Write("stopping" + (sig != 0 ? " on signal " + std::to_string(sig) : std::string()));
  // Failure here changes nothing: the manager sees the process exit either way.
  (void)notifier.Notify("STOPPING=1");
  auto rec = ReadDaemonRecord(paths.daemon_json);
  if (rec && rec->pid == info.pid) {
    RemoveDaemonRecord(paths.daemon_json);
  }
  return 0;
}

}  // namespace coven::daemon
