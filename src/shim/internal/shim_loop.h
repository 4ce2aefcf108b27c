// shim/internal/shim_loop.h: the shim process's state and event loop (RunShim).
//
// One thread, one poll() over a signalfd for SIGCHLD, the PTY master, the listening
// socket and its clients. Split over shim_process.cc (start, PTY, kill, exit) and
// shim_clients.cc (the control socket).
#pragma once

#include <poll.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "core/unique_fd.h"
#include "eventlog/event_log.h"
#include "pty/pty.h"
#include "screen/screen_model.h"
#include "shim/internal/terminal_activity.h"
#include "shim/internal/wire.h"
#include "shim/shim.h"

namespace coven::shim::internal {

// Bytes read from the PTY per batch (a read buffer, not an event size).
inline constexpr size_t kPtyReadBuffer = 128u << 10;
// A stream's output is logged once this much has been read, or kLogDelay after it was read
// (output after a pause at once): a stream costs one write() per batch, not one per PTY
// read (which hands out ~4 KiB at a time).
// Attached clients do not wait for it (ForwardUnsent); readers of the log and subscribers
// see output up to kLogDelay later, and output read but not yet written dies with a
// SIGKILLed shim (docs/daemon.md, "How output is recorded").
inline constexpr size_t kLogBatch = 64u << 10;
inline constexpr std::chrono::milliseconds kLogDelay{2};
// A stream's batches end on a multiple of this in the log file (the rest of a batch waits
// for the next one, kLogDelay at most): each write then fills whole page-cache folios,
// which the kernel allocates as one large folio instead of a run of small ones (ext4 on
// Linux 6.16+). Measured on this project's VM: 200 MB in 128 KiB writes, 67 ms aligned
// against 94 ms when every write starts 64 bytes off.
inline constexpr size_t kLogAlign = 128u << 10;
// Where EmitOutput may end a batch: after all the output it holds, or (a stream's batch)
// at the last kLogAlign offset that output reaches.
enum class LogCut { kAll, kAligned };
// Input accepted but not yet taken by the harness; more is refused.
inline constexpr size_t kMaxPendingInput = 16u << 20;
inline constexpr size_t kMaxClients = 128;
inline constexpr std::chrono::milliseconds kAcceptBackoffMin{10};
inline constexpr std::chrono::milliseconds kAcceptBackoffMax{1000};
// After the harness exits, output still in the terminal is drained until the master is
// closed (pty::ReadMaster: every slave fd closed, all they wrote read), until it stays
// quiet this long (a grandchild holds the tty), or until the hard bound (a grandchild
// keeps writing).
inline constexpr std::chrono::milliseconds kDrainQuiet{100};
inline constexpr std::chrono::milliseconds kDrainMax{2000};
// While the disk is full, appends are retried after a backoff that doubles from the first
// to the last value: no busy loop, and space that returns is noticed within a second.
inline constexpr std::chrono::milliseconds kLogRetryFirst{50};
inline constexpr std::chrono::milliseconds kLogRetryMax{1000};
// The log's writeback (LogWriter::StartIdleWriteback) waits until output has paused this
// long, then goes one step per turn of the loop: a burst is not slowed by it, and keystrokes
// and clients are served between steps.
inline constexpr std::chrono::milliseconds kWritebackQuiet{50};
// Output queued for one attached client that does not keep up (a slow terminal, a paused
// process). Past it the client's further output is dropped and replaced, once its queue
// has drained, by a paint of the current screen (as tmux does): the harness and the other
// clients never wait for it, and its memory stays bounded.
inline constexpr size_t kAttachBacklog = 1u << 20;
// Screen patterns are matched once output has been quiet this long: a dialog is drawn in
// several writes, and a half-drawn screen must not be judged (docs/attention.md).
inline constexpr std::chrono::milliseconds kScreenSettle{300};
// Output held for the screen model before it is fed anyway (see Shim::screen_pending_).
inline constexpr size_t kScreenBatch = 1u << 20;
// A logged batch at least this large goes to the screen model at once, from where it lies
// (no copy into screen_pending_, and still in the CPU's cache): the model holds a stream's
// last lines back until the next batch shows whether they scroll off, so a batch costs it
// little besides a look at each byte (coven_capture_cost: 2.6 GB/s in 64 KiB feeds).
// Smaller ones, which a stream does not make, wait to be fed together.
inline constexpr size_t kScreenDirect = 32u << 10;
// How long output may wait for the screen model once the loop has nothing else to do: the
// terminal's signals (bell, title, notifications) reach subscribers this much later at most.
inline constexpr std::chrono::milliseconds kScreenDelay{10};

// Subscribers are told of new events at most this often while output streams (see
// Shim::NotifySubscribers).
inline constexpr std::chrono::milliseconds kNotifyInterval{5};

// One connection on shim.sock.
struct Client {
  core::UniqueFd fd;
  FrameParser parser;
  std::string out;  // reply and notification bytes not yet sent
  bool subscribed = false;
  // An attached client (kAttach): gets output frames as the PTY is read, sends input and
  // resize without replies on success (errors still come back as kError).
  bool attached = false;
  bool needs_paint = false;  // fell behind kAttachBacklog: repaint when its queue drains
  // A descriptor the peer passed with its last bytes (SCM_RIGHTS), until a command takes it.
  core::UniqueFd passed_fd;
  // kAttachTerminal: the user's terminal (our own open of it, non-blocking). Keys are read
  // from it and output written to it here; `tty_out` is what it has not taken yet.
  core::UniqueFd tty;
  std::string tty_out;
  int detach_key = -1;  // the byte that ends a terminal attach, -1 for none
  uint64_t notified_seq = 0;
  bool dead = false;  // closed by the peer or failed; dropped at the end of the iteration
};

class Shim {
 public:
  // `options` must outlive this object.
  explicit Shim(const ShimOptions& options) : options_(options) {}
  // The whole life of the shim; returns the process exit code.
  int Run();

