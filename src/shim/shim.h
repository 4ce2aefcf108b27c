// shim/shim.h: the per-session supervisor and the daemon's link to it.
//
// Why a shim: the daemon must be restartable (upgrade, crash, `kill -9`) without touching
// running harnesses. So each session gets one small process, `coven shim`, started by the
// daemon in its own session (setsid) that:
//   - opens the PTY and starts the harness in it (pty::SpawnInPty), owning its process group;
//   - writes the session's event log (eventlog::LogWriter): `start`, then `output` chunks,
//     `input`, `resize`, `kill`, and finally `exit`; it is the only writer of that file;
//   - serves a private control socket `<session_dir>/shim.sock` (0600, peer uid checked)
//     on which the daemon sends input, resize and kill, and subscribes to notifications;
//   - exits after the harness has exited and its exit event is on disk.
// The daemon never holds a PTY. When it starts it re-adopts every live shim by connecting
// to its socket; a session whose socket does not answer has lost its shim.
//
// Output path and back-pressure: the shim reads the PTY master into a buffer, cuts it into
// `output` events at UTF-8 character boundaries whose JSON form (`{"data":"..."}` after
// escaping) stays under 60,000 bytes, and appends each with one write(). While it writes
// it does not read, so a slow disk makes the harness block on its tty (as in a slow
// terminal) instead of losing bytes. A full disk (ENOSPC, EDQUOT) is the same pressure,
// held longer: the unwritten bytes stay in the shim, the PTY is not read, and the append is
// retried with a backoff (50 ms doubling to 1 s) until space returns; input and resize are
// refused meanwhile (kStorageFull), and the exit event waits for space like output does,
// so the log stays byte-exact and always ends with its exit. Nothing polls: the shim sleeps in
// poll() on the PTY, the listening socket, its clients and a signalfd for SIGCHLD.
//
// Kill: SIGHUP to the harness's process group, then SIGTERM after `kill_grace`, then
// SIGKILL after another `kill_grace`, so nothing in the group survives (once the harness
// itself has exited after a kill, what is left of its group gets SIGKILL at once).
//
// Wire protocol on shim.sock (private to this module): frames of
//   u8 type | u32 little-endian payload length | payload
// Commands (client -> shim), each answered by exactly one reply frame:
//   kInput  payload = raw bytes to write to the PTY
//           -> kOk (payload: u64 seq of the input event)
//   kResize payload = u16 rows, u16 cols (little-endian) -> kOk
//   kKill   payload = empty -> kOk (payload: u64 seq of the kill event; 0 while the disk
//           is full: the event is logged after the output held before it)
//   kHello  payload = empty -> kOk (payload: u32 harness pid, u64 last seq)
//   kScreen payload = empty -> kOk (payload: u64 seq, then screen::SerializeSnapshot of the
//       screen model after every event up to that seq; see "Screen model" below)
//   kAttach payload = empty -> kOk (payload: u64 seq, then the bytes that paint the screen
//       after that seq: screen::Snapshot::ansi); then the connection receives kOutput frames
//       (payload: raw output bytes, exactly what is logged after that seq, sent as the PTY
//       is read) and kExited once at the end. On it kInput and kResize get no kOk (only a
//       kError when they fail), so keystrokes cost one frame each way. A client whose queue
//       passes kAttachBacklog (shim_loop.h) gets no more output until its queue drains, then
//       one kOutput frame that repaints the current screen: never disconnected, never
//       waited for.
//   kSubscribe payload = empty -> kOk, then the connection stays open and receives
//       kAppended (payload: u64 last seq) after events are appended (coalesced: at most one
//       frame per loop iteration), kActivity (payload: u8 core::ActivityState, u8
//       core::ActivitySource, detail text) when the terminal signals something (BEL, OSC
//       9/777, a spinner title) or the settled screen matches an adapter pattern (the last
//       one is also sent right after subscribing), and kExited (payload: the exit event's
//       JSON) once, after which the shim closes the connection.
//   Errors: kError (payload: u8 kind, then message text; kind 1 = the harness has exited,
//       2 = invalid command, 3 = the event log is full, 0 = other), e.g. input after exit.
//   (kResize and kSubscribe replies also carry a u64 seq: the resize event's, the last one.)
//
// Screen model (docs/screen.md): the shim feeds every output chunk it logs, and every
// resize, into a screen::ScreenModel, in the same order as the log, so a snapshot taken
// between two loop iterations is exactly the screen after event `last_seq`. It lives here
// because the shim already sees every byte and outlives daemon restarts: after `coven
// daemon restart` the screen is right without replaying anything. When the harness has
// exited, the shim writes the final snapshot to `<session_dir>/screen.final` (before it
// tells subscribers); a session without that file (its shim crashed, or it predates the
// model) has its screen rebuilt by feeding its whole log, once per request.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/activity.h"
#include "core/result.h"
#include "core/unique_fd.h"
#include "screen/screen_model.h"

