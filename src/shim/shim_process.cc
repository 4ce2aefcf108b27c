// RunShim: start the harness, log its terminal, obey the control socket, record the exit.
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <limits>

#include "core/clock.h"
#include "core/strings.h"
#include "core/unix_socket.h"
#include "shim/internal/json.h"
#include "shim/internal/output_chunker.h"
#include "shim/internal/shim_loop.h"
#include "shim/shim.h"

namespace coven::shim {
namespace internal {
namespace {

using core::Result;
using core::Status;
using eventlog::EventKind;

Result<core::UniqueFd> BlockAndWatchSigchld() {
  sigset_t set;
  ::sigemptyset(&set);
  ::sigaddset(&set, SIGCHLD);
  // Blocked before the harness starts, so an instant exit stays pending for the signalfd.
  if (int err = ::pthread_sigmask(SIG_BLOCK, &set, nullptr); err != 0) {
    return core::SysError("block SIGCHLD", err);
  }
  core::UniqueFd fd(::signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK));
  if (!fd.valid()) {
    return core::SysError("signalfd", errno);
  }
  return fd;
}

std::string CurrentDir() {
  char buf[4096];
  return ::getcwd(buf, sizeof(buf)) != nullptr ? std::string(buf) : std::string();
}

}  // namespace

int Shim::Run() {
  ready_fd_.Reset(options_.ready_fd);
  // A vanished reader of the ready pipe or of a client socket must not kill the shim.
  ::signal(SIGPIPE, SIG_IGN);
  if (Status s = Start(); !s) {
    if (listen_fd_.valid()) {
      ::unlink(socket_path_.c_str());
    }
    std::string message = s.error().message;
    std::replace(message.begin(), message.end(), '\n', ' ');
    // "full" lets the daemon answer storage_full (and clean up) instead of a spawn failure.
    bool is_full = s.error().code == core::ErrorCode::kStorageFull;
    ReportReady((is_full ? "full " : "error ") + message + "\n");
    return 1;
  }
  ReportReady("ok " + std::to_string(child_.pid()) + "\n");
  Loop();
  Finish();
  return 0;
}

Status Shim::Start() {
  if (options_.argv.empty()) {
    return core::Error(core::ErrorCode::kInvalidRequest, "no harness command given");
  }
  if (Status s = LoadScreenPatterns(); !s) {
    return s;
  }
  socket_path_ = ShimSocketPath(options_.session_dir);
  if (Status s = core::CheckUnixSocketPath(socket_path_); !s) {
    return s;
  }
  auto signal_fd = BlockAndWatchSigchld();
  if (!signal_fd) {
    return signal_fd.error();
  }
  signal_fd_ = std::move(*signal_fd);
  auto log = eventlog::LogWriter::Create(EventLogPath(options_.session_dir), options_.session_id);
  if (!log) {
    return log.error().WithContext("create event log");
  }
  log_.emplace(std::move(*log));
  auto listen_fd = core::ListenUnix(socket_path_);
  if (!listen_fd) {
    return listen_fd.error();
  }
  listen_fd_ = std::move(*listen_fd);
  spare_fd_.Reset(::open("/dev/null", O_RDONLY | O_CLOEXEC));

  pty::SpawnOptions spawn;
  spawn.argv = options_.argv;
  spawn.cwd = options_.cwd;
  spawn.size = pty::WindowSize{options_.rows, options_.cols};
  auto spawned = pty::SpawnInPty(spawn);
  if (!spawned) {
    return spawned.error();
  }
  screen_.emplace(options_.rows, options_.cols);
  master_ = std::move(spawned->master);
  child_ = std::move(spawned->child);
  if (Status s = master_.SetNonBlocking(true); !s) {
    return s;
  }
  std::string cwd = options_.cwd.empty() ? CurrentDir() : options_.cwd;
  auto seq = AppendEvent(EventKind::kStart, StartPayload(options_.argv, options_.cols, cwd,
                                                         child_.pid(), options_.rows));
  if (!seq) {
    return seq.error();  // ~ChildProcess kills and reaps the harness
  }
  return core::Ok();
}

void Shim::ReportReady(const std::string& line) {
  if (ready_fd_.valid()) {
    (void)core::WriteAll(ready_fd_.fd(), line);  // a launcher that gave up is not our problem
    ready_fd_.Reset();
  }
}

Result<uint64_t> Shim::AppendEvent(EventKind kind, std::string_view payload) {
  // Output read before this event is logged before it (held for a batch, see ReadPty).
  if (HasUnloggedOutput()) {
    EmitOutput(/*flush_tail=*/false);
    if (log_full_) {
      return core::Error(core::ErrorCode::kStorageFull, "event log full: output is held");
    }
  }
  return CheckAppend(kind, log_->Append(kind, payload, core::NowNanos()));
}

Result<uint64_t> Shim::CheckAppend(EventKind kind, Result<uint64_t> seq) {
  if (seq) {
    log_full_ = false;
    log_backoff_ = std::chrono::milliseconds{0};
    return seq;
  }
  if (seq.error().code == core::ErrorCode::kStorageFull) {
    // LogWriter has cut the partial record, so the log stays valid; the caller keeps the
    // bytes and we retry once space may have returned.
    if (log_backoff_.count() == 0) {
      std::fprintf(stderr, "coven shim: event log full, holding output: %s\n",
                   seq.error().message.c_str());
    }
    NoteLogFull();
    return seq;
  }
  // Nothing to tell but stderr (often /dev/null); the harness keeps running either way.
  ++append_failures_;
  std::fprintf(stderr, "coven shim: cannot append %s event: %s\n", eventlog::KindName(kind),
               seq.error().message.c_str());
  return seq;
}

void Shim::NoteLogFull() {
  log_full_ = true;
  log_backoff_ =
      log_backoff_.count() == 0 ? kLogRetryFirst : std::min(log_backoff_ * 2, kLogRetryMax);
  next_log_retry_ = Clock::now() + log_backoff_;
}

void Shim::RetryLog() {
  log_full_ = false;  // EmitOutput sets it again if the disk is still full
  EmitOutput(!pty_open_ || output_final_);
  if (!log_full_ && kill_unlogged_) {
    auto seq = AppendEvent(EventKind::kKill, KillPayload());
    if (seq || !log_full_) {
      kill_unlogged_ = false;
      kill_seq_ = seq ? *seq : 0;
    }
  }
}

void Shim::WaitWhileLogFull() {
  // The loop keeps serving clients (list, events and attach keep working) and retries the
  // held output at each backoff step; the PTY is not read meanwhile.
  while (log_full_ && !loop_failed_) {
    RunOnce();
  }
}

void Shim::Loop() {
  while (!exit_ && !loop_failed_) {
    RunOnce();
  }
}

void Shim::RunOnce() {
  std::vector<pollfd> fds;
  fds.push_back({signal_fd_.fd(), POLLIN, 0});
  if (accept_resume_at_ && Clock::now() >= *accept_resume_at_) {
    accept_resume_at_.reset();
  }
  fds.push_back({accept_resume_at_ ? -1 : listen_fd_.fd(), POLLIN, 0});
  // While the log is full the PTY is left alone: the harness fills the terminal's buffer
  // and blocks on its write, which is the back-pressure we want (and a hung-up master,
  // which polls readable forever, cannot spin us).
  bool poll_pty = pty_open_ && !log_full_;
  short pty_events = 0;
  if (poll_pty) {
    pty_events = static_cast<short>(POLLIN | (pending_input_.empty() ? 0 : POLLOUT));
  }
  // fd -1 makes poll skip the entry, keeping the indices fixed.
  fds.push_back({poll_pty ? master_.fd() : -1, pty_events, 0});
  // One entry per client socket, and one per terminal a client handed over. Never an entry
  // without an fd behind it: poll() fails with EINVAL when nfds exceeds RLIMIT_NOFILE.
  struct Polled {
    Client* client;
    bool tty;
  };
  std::vector<Polled> polled;
  for (const auto& c : clients_) {
    fds.push_back({c->fd.fd(), static_cast<short>(POLLIN | (c->out.empty() ? 0 : POLLOUT)), 0});
    polled.push_back({c.get(), false});
    if (c->tty.valid()) {
      fds.push_back(
          {c->tty.fd(), static_cast<short>(POLLIN | (c->tty_out.empty() ? 0 : POLLOUT)), 0});
      polled.push_back({c.get(), true});
    }
  }
  int n = ::poll(fds.data(), fds.size(), PollTimeoutMs());
  if (n < 0 && errno != EINTR) {
    // Cannot happen with valid fds; stop reading the PTY rather than spin on the error.
    std::fprintf(stderr, "coven shim: poll: %s\n", std::strerror(errno));
    loop_failed_ = true;  // Finish() still records what it can
    return;
  }
  if (n > 0) {
    if (fds[0].revents != 0) {
      OnSignal();
    }
    if ((fds[2].revents & POLLOUT) != 0) {
      WritePendingInput();
    }
    if ((fds[2].revents & (POLLIN | POLLHUP | POLLERR)) != 0) {
      ReadPty();
    }
    for (size_t i = 0; i < polled.size(); ++i) {
      short events = fds[3 + i].revents;
      Client* c = polled[i].client;
      if (events == 0) {
        continue;
      }
      if (!polled[i].tty) {
        ServiceClient(c, events);
        continue;
      }
      if (!c->tty.valid() || c->dead) {
        continue;  // released or dropped while its socket was served above
      }
      if ((events & POLLOUT) != 0) {
        FlushTerminal(c);
      }
      if ((events & (POLLIN | POLLHUP | POLLERR)) != 0) {
        ReadTerminal(c);
      }
    }
    if (fds[1].revents != 0) {
      AcceptClients();
    }
  }
  if (log_full_ && Clock::now() >= next_log_retry_) {
    RetryLog();
  }
  if (log_flush_at_ && Clock::now() >= *log_flush_at_ && !log_full_) {
    EmitOutput(/*flush_tail=*/false);
  }
  if (screen_flush_at_ && Clock::now() >= *screen_flush_at_) {
    FlushScreen();
  }
  if (writeback_at_ && Clock::now() >= *writeback_at_) {
    WriteBackLog();
  }
  if (settle_at_ && Clock::now() >= *settle_at_) {
    MatchSettledScreen();
  }
  if (!exit_) {
    AdvanceKill();
  }
  if (std::erase_if(clients_, [](const auto& c) { return c->dead; }) > 0) {
    accept_resume_at_.reset();  // an fd was freed: try the backlog again
  }
  if (!exit_) {
    NotifySubscribers();
  }
}

int Shim::PollTimeoutMs() const {
  std::optional<Clock::time_point> wake;
  if (kill_stage_ != KillStage::kNone && kill_stage_ != KillStage::kKill) {
    wake = next_kill_step_;
  }
  if (log_full_) {
    wake = wake ? std::min(*wake, next_log_retry_) : next_log_retry_;
  }
  if (settle_at_) {
    wake = wake ? std::min(*wake, *settle_at_) : *settle_at_;
  }
  if (screen_flush_at_) {
    wake = wake ? std::min(*wake, *screen_flush_at_) : *screen_flush_at_;
  }
  if (log_flush_at_ && !log_full_) {  // while full, RetryLog's backoff decides (no spin)
    wake = wake ? std::min(*wake, *log_flush_at_) : *log_flush_at_;
  }
  if (accept_resume_at_) {
    wake = wake ? std::min(*wake, *accept_resume_at_) : *accept_resume_at_;
  }
  if (writeback_at_) {
    wake = wake ? std::min(*wake, *writeback_at_) : *writeback_at_;
  }
  if (notify_at_) {
    wake = wake ? std::min(*wake, *notify_at_) : *notify_at_;
  }
  if (!wake) {
    return -1;
  }
  auto left = std::chrono::ceil<std::chrono::milliseconds>(*wake - Clock::now());
  return static_cast<int>(std::max<int64_t>(0, left.count()));
}

void Shim::OnSignal() {
  signalfd_siginfo info;
  while (::read(signal_fd_.fd(), &info, sizeof(info)) > 0) {
    // Only SIGCHLD is routed here; several may have merged into one.
  }
  if (exit_) {
    return;  // already reaped (we may still be waiting for disk space to log it)
  }
  auto waited = child_.TryWait();
  if (!waited) {
    // ECHILD and the like: the exit cannot be known, record it as such (SPEC 3.6).
    wait_failed_ = true;
    exit_ = pty::ExitInfo{};
    return;
  }
  if (waited->has_value()) {
    exit_ = **waited;
  }
}

void Shim::ReadPty() {
  while (read_used_ < read_buf_.size()) {
    size_t room = read_buf_.size() - read_used_;
    pty::MasterReadResult r = master_.Read(read_buf_.data() + read_used_, room);
    if (r.status == pty::MasterRead::kData) {
      read_used_ += r.bytes;
      continue;
    }
    if (r.status == pty::MasterRead::kWouldBlock) {
      break;
    }
    // Every slave fd is closed and all they wrote is read: the normal end of output.
    pty_open_ = false;
    pending_input_.clear();
    break;
  }
  // Attached clients get the output first, from memory, before it is logged and fed to the
  // screen model: a keystroke's echo reaches the user's terminal without waiting for the
  // log write (same bytes, same order).
  ForwardUnsent(!pty_open_);
  // The log takes a stream in batches: one write per kLogBatch bytes instead of one per
  // ~4 KiB PTY read, never more than kLogDelay after it was read. Output after a pause
  // (an echo, a prompt) is logged at once, so readers of the log (the daemon's attach and
  // event streams) see a keystroke's echo without that delay.
  auto now = Clock::now();
  bool streaming = last_emit_ && now - *last_emit_ < kLogDelay;
  if (read_used_ >= kLogBatch && pty_open_) {
    EmitOutput(/*flush_tail=*/false, LogCut::kAligned);
  } else if (read_used_ >= kLogBatch || !pty_open_ || (!streaming && !log_flush_at_)) {
    EmitOutput(!pty_open_);
  } else if (HasUnloggedOutput() && !log_flush_at_) {
    log_flush_at_ = now + kLogDelay;
  }
  if (screen_pending_.size() >= kScreenBatch) {
    FlushScreen();
  }
  // Clients owed a repaint get it now (Screen() feeds the model what it has not seen).
  for (const auto& c : clients_) {
    if (c->attached) {
      FlushClient(c.get());
    }
  }
  AfterScreenFed();
}

void Shim::ForwardUnsent(bool flush_tail) {
  if (log_full_) {
    return;  // held output reaches clients as it is logged (EmitOutput)
  }
  std::string_view data(read_buf_.data(), read_used_);
  size_t end = data.size() - (flush_tail ? 0 : core::IncompleteUtf8Tail(data));
  if (end <= forwarded_) {
    return;
  }
  ForwardOutput(data.substr(forwarded_, end - forwarded_));
  forwarded_ = end;
  for (const auto& c : clients_) {
    // Not one owed a repaint: its paint must wait until the screen model has these bytes.
    if (c->attached && !c->needs_paint) {
      FlushClient(c.get());
    }
  }
}

bool Shim::HasUnloggedOutput() const {
  std::string_view data(read_buf_.data(), read_used_);
  return read_used_ > core::IncompleteUtf8Tail(data);
}

void Shim::EmitOutput(bool flush_tail, LogCut cut) {
  log_flush_at_.reset();
  std::string_view data(read_buf_.data(), read_used_);
  size_t keep = flush_tail ? 0 : core::IncompleteUtf8Tail(data);
  std::string_view ready = data.substr(0, data.size() - keep);
  if (ready.empty()) {
    return;
  }
  // The records may take the log up to the next kLogAlign offset (all of `ready` when they
  // fit).
  size_t room = cut == LogCut::kAligned ? RoomToAlignedEnd(log_->end_offset(), kLogAlign)
                                        : std::numeric_limits<size_t>::max();
  ready = ready.substr(
      0, ChunkForRoom(ready, room, eventlog::LogWriter::kRecordFrameBytes, &output_chunks_));
  auto seq = CheckAppend(EventKind::kOutput,
                         log_->AppendBatch(EventKind::kOutput, output_chunks_, core::NowNanos()));
  if (!seq && log_full_) {
    return;  // disk full: the bytes stay for RetryLog (the screen sees them then)
  }
  // Written, or lost to an I/O error we cannot fix; either way the screen shows it, as the
  // harness's terminal did, and clients that have not had it get it now.
  last_emit_ = Clock::now();
  if (log_->wants_writeback()) {
    writeback_at_ = *last_emit_ + kWritebackQuiet;  // pushed back while the stream goes on
  }
  if (ready.size() >= kScreenDirect) {
    FlushScreen();  // what waits goes first
    FeedScreen(ready);
  } else {
    if (screen_pending_.empty()) {
      screen_flush_at_ = Clock::now() + kScreenDelay;
    }
    screen_pending_.append(ready);
  }
  if (ready.size() > forwarded_) {
    ForwardOutput(ready.substr(forwarded_));
  }
  std::memmove(read_buf_.data(), read_buf_.data() + ready.size(), read_used_ - ready.size());
  read_used_ -= ready.size();
  forwarded_ = forwarded_ > ready.size() ? forwarded_ - ready.size() : 0;
  if (HasUnloggedOutput()) {
    log_flush_at_ = *last_emit_ + kLogDelay;  // the rest of a batch cut at kLogAlign
  }
}

void Shim::WriteBackLog() {
  writeback_at_.reset();
  if (log_->StartIdleWriteback()) {
    writeback_at_ = Clock::now();  // the next step after one turn of the loop
  }
}

void Shim::WritePendingInput() {
  while (!pending_input_.empty() && pty_open_) {
    ssize_t n = ::write(master_.fd(), pending_input_.data(), pending_input_.size());
    if (n > 0) {
      pending_input_.erase(0, static_cast<size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n < 0 && errno != EAGAIN) {
      pending_input_.clear();  // EIO: the terminal is gone, nobody will read it
    }
    break;  // EAGAIN: the harness is not reading; poll for POLLOUT
  }
}

void Shim::BeginKill() {
  kill_stage_ = KillStage::kHangup;
  next_kill_step_ = Clock::now() + options_.kill_grace;
  (void)child_.SignalGroup(SIGHUP);
  (void)child_.SignalGroup(SIGCONT);  // a stopped group must run to see SIGHUP
}

void Shim::AdvanceKill() {
  if (kill_stage_ == KillStage::kNone || kill_stage_ == KillStage::kKill ||
      Clock::now() < next_kill_step_) {
    return;
  }
  if (kill_stage_ == KillStage::kHangup) {
    (void)child_.SignalGroup(SIGTERM);
    (void)child_.SignalGroup(SIGCONT);
    next_kill_step_ = Clock::now() + options_.kill_grace;
    kill_stage_ = KillStage::kTerminate;
  } else {
    (void)child_.SignalGroup(SIGKILL);
    kill_stage_ = KillStage::kKill;
  }
}

void Shim::DrainAfterExit() {
  Clock::time_point hard_deadline = Clock::now() + kDrainMax;
  while (pty_open_) {
    if (log_full_ && loop_failed_) {
      break;
    }
    if (log_full_) {
      // The drain's clock stops while the disk is full: those bytes are waiting for space.
      Clock::time_point paused = Clock::now();
      WaitWhileLogFull();
      hard_deadline += Clock::now() - paused;
      continue;
    }
    auto left = std::chrono::ceil<std::chrono::milliseconds>(hard_deadline - Clock::now());
    if (left.count() <= 0) {
      break;
    }
    pollfd pfd{master_.fd(), POLLIN, 0};
    int n = ::poll(&pfd, 1, static_cast<int>(std::min(left, kDrainQuiet).count()));
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      break;  // quiet: whoever still holds the terminal is not writing
    }
    ReadPty();
  }
  output_final_ = true;
  EmitOutput(/*flush_tail=*/true);
  WaitWhileLogFull();
}

void Shim::Finish() {
  if (killing()) {
    // A kill means nothing in the group survives, even what outlived its leader.
    (void)child_.SignalGroup(SIGKILL);
  }
  if (exit_) {
    DrainAfterExit();
  }
  std::string exit_json = wait_failed_ || !exit_ ? ExitPayload(std::nullopt, std::nullopt)
                                                 : ExitPayload(exit_->exit_code, exit_->signal);
  // The exit is written once, as soon as the disk allows: a session must never stay
  // `running` for want of it.
  auto exit_seq = AppendEvent(EventKind::kExit, exit_json);
  while (!exit_seq && log_full_ && !loop_failed_) {
    WaitWhileLogFull();
    exit_seq = AppendEvent(EventKind::kExit, exit_json);
  }
  RecordFinalScreen();
  // The socket goes before the end is told: once told, the session's folder may be
  // sacrificed at once, and an entry vanishing under that removal must not be ours.
  // Connections already open still hear the goodbye; new ones find no shim, as it ends.
  listen_fd_.Reset();
  ::unlink(socket_path_.c_str());
  // Clients hear `killed` when we killed the harness, however it died of it: the daemon may
  // not have recorded the kill yet when they ask (a SIGHUP death arrives as `failed`).
  SayGoodbye(killing() ? KilledEndPayload() : exit_json);
  // Last, after the end is told: everyone reads the log and the final screen through the
  // page cache, so they are there for readers as soon as they are written, and the syncs
  // that make them survive a machine crash (after a 200 MB stream, ~0.25 s of writeback on
  // a small VM, which any fsync on ext4 waits for) delay no one waiting for the session to
  // end. The shim exits only once they are done.
  if (Status s = log_->Sync(); !s) {
    std::fprintf(stderr, "coven shim: sync event log: %s\n", s.error().message.c_str());
  }
  if (final_screen_written_) {
    // Not fatal: a final screen lost to a crash is rebuilt from the log (ReadScreen).
    (void)core::SyncFile(FinalScreenPath(options_.session_dir));
  }
}

void Shim::RecordFinalScreen() {
  std::string snapshot = screen::SerializeSnapshot(Screen().Capture());  // before the seq
  std::string bytes;
  PutU64(&bytes, log_->last_seq());
  bytes += snapshot;
  // Synced by Finish once the end is told (a torn or empty file reads as corrupt, and the
  // screen is rebuilt from the log).
  Status s = core::WriteFileAtomic(FinalScreenPath(options_.session_dir), bytes, 0600,
                                   core::FileSync::kByCaller);
  final_screen_written_ = static_cast<bool>(s);
  if (!s) {
    // Not fatal: readers rebuild the screen from the log instead.
    std::fprintf(stderr, "coven shim: record final screen: %s\n", s.error().message.c_str());
  }
}

}  // namespace internal

int RunShim(const ShimOptions& options) {
  internal::Shim shim(options);
  return shim.Run();
}

}  // namespace coven::shim
