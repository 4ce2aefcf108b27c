// `coven __notify-run <timeout-ms> -- <argv...>` (hidden): runs one notification program
// for the daemon (daemon/notifier.h) and reports on fd 3 how it ended: `exit N`,
// `signal N`, `timeout` or `error <why>`. It exists because the daemon reaps every child on
// SIGCHLD, so the daemon cannot wait for a program of its own; this process can.
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "cli/commands.h"
#include "core/strings.h"
#include "core/unique_fd.h"
#include "pty/process_spawn.h"
#include "pty/pty.h"

namespace coven::cli {
namespace {

constexpr int kReportFd = 3;
// How often the exit is checked: a notification program runs for a moment, once per
// transition, so a short sleep loop costs nothing worth an event source.
constexpr std::chrono::milliseconds kCheckEvery{20};

void Report(const std::string& line) {
  (void)core::WriteAll(kReportFd, line + "\n");  // a daemon that gave up is not our problem
}

}  // namespace

int NotifyRunMain(const std::vector<std::string>& args) {
  auto timeout_ms = args.empty() ? std::nullopt : core::ParseInt64(args[0]);
  if (!timeout_ms || args.size() < 3 || args[1] != "--") {
    Report("error usage: coven __notify-run <timeout-ms> -- <argv...>");
    return 2;
  }
  pty::ProcessOptions p;
  p.argv.assign(args.begin() + 2, args.end());
  p.new_session = true;  // its own group, so a timeout kills what it started too
  p.stdio_to_null = true;
  auto pid = pty::SpawnProcess(p);
  if (!pid) {
    Report("error " + pid.error().message);
    return 1;
  }
  pty::ChildProcess child(*pid);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(*timeout_ms);
  while (std::chrono::steady_clock::now() < deadline) {
    auto waited = child.TryWait();
    if (!waited) {
      Report("error " + waited.error().message);
      return 1;
    }
    if (waited->has_value()) {
      const pty::ExitInfo& info = **waited;
      Report(info.exit_code ? "exit " + std::to_string(*info.exit_code)
                            : "signal " + std::to_string(info.signal.value_or(0)));
      return 0;
    }
    std::this_thread::sleep_for(kCheckEvery);
  }
  (void)child.SignalGroup(SIGKILL);
  (void)child.Wait();
  Report("timeout");
  return 0;
}

}  // namespace coven::cli