namespace coven::shim {

// ---- The shim process (`coven shim ...`) ----

struct ShimOptions {
  std::string session_id;
  std::string session_dir;        // holds events.log and shim.sock; created by the daemon
  std::vector<std::string> argv;  // harness argv (argv[0] resolved on PATH)
  std::string cwd;
  uint16_t rows = 24;
  uint16_t cols = 80;
  // Receives "ok <harness_pid>\n", "error <message>\n" or "full <message>\n" (the disk is
  // full), then is closed.
  int ready_fd = -1;
  std::chrono::milliseconds kill_grace{1000};
  // The adapter's screen patterns, "<asking|waiting>=<ECMAScript regex>" each, matched on
  // the screen once output settles (docs/attention.md).
  std::vector<std::string> screen_patterns;
};

// Runs the shim until the harness has exited and its exit is logged. Returns the process
// exit code (0 normally; 1 when it could not start, after reporting on ready_fd). It takes
// over the process: blocks SIGCHLD (read through a signalfd), ignores SIGPIPE, and owns the
// only child. Call it from a single-threaded process (`coven shim`), never in the daemon.
int RunShim(const ShimOptions& options);

// The flags ShimArgv writes after `shim` (`--session-id ID ... -- <harness argv>`) back
// into ShimOptions. kInvalidRequest naming the bad flag. Thread-safe.
core::Result<ShimOptions> ParseShimArgs(const std::vector<std::string>& args);

// `coven shim <args>` (args after "shim"): parses ShimArgv's flags and runs RunShim.
// Returns the process exit code (2 for bad flags, after saying why on stderr).
int ShimMain(const std::vector<std::string>& args);

// File names inside a session folder.
std::string EventLogPath(const std::string& session_dir);     // <dir>/events.log
std::string ShimSocketPath(const std::string& session_dir);   // <dir>/shim.sock
std::string FinalScreenPath(const std::string& session_dir);  // <dir>/screen.final

// ---- Daemon side: starting a shim ----

struct LaunchSpec {
  std::string coven_exe;  // the coven binary (runs `coven shim ...`)
  ShimOptions options;    // ready_fd is ignored (the launcher makes its own pipe)
  // "KEY=VALUE" entries added to (or replacing in) the daemon's environment for the shim,
  // which the harness inherits (the activity hook's session id and token).
  std::vector<std::string> extra_env;
};

struct LaunchedShim {
  pid_t shim_pid = 0;
  pid_t harness_pid = 0;
};

// The command line LaunchShim executes: `<coven_exe> shim --session-id ID --session-dir DIR
// --cwd CWD --rows R --cols C --ready-fd 3 -- <harness argv...>`. `coven shim` parses
// exactly these flags into ShimOptions (kill_grace keeps its default). Thread-safe.
std::vector<std::string> ShimArgv(const LaunchSpec& spec);

// Starts `coven shim` in a new session with stdio on /dev/null and no other inherited fds,
// and waits (bounded) until it reports ready. kPtySpawnFailed with the shim's message when
// the harness could not be started; kStorageFull when its log could not be written. Thread-safe.
// The shim is the caller's child: reap it with ReapExitedChildren().
core::Result<LaunchedShim> LaunchShim(const LaunchSpec& spec);

// kStorageFull when the file system holding `dir` has less than kMinFreeBytes (or no
// inode) left for a new session's log; kIo when it cannot be asked. Thread-safe.
inline constexpr uint64_t kMinFreeBytes = 1u << 20;
core::Status RequireFreeSpace(const std::string& dir);

// Reaps every exited shim that LaunchShim started, without blocking (the daemon calls this
// on SIGCHLD). Other children are left to whoever started them. Thread-safe.
void ReapExitedChildren();

// ---- Daemon side: commands ----

// One short-lived connection per command. kSessionNotLive when no shim answers on the
// socket (it has exited); kIo for other failures. Thread-safe.
core::Result<uint64_t> SendInput(const std::string& session_dir, std::string_view data);
core::Status SendResize(const std::string& session_dir, uint16_t rows, uint16_t cols);
core::Result<uint64_t> SendKill(const std::string& session_dir);
struct ShimHello {
  pid_t harness_pid = 0;
  uint64_t last_seq = 0;
};
core::Result<ShimHello> Hello(const std::string& session_dir);

// Where a screen came from.
enum class ScreenSource : uint8_t {
  kLive,     // the live shim's model
  kFinal,    // the final screen the shim recorded when the harness exited
  kRebuilt,  // replayed from the whole event log (no shim, no final screen)
};

struct SessionScreen {
  uint64_t seq = 0;  // the snapshot shows the terminal after every event up to this seq
  ScreenSource source = ScreenSource::kLive;
  screen::Snapshot snapshot;
};

// The session's current screen: asks the live shim; when none answers, reads the final
// screen file; failing that, rebuilds it from events.log. kIo/kCorrupt when none of these
// works (no log). Thread-safe; a rebuild costs time proportional to the log.
core::Result<SessionScreen> ReadScreen(const std::string& session_dir);

// ---- Client side: a direct attach (docs/screen.md) ----

// The terminal's link to a live shim for `coven attach`: one connection carries keystrokes
// in and output out, as tmux's client-server link does, with no daemon hop and no log
// re-read. The daemon is still asked first whether the session exists and is live. Not
// thread-safe; movable.
class AttachLink {
 public:
  // Connects to the shim of `session_dir` and attaches (blocking, bounded by the wire's
  // socket timeout). kSessionNotLive when no shim answers or its harness has exited;
  // kInvalidRequest when the shim does not know kAttach (started by an older coven).
  static core::Result<AttachLink> Open(const std::string& session_dir);
  // The same, handing the shim `terminal` (an open of the user's terminal; the link keeps
  // its own copy only until the shim has it): the shim paints it and then reads keys from it
  // and writes output to it itself, so keystrokes and output cross no other process, and the
  // link carries only resizes and the end (owns_terminal() is then true; paint() is empty;
  // Read() reports `detached` when the shim read `detach_key`, 0 for none). A shim that
  // refuses the terminal (started by an older coven, or the descriptor is not a terminal)
  // gets a plain attach instead.
  static core::Result<AttachLink> OpenWithTerminal(const std::string& session_dir, int terminal,
                                                   unsigned char detach_key);

