// `coven daemon start|status|stop|restart|serve` (SPEC 5.3).
#include <cstdio>
#include <string>

#include <CLI/CLI.hpp>

#include "cli/commands.h"
#include "daemon/lifecycle.h"
#include "daemon/serve.h"

namespace coven::cli {
namespace {

void Print(Context& ctx, const core::Result<std::string>& line) {
  if (!line) {
    ctx.Fail(line.error());
    return;
  }
  std::printf("%s\n", line->c_str());
}

}  // namespace

void SetupDaemon(CLI::App& sub, Context& ctx) {
  sub.require_subcommand(1);
  sub.footer(
      "Examples:\n"
      "  coven daemon start     # detaches; prints status=running pid=... socket=...\n"
      "  coven daemon status    # status=running|stale|stopped\n"
      "  coven daemon restart   # sessions keep running across restarts\n"
      "  coven daemon stop");
  sub.add_subcommand("start", "Start the daemon in the background (no-op when running)")
      ->footer(
          "Waits until the daemon answers on $COVEN_HOME/coven.sock, then prints\n"
          "`status=running pid=<pid> socket=<path>`. `coven run` starts it by itself.\n\n"
          "Example:\n  coven daemon start")
      ->callback([&ctx] {
        if (auto home = ctx.Home()) {
          Print(ctx, daemon::StartDaemon(*home, daemon::SelfExecutable()));
        }
      });
  sub.add_subcommand("status", "Report whether the daemon is running")
      ->footer(
          "Prints `status=running pid=... socket=...`, `status=stale ...` (its record\n"
          "outlived it; `coven daemon start` cleans up) or `status=stopped`.\n\n"
          "Example:\n  coven daemon status")
      ->callback([&ctx] {
        if (auto home = ctx.Home()) {
          auto report = daemon::DaemonStatus(*home);
          if (!report) {
            ctx.Fail(report.error());
            return;
          }
          std::printf("%s\n", report->line.c_str());
        }
      });
  sub.add_subcommand("stop", "Stop the daemon (running sessions keep running)")
      ->footer(
          "Sessions are supervised by their own shims: they keep running and the next\n"
          "daemon re-adopts them. Stop a session with `coven kill <id>`.\n\n"
          "Example:\n  coven daemon stop")
      ->callback([&ctx] {
        if (auto home = ctx.Home()) {
          Print(ctx, daemon::StopDaemon(*home));
        }
      });
  sub.add_subcommand("restart", "Stop then start the daemon")
      ->footer(
          "Running sessions keep running across the restart.\n\nExample:\n  coven daemon restart")
      ->callback([&ctx] {
        if (auto home = ctx.Home()) {
          Print(ctx, daemon::RestartDaemon(*home, daemon::SelfExecutable()));
        }
      });
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