 private:
  using Clock = std::chrono::steady_clock;

  // shim_process.cc
  core::Status Start();
  void ReportReady(const std::string& line);
  void Loop();
  void RunOnce();
  int PollTimeoutMs() const;
  void OnSignal();
  void ReadPty();
  void EmitOutput(bool flush_tail, LogCut cut = LogCut::kAll);
  void WritePendingInput();
  void BeginKill();
  void AdvanceKill();
  void DrainAfterExit();
  void Finish();
  // Logs one event, after the output read before it.
  core::Result<uint64_t> AppendEvent(eventlog::EventKind kind, std::string_view payload);
  // What every append goes through: disk full and I/O errors.
  core::Result<uint64_t> CheckAppend(eventlog::EventKind kind, core::Result<uint64_t> seq);
  // Complete characters read from the PTY and not yet logged.
  bool HasUnloggedOutput() const;
  void NoteLogFull();
  void RetryLog();
  void WaitWhileLogFull();

  // shim_clients.cc
  void AcceptClients();
  void ServiceClient(Client* client, short revents);
  void HandleFrame(Client* client, const Frame& frame);
  void HandleInput(Client* client, const std::string& data);
  void HandleResize(Client* client, const std::string& payload);
  void HandleKill(Client* client);
  void HandleScreen(Client* client);
  void HandleAttach(Client* client);
  void HandleAttachTerminal(Client* client, const std::string& payload);
  void ReadTerminal(Client* client);
  void ReleaseTerminal(Client* client);
  void FlushTerminal(Client* client);
  void ForwardOutput(std::string_view bytes);
  void ForwardUnsent(bool flush_tail);
  void Reply(Client* client, FrameType type, std::string_view payload);
  void ReplyError(Client* client, WireError kind, std::string_view message);
  void FlushClient(Client* client);
  void NotifySubscribers();
  void SayGoodbye(const std::string& exit_json);
  void RecordFinalScreen();
  void LogRefusal(const std::string& why);
  bool TurnAwayWithSpare();

  // shim_activity.cc
  core::Status LoadScreenPatterns();
  void AfterScreenFed();
  void MatchSettledScreen();
  // The screen model with every logged byte fed to it.
  screen::ScreenModel& Screen();
  void FlushScreen();
  // Feeds `bytes` to the screen model and reports the terminal's signals they held.
  void FeedScreen(std::string_view bytes);
  void WriteBackLog();
  void SendActivity(const ActivityReport& report);
  void SendLastActivity(Client* client);

