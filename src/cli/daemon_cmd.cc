// `coven daemon start|status|stop|restart|serve` (SPEC 5.3).
#include <cstdio>
#include <string>

#include <CLI/CLI.hpp>

#include "cli/commands.h"
#include "core/strings.h"
#include "daemon/lifecycle.h"
#include "daemon/serve.h"

namespace coven::cli {
namespace {

// One user-facing verb: its help, its help's footer, and what it prints (one status line).
struct Verb {
  const char* name;
  const char* help;
  const char* footer;
  core::Result<std::string> (*run)(const core::HomePaths& home);
};

core::Result<std::string> Start(const core::HomePaths& home) {
  return daemon::StartDaemon(home, daemon::SelfExecutable());
}
core::Result<std::string> Status(const core::HomePaths& home) {
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
}
core::Result<std::string> Stop(const core::HomePaths& home) {
  return daemon::StopDaemon(home);
}
core::Result<std::string> Restart(const core::HomePaths& home) {
  return daemon::RestartDaemon(home, daemon::SelfExecutable());
}

constexpr Verb kVerbs[] = {
    {"start", "Start the daemon in the background (no-op when running)",
     "Waits until the daemon answers on $COVEN_HOME/coven.sock, then prints\n"
     "`status=running pid=<pid> socket=<path>`. `coven run` starts it by itself.\n\n"
     "Example:\n  coven daemon start",
     Start},
    {"status", "Report whether the daemon is running",
     "Prints `status=running pid=... socket=...`, `status=stale ...` (its pid lives\n"
     "but does not answer: exit 1, `coven daemon restart` replaces it) or\n"
     "`status=stopped`.\n\n"
     "Example:\n  coven daemon status",
     Status},
    {"stop", "Stop the daemon (running sessions keep running)",
     "Sessions are supervised by their own shims: they keep running and the next\n"
     "daemon re-adopts them. Stop a session with `coven kill <id>`.\n\n"
     "Example:\n  coven daemon stop",
     Stop},
    {"restart", "Stop then start the daemon",
     "Running sessions keep running across the restart. A daemon that does not answer\n"
     "(stopped, wedged) is replaced too, once /proc shows it is this home's daemon.\n\n"
     "Example:\n  coven daemon restart",
     Restart},
};

}  // namespace

void SetupDaemon(CLI::App& sub, Context& ctx) {
  sub.require_subcommand(1);
  sub.footer(
      "Examples:\n"
      "  coven daemon start     # detaches; prints status=running pid=... socket=...\n"
      "  coven daemon status    # status=running|stale|stopped\n"
      "  coven daemon restart   # sessions keep running across restarts\n"
      "  coven daemon stop");
  for (const Verb& verb : kVerbs) {
    sub.add_subcommand(verb.name, verb.help)->footer(verb.footer)->callback([&ctx, &verb] {
      if (auto home = ctx.Home()) {
        auto line = verb.run(*home);
        if (!line) {
          ctx.Fail(line.error());
          return;
        }
        std::printf("%s\n", core::TerminalSafe(*line).c_str());  // holds paths
      }
    });
  }
  auto* serve = sub.add_subcommand("serve", "Run the daemon in the foreground (internal)");
  serve->group("");  // hidden
  static int ready_fd = -1;
  serve->add_option("--ready-fd", ready_fd, "fd that receives `ok` once serving");
  serve->callback([&ctx] {
    if (auto home = ctx.Home()) {
      ctx.exit_code = daemon::Serve({home->home, ready_fd});
    }
  });
}

}  // namespace coven::cli
