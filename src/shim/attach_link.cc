// The client side of a direct attach (kAttach on shim.sock; see shim.h).
#include <errno.h>
#include <fcntl.h>
#include <sys/socket.h>

#include "core/unix_socket.h"
#include "shim/internal/wire.h"
#include "shim/shim.h"

namespace coven::shim {

using core::ErrorCode;
using internal::FrameType;

core::Result<AttachLink> AttachLink::Open(const std::string& session_dir) {
  return Connect(session_dir, -1, 0);
}

core::Result<AttachLink> AttachLink::OpenWithTerminal(const std::string& session_dir, int terminal,
                                                      unsigned char detach_key) {
  auto link = Connect(session_dir, terminal, detach_key);
  if (!link && link.error().code == ErrorCode::kInvalidRequest) {
    return Connect(session_dir, -1, 0);
  }
  return link;
}

core::Result<AttachLink> AttachLink::Connect(const std::string& session_dir, int terminal,
                                             unsigned char detach_key) {
  auto fd = internal::ConnectUnix(ShimSocketPath(session_dir));
  if (!fd) {
    return fd.error();
  }
  if (!core::PeerIsOwner(fd->fd())) {
    return core::Error(ErrorCode::kIo, "shim socket is served by another user");
  }
  std::string hello;
  core::Status sent = core::Ok();
  if (terminal >= 0) {
    internal::AppendFrame(&hello, FrameType::kAttachTerminal,
                          std::string(1, static_cast<char>(detach_key)));
    sent = core::SendWithFd(fd->fd(), hello, terminal);
  } else {
    internal::AppendFrame(&hello, FrameType::kAttach, "");
    sent = internal::SendAll(fd->fd(), hello);
  }
  if (core::Status s = sent; !s) {
    core::Error e = s.error();
    if (e.sys_errno == EPIPE || e.sys_errno == ECONNRESET) {
      e.code = ErrorCode::kSessionNotLive;
    }
    return e;
  }
  internal::FrameParser parser;
  auto reply = internal::ReadFrame(fd->fd(), &parser);
  if (!reply) {
    return reply.error();
  }
  if (reply->type == FrameType::kError) {
    return internal::ErrorFromReply(reply->payload);
  }
  if (reply->type != FrameType::kOk || reply->payload.size() < 8) {
    return core::Error(ErrorCode::kIo, "shim: unexpected reply to attach");
  }
  // From here the link is polled: reads and writes must never block the terminal's loop.
  int flags = ::fcntl(fd->fd(), F_GETFL);
  if (flags < 0 || ::fcntl(fd->fd(), F_SETFL, flags | O_NONBLOCK) < 0) {
    return core::SysError("attach: make the shim link non-blocking", errno);
  }
  AttachLink link;
  link.fd_ = std::move(*fd);
  link.seq_ = internal::GetU64(reply->payload, 0);
  link.paint_ = reply->payload.substr(8);
  link.owns_terminal_ = terminal >= 0;
  // Output frames the shim sent right after its reply may already sit in the parser, the
  // last of them perhaps cut short: the link's own reader carries on from those bytes.
  link.in_ = parser.TakeRest();
  return link;
}

void AttachLink::QueueInput(std::string_view bytes) {
  while (!bytes.empty()) {
    std::string_view part = bytes.substr(0, internal::kMaxFramePayload);
    internal::AppendFrame(&out_, FrameType::kInput, part);
    bytes.remove_prefix(part.size());
  }
}

void AttachLink::QueueResize(uint16_t rows, uint16_t cols) {
  std::string payload;
  internal::PutU16(&payload, rows);
  internal::PutU16(&payload, cols);
  internal::AppendFrame(&out_, FrameType::kResize, payload);
}

core::Status AttachLink::Flush() {
  while (!out_.empty()) {
    ssize_t n = ::send(fd_.fd(), out_.data(), out_.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n > 0) {
      out_.erase(0, static_cast<size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n < 0 && errno == EAGAIN) {
      return core::Ok();
    }
    return core::Error(ErrorCode::kSessionNotLive, "the session's shim closed the attach");
  }
  return core::Ok();
}

core::Result<AttachLink::ReadResult> AttachLink::Read(std::string* output) {
  ReadResult result;
  char buf[64 << 10];
  for (;;) {
    ssize_t n = ::recv(fd_.fd(), buf, sizeof(buf), MSG_DONTWAIT);
    if (n > 0) {
      in_.append(buf, static_cast<size_t>(n));
      if (in_.size() < (1u << 20)) {
        continue;  // take what is there, but hand output on at least every MiB
      }
      break;
    }
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n < 0 && errno == EAGAIN) {
      break;
    }
    result.ended = true;  // EOF or reset: the shim is done with us
    break;
  }
  size_t pos = 0;
  while (in_.size() - pos >= internal::kFrameHeaderBytes) {
    auto type = static_cast<FrameType>(static_cast<unsigned char>(in_[pos]));
    uint32_t len = internal::GetU32(in_, pos + 1);
    if (len > internal::kMaxFramePayload) {
      return core::Error(ErrorCode::kCorrupt, "attach: the shim sent an oversized frame");
    }
    if (in_.size() - pos - internal::kFrameHeaderBytes < len) {
      break;
    }
    std::string_view payload(in_.data() + pos + internal::kFrameHeaderBytes, len);
    if (type == FrameType::kOutput) {
      output->append(payload);
    } else if (type == FrameType::kExited) {
      exit_json_ = std::string(payload);
    } else if (type == FrameType::kDetached) {
      result.detached = true;
    }
    // kError: an input or resize the shim refused (the harness is ending, the disk is
    // full); the screen shows the consequence, as a terminal would.
    pos += internal::kFrameHeaderBytes + len;
  }
  in_.erase(0, pos);
  result.exit_json = exit_json_;
  return result;
}

}  // namespace coven::shim
