// End-to-end: a frozen or wedged daemon (issue 13, item 6). Every command gives up within
// its bound naming `coven daemon restart`; `daemon status` does not claim all is well;
// `daemon restart` replaces a stopped daemon but never signals a process it cannot prove is
// this home's daemon.
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "support/testing.h"

extern char** environ;  // NOLINT(readability-redundant-declaration)

namespace coven::testing {
namespace {

constexpr milliseconds kCommandBound(30'000);  // a hang guard, far above the CLI's own bounds
constexpr const char* kFix = "coven daemon restart";

// A `sleep 60` child unrelated to Coven; killed and reaped on destruction.
class Sleeper {
 public:
  Sleeper() {
    char a0[] = "sleep";
    char a1[] = "60";
    char* argv[] = {a0, a1, nullptr};
    if (::posix_spawnp(&pid_, "sleep", nullptr, nullptr, argv, environ) != 0) {
      pid_ = -1;
    }
  }
  ~Sleeper() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }
  Sleeper(const Sleeper&) = delete;
  Sleeper& operator=(const Sleeper&) = delete;
  Sleeper(Sleeper&&) = delete;
  Sleeper& operator=(Sleeper&&) = delete;
  pid_t pid() const { return pid_; }
  bool Running() const { return pid_ > 0 && ::waitpid(pid_, nullptr, WNOHANG) == 0; }

 private:
  pid_t pid_ = -1;
};

std::string Record(int pid, const std::string& socket) {
  return "{\"pid\":" + std::to_string(pid) +
         ",\"startedAt\":\"2026-05-14T23:24:21.123456789Z\",\"socket\":\"" + socket + "\"}\n";
}

// A Unix socket at `path` that accepts connections and never answers, except that with
// `health_pid` it answers GET /health as a daemon with that pid would (so the CLI's probe
// passes and the wedge is met by a later request). Stops and unlinks on destruction.
class WedgedSocket {
 public:
  WedgedSocket(const std::string& path, int health_pid) : path_(path), health_pid_(health_pid) {
    fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, path.c_str(), sizeof(addr.sun_path) - 1);
    bool ok = ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
              ::listen(fd_, 64) == 0;
    if (ok) {
      thread_ = std::thread([this] { Serve(); });
    }
  }
  ~WedgedSocket() {
    stop_ = true;
    ::shutdown(fd_, SHUT_RDWR);
    if (thread_.joinable()) {
      thread_.join();
    }
    for (int c : held_) {
      ::close(c);
    }
    ::close(fd_);
    ::unlink(path_.c_str());
  }
  WedgedSocket(const WedgedSocket&) = delete;
  WedgedSocket& operator=(const WedgedSocket&) = delete;
  WedgedSocket(WedgedSocket&&) = delete;
  WedgedSocket& operator=(WedgedSocket&&) = delete;

 private:
  void Serve() {
    while (!stop_) {
      int c = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (c < 0) {
        return;
      }
      held_.push_back(c);  // never closed before the end: the client must give up itself
      if (health_pid_ <= 0) {
        continue;
      }
      char buf[4096];
      ssize_t n = ::read(c, buf, sizeof(buf));
      if (n > 0 && std::string(buf, static_cast<size_t>(n)).find("/health") != std::string::npos) {
        std::string body = "{\"ok\":true,\"daemon\":" + Record(health_pid_, path_) + "}";
        std::string reply =
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " +
            std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
        ssize_t sent = ::write(c, reply.data(), reply.size());
        (void)sent;  // a client that left early is not this test's concern
        ::close(c);
        held_.pop_back();
      }
    }
  }

