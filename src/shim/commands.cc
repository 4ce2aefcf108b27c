// The daemon's commands to a shim: one short-lived connection per command.
#include <errno.h>

#include "shim/internal/wire.h"
#include "shim/shim.h"

namespace coven::shim {
namespace {

using core::ErrorCode;
using core::Result;
using internal::Frame;
using internal::FrameType;

core::Error ErrorFromReply(const std::string& payload) {
  if (payload.empty()) {
    return core::Error(ErrorCode::kIo, "shim: empty error reply");
  }
  auto kind = static_cast<internal::WireError>(static_cast<unsigned char>(payload[0]));
  std::string message = "shim: " + payload.substr(1);
  switch (kind) {
    case internal::WireError::kNotLive:
      return core::Error(ErrorCode::kSessionNotLive, message);
    case internal::WireError::kInvalid:
      return core::Error(ErrorCode::kInvalidRequest, message);
    case internal::WireError::kStorageFull:
      return core::Error(ErrorCode::kStorageFull, message);
    case internal::WireError::kOther:
      break;
  }
  return core::Error(ErrorCode::kIo, message);
}

// Sends one command and returns the payload of its kOk reply, which must be at least
// `min_reply` bytes long.
Result<std::string> RoundTrip(const std::string& session_dir, FrameType type,
                              std::string_view payload, size_t min_reply) {
  if (payload.size() > internal::kMaxFramePayload) {
    return core::Error(ErrorCode::kInvalidRequest, "shim: command too large");
  }
  auto fd = internal::ConnectUnix(ShimSocketPath(session_dir));
  if (!fd) {
    return fd.error();
  }
  if (!internal::PeerIsOwner(fd->fd())) {
    return core::Error(ErrorCode::kIo, "shim socket is served by another user");
  }
  std::string out;
  internal::AppendFrame(&out, type, payload);
  if (core::Status s = internal::SendAll(fd->fd(), out); !s) {
    core::Error e = s.error();
    if (e.sys_errno == EPIPE || e.sys_errno == ECONNRESET) {
      e.code = ErrorCode::kSessionNotLive;  // the shim closed on us: it is ending
    }
    return e;
  }
  internal::FrameParser parser;
  auto reply = internal::ReadFrame(fd->fd(), &parser);
  if (!reply) {
    core::Error e = reply.error();
    if (e.sys_errno == ECONNRESET) {
      e.code = ErrorCode::kSessionNotLive;
    }
    return e;
  }
  if (reply->type == FrameType::kError) {
    return ErrorFromReply(reply->payload);
  }
  if (reply->type != FrameType::kOk || reply->payload.size() < min_reply) {
    return core::Error(ErrorCode::kIo, "shim: unexpected reply");
  }
  return std::move(reply->payload);
}

}  // namespace

Result<uint64_t> SendInput(const std::string& session_dir, std::string_view data) {
  auto reply = RoundTrip(session_dir, FrameType::kInput, data, 8);
  if (!reply) {
    return reply.error();
  }
  return internal::GetU64(*reply, 0);
}

core::Status SendResize(const std::string& session_dir, uint16_t rows, uint16_t cols) {
  std::string payload;
  internal::PutU16(&payload, rows);
  internal::PutU16(&payload, cols);
  auto reply = RoundTrip(session_dir, FrameType::kResize, payload, 0);
  if (!reply) {
    return reply.error();
  }
  return core::Ok();
}

Result<uint64_t> SendKill(const std::string& session_dir) {
  auto reply = RoundTrip(session_dir, FrameType::kKill, {}, 8);
  if (!reply) {
    return reply.error();
  }
  return internal::GetU64(*reply, 0);
}

Result<ShimHello> Hello(const std::string& session_dir) {
  auto reply = RoundTrip(session_dir, FrameType::kHello, {}, 12);
  if (!reply) {
    return reply.error();
  }
  return ShimHello{static_cast<pid_t>(internal::GetU32(*reply, 0)), internal::GetU64(*reply, 4)};
}

}  // namespace coven::shim
