// End-to-end: another user is refused (issue 13, item 3). As root, a forked child drops to
// uid 65534 and connects to the daemon's socket and to a shim's socket. Their files are
// 0600 in a 0700 home, so the test gives each socket inode mode 0666 and a second link in
// /tmp: the other user then passes the file checks and meets the peer-credential check,
// which must close the connection with nothing served (and the daemon logs a line).
#include <grp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <string>

#include "e2e/session_helpers.h"

namespace coven::testing::sess {
namespace {

constexpr uid_t kNobody = 65534;

// What the child saw, as its exit code.
enum Outcome : int {
  kClosedSilently = 0,  // connected, then EOF (or reset) with no byte served
  kConnectFailed = 1,
  kServed = 2,    // bytes came back
  kNoAnswer = 3,  // neither bytes nor EOF before the deadline
  kSetupFailed = 4,
};

// In the child: become `uid`, connect to `path`, send `request`, and report.
[[noreturn]] void ProbeAs(uid_t uid, const std::string& path, const std::string& request) {
  if (uid != ::geteuid() && (::setgroups(0, nullptr) != 0 || ::setresgid(uid, uid, uid) != 0 ||
                             ::setresuid(uid, uid, uid) != 0)) {
    ::_exit(kSetupFailed);
  }
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  path.copy(addr.sun_path, sizeof(addr.sun_path) - 1);
  if (fd < 0 || ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    ::_exit(kConnectFailed);
  }
  ssize_t sent = ::send(fd, request.data(), request.size(), MSG_NOSIGNAL);
  (void)sent;  // a refused peer may already be gone; the read below tells
  pollfd p{fd, POLLIN, 0};
  if (::poll(&p, 1, 10'000) <= 0) {
    ::_exit(kNoAnswer);
  }
  char buf[256];
  ssize_t n = ::read(fd, buf, sizeof(buf));
  ::_exit(n > 0 ? kServed : kClosedSilently);
}

// Forks a child that runs ProbeAs and returns its outcome (-1 if it did not end in time).
int Probe(uid_t uid, const std::string& path, const std::string& request) {
  pid_t pid = ::fork();
  if (pid == 0) {
    ProbeAs(uid, path, request);
  }
  int status = 0;
  bool ended = WaitFor([&] { return ::waitpid(pid, &status, WNOHANG) == pid; }, kHangGuard);
  if (!ended) {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, &status, 0);
    return -1;
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// A second link to a socket inode in /tmp, with the inode opened to everyone (mode 0666)
// for the test's duration; both are undone on destruction.
class OpenLink {
 public:
  explicit OpenLink(const std::string& socket) : socket_(socket) {
    path_ = "/tmp/coven-peer-" + std::to_string(::getpid()) + "-" + std::to_string(++count_);
    ::unlink(path_.c_str());
    ok_ = ::chmod(socket_.c_str(), 0666) == 0 && ::link(socket_.c_str(), path_.c_str()) == 0;
  }
  ~OpenLink() {
    ::unlink(path_.c_str());
    ::chmod(socket_.c_str(), 0600);
  }
  OpenLink(const OpenLink&) = delete;
  OpenLink& operator=(const OpenLink&) = delete;
  OpenLink(OpenLink&&) = delete;
  OpenLink& operator=(OpenLink&&) = delete;
  bool ok() const { return ok_; }
  const std::string& path() const { return path_; }

 private:
  static inline int count_ = 0;
  std::string socket_;
  std::string path_;
  bool ok_ = false;
};

class PeerUidTest : public SessionTest {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) {
      GTEST_SKIP() << "needs root (to connect as another uid); CI runs as root";
    }
    SessionTest::SetUp();
  }
};

constexpr const char* kHealth = "GET /api/v1/health HTTP/1.1\r\nHost: coven\r\n\r\n";

// Given the daemon's socket reachable by another uid, that uid's connection should be
// closed with nothing served and the daemon log should name it, while our own uid is
// served through the very same path.
TEST_F(PeerUidTest, DaemonRefusesAnotherUidAndLogsIt) {
  OpenLink link(home_.socket());
  ASSERT_TRUE(link.ok()) << std::strerror(errno);
  EXPECT_EQ(Probe(::geteuid(), link.path(), kHealth), kServed) << "the path itself must work";
  EXPECT_EQ(Probe(kNobody, link.path(), kHealth), kClosedSilently);
  bool logged = WaitFor([&] {
    return ReadFileOrEmpty(home_.file("daemon.log"))
               .find("refused a connection from uid " + std::to_string(kNobody)) !=
           std::string::npos;
  });
  EXPECT_TRUE(logged) << ReadFileOrEmpty(home_.file("daemon.log"));
}

// Given a shim's socket reachable by another uid, that uid's connection should be closed
// with nothing served and a line in the daemon log naming the session and the uid, and the
// session should go on undisturbed.
TEST_F(PeerUidTest, ShimRefusesAnotherUid) {
  home_.AddScript("codex", "#!/bin/sh\necho ready\nread line\necho got-$line\n");
  std::string id = LaunchId("codex", "x");
  ASSERT_TRUE(WaitOutput(id, "ready"));
  OpenLink link(home_.file("sessions/" + id + "/shim.sock"));
  ASSERT_TRUE(link.ok()) << std::strerror(errno);
  // A hello frame (type, then a zero u32 length) is answered for our own uid.
  std::string hello("\x04\x00\x00\x00\x00", 5);
  EXPECT_EQ(Probe(::geteuid(), link.path(), hello), kServed) << "the path itself must work";
  EXPECT_EQ(Probe(kNobody, link.path(), hello), kClosedSilently);
  bool logged = WaitFor([&] {
    return ReadFileOrEmpty(home_.file("daemon.log"))
               .find("shim " + id + ": refused a connection from uid " + std::to_string(kNobody)) !=
           std::string::npos;
  });
  EXPECT_TRUE(logged) << ReadFileOrEmpty(home_.file("daemon.log"));
  EXPECT_EQ(SendInput(id, "on\n").status, 202);
  EXPECT_TRUE(WaitOutput(id, "got-on"));
}

}  // namespace
}  // namespace coven::testing::sess
