#include "server/service_notify.h"

#include <stddef.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <string>

#include <gtest/gtest.h>

#include "core/unique_fd.h"

namespace coven::server {
namespace {

// A datagram socket bound to `name` (a path, or '@' + an abstract name), as systemd's
// notify socket is, with a receive deadline so a missing message fails instead of hanging.
core::UniqueFd BindDatagram(const std::string& name) {
  core::UniqueFd fd(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, name.data(), name.size());
  if (name[0] == '@') {
    addr.sun_path[0] = '\0';
  }
  auto len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + name.size());
  EXPECT_EQ(::bind(fd.fd(), reinterpret_cast<const sockaddr*>(&addr), len), 0) << name;
  timeval deadline{5, 0};
  ::setsockopt(fd.fd(), SOL_SOCKET, SO_RCVTIMEO, &deadline, sizeof deadline);
  return fd;
}

std::string Receive(const core::UniqueFd& fd) {
  char buf[512];
  ssize_t n = ::recv(fd.fd(), buf, sizeof buf, 0);
  return n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string();
}

// Given a notify socket at a path and one with an abstract name, Notify should deliver the
// state as one datagram to each.
TEST(ServiceNotifierTest, SendsOneDatagram) {
  const std::string path = "/tmp/coven-notify-test-" + std::to_string(::getpid());
  ::unlink(path.c_str());
  core::UniqueFd at_path = BindDatagram(path);
  ASSERT_TRUE(ServiceNotifier(path).Notify("READY=1\nMAINPID=42").has_value());
  EXPECT_EQ(Receive(at_path), "READY=1\nMAINPID=42");
  ::unlink(path.c_str());

  const std::string abstract = "@coven-notify-test-" + std::to_string(::getpid());
  core::UniqueFd named = BindDatagram(abstract);
  ServiceNotifier notifier(abstract);
  EXPECT_TRUE(notifier.active());
  ASSERT_TRUE(notifier.Notify("STOPPING=1").has_value());
  EXPECT_EQ(Receive(named), "STOPPING=1");
}

// Given no NOTIFY_SOCKET, Notify should do nothing and succeed; given a relative path or a
// socket nobody listens on, it should fail with a reason instead of pretending.
TEST(ServiceNotifierTest, InactiveOrUnreachable) {
  ServiceNotifier none("");
  EXPECT_FALSE(none.active());
  EXPECT_TRUE(none.Notify("READY=1").has_value());
  EXPECT_FALSE(ServiceNotifier("relative/sock").Notify("READY=1").has_value());
  EXPECT_FALSE(ServiceNotifier("/nonexistent-dir/notify").Notify("READY=1").has_value());
}

// Given NOTIFY_SOCKET in the environment, FromEnvironment should take it and remove it, so
// that nothing the daemon starts later (shims, harnesses) inherits it.
TEST(ServiceNotifierTest, FromEnvironmentTakesTheVariable) {
  ::setenv("NOTIFY_SOCKET", "@coven-notify-env", 1);
  ServiceNotifier notifier = ServiceNotifier::FromEnvironment();
  EXPECT_TRUE(notifier.active());
  EXPECT_EQ(std::getenv("NOTIFY_SOCKET"), nullptr);
  EXPECT_FALSE(ServiceNotifier::FromEnvironment().active());
}

}  // namespace
}  // namespace coven::server
