// End-to-end: how `coven daemon start` creates, checks and tightens COVEN_HOME (SPEC 1.3).
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <filesystem>
#include <map>
#include <string>

#include <gtest/gtest.h>

#include "support/testing.h"

namespace coven::testing {
namespace {

// Runs coven with COVEN_HOME=`home`; stops (or kills) any daemon it started on destruction.
class HomeRunner {
 public:
  explicit HomeRunner(std::string home) : home_(std::move(home)) {
    env_["COVEN_HOME"] = home_;
    env_["NO_COLOR"] = "1";
  }
  ~HomeRunner() {
    int pid = DaemonPid();
    if (pid > 0 && ProcessAlive(pid)) {
      Run({CovenBin(), "daemon", "stop"}, env_, milliseconds(15'000));
      if (ProcessAlive(pid)) {
        ::kill(pid, SIGKILL);
      }
    }
  }
  HomeRunner(const HomeRunner&) = delete;
  HomeRunner& operator=(const HomeRunner&) = delete;
  HomeRunner(HomeRunner&&) = delete;
  HomeRunner& operator=(HomeRunner&&) = delete;

  RunResult Coven(const std::vector<std::string>& args) {
    std::vector<std::string> argv{CovenBin()};
    argv.insert(argv.end(), args.begin(), args.end());
    return Run(argv, env_);
  }
  int DaemonPid() const {
    std::string text = ReadFileOrEmpty(home_ + "/daemon.json");
    size_t p = text.find("\"pid\":");
    return p == std::string::npos ? 0 : std::atoi(text.c_str() + p + 6);
  }
  std::string socket() const { return home_ + "/coven.sock"; }

 private:
  std::string home_;
  std::map<std::string, std::string> env_;
};

bool DirIsEmpty(const std::string& dir) {
  std::error_code ec;
  return std::filesystem::is_empty(dir, ec) && !ec;
}

// Given COVEN_HOME that is a symlink to a real folder, start should refuse naming the
// symlink and create nothing in the target.
TEST(DaemonHomeTest, SymlinkHomeRefused) {
  TempDir t;
  std::string real = t / "real";
  std::string link = t / "link";
  ASSERT_EQ(::mkdir(real.c_str(), 0700), 0);
  ASSERT_EQ(::symlink(real.c_str(), link.c_str()), 0);
  HomeRunner runner(link);
  RunResult r = runner.Coven({"daemon", "start"});
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(r.err.find(link), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("symlink"), std::string::npos) << r.err;
  EXPECT_TRUE(DirIsEmpty(real));
}

// Given COVEN_HOME owned by another user, start should refuse with exit 1.
TEST(DaemonHomeTest, ForeignOwnedHomeRefused) {
  if (::geteuid() != 0) {
    GTEST_SKIP() << "needs root to chown the home to another user";
  }
  TempDir t;
  std::string home = t / "home";
  ASSERT_EQ(::mkdir(home.c_str(), 0700), 0);
  ASSERT_EQ(::chown(home.c_str(), 65534, 65534), 0);
  HomeRunner runner(home);
  RunResult r = runner.Coven({"daemon", "start"});
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(r.err.find("owned by"), std::string::npos) << r.err;
  EXPECT_TRUE(DirIsEmpty(home));
}

// Given an existing home with mode 0755, start should tighten it to 0700.
TEST(DaemonHomeTest, LooseHomeTightened) {
  TempDir t;
  std::string home = t / "home";
  ASSERT_EQ(::mkdir(home.c_str(), 0700), 0);
  ASSERT_EQ(::chmod(home.c_str(), 0755), 0);
  HomeRunner runner(home);
  RunResult r = runner.Coven({"daemon", "start"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(FileMode(home), 0700u);
  EXPECT_EQ(Http(runner.socket(), "GET", "/health").status, 200);
}

// Given a leftover socket file nobody listens on, start should replace it and serve.
TEST(DaemonHomeTest, StaleSocketReplaced) {
  TempDir t;
  std::string home = t / "home";
  ASSERT_EQ(::mkdir(home.c_str(), 0700), 0);
  HomeRunner runner(home);
  {
    int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    ASSERT_GE(fd, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    runner.socket().copy(addr.sun_path, sizeof(addr.sun_path) - 1);
    int rc = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
    ::close(fd);
    ASSERT_EQ(rc, 0);
  }
  ASSERT_TRUE(Exists(runner.socket()));
  ASSERT_FALSE(UnixConn(runner.socket()).connected());
  RunResult r = runner.Coven({"daemon", "start"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(Http(runner.socket(), "GET", "/health").status, 200);
  EXPECT_EQ(FileMode(runner.socket()), 0600u);
}

// Given a regular file where the socket goes, start should fail saying it is not a socket
// and leave the file alone.
TEST(DaemonHomeTest, RegularFileAtSocketPathRefused) {
  TempDir t;
  std::string home = t / "home";
  ASSERT_EQ(::mkdir(home.c_str(), 0700), 0);
  HomeRunner runner(home);
  WriteFile(runner.socket(), "precious\n", 0644);
  RunResult r = runner.Coven({"daemon", "start"});
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(r.err.find("not a socket"), std::string::npos) << r.err;
  EXPECT_EQ(ReadFileOrEmpty(runner.socket()), "precious\n");
  EXPECT_EQ(FileMode(runner.socket()), 0644u);
  EXPECT_FALSE(Exists(home + "/daemon.json"));
}

// Given a nested COVEN_HOME whose parents do not exist yet, start should create it all.
TEST(DaemonHomeTest, NestedHomeCreated) {
  TempDir t;
  std::string home = t / "a/b/c";
  HomeRunner runner(home);
  RunResult r = runner.Coven({"daemon", "start"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(std::filesystem::is_directory(home));
  EXPECT_EQ(FileMode(home), 0700u);
  EXPECT_EQ(Http(runner.socket(), "GET", "/health").status, 200);
}

}  // namespace
}  // namespace coven::testing
