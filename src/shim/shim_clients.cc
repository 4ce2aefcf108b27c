// The shim's side of shim.sock: accepting, commands, replies and notifications.
#include <errno.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>

#include "core/clock.h"
#include "core/unix_socket.h"
#include "shim/internal/json.h"
#include "shim/internal/shim_loop.h"

namespace coven::shim::internal {
namespace {

using eventlog::EventKind;

// Bound on flushing the last frames to clients when the shim ends.
constexpr std::chrono::milliseconds kGoodbyeBudget{2000};
constexpr const char* kLogFullMessage =
    "the disk holding the event log is full; refused until space returns";

std::string SeqPayload(uint64_t seq) {
  std::string out;
  PutU64(&out, seq);
  return out;
}

}  // namespace

void Shim::AcceptClients() {
  for (;;) {
    core::UniqueFd fd(::accept4(listen_fd_.fd(), nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK));
    if (!fd.valid()) {
      if (errno == EINTR || errno == ECONNABORTED) {
        continue;
      }
      if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
        if (TurnAwayWithSpare()) {
          continue;  // one waiting peer closed; the next, until the backlog is empty
        }
        accept_resume_at_ = Clock::now() + accept_backoff_;
        accept_backoff_ = std::min(accept_backoff_ * 2, kAcceptBackoffMax);
      }
      return;  // EAGAIN; or out of fds, and the peer waits in the backlog
    }
    accept_backoff_ = kAcceptBackoffMin;
    // shim.sock is 0600 already; the peer check also covers a socket reached through a
    // more permissive path or a leaked fd.
    if (auto refused = core::RefusedPeer(fd.fd())) {
      LogRefusal(*refused);
      continue;  // closes it, unread
    }
    if (clients_.size() >= kMaxClients) {
      continue;  // closes it
    }
    auto client = std::make_unique<Client>();
    client->fd = std::move(fd);
    clients_.push_back(std::move(client));
  }
}

