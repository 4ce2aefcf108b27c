#include "shim/internal/wire.h"

#include <errno.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/unix_socket.h"

namespace coven::shim::internal {

using core::ErrorCode;
using core::Result;
using core::Status;
using core::UniqueFd;

void PutU16(std::string* out, uint16_t v) {
  out->push_back(static_cast<char>(v & 0xff));
  out->push_back(static_cast<char>(v >> 8));
}

void PutU32(std::string* out, uint32_t v) {
  for (int i = 0; i < 4; ++i) {
    out->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
  }
}

void PutU64(std::string* out, uint64_t v) {
  for (int i = 0; i < 8; ++i) {
    out->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
  }
}

uint16_t GetU16(std::string_view s, size_t offset) {
  return static_cast<uint16_t>(static_cast<unsigned char>(s[offset]) |
                               (static_cast<unsigned char>(s[offset + 1]) << 8));
}

uint32_t GetU32(std::string_view s, size_t offset) {
  uint32_t v = 0;
  for (int i = 3; i >= 0; --i) {
    v = (v << 8) | static_cast<unsigned char>(s[offset + static_cast<size_t>(i)]);
  }
  return v;
}

uint64_t GetU64(std::string_view s, size_t offset) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) {
    v = (v << 8) | static_cast<unsigned char>(s[offset + static_cast<size_t>(i)]);
  }
  return v;
}

void AppendFrame(std::string* out, FrameType type, std::string_view payload) {
  out->push_back(static_cast<char>(type));
  PutU32(out, static_cast<uint32_t>(payload.size()));
  out->append(payload);
}

std::string ErrorPayload(WireError kind, std::string_view message) {
  std::string out(1, static_cast<char>(kind));
  out.append(message);
  return out;
}

void FrameParser::Feed(std::string_view bytes) {
  if (pos_ > 0 && pos_ == buf_.size()) {
    buf_.clear();
    pos_ = 0;
  } else if (pos_ > (64u << 10) && pos_ * 2 > buf_.size()) {
    buf_.erase(0, pos_);
    pos_ = 0;
  }
  buf_.append(bytes);
}

core::Result<std::optional<Frame>> FrameParser::Next() {
  std::string_view rest(buf_);
  rest.remove_prefix(pos_);
  if (rest.size() < kFrameHeaderBytes) {
    return std::optional<Frame>();
  }
  uint32_t len = GetU32(rest, 1);
  if (len > kMaxFramePayload) {
    return core::Error(ErrorCode::kCorrupt,
                       "shim socket: frame of " + std::to_string(len) + " bytes is too large");
  }
  if (rest.size() < kFrameHeaderBytes + len) {
    return std::optional<Frame>();
  }
  Frame frame;
  frame.type = static_cast<FrameType>(static_cast<unsigned char>(rest[0]));
  frame.payload.assign(rest.substr(kFrameHeaderBytes, len));
  pos_ += kFrameHeaderBytes + len;
  return std::optional<Frame>(std::move(frame));
}

core::Error ErrorFromReply(const std::string& payload) {
  if (payload.empty()) {
    return core::Error(ErrorCode::kIo, "shim: empty error reply");
  }
  auto kind = static_cast<WireError>(static_cast<unsigned char>(payload[0]));
  std::string message = "shim: " + payload.substr(1);
  switch (kind) {
    case WireError::kNotLive:
      return core::Error(ErrorCode::kSessionNotLive, message);
    case WireError::kInvalid:
      return core::Error(ErrorCode::kInvalidRequest, message);
    case WireError::kStorageFull:
      return core::Error(ErrorCode::kStorageFull, message);
    case WireError::kOther:
      break;
  }
  return core::Error(ErrorCode::kIo, message);
}

std::string FrameParser::TakeRest() {
  std::string rest = buf_.substr(pos_);
  buf_.clear();
  pos_ = 0;
  return rest;
}

Result<UniqueFd> ConnectUnix(const std::string& path) {
  auto fd = core::ConnectUnix(path, kSocketTimeout);
  if (!fd && (fd.error().sys_errno == ENOENT || fd.error().sys_errno == ECONNREFUSED)) {
    core::Error e = fd.error();
    e.code = ErrorCode::kSessionNotLive;  // nobody listens: the shim is gone
    return e;
  }
  return fd;
}

Status SendAll(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      return core::SysError("send to shim", errno);
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return core::Ok();
}

Result<Frame> ReadFrame(int fd, FrameParser* parser) {
  char buf[4096];
  for (;;) {
    auto frame = parser->Next();
    if (!frame) {
      return frame.error();
    }
    if (frame->has_value()) {
      return std::move(**frame);
    }
    ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      return core::SysError("read from shim", errno);
    }
    if (n == 0) {
      return core::Error(ErrorCode::kSessionNotLive, "the shim closed the connection");
    }
    parser->Feed(std::string_view(buf, static_cast<size_t>(n)));
  }
}

}  // namespace coven::shim::internal
