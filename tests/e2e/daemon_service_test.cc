// End-to-end: the daemon as a systemd user service (packaging/systemd/coven.service). No
// systemd manager runs in the test sandbox, so the unit is checked with `systemd-analyze
// verify`, and the manager's side of Type=notify is played by the test: a datagram socket
// passed as NOTIFY_SOCKET, exactly as systemd passes it.
#include <signal.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include "core/unique_fd.h"
#include "e2e/session_helpers.h"
#include "support/testing.h"

namespace coven::testing::sess {
namespace {

// systemd's end of the notify protocol: an abstract datagram socket.
class FakeServiceManager {
 public:
  FakeServiceManager() : name_("@coven-e2e-notify-" + std::to_string(::getpid())) {
    fd_.Reset(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::memcpy(addr.sun_path + 1, name_.data() + 1, name_.size() - 1);
    auto len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + name_.size());
    EXPECT_EQ(::bind(fd_.fd(), reinterpret_cast<const sockaddr*>(&addr), len), 0);
    timeval step{0, 200'000};
    ::setsockopt(fd_.fd(), SOL_SOCKET, SO_RCVTIMEO, &step, sizeof step);
  }
  const std::string& name() const { return name_; }

  // The next message, or "" when none came before the hang guard.
  std::string Next() {
    std::string message;
    WaitFor(
        [&] {
          char buf[512];
          ssize_t n = ::recv(fd_.fd(), buf, sizeof buf, 0);
          if (n > 0) {
            message.assign(buf, static_cast<size_t>(n));
          }
          return n > 0;
        },
        kHangGuard);
    return message;
  }

 private:
  std::string name_;
  core::UniqueFd fd_;
};

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

class DaemonServiceTest : public ::testing::Test {
 protected:
  CovenHome home_;
  TempDir project_;
};

// Given the shipped unit with its ExecStart pointed at the binary under test, systemd's own
// checker should find nothing to say (it exits 0 even on bad values, so silence is the test).
TEST_F(DaemonServiceTest, UnitVerifies) {
  RunResult which = testing::Run({"sh", "-c", "command -v systemd-analyze"}, {});
  if (which.exit_code != 0) {
    GTEST_SKIP() << "systemd-analyze is not installed (scripts/setup.sh installs systemd)";
  }
  std::string unit = ReadAll(std::string(COVEN_SOURCE_DIR) + "/packaging/systemd/coven.service");
  ASSERT_NE(unit.find("ExecStart=/usr/bin/coven daemon serve\n"), std::string::npos) << unit;
  for (const char* line : {"Type=notify\n", "KillMode=process\n", "Restart=on-failure\n"}) {
    EXPECT_NE(unit.find(line), std::string::npos) << line;
  }
  unit.replace(unit.find("/usr/bin/coven"), 14, CovenBin());
  WriteFile(project_ / "coven.service", unit);
  RunResult verify =
      testing::Run({"systemd-analyze", "verify", "--man=no", project_ / "coven.service"}, {});
  EXPECT_EQ(verify.exit_code, 0) << verify.err;
  EXPECT_EQ(verify.out + verify.err, "");
}

// Given NOTIFY_SOCKET (as systemd sets it for Type=notify), the daemon should send READY=1
// with its pid only once its socket answers, record that systemd supervises it (daemon
// status says so), keep NOTIFY_SOCKET from the harnesses it starts, and say STOPPING=1 when
// it stops.
TEST_F(DaemonServiceTest, ReadinessReachesTheServiceManager) {
  FakeServiceManager manager;
  home_.env()["NOTIFY_SOCKET"] = manager.name();
  home_.AddScript("codex", "#!/bin/sh\necho \"notify=${NOTIFY_SOCKET-unset}\"\n");
  ASSERT_EQ(home_.Coven({"daemon", "start"}).exit_code, 0);
  std::string ready = manager.Next();
  int pid = home_.DaemonPid();
  EXPECT_EQ(ready.rfind("READY=1\nMAINPID=" + std::to_string(pid) + "\n", 0), 0u) << ready;
  EXPECT_EQ(Http(home_.socket(), "GET", "/health").status, 200);
  EXPECT_NE(ReadAll(home_.file("daemon.json")).find("\"supervisor\": \"systemd\""),
            std::string::npos);
  RunResult status = home_.Coven({"daemon", "status"});
  EXPECT_EQ(status.out, "coven daemon status=running ok=true pid=" + std::to_string(pid) +
                            " socket=" + home_.socket() + " supervisor=systemd\n");

  home_.env().erase("NOTIFY_SOCKET");
  RunResult run = home_.Coven({"run", "codex", "x", "--detach"}, kHangGuard, project_.path());
  ASSERT_EQ(run.exit_code, 0) << run.err;
  std::string id = run.out.substr(0, 36);
  RunResult logs;
  WaitFor(
      [&] {
        logs = home_.Coven({"logs", id});
        return logs.out.find("notify=") != std::string::npos;
      },
      kHangGuard);
  EXPECT_NE(logs.out.find("notify=unset"), std::string::npos) << logs.out;

  ASSERT_EQ(::kill(pid, SIGTERM), 0);
  EXPECT_EQ(manager.Next(), "STOPPING=1");
}

// Given a session running under a daemon started as a service, stopping the daemon alone
// (what KillMode=process does on `systemctl --user restart coven`) and starting it again
// should leave the session running and its output whole.
TEST_F(DaemonServiceTest, ServiceRestartKeepsSessions) {
  FakeServiceManager manager;
  home_.env()["NOTIFY_SOCKET"] = manager.name();
  home_.AddScript("codex",
                  "#!/bin/sh\nstty -opost\ni=0\nwhile read -r line; do i=$((i+1)); "
                  "echo \"got:$i:$line\"; done\n");
  ASSERT_EQ(home_.Coven({"daemon", "start"}).exit_code, 0);
  ASSERT_EQ(manager.Next().rfind("READY=1", 0), 0u);
  RunResult run = home_.Coven({"run", "codex", "x", "--detach"}, kHangGuard, project_.path());
  ASSERT_EQ(run.exit_code, 0) << run.err;
  std::string id = run.out.substr(0, 36);
  auto send = [&](const std::string& line) {
    return Http(home_.socket(), "POST", "/api/v1/sessions/" + id + "/input",
                Body({{"data", json::value(line + "\n")}}))
        .status;
  };
  ASSERT_EQ(send("before"), 202);

  int old_pid = home_.DaemonPid();
  ASSERT_EQ(::kill(old_pid, SIGTERM), 0);
  EXPECT_EQ(manager.Next(), "STOPPING=1");
  ASSERT_TRUE(WaitFor([&] { return !ProcessAlive(old_pid); }, kHangGuard));
  ASSERT_EQ(home_.Coven({"daemon", "start"}).exit_code, 0);
  EXPECT_EQ(manager.Next().rfind("READY=1", 0), 0u);
  EXPECT_NE(home_.DaemonPid(), old_pid);

  ASSERT_EQ(send("after"), 202);
  RunResult logs;
  WaitFor(
      [&] {
        logs = home_.Coven({"logs", id});
        return logs.out.find("got:2:after") != std::string::npos;
      },
      kHangGuard);
  EXPECT_NE(logs.out.find("got:1:before\n"), std::string::npos) << logs.out;
  EXPECT_NE(logs.out.find("got:2:after\n"), std::string::npos) << logs.out;
  RunResult list = home_.Coven({"sessions", "--plain"});
  EXPECT_NE(list.out.find(id + " running"), std::string::npos) << list.out;
  Http(home_.socket(), "POST", "/api/v1/sessions/" + id + "/kill");
}

}  // namespace
}  // namespace coven::testing::sess
