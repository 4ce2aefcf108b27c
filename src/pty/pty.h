// pty/pty.h: pseudo-terminals and process groups, as RAII types.
//
// This module is the only place that forks and execs (STYLE.md section 5): SpawnInPty
// here for a harness, SpawnProcess (pty/process_spawn.h) for everything else. It offers
// three things:
//   - PtyMaster: the owned master side of a PTY (resize, query size, non-blocking mode).
//   - ChildProcess: a child started in its own session, so its pid is also its process
//     group id and the PTY is its controlling terminal. Signals go to the whole group, so a
//     kill reaches everything the harness started (SPEC Part A decision 6). An unreaped
//     ChildProcess is killed (SIGKILL to the group) and reaped by its destructor.
//   - SpawnInPty: opens a PTY, forks, and execs argv in the child with the slave as its
//     stdin/stdout/stderr and controlling terminal (SPEC 4.5): new session, TIOCSCTTY,
//     signal dispositions reset to default and the mask cleared, every other fd closed.
//     argv is passed to execve as a vector, never through a shell, so a prompt stays data.
//
// It does not read or write the PTY's bytes, install signal handlers, decide escalation
// timing (SIGHUP, SIGTERM, SIGKILL) or build the harness environment: the shim does that.
//
// Reading the master returns EIO (not 0) once every slave fd is closed, that is when the
// child and everything it started that held the terminal have exited. But one EIO is not
// the end of output: read the master with ReadMaster, which says kClosed only when it is.
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/result.h"
#include "core/unique_fd.h"

namespace coven::pty {

struct WindowSize {
  uint16_t rows = 24;
  uint16_t cols = 80;
};

// What one ReadMaster call gave.
enum class MasterRead {
  kData,        // `bytes` bytes were read
  kWouldBlock,  // nothing to read now (non-blocking master)
  kClosed,      // every slave fd is closed and everything written before was read
};

struct MasterReadResult {
  MasterRead status = MasterRead::kClosed;
  size_t bytes = 0;
};

// One read(2) of a PTY master into `buf` (retried on EINTR). An EIO is confirmed by a
// second read before it is reported as kClosed, because Linux can return EIO while the
// last bytes the harness wrote before exiting are still on their way to the master: the
// reader found nothing, the writer wrote and closed, and the reader then saw the slave
// closed before the kernel's buffer work had moved those bytes (seen on 6.18 under load,
// about one session in 2,000 losing its last lines). A read that starts after the
// close first flushes that work, so it returns those bytes, or EIO when there are none.
// Other errors are reported as kClosed too: the terminal cannot be read any more.
MasterReadResult ReadMaster(int master_fd, char* buf, size_t len);

// Owns the master fd of a PTY (close-on-exec). Move-only; not thread-safe.
class PtyMaster {
 public:
  PtyMaster() = default;
  // Takes ownership of `fd`, which must be a PTY master.
  explicit PtyMaster(core::UniqueFd fd) : fd_(std::move(fd)) {}
  PtyMaster(PtyMaster&&) noexcept = default;
  PtyMaster& operator=(PtyMaster&&) noexcept = default;
  PtyMaster(const PtyMaster&) = delete;
  PtyMaster& operator=(const PtyMaster&) = delete;
  ~PtyMaster() = default;

  // The master fd (-1 when empty); still owned by this object.
  int fd() const { return fd_.fd(); }
  bool valid() const { return fd_.valid(); }

  // Sets the terminal size (TIOCSWINSZ). The kernel sends SIGWINCH to the terminal's
  // foreground process group when the size changes. kIo on failure.
  core::Status Resize(WindowSize size);
  // The current terminal size (TIOCGWINSZ). kIo on failure.
  core::Result<WindowSize> Size() const;
  // Turns O_NONBLOCK on or off. kIo on failure.
  core::Status SetNonBlocking(bool non_blocking);
  // ReadMaster on this master.
  MasterReadResult Read(char* buf, size_t len) { return ReadMaster(fd(), buf, len); }

