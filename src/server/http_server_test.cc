// HttpServer with a handler of the test's own, over a real Unix socket.
#include "server/http_server.h"

#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "support/temp_dir.h"

namespace coven::server {
namespace {

// One request with `Connection: close`; returns everything the server sent ("" on failure).
// Reads give up after 20 s, so a server that never answers fails the test instead of
// hanging it.
std::string RawGet(const std::string& socket_path, const std::string& target) {
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    return "";
  }
  timeval tv{20, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, socket_path.c_str(), sizeof(addr.sun_path) - 1);
  std::string out;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0) {
    std::string req = "GET " + target + " HTTP/1.1\r\nHost: coven\r\nConnection: close\r\n\r\n";
    if (::write(fd, req.data(), req.size()) == static_cast<ssize_t>(req.size())) {
      char buf[4096];
      for (ssize_t n; (n = ::read(fd, buf, sizeof(buf))) > 0;) {
        out.append(buf, static_cast<size_t>(n));
      }
    }
  }
  ::close(fd);
  return out;
}

// Given more blocked handlers than the server has loop threads, every one of them should
// be running at once (they are on the handler pool), and a request on another connection
// should still be answered while they stay blocked.
TEST(HttpServerTest, BlockedHandlersDoNotStallOtherConnections) {
  testing::TempDir tmp;
  const std::string& dir = tmp.path();
  constexpr int kSlow = 6;
  std::mutex mu;
  std::condition_variable cv;
  int blocked = 0;
  bool release = false;

  ServerOptions options;
  options.socket_path = dir + "/s.sock";
  options.threads = 2;
  options.handler_threads = 16;
  auto server = HttpServer::Listen(options, [&](const api::Request& req) {
    if (req.target == "/slow") {
      std::unique_lock<std::mutex> lock(mu);
      ++blocked;
      cv.notify_all();
      // Bounded so a failing test still ends.
      cv.wait_for(lock, std::chrono::seconds(30), [&] { return release; });
    }
    return api::Response{200, "{\"ok\":true}"};
  });
  ASSERT_TRUE(server.has_value()) << server.error().message;
  std::thread runner([&] { (*server)->Run(); });

  std::vector<std::thread> slow;
  std::vector<std::string> slow_replies(kSlow);
  for (int i = 0; i < kSlow; ++i) {
    slow.emplace_back(
        [&, i] { slow_replies[static_cast<size_t>(i)] = RawGet(options.socket_path, "/slow"); });
  }
  bool all_blocked = false;
  {
    std::unique_lock<std::mutex> lock(mu);
    all_blocked = cv.wait_for(lock, std::chrono::seconds(10), [&] { return blocked == kSlow; });
  }
  EXPECT_TRUE(all_blocked) << "only " << blocked << " of " << kSlow
                           << " handlers ran at once with 2 loop threads";
  std::string fast = RawGet(options.socket_path, "/fast");
  int still_blocked = 0;
  {
    std::lock_guard<std::mutex> lock(mu);
    still_blocked = release ? 0 : blocked;
    release = true;
  }
  cv.notify_all();
  EXPECT_EQ(fast.rfind("HTTP/1.1 200", 0), 0u) << fast;
  EXPECT_EQ(still_blocked, kSlow);
  for (std::thread& t : slow) {
    t.join();
  }
  for (const std::string& reply : slow_replies) {
    EXPECT_EQ(reply.rfind("HTTP/1.1 200", 0), 0u) << reply;
  }
  (*server)->Stop();
  runner.join();
  ::rmdir(dir.c_str());
}

}  // namespace
}  // namespace coven::server