  std::string path_;
  int health_pid_;
  int fd_ = -1;
  std::atomic<bool> stop_{false};
  std::vector<int> held_;  // only touched by the thread until it is joined
  std::thread thread_;
};

// Given a daemon stopped with SIGSTOP, `coven sessions` should give up with the fix named,
// `daemon status` should print status=stale, say it does not answer and exit 1, and
// `daemon restart` should replace it (SIGCONT+SIGTERM) with a daemon that answers.
TEST(DaemonFrozenTest, StoppedDaemonIsReportedAndRestarted) {
  CovenHome h;
  h.StartDaemon();
  int old_pid = h.DaemonPid();
  ASSERT_GT(old_pid, 0);
  ASSERT_EQ(::kill(old_pid, SIGSTOP), 0);

  RunResult list = h.Coven({"sessions", "--json"}, kCommandBound);
  EXPECT_NE(list.exit_code, -1) << "coven sessions hung on a stopped daemon";
  EXPECT_NE(list.exit_code, 0);
  EXPECT_NE(list.err.find(kFix), std::string::npos) << list.err;

  RunResult status = h.Coven({"daemon", "status"}, kCommandBound);
  EXPECT_EQ(status.exit_code, 1) << status.out << status.err;
  EXPECT_NE(status.out.find("status=stale ok=false pid=" + std::to_string(old_pid)),
            std::string::npos)
      << status.out;
  EXPECT_NE(status.err.find("does not answer"), std::string::npos) << status.err;
  EXPECT_NE(status.err.find(kFix), std::string::npos) << status.err;

  RunResult doctor = h.Coven({"doctor"}, kCommandBound);
  EXPECT_EQ(doctor.exit_code, 1) << doctor.out << doctor.err;
  EXPECT_NE(doctor.out.find(kFix), std::string::npos) << doctor.out;

  RunResult restart = h.Coven({"daemon", "restart"}, kCommandBound);
  ASSERT_EQ(restart.exit_code, 0) << restart.out << restart.err;
  EXPECT_NE(restart.out.find("status=restarted"), std::string::npos) << restart.out;
  EXPECT_TRUE(WaitFor([&] { return !ProcessAlive(old_pid); })) << "the old daemon survived";
  int new_pid = h.DaemonPid();
  EXPECT_NE(new_pid, old_pid);
  EXPECT_EQ(Http(h.socket(), "GET", "/api/v1/health").status, 200);
  EXPECT_EQ(h.Coven({"sessions", "--json"}).exit_code, 0);
}

// Given daemon.json naming a live process that is not a daemon and a socket that accepts
// but never answers, commands should give up naming the fix, and `daemon restart` should
// refuse without signaling that process (it is not `coven daemon serve` holding the lock).
TEST(DaemonFrozenTest, WedgedSocketGivesUpAndRestartSignalsNoStranger) {
  CovenHome h;
  ASSERT_EQ(::mkdir(h.home().c_str(), 0700), 0);
  Sleeper stranger;
  ASSERT_GT(stranger.pid(), 0);
  WriteFile(h.file("daemon.json"), Record(stranger.pid(), h.socket()), 0600);
  WedgedSocket wedged(h.socket(), /*health_pid=*/0);

  RunResult list = h.Coven({"sessions", "--plain"}, kCommandBound);
  EXPECT_NE(list.exit_code, -1) << "coven sessions hung on a wedged socket";
  EXPECT_NE(list.exit_code, 0);
  EXPECT_NE(list.err.find(kFix), std::string::npos) << list.err;

  RunResult status = h.Coven({"daemon", "status"}, kCommandBound);
  EXPECT_EQ(status.exit_code, 1) << status.out << status.err;

  RunResult restart = h.Coven({"daemon", "restart"}, kCommandBound);
  EXPECT_EQ(restart.exit_code, 1) << restart.out << restart.err;
  EXPECT_NE(restart.err.find("could not be verified"), std::string::npos) << restart.err;
  EXPECT_TRUE(stranger.Running()) << "restart signaled a process that is not our daemon";
}

// Given a daemon whose health check answers but whose other requests never do, a command
// should give up after the client's bound with the fix named, never hang.
TEST(DaemonFrozenTest, RequestThatNeverAnswersGivesUpWithTheFix) {
  CovenHome h;
  ASSERT_EQ(::mkdir(h.home().c_str(), 0700), 0);
  Sleeper holder;  // the pid the fake health names, so the probe verifies it
  ASSERT_GT(holder.pid(), 0);
  WriteFile(h.file("daemon.json"), Record(holder.pid(), h.socket()), 0600);
  WedgedSocket wedged(h.socket(), holder.pid());

  RunResult list = h.Coven({"sessions", "--json"}, kCommandBound);
  EXPECT_NE(list.exit_code, -1) << "coven sessions hung on a request that is never answered";
  EXPECT_NE(list.exit_code, 0);
  EXPECT_NE(list.err.find("did not answer"), std::string::npos) << list.err;
  EXPECT_NE(list.err.find(kFix), std::string::npos) << list.err;
}

}  // namespace
}  // namespace coven::testing
