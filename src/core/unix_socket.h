// core/unix_socket.h: the Unix-socket plumbing shared by the daemon's HTTP server and the
// shim's private socket: one address check, one listen, one connect, one peer check
// (DESIGN "Boundaries": the socket is 0600 and every peer must be our own uid).
//
// It knows nothing of HTTP or of the shim's frames; the server binds through Asio and only
// borrows the probe and the peer check.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.h"
#include "core/unique_fd.h"

namespace coven::core {

// Fails with kIo when `path` is empty or does not fit in sockaddr_un::sun_path.
Status CheckUnixSocketPath(const std::string& path);

// Binds and listens on `path` (mode 0600 from its first instant, close-on-exec,
// non-blocking). A stale socket nobody answers on is replaced. kIo (with sys_errno) on
// failure; EADDRINUSE when a live listener holds the path.
Result<UniqueFd> ListenUnix(const std::string& path);

// Connects to `path`; every later blocking send and receive on the socket (and connect
// itself, when the backlog is full) is bounded by `timeout`. kIo with sys_errno on failure
// (ENOENT or ECONNREFUSED when nobody listens). Thread-safe.
Result<UniqueFd> ConnectUnix(const std::string& path, std::chrono::seconds timeout);

// True when something accepts connections on `path` right now. Thread-safe.
bool SomeoneListens(const std::string& path);

// True when the peer of a connected Unix socket runs as this process's effective uid
// (SO_PEERCRED); false when it cannot be told. Thread-safe.
bool PeerIsOwner(int fd);

// Why the peer of a connected Unix socket is refused ("refused a connection from uid N
// (pid P): only uid M may use this socket"), or nullopt when it is this process's user.
// Thread-safe.
std::optional<std::string> RefusedPeer(int fd);

// Sends all of `data` on a connected Unix socket (blocking, within the socket's timeout),
// with `fd` passed along the first byte (SCM_RIGHTS): the peer gets its own descriptor of
// the same open file. kIo with sys_errno on failure. Thread-safe.
Status SendWithFd(int sock, std::string_view data, int fd);

// One recv() on a Unix socket that also takes a descriptor passed with the bytes
// (SCM_RIGHTS, received close-on-exec) into `*passed`, replacing what it held; descriptors
// beyond the first are closed. Returns what recv() returns (errno set on -1).
ssize_t RecvTakingFd(int sock, char* buf, size_t len, int flags, UniqueFd* passed);

}  // namespace coven::core