// Out of fds: frees the spare to accept one waiting peer, closes that peer unanswered and
// takes the spare again. False when there is no spare or no peer was waiting.
bool Shim::TurnAwayWithSpare() {
  if (!spare_fd_.valid()) {
    spare_fd_.Reset(::open("/dev/null", O_RDONLY | O_CLOEXEC));
    return false;
  }
  spare_fd_.Reset();
  int peer = ::accept4(listen_fd_.fd(), nullptr, nullptr, SOCK_CLOEXEC);
  if (peer >= 0) {
    ::close(peer);  // before the spare is taken again: that is the fd it needs
  }
  spare_fd_.Reset(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  return peer >= 0;
}

// The shim's stderr is /dev/null; a refused peer is worth a line where the user looks, the
// daemon's log (<home>/daemon.log, two levels above the session folder), appended whole
// with O_APPEND like the daemon's own lines. Rate-limited, so a peer that keeps knocking
// cannot fill the disk through us.
void Shim::LogRefusal(const std::string& why) {
  auto now = Clock::now();
  if (last_refusal_logged_ && now - *last_refusal_logged_ < std::chrono::seconds(10)) {
    return;
  }
  last_refusal_logged_ = now;
  std::string path = options_.session_dir + "/../../daemon.log";
  core::UniqueFd log(
      ::open(path.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK));
  if (log.valid()) {
    (void)core::WriteAll(log.fd(),
                         core::NowTimestamp() + " shim " + options_.session_id + ": " + why + "\n");
  }
}

void Shim::ServiceClient(Client* client, short revents) {
  if ((revents & POLLOUT) != 0) {
    FlushClient(client);
  }
  if ((revents & (POLLIN | POLLHUP | POLLERR)) == 0 || client->dead) {
    return;
  }
  char buf[64 << 10];
  ssize_t n = core::RecvTakingFd(client->fd.fd(), buf, sizeof(buf), 0, &client->passed_fd);
  if (n < 0 && (errno == EINTR || errno == EAGAIN)) {
    return;
  }
  if (n <= 0) {
    client->dead = true;  // EOF or reset: the peer is done with us
    return;
  }
  client->parser.Feed(std::string_view(buf, static_cast<size_t>(n)));
  for (;;) {
    auto frame = client->parser.Next();
    if (!frame) {
      client->dead = true;  // cannot resynchronize a broken stream
      return;
    }
    if (!frame->has_value()) {
      break;
    }
    HandleFrame(client, **frame);
  }
  FlushClient(client);
}

void Shim::HandleFrame(Client* client, const Frame& frame) {
  switch (frame.type) {
    case FrameType::kInput:
      HandleInput(client, frame.payload);
      return;
    case FrameType::kResize:
      HandleResize(client, frame.payload);
      return;
    case FrameType::kKill:
      HandleKill(client);
      return;
    case FrameType::kHello: {
      std::string payload;
      PutU32(&payload, static_cast<uint32_t>(child_.pid()));
      PutU64(&payload, log_->last_seq());
      Reply(client, FrameType::kOk, payload);
      return;
    }
    case FrameType::kScreen:
      HandleScreen(client);
      return;
    case FrameType::kAttach:
      HandleAttach(client);
      return;
    case FrameType::kAttachTerminal:
      HandleAttachTerminal(client, frame.payload);
      return;
    case FrameType::kSubscribe:
      client->subscribed = true;
      client->notified_seq = log_->last_seq();
      Reply(client, FrameType::kOk, SeqPayload(client->notified_seq));
      SendLastActivity(client);
      return;
    default:
      ReplyError(client, WireError::kInvalid, "unknown command");
  }
}

void Shim::HandleInput(Client* client, const std::string& data) {
  if (exit_ || !pty_open_) {
    ReplyError(client, WireError::kNotLive, "the harness has closed its terminal");
    return;
  }
  if (pending_input_.size() + data.size() > kMaxPendingInput) {
    ReplyError(client, WireError::kInvalid, "the harness is not reading its input");
    return;
  }
  // Held output must reach the log before any later input does.
  if (log_full_) {
    ReplyError(client, WireError::kStorageFull, kLogFullMessage);
    return;
  }
  auto seq = AppendEvent(EventKind::kInput, data);
  if (!seq) {
    ReplyError(client, log_full_ ? WireError::kStorageFull : WireError::kOther,
               seq.error().message);
    return;
  }
  pending_input_ += data;
  WritePendingInput();
  Reply(client, FrameType::kOk, SeqPayload(*seq));
}

void Shim::HandleResize(Client* client, const std::string& payload) {
  if (payload.size() != 4) {
    ReplyError(client, WireError::kInvalid, "resize: bad payload");
    return;
  }
  uint16_t rows = GetU16(payload, 0);
  uint16_t cols = GetU16(payload, 2);
  if (rows == 0 || cols == 0) {
    ReplyError(client, WireError::kInvalid, "resize: rows and cols must be positive");
    return;
  }
  if (exit_ || !pty_open_) {
    ReplyError(client, WireError::kNotLive, "the harness has closed its terminal");
    return;
  }
  // Output read at the old size goes to the log and the model first (Screen() logs it);
  // if the disk cannot take it, nothing is resized.
  screen::ScreenModel& model = Screen();
  if (log_full_) {
    ReplyError(client, WireError::kStorageFull, kLogFullMessage);
    return;
  }
  // TIOCSWINSZ makes the kernel send SIGWINCH to the terminal's foreground group.
  if (core::Status s = master_.Resize(pty::WindowSize{rows, cols}); !s) {
    ReplyError(client, WireError::kOther, s.error().message);
    return;
  }
  model.Resize(rows, cols);
  auto seq = AppendEvent(EventKind::kResize, ResizePayload(rows, cols));
  if (!seq) {
    ReplyError(client, log_full_ ? WireError::kStorageFull : WireError::kOther,
               seq.error().message);
    return;
  }
  Reply(client, FrameType::kOk, SeqPayload(*seq));
}

void Shim::HandleKill(Client* client) {
  if (exit_) {
    ReplyError(client, WireError::kNotLive, "the harness has exited");
    return;
  }
  if (killing()) {
    Reply(client, FrameType::kOk, SeqPayload(kill_seq_));  // already under way
    return;
  }
  // Logged before the signal, so the kill event always precedes the exit event. With the
  // disk full it is logged by RetryLog after the output held before it; the reply's seq is
  // 0 meanwhile.
  if (log_full_) {
    kill_unlogged_ = true;
    BeginKill();
    Reply(client, FrameType::kOk, SeqPayload(0));
    return;
  }
  auto seq = AppendEvent(EventKind::kKill, KillPayload());
  BeginKill();
  if (!seq && log_full_) {
    kill_unlogged_ = true;
    Reply(client, FrameType::kOk, SeqPayload(0));
    return;
  }
  if (!seq) {
    ReplyError(client, WireError::kOther, "kill sent but not logged: " + seq.error().message);
    return;
  }
  kill_seq_ = *seq;
  Reply(client, FrameType::kOk, SeqPayload(kill_seq_));
}

void Shim::HandleScreen(Client* client) {
  // Screen() logs the output it takes in first, so the seq is read after it.
  std::string snapshot = screen::SerializeSnapshot(Screen().Capture());
  std::string payload = SeqPayload(log_->last_seq()) + snapshot;
  if (payload.size() > kMaxFramePayload) {
    ReplyError(client, WireError::kOther, "the screen is too large to send");
    return;
  }
  Reply(client, FrameType::kOk, payload);
}

void Shim::HandleAttach(Client* client) {
  if (exit_ || client->subscribed || client->attached) {
    ReplyError(client, exit_ ? WireError::kNotLive : WireError::kInvalid,
               exit_ ? "the harness has exited" : "already subscribed or attached");
    return;
  }
  // The paint and the seq are taken between two loop iterations, so the output frames that
  // follow continue exactly where the painted screen stands.
  std::string paint = Screen().Capture().ansi;  // first: it logs held output (see HandleScreen)
  std::string payload = SeqPayload(log_->last_seq()) + paint;
  if (payload.size() > kMaxFramePayload) {
    ReplyError(client, WireError::kOther, "the screen is too large to send");
    return;
  }
  Reply(client, FrameType::kOk, payload);
  client->attached = true;
  // Output the other clients already have but the log and the screen model do not yet (held
  // while the disk is full) follows the paint, as it does for them.
  if (forwarded_ > 0) {
    AppendFrame(&client->out, FrameType::kOutput, std::string_view(read_buf_.data(), forwarded_));
  }
}

// The terminal attach: as kAttach, but the paint and every output byte go straight to the
// user's terminal, and its keys are read here, so a keystroke's echo crosses no other
// process (tmux's server does the same with its client's terminal). The client keeps the
// link for resizes and for the end (kDetached, kExited); its process may even be stopped.
void Shim::HandleAttachTerminal(Client* client, const std::string& payload) {
  core::UniqueFd tty = std::move(client->passed_fd);
  if (exit_ || client->subscribed || client->attached) {
    ReplyError(client, exit_ ? WireError::kNotLive : WireError::kInvalid,
               exit_ ? "the harness has exited" : "already subscribed or attached");
    return;
  }
  if (payload.size() != 1 || !tty.valid() || ::isatty(tty.fd()) != 1) {
    ReplyError(client, WireError::kInvalid, "attach-terminal: no terminal was passed");
    return;
  }
  // Our own open file of the terminal (the client opened it anew), so O_NONBLOCK here does
  // not reach the client's stdin and stdout.
  int flags = ::fcntl(tty.fd(), F_GETFL);
  if (flags < 0 || ::fcntl(tty.fd(), F_SETFL, flags | O_NONBLOCK) < 0) {
    ReplyError(client, WireError::kOther, "attach-terminal: cannot make it non-blocking");
    return;
  }
  client->tty_out = Screen().Capture().ansi;  // first: it logs held output (see HandleScreen)
  AppendFrame(&client->out, FrameType::kOk, SeqPayload(log_->last_seq()));
  client->tty = std::move(tty);
  client->tty_out.append(read_buf_.data(), forwarded_);  // see HandleAttach
  client->detach_key = payload[0] == 0 ? -1 : static_cast<unsigned char>(payload[0]);
  client->attached = true;
  FlushClient(client);
}

void Shim::ReadTerminal(Client* client) {
  char buf[4096];
  ssize_t n = ::read(client->tty.fd(), buf, sizeof(buf));
  if (n < 0 && (errno == EINTR || errno == EAGAIN)) {
    return;
  }
  if (n <= 0) {
    client->dead = true;  // the terminal hung up: its client goes with it
    return;
  }
  std::string_view keys(buf, static_cast<size_t>(n));
  size_t detach = client->detach_key < 0 ? std::string_view::npos
                                         : keys.find(static_cast<char>(client->detach_key));
  if (detach != 0) {
    // Refusals (the harness is ending, the disk is full) come back on the link as kError.
    HandleInput(client, std::string(keys.substr(0, detach)));
  }
  if (detach != std::string_view::npos) {
    ReleaseTerminal(client);  // what came after the detach key stays unread, as in tmux
  }
}

// Hands the terminal back: what it takes at once is written, the rest dropped (the user
// left); then the client hears kDetached and restores its terminal itself.
void Shim::ReleaseTerminal(Client* client) {
  FlushTerminal(client);
  client->tty.Reset();
  client->tty_out.clear();
  client->attached = false;
  client->needs_paint = false;
  AppendFrame(&client->out, FrameType::kDetached, "");
  FlushClient(client);
}

void Shim::FlushTerminal(Client* client) {
  if (!client->tty.valid() || client->dead) {
    return;
  }
  std::string& out = client->tty_out;
  size_t done = 0;  // erased once at the end: a terminal takes a few KiB per write
  for (;;) {
    if (done == out.size() && client->needs_paint) {
      // It fell behind and has now written all it had queued: the screen as it is now.
      client->needs_paint = false;
      out = Screen().Capture().ansi;
      done = 0;
    }
    if (done == out.size()) {
      break;
    }
    ssize_t n = ::write(client->tty.fd(), out.data() + done, out.size() - done);
    if (n > 0) {
      done += static_cast<size_t>(n);
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else if (n < 0 && errno == EAGAIN) {
      break;  // POLLOUT on the terminal next time
    } else {
      client->dead = true;  // EIO: the terminal is gone
      break;
    }
  }
  out.erase(0, done);
}

void Shim::ForwardOutput(std::string_view bytes) {
  for (const auto& c : clients_) {
    if (!c->attached || c->dead || c->needs_paint) {
      continue;
    }
    if (c->tty.valid()) {
      if (c->tty_out.size() + bytes.size() > kAttachBacklog) {
        c->needs_paint = true;  // the terminal does not keep up: repaint once it drains
      } else {
        c->tty_out.append(bytes);
      }
      continue;
    }
    if (c->out.size() + bytes.size() > kAttachBacklog) {
      // What it has queued is still sent (whole frames); then it gets the screen as it is.
      c->needs_paint = true;
      continue;
    }
    AppendFrame(&c->out, FrameType::kOutput, bytes);
  }
}

void Shim::Reply(Client* client, FrameType type, std::string_view payload) {
  if (client->attached && type == FrameType::kOk) {
    return;  // an attached client's input and resize are answered only when they fail
  }
  AppendFrame(&client->out, type, payload);
}

void Shim::ReplyError(Client* client, WireError kind, std::string_view message) {
  AppendFrame(&client->out, FrameType::kError, ErrorPayload(kind, message));
}

void Shim::FlushClient(Client* client) {
  FlushTerminal(client);
  for (;;) {
    if (client->out.empty() && client->needs_paint && !client->dead && !client->tty.valid()) {
      // A client that fell behind has sent all it had queued: it gets the screen as it is
      // now, and the output frames resume after it.
      client->needs_paint = false;
      AppendFrame(&client->out, FrameType::kOutput, Screen().Capture().ansi);
    }
    if (client->out.empty() || client->dead) {
      return;
    }
    ssize_t n = ::send(client->fd.fd(), client->out.data(), client->out.size(),
                       MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n > 0) {
      client->out.erase(0, static_cast<size_t>(n));
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else if (n < 0 && errno == EAGAIN) {
      return;  // POLLOUT next time
    } else {
      client->dead = true;
    }
  }
}

void Shim::NotifySubscribers() {
  uint64_t last = log_->last_seq();
  // Coalesced: a subscriber that has not taken the previous frame gets no new one yet.
  auto owed = [last](const std::unique_ptr<Client>& c) {
    return c->subscribed && !c->dead && c->out.empty() && c->notified_seq < last;
  };
  if (std::none_of(clients_.begin(), clients_.end(), owed)) {
    notify_at_.reset();  // a subscriber still sending is told once its queue drains (POLLOUT)
    return;
  }
  // While output streams, subscribers hear of it at most once per kNotifyInterval: each
  // notice wakes the daemon, which cost a 200 MB stream ~1,550 wake-ups and ~35 ms of the
  // daemon's CPU on a machine whose cores the harness and the terminal already keep busy.
  // The first notice after a quiet spell goes at once (an echo, a prompt).
  auto now = Clock::now();
  if (last_notice_ && now - *last_notice_ < kNotifyInterval) {
    notify_at_ = *last_notice_ + kNotifyInterval;
    return;
  }
  notify_at_.reset();
  last_notice_ = now;
  for (const auto& c : clients_) {
    if (owed(c)) {
      c->notified_seq = last;
      Reply(c.get(), FrameType::kAppended, SeqPayload(last));
      FlushClient(c.get());
    }
  }
}

void Shim::SayGoodbye(const std::string& exit_json) {
  // A terminal-attached client must see the last output on its terminal before it hears the
  // end on the link: its terminals are flushed first, within half the budget.
  auto tty_deadline = Clock::now() + kGoodbyeBudget / 2;
  for (;;) {
    std::vector<pollfd> ttys;
    for (const auto& c : clients_) {
      FlushTerminal(c.get());
      if (c->tty.valid() && !c->dead && !c->tty_out.empty()) {
        ttys.push_back({c->tty.fd(), POLLOUT, 0});
      }
    }
    auto left = std::chrono::ceil<std::chrono::milliseconds>(tty_deadline - Clock::now());
    if (ttys.empty() || left.count() <= 0 ||
        ::poll(ttys.data(), ttys.size(), static_cast<int>(left.count())) <= 0) {
      break;
    }
  }
  uint64_t last = log_->last_seq();
  for (const auto& c : clients_) {
    if (c->subscribed) {
      if (c->notified_seq < last) {
        Reply(c.get(), FrameType::kAppended, SeqPayload(last));  // the exit event itself
      }
      Reply(c.get(), FrameType::kExited, exit_json);
    } else if (c->attached) {
      AppendFrame(&c->out, FrameType::kExited, exit_json);
    }
  }
  // Bounded: a client that does not read loses its last frames, not our exit.
  auto deadline = Clock::now() + kGoodbyeBudget;
  std::vector<pollfd> fds;
  for (;;) {
    fds.clear();
    for (const auto& c : clients_) {
      FlushClient(c.get());
      if (!c->dead && !c->out.empty()) {
        fds.push_back({c->fd.fd(), POLLOUT, 0});
      }
    }
    auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now());
    if (fds.empty() || left.count() <= 0) {
      break;
    }
    if (::poll(fds.data(), fds.size(), static_cast<int>(left.count())) == 0) {
      break;
    }
  }
  clients_.clear();
}

}  // namespace coven::shim::internal
