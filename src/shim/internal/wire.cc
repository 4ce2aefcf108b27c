#include "shim/internal/wire.h"

#include <errno.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>

namespace coven::shim::internal {
namespace {

using core::ErrorCode;
using core::Result;
using core::Status;
using core::UniqueFd;

Result<sockaddr_un> MakeAddress(const std::string& path) {
  sockaddr_un addr = {};
  addr.sun_family = AF_UNIX;
  if (path.empty() || path.size() >= sizeof(addr.sun_path)) {
    return core::Error(ErrorCode::kIo, "socket path is empty or longer than " +
                                           std::to_string(sizeof(addr.sun_path) - 1) +
                                           " bytes: " + path);
  }
  std::memcpy(addr.sun_path, path.data(), path.size());
  return addr;
}

const sockaddr* AsSockaddr(const sockaddr_un& addr) {
  return reinterpret_cast<const sockaddr*>(&addr);
}

Status SetTimeouts(int fd) {
  timeval tv = {};
  tv.tv_sec = kSocketTimeout.count();
  // On a Unix socket SO_SNDTIMEO also bounds connect() when the backlog is full.
  if (::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) != 0 ||
      ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) != 0) {
    return core::SysError("setsockopt timeout", errno);
  }
  return core::Ok();
}

Result<UniqueFd> BindAndListen(const sockaddr_un& addr, const std::string& path) {
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (!fd.valid()) {
    return core::SysError("socket", errno);
  }
  // umask makes the socket 0600 from its first instant; chmod below states it anyway.
  mode_t old_mask = ::umask(0177);
  int rc = ::bind(fd.fd(), AsSockaddr(addr), sizeof(addr));
  int err = errno;
  ::umask(old_mask);
  if (rc != 0) {
    return core::SysError("bind " + path, err);
  }
  if (::chmod(path.c_str(), 0600) != 0 || ::listen(fd.fd(), 64) != 0) {
    err = errno;
    ::unlink(path.c_str());
    return core::SysError("listen " + path, err);
  }
  return fd;
}

}  // namespace

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

Status CheckSocketPath(const std::string& path) {
  auto addr = MakeAddress(path);
  if (!addr) {
    return addr.error();
  }
  return core::Ok();
}

Result<UniqueFd> ListenUnix(const std::string& path) {
  auto addr = MakeAddress(path);
  if (!addr) {
    return addr.error();
  }
  auto fd = BindAndListen(*addr, path);
  if (fd || fd.error().sys_errno != EADDRINUSE) {
    return fd;
  }
  // A socket left by a shim that died: replace it only when nobody answers on it.
  auto probe = ConnectUnix(path);
  if (probe || probe.error().code != ErrorCode::kSessionNotLive) {
    return fd;
  }
  ::unlink(path.c_str());
  return BindAndListen(*addr, path);
}

Result<UniqueFd> ConnectUnix(const std::string& path) {
  auto addr = MakeAddress(path);
  if (!addr) {
    return addr.error();
  }
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd.valid()) {
    return core::SysError("socket", errno);
  }
  if (Status s = SetTimeouts(fd.fd()); !s) {
    return s.error();
  }
  int rc;
  do {
    rc = ::connect(fd.fd(), AsSockaddr(*addr), sizeof(*addr));
  } while (rc != 0 && errno == EINTR);
  if (rc != 0) {
    int err = errno;
    core::Error e = core::SysError("connect " + path, err);
    if (err == ENOENT || err == ECONNREFUSED) {
      e.code = ErrorCode::kSessionNotLive;
    }
    return e;
  }
  return fd;
}

bool PeerIsOwner(int fd) {
  ucred cred = {};
  socklen_t len = sizeof(cred);
  if (::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0 || len != sizeof(cred)) {
    return false;
  }
  return cred.uid == ::geteuid();
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
