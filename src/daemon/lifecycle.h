// daemon/lifecycle.h: `coven daemon start|status|stop|restart` (SPEC 5.2, 5.3 and Part A).
//
// These run in the CLI process and manage the daemon process from outside: they read
// `daemon.json`, verify a daemon through its socket (GET /health must answer ok with the
// recorded pid), spawn `coven daemon serve` detached in its own session and wait until it
// is ready, or signal it to stop. Each returns the exact stdout line of SPEC 5.3 that
// scripts grep, or an Error whose message is the user-facing explanation.
#pragma once

#include <string>

#include "core/home.h"
#include "core/result.h"

namespace coven::daemon {

enum class DaemonState { kStopped, kRunning, kStale };

struct StatusReport {
  DaemonState state = DaemonState::kStopped;
  int pid = 0;
  std::string socket;
  std::string line;  // "coven daemon status=..." as printed
};

// SPEC 5.3 `status`, including the corrupt-daemon.json recovery and stale cleanup.
core::Result<StatusReport> DaemonStatus(const core::HomePaths& paths);

// Starts a daemon unless a verified one is running (then reports it, like status).
// `exe` is the coven binary to run as `exe daemon serve`.
core::Result<std::string> StartDaemon(const core::HomePaths& paths, const std::string& exe);

// SPEC 5.3 `stop`. Returns "coven daemon status=stopped" or "coven daemon was not running".
core::Result<std::string> StopDaemon(const core::HomePaths& paths);

// Stop (errors abort) then start; "status=restarted" when a daemon was running before.
// Unlike stop, it also replaces a daemon that does not answer on its socket (SIGSTOPped,
// wedged) once /proc proves the pid is this home's daemon (its command line is `daemon
// serve` and it holds daemon.lock): SIGCONT+SIGTERM, then SIGKILL after a grace.
core::Result<std::string> RestartDaemon(const core::HomePaths& paths, const std::string& exe);

// `coven daemon reload`: checks `<home>/config.json` (its error names the field) and sends
// SIGHUP, on which the daemon reads it again (docs/attention.md). "coven daemon reloaded
// pid=N config=PATH", or a note that no daemon runs.
core::Result<std::string> ReloadDaemon(const core::HomePaths& paths);

// The error for a daemon whose pid lives but that does not answer (kStale): names the fix.
core::Error NotAnswering(const StatusReport& status);

// True when a daemon answers on `paths.socket` with the given pid (SPEC 5.2 "verified").
bool VerifyDaemon(const std::string& socket, int pid);

// The path of the running coven executable (/proc/self/exe).
std::string SelfExecutable();

}  // namespace coven::daemon
