#include "server/service_notify.h"

#include <stddef.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "core/error.h"
#include "core/unique_fd.h"

namespace coven::server {

ServiceNotifier ServiceNotifier::FromEnvironment() {
  const char* path = std::getenv("NOTIFY_SOCKET");  // NOLINT(concurrency-mt-unsafe)
  ServiceNotifier notifier(path != nullptr ? path : "");
  ::unsetenv("NOTIFY_SOCKET");  // NOLINT(concurrency-mt-unsafe): called before threads start
  return notifier;
}

core::Status ServiceNotifier::Notify(std::string_view state) const {
  if (socket_.empty()) {
    return core::Ok();
  }
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  // Only absolute paths and abstract names ('@' becomes the leading NUL) are valid.
  if ((socket_[0] != '/' && socket_[0] != '@') || socket_.size() >= sizeof addr.sun_path) {
    return core::Error(core::ErrorCode::kInvalidRequest,
                       "NOTIFY_SOCKET `" + socket_ + "` is not a socket path");
  }
  std::memcpy(addr.sun_path, socket_.data(), socket_.size());
  if (socket_[0] == '@') {
    addr.sun_path[0] = '\0';
  }
  core::UniqueFd fd(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (!fd.valid()) {
    return core::SysError("notify socket", errno);
  }
  auto len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + socket_.size());
  ssize_t sent = ::sendto(fd.fd(), state.data(), state.size(), MSG_NOSIGNAL,
                          reinterpret_cast<const sockaddr*>(&addr), len);
  if (sent < 0) {
    return core::SysError("notify " + socket_, errno);
  }
  return core::Ok();
}

}  // namespace coven::server