 private:
  core::UniqueFd fd_;
};

// How a child ended: exactly one field is set.
struct ExitInfo {
  std::optional<int> exit_code;  // exited normally with this status (0-255)
  std::optional<int> signal;     // killed by this signal
};

// "SIGKILL", "SIGTERM", ...; "SIG<n>" for a number without a name. Thread-safe.
std::string SignalName(int sig);

// A child process that leads its own process group (pid == pgid), normally made by
// SpawnInPty. Move-only; not thread-safe. The destructor of a child that was neither
// reaped nor released sends SIGKILL to the group and to the pid, then reaps it; this is
// bounded because SIGKILL cannot be caught or ignored.
class ChildProcess {
 public:
  ChildProcess() = default;
  // Takes responsibility for `pid`, which must be an unreaped child of this process that
  // leads its own process group.
  explicit ChildProcess(pid_t pid) : pid_(pid) {}
  ChildProcess(ChildProcess&& other) noexcept;
  ChildProcess& operator=(ChildProcess&& other) noexcept;
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  ~ChildProcess();

  // The child's pid, which is also its process group id; -1 when empty or released. Stays
  // valid after the child is reaped.
  pid_t pid() const { return pid_; }
  // True once TryWait or Wait has reported the exit.
  bool reaped() const { return exit_.has_value(); }

  // Sends `sig` to the whole process group (kill(-pid, sig)). A group that no longer
  // exists (ESRCH) is not an error. It still reaches processes left in the group after the
  // leader was reaped. kIo on other failures; kInternal when empty.
  core::Status SignalGroup(int sig);

  // Non-blocking waitpid. nullopt while the child runs; once it returns an ExitInfo the
  // child is reaped, and later calls return the same ExitInfo. kIo when waitpid fails
  // (ECHILD: someone else reaped it).
  core::Result<std::optional<ExitInfo>> TryWait();
  // Blocks until the child exits (without a deadline: callers that need one poll TryWait
  // or signal first), then behaves like TryWait.
  core::Result<ExitInfo> Wait();

  // Forgets the child without signalling or reaping it; the caller takes responsibility.
  // Returns the pid (-1 when empty).
  pid_t Release();

 private:
  void KillAndReap() noexcept;

  pid_t pid_ = -1;
  std::optional<ExitInfo> exit_;
};

struct SpawnOptions {
  // argv[0] is the program, resolved with ResolveExecutable against PATH from `env` (this
  // process's PATH when `env` is empty; /usr/bin:/bin when `env` has no PATH) before
  // forking. A relative name with a '/' is relative to this process's cwd, not `cwd`.
  // Must not be empty.
  std::vector<std::string> argv;
  // The child's full environment as KEY=VALUE; empty means inherit this process's.
  std::vector<std::string> env;
  // The child's working directory; empty means inherit.
  std::string cwd;
  // Initial terminal size, set before the child starts.
  WindowSize size;
};

struct Spawned {
  PtyMaster master;
  ChildProcess child;
};

// Starts argv in a new PTY as described at the top of this file and returns the master
// and the child. The parent keeps no copy of the slave. Returns kPtySpawnFailed, with
// sys_errno set and a message naming the program (and the cwd when chdir failed), when the
// program is not found, the cwd cannot be entered or exec fails; in that case the child
// has already been reaped and no fd is left open. kIo when the PTY itself cannot be made.
// Thread-safe (the child makes only async-signal-safe calls between fork and exec), but
// the inherited environment is read without a lock.
core::Result<Spawned> SpawnInPty(const SpawnOptions& opts);

// Finds `name` as exec would: a name containing '/' is returned as is when it is an
// executable regular file; otherwise the first absolute directory of `path_env` (':'
// separated; empty and relative entries are skipped, so the result does not depend on the
// cwd) holding an executable regular file `name`. kPtySpawnFailed (errno ENOENT or
// EACCES) otherwise.
core::Result<std::string> ResolveExecutable(const std::string& name, const std::string& path_env);

}  // namespace coven::pty
