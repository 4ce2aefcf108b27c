// End-to-end: `coven daemon start|status|stop|restart` against the real binary.
#include <gtest/gtest.h>

#include "support/testing.h"

namespace coven::testing {
namespace {

// Given a fresh home, start should detach a daemon that answers health, and stop should
// remove the socket and daemon.json.
TEST(DaemonLifecycleTest, StartStatusStop) {
  CovenHome h;
  RunResult status = h.Coven({"daemon", "status"});
  EXPECT_EQ(status.exit_code, 0);
  EXPECT_EQ(status.out, "coven daemon status=stopped\n");

  h.StartDaemon();
  int pid = h.DaemonPid();
  ASSERT_GT(pid, 0);
  EXPECT_TRUE(ProcessAlive(pid));
  HttpResult health = Http(h.socket(), "GET", "/api/v1/health");
  EXPECT_EQ(health.status, 200);
  EXPECT_NE(health.body.find("\"pid\":" + std::to_string(pid)), std::string::npos);

  status = h.Coven({"daemon", "status"});
  EXPECT_EQ(status.out, "coven daemon status=running ok=true pid=" + std::to_string(pid) +
                            " socket=" + h.socket() + "\n");

  RunResult stop = h.Coven({"daemon", "stop"});
  EXPECT_EQ(stop.exit_code, 0) << stop.err;
  EXPECT_EQ(stop.out, "coven daemon status=stopped\n");
  EXPECT_FALSE(ProcessAlive(pid));
  EXPECT_FALSE(Exists(h.socket()));
  EXPECT_FALSE(Exists(h.file("daemon.json")));
  stop = h.Coven({"daemon", "stop"});
  EXPECT_EQ(stop.out, "coven daemon was not running\n");
}

}  // namespace
}  // namespace coven::testing
