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
#include <memory>
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

// A held client connection: connects, sends requests, reads what comes back (20 s bound).
class Conn {
 public:
  explicit Conn(const std::string& socket_path)
      : fd_(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) {
    timeval tv{20, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, socket_path.c_str(), sizeof(addr.sun_path) - 1);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  }
  ~Conn() { ::close(fd_); }
  Conn(const Conn&) = delete;
  Conn& operator=(const Conn&) = delete;
  Conn(Conn&&) = delete;
  Conn& operator=(Conn&&) = delete;
  bool connected() const { return connected_; }
  // Sends a keep-alive GET and returns what arrives until `until` is seen (or EOF).
  std::string Get(const std::string& target, const std::string& until) {
    std::string req = "GET " + target + " HTTP/1.1\r\nHost: coven\r\n\r\n";
    if (::write(fd_, req.data(), req.size()) != static_cast<ssize_t>(req.size())) {
      return "";
    }
    std::string out;
    char buf[4096];
    while (out.find(until) == std::string::npos) {
      ssize_t n = ::read(fd_, buf, sizeof(buf));
      if (n <= 0) {
        break;
      }
      out.append(buf, static_cast<size_t>(n));
    }
    return out;
  }

 private:
  int fd_;
  bool connected_ = false;
};

// A stream that stays open and quiet until the client leaves.
class QuietStream : public api::StreamSource {
 public:
  void OnReady(std::function<void()> /*wake*/) override {}
  bool Pull(std::string& /*out*/) override { return true; }
};

// Serves `options` with a handler answering 200 {"ok":true}, or a quiet stream for
// /stream, on a thread of its own until destroyed.
class TestServer {
 public:
  explicit TestServer(ServerOptions options) {
    auto server = HttpServer::Listen(std::move(options), [](const api::Request& req) {
      api::Response res{200, "{\"ok\":true}"};
      if (req.target == "/stream") {
        res.content_type = "text/event-stream";  // what the API's SSE routes set
        res.stream = std::make_shared<QuietStream>();
      }
      return res;
    });
    EXPECT_TRUE(server.has_value()) << server.error().message;
    if (server) {
      server_ = std::move(*server);
      runner_ = std::thread([this] { server_->Run(); });
    }
  }
  ~TestServer() {
    if (server_) {
      server_->Stop();
      runner_.join();
    }
  }
  TestServer(const TestServer&) = delete;
  TestServer& operator=(const TestServer&) = delete;
  TestServer(TestServer&&) = delete;
  TestServer& operator=(TestServer&&) = delete;
  bool ok() const { return server_ != nullptr; }

 private:
  std::unique_ptr<HttpServer> server_;
  std::thread runner_;
};

// Given the connection limit held by open keep-alive connections, a further client should
// get 503 server_busy in the error envelope (not a silent close), and be served again once
// one of the held connections closes.
TEST(HttpServerTest, ConnectionsPastTheLimitGet503ServerBusy) {
  testing::TempDir tmp;
  ServerOptions options;
  options.socket_path = tmp.path() + "/s.sock";
  options.max_connections = 2;
  std::vector<std::string> lines;
  std::mutex mu;
  options.on_busy = [&](const std::string& line) {
    std::lock_guard<std::mutex> lock(mu);
    lines.push_back(line);
  };
  TestServer server(options);
  ASSERT_TRUE(server.ok());
  auto first = std::make_unique<Conn>(options.socket_path);
  Conn second(options.socket_path);
  ASSERT_TRUE(first->connected() && second.connected());
  // A served request proves each connection was accepted and counted.
  ASSERT_NE(first->Get("/a", "{\"ok\":true}").find("200 OK"), std::string::npos);
  ASSERT_NE(second.Get("/a", "{\"ok\":true}").find("200 OK"), std::string::npos);

  std::string busy = RawGet(options.socket_path, "/a");
  EXPECT_EQ(busy.rfind("HTTP/1.1 503", 0), 0u) << busy;
  EXPECT_NE(busy.find("\"code\":\"server_busy\""), std::string::npos) << busy;
  EXPECT_NE(busy.find("\"limit\":\"connections\""), std::string::npos) << busy;
  {
    std::lock_guard<std::mutex> lock(mu);
    ASSERT_EQ(lines.size(), 1u);
    EXPECT_NE(lines[0].find("connection limit reached (2)"), std::string::npos) << lines[0];
  }

  first.reset();
  std::string served;
  for (int i = 0; i < 200 && served.rfind("HTTP/1.1 200", 0) != 0; ++i) {
    served = RawGet(options.socket_path, "/a");
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(served.rfind("HTTP/1.1 200", 0), 0u) << served;
}

// Given the stream limit taken by one SSE follower, a second follower should get 503
// server_busy while plain requests on other connections are still served.
TEST(HttpServerTest, StreamsPastTheLimitGet503ServerBusy) {
  testing::TempDir tmp;
  ServerOptions options;
  options.socket_path = tmp.path() + "/s.sock";
  options.max_streams = 1;
  TestServer server(options);
  ASSERT_TRUE(server.ok());
  Conn follower(options.socket_path);
  ASSERT_TRUE(follower.connected());
  std::string head = follower.Get("/stream", "\r\n\r\n");
  ASSERT_NE(head.find("text/event-stream"), std::string::npos) << head;

  std::string busy = RawGet(options.socket_path, "/stream");
  EXPECT_EQ(busy.rfind("HTTP/1.1 503", 0), 0u) << busy;
  EXPECT_NE(busy.find("\"code\":\"server_busy\""), std::string::npos) << busy;
  EXPECT_NE(busy.find("\"limit\":\"streams\""), std::string::npos) << busy;
  std::string plain = RawGet(options.socket_path, "/a");
  EXPECT_EQ(plain.rfind("HTTP/1.1 200", 0), 0u) << plain;
}

}  // namespace
}  // namespace coven::server