  const ShimOptions& options_;
  std::string socket_path_;
  std::optional<eventlog::LogWriter> log_;
  pty::PtyMaster master_;
  pty::ChildProcess child_;
  core::UniqueFd ready_fd_;
  core::UniqueFd signal_fd_;
  core::UniqueFd listen_fd_;
  // Held open so that, out of fds, one can be freed to accept a waiting peer and close it at
  // once (it sees EOF and gives up or falls back) instead of hanging in a full backlog.
  core::UniqueFd spare_fd_;
  // Out of fds on accept (EMFILE/ENFILE) with no spare to drain the backlog, the listener
  // stays readable and polling it again at once would spin: it is left out of poll until this
  // time (10 ms doubling to 1 s), or until a client goes, which frees an fd.
  std::optional<Clock::time_point> accept_resume_at_;
  std::chrono::milliseconds accept_backoff_{kAcceptBackoffMin};
  std::vector<std::unique_ptr<Client>> clients_;
  // Fed with exactly the output bytes that were logged, in log order (see shim.h).
  std::optional<screen::ScreenModel> screen_;
  // Small logged batches not yet fed to screen_ (large ones are fed at once, kScreenDirect):
  // fed together (the model's fast path wants at least 4 KiB), always before anyone looks
  // at the screen (Screen()) or a large batch is fed, and at screen_flush_at_ (kScreenDelay
  // after the first byte) so their signals are never held longer. Feeding before each
  // poll() instead made batches of one PTY read (~4 KiB), too small to skip anything.
  std::string screen_pending_;
  std::optional<Clock::time_point> screen_flush_at_;
  std::vector<ScreenPattern> screen_patterns_;
  // When output has been quiet long enough to match the patterns; unset while idle, so an
  // idle session costs no wake-ups.
  std::optional<Clock::time_point> settle_at_;
  ActivityReport last_screen_report_{core::ActivityState::kUnknown, core::ActivitySource::kScreen,
                                     ""};
  std::optional<ActivityReport> last_activity_;  // the last report sent
  bool title_spinning_ = false;                  // the title shows a spinner

  std::vector<char> read_buf_ = std::vector<char>(kPtyReadBuffer);
  // Bytes in read_buf_: output not yet logged (for at most kLogDelay, or while the disk is
  // full) and an incomplete character carried over.
  size_t read_used_ = 0;
  // When the output in read_buf_ is logged at the latest; unset when none waits.
  std::optional<Clock::time_point> log_flush_at_;
  // When output was last logged: output read within kLogDelay of it is part of a stream
  // and waits for its batch; output after a longer pause is logged at once.
  std::optional<Clock::time_point> last_emit_;
  // When the log's writeback may next take a step (kWritebackQuiet after the last output
  // logged); unset while none waits, so an idle session costs no wake-ups.
  std::optional<Clock::time_point> writeback_at_;
  // When subscribers were last told of new events, and when those logged since may be told
  // (unset while none wait).
  std::optional<Clock::time_point> last_notice_;
  std::optional<Clock::time_point> notify_at_;
  std::vector<std::string_view> output_chunks_;  // EmitOutput's events, reused
  // Leading bytes of read_buf_ already sent to the attached clients but not yet logged and
  // fed to the screen model (see ReadPty).
  size_t forwarded_ = 0;
  bool pty_open_ = true;  // false once ReadMaster said kClosed
  std::string pending_input_;

  std::optional<pty::ExitInfo> exit_;  // set once the harness is reaped
  bool wait_failed_ = false;           // waitpid failed: exit code unknown
  // Where the kill escalation (SPEC 2.12: SIGHUP, then SIGTERM, then SIGKILL, each after
  // kill_grace) stands: the last signal sent.
  enum class KillStage { kNone, kHangup, kTerminate, kKill };
  bool killing() const { return kill_stage_ != KillStage::kNone; }
  KillStage kill_stage_ = KillStage::kNone;
  Clock::time_point next_kill_step_;
  uint64_t kill_seq_ = 0;
  uint64_t append_failures_ = 0;
  // Disk full: an append failed with kStorageFull. The unwritten output stays in read_buf_,
  // the PTY is not read (so the harness blocks on its own write, as in a slow terminal)
  // and the append is retried at next_log_retry_. Cleared by the next successful append.
  bool log_full_ = false;
  Clock::time_point next_log_retry_;
  std::chrono::milliseconds log_backoff_{0};
  // Another uid's connections are logged to the daemon's log at most once per 10 s each.
  std::optional<Clock::time_point> last_refusal_logged_;
  bool kill_unlogged_ = false;         // a kill was sent while the log was full: log it next
  bool final_screen_written_ = false;  // screen.final is written, not yet synced
  bool output_final_ = false;          // the drain is over: an incomplete character is flushed too
  bool loop_failed_ = false;           // poll() itself failed (cannot happen with valid fds)
};

}  // namespace coven::shim::internal
