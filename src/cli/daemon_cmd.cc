// `coven daemon start|status|stop|restart|serve` (SPEC 5.3): each verb prints one status
// line. The rows (help, footers, options) are in command_table.cc.
#include <cstdio>
#include <string>

#include "cli/commands.h"
#include "core/strings.h"
#include "daemon/lifecycle.h"
#include "daemon/serve.h"

namespace coven::cli {
namespace {

// Runs `verb` against the resolved COVEN_HOME and prints its line.
void PrintLine(Context& ctx, core::Result<std::string> (*verb)(const core::HomePaths& home)) {
  auto home = ctx.Home();
  if (!home) {
    return;
  }
  auto line = verb(*home);
  if (!line) {
    ctx.Fail(line.error());
    return;
  }
  std::printf("%s\n", core::TerminalSafe(*line).c_str());  // holds paths
}

}  // namespace

void DaemonStartCommand(Context& ctx, const Args& /*args*/) {
  PrintLine(ctx, [](const core::HomePaths& home) {
    return daemon::StartDaemon(home, daemon::SelfExecutable());
  });
}

void DaemonStatusCommand(Context& ctx, const Args& /*args*/) {
  PrintLine(ctx, [](const core::HomePaths& home) -> core::Result<std::string> {
    auto report = daemon::DaemonStatus(home);
    if (!report) {
      return report.error();
    }
    if (report->state == daemon::DaemonState::kStale) {
      // Scripts grep the status line; the exit code and stderr say it is not fine.
      std::printf("%s\n", core::TerminalSafe(report->line).c_str());  // holds paths
      std::fflush(stdout);
      return daemon::NotAnswering(*report);
    }
    return report->line;
  });
}

void DaemonStopCommand(Context& ctx, const Args& /*args*/) {
  PrintLine(ctx, [](const core::HomePaths& home) { return daemon::StopDaemon(home); });
}

void DaemonRestartCommand(Context& ctx, const Args& /*args*/) {
  PrintLine(ctx, [](const core::HomePaths& home) {
    return daemon::RestartDaemon(home, daemon::SelfExecutable());
  });
}

void DaemonReloadCommand(Context& ctx, const Args& /*args*/) {
  PrintLine(ctx, [](const core::HomePaths& home) { return daemon::ReloadDaemon(home); });
}

void DaemonServeCommand(Context& ctx, const Args& args) {
  if (auto home = ctx.Home()) {
    ctx.exit_code = daemon::Serve({home->home, args.Int("ready-fd", -1)});
  }
}

}  // namespace coven::cli