  int fd() const { return fd_.fd(); }
  bool owns_terminal() const { return owns_terminal_; }
  uint64_t seq() const { return seq_; }
  // Paints the screen as it stood at seq(); output frames continue from there.
  const std::string& paint() const { return paint_; }

  void QueueInput(std::string_view bytes);
  void QueueResize(uint16_t rows, uint16_t cols);
  bool wants_write() const { return !out_.empty(); }
  // Sends what the socket takes now. kSessionNotLive once the shim has gone.
  core::Status Flush();

  struct ReadResult {
    bool ended = false;     // the shim closed the link (after kExited, or it vanished)
    std::string exit_json;  // the exit event's payload, when the shim sent it
    bool detached = false;  // a terminal attach ended by the detach key (kDetached)
  };
  // Reads what has arrived without blocking and appends the output bytes to `output`.
  // kCorrupt on a malformed stream.
  core::Result<ReadResult> Read(std::string* output);

 private:
  AttachLink() = default;
  static core::Result<AttachLink> Connect(const std::string& session_dir, int terminal,
                                          unsigned char detach_key);
  core::UniqueFd fd_;
  bool owns_terminal_ = false;
  uint64_t seq_ = 0;
  std::string paint_;
  std::string out_;
  std::string in_;  // partial frames carried over between reads
  std::string exit_json_;
};

// ---- Daemon side: watching live shims without polling ----

// Keeps one subscription per live shim and a single thread blocked in epoll_wait over all
// of them (idle sessions cost no CPU). Callbacks run on that thread, one at a time.
class ShimWatcher {
 public:
  struct Callbacks {
    // New events up to `last_seq` are in the session's log.
    std::function<void(const std::string& session_id, uint64_t last_seq)> on_appended;
    // The shim's connection ended: `exit_json` is the exit event's payload when the shim
    // reported one, empty when the shim vanished without it (crash, kill -9).
    std::function<void(const std::string& session_id, const std::string& exit_json)> on_gone;
    // The terminal or the screen said something about the session's activity (may be
    // empty).
    std::function<void(const std::string& session_id, core::ActivityState state,
                       core::ActivitySource source, const std::string& detail)>
        on_activity;
  };

  explicit ShimWatcher(Callbacks callbacks);
  ~ShimWatcher();  // stops the thread and closes every subscription
  ShimWatcher(const ShimWatcher&) = delete;
  ShimWatcher& operator=(const ShimWatcher&) = delete;
  ShimWatcher(ShimWatcher&&) = delete;
  ShimWatcher& operator=(ShimWatcher&&) = delete;

  // Subscribes to the shim of `session_id`. kSessionNotLive when it does not answer (then
  // no callback will come for it). Thread-safe.
  core::Status Watch(const std::string& session_id, const std::string& session_dir);
  size_t watched_count() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace coven::shim
