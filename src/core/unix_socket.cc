#include "core/unix_socket.h"

#include <errno.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>

#include "core/error.h"

namespace coven::core {
namespace {

// Bound for the probe of a stale socket: a listener that does not accept within it is as
// good as gone for our purposes.
constexpr std::chrono::seconds kProbeTimeout{2};

Result<sockaddr_un> MakeAddress(const std::string& path) {
  sockaddr_un addr = {};
  addr.sun_family = AF_UNIX;
  if (path.empty() || path.size() >= sizeof(addr.sun_path)) {
    return Error(ErrorCode::kIo, "socket path is empty or longer than " +
                                     std::to_string(sizeof(addr.sun_path) - 1) + " bytes: " + path);
  }
  std::memcpy(addr.sun_path, path.data(), path.size());
  return addr;
}

const sockaddr* AsSockaddr(const sockaddr_un& addr) {
  return reinterpret_cast<const sockaddr*>(&addr);
}

Status SetTimeouts(int fd, std::chrono::seconds timeout) {
  timeval tv = {};
  tv.tv_sec = timeout.count();
  // On a Unix socket SO_SNDTIMEO also bounds connect() when the backlog is full.
  if (::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) != 0 ||
      ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) != 0) {
    return SysError("setsockopt timeout", errno);
  }
  return Ok();
}

Result<UniqueFd> BindAndListen(const sockaddr_un& addr, const std::string& path) {
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (!fd.valid()) {
    return SysError("socket", errno);
  }
  // umask makes the socket 0600 from its first instant; chmod below states it anyway.
  mode_t old_mask = ::umask(0177);
  int rc = ::bind(fd.fd(), AsSockaddr(addr), sizeof(addr));
  int err = errno;
  ::umask(old_mask);
  if (rc != 0) {
    return SysError("bind " + path, err);
  }
  if (::chmod(path.c_str(), 0600) != 0 || ::listen(fd.fd(), 64) != 0) {
    err = errno;
    ::unlink(path.c_str());
    return SysError("listen " + path, err);
  }
  return fd;
}

}  // namespace

Status CheckUnixSocketPath(const std::string& path) {
  auto addr = MakeAddress(path);
  if (!addr) {
    return addr.error();
  }
  return Ok();
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
  // A socket left by a process that died: replace it only when nobody answers on it.
  auto probe = ConnectUnix(path, kProbeTimeout);
  if (probe || (probe.error().sys_errno != ENOENT && probe.error().sys_errno != ECONNREFUSED)) {
    return fd;
  }
  ::unlink(path.c_str());
  return BindAndListen(*addr, path);
}

Result<UniqueFd> ConnectUnix(const std::string& path, std::chrono::seconds timeout) {
  auto addr = MakeAddress(path);
  if (!addr) {
    return addr.error();
  }
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd.valid()) {
    return SysError("socket", errno);
  }
  if (Status s = SetTimeouts(fd.fd(), timeout); !s) {
    return s.error();
  }
  int rc;
  do {
    rc = ::connect(fd.fd(), AsSockaddr(*addr), sizeof(*addr));
  } while (rc != 0 && errno == EINTR);
  if (rc != 0) {
    return SysError("connect " + path, errno);
  }
  return fd;
}

bool SomeoneListens(const std::string& path) {
  return ConnectUnix(path, kProbeTimeout).has_value();
}

bool PeerIsOwner(int fd) {
  return !RefusedPeer(fd).has_value();
}

std::optional<std::string> RefusedPeer(int fd) {
  ucred cred = {};
  socklen_t len = sizeof(cred);
  if (::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0 || len != sizeof(cred)) {
    return std::string("refused a connection whose peer credentials cannot be read");
  }
  if (cred.uid == ::geteuid()) {
    return std::nullopt;
  }
  return "refused a connection from uid " + std::to_string(cred.uid) + " (pid " +
         std::to_string(cred.pid) + "): only uid " + std::to_string(::geteuid()) +
         " may use this socket";
}

Status SendWithFd(int sock, std::string_view data, int fd) {
  bool fd_sent = false;
  while (!data.empty()) {
    iovec iov{const_cast<char*>(data.data()), data.size()};  // NOLINT: sendmsg's iovec is non-const
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
    if (!fd_sent) {
      msg.msg_control = control;
      msg.msg_controllen = sizeof(control);
      cmsghdr* cm = CMSG_FIRSTHDR(&msg);
      cm->cmsg_level = SOL_SOCKET;
      cm->cmsg_type = SCM_RIGHTS;
      cm->cmsg_len = CMSG_LEN(sizeof(int));
      std::memcpy(CMSG_DATA(cm), &fd, sizeof(int));
    }
    ssize_t n = ::sendmsg(sock, &msg, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      return SysError("send with a descriptor", n < 0 ? errno : EPIPE);
    }
    fd_sent = true;
    data.remove_prefix(static_cast<size_t>(n));
  }
  return Ok();
}

ssize_t RecvTakingFd(int sock, char* buf, size_t len, int flags, UniqueFd* passed) {
  iovec iov{buf, len};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  // Room for a few: a peer sending more than one must not make us leak the rest.
  alignas(cmsghdr) char control[CMSG_SPACE(4 * sizeof(int))];
  msg.msg_control = control;
  msg.msg_controllen = sizeof(control);
  ssize_t n = ::recvmsg(sock, &msg, flags | MSG_CMSG_CLOEXEC);
  if (n < 0) {
    return n;
  }
  for (cmsghdr* cm = CMSG_FIRSTHDR(&msg); cm != nullptr; cm = CMSG_NXTHDR(&msg, cm)) {
    if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS) {
      continue;
    }
    size_t count = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
    for (size_t i = 0; i < count; ++i) {
      int fd = -1;
      std::memcpy(&fd, CMSG_DATA(cm) + i * sizeof(int), sizeof(int));
      if (passed != nullptr && i == 0) {
        passed->Reset(fd);
      } else {
        ::close(fd);
      }
    }
  }
  return n;
}

}  // namespace coven::core
