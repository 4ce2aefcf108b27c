// `coven shim ...`: the per-session supervisor process (internal; started by the daemon).
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "cli/commands.h"
#include "shim/shim.h"

namespace coven::cli {

void SetupShim(CLI::App& sub, Context& ctx) {
  sub.group("");  // hidden: users never run it
  // Static: CLI11 keeps pointers to these until the callback runs, once per process.
  static shim::ShimOptions opts;
  static int rows = 24;
  static int cols = 80;
  sub.add_option("--session-id", opts.session_id)->required();
  sub.add_option("--session-dir", opts.session_dir)->required();
  sub.add_option("--cwd", opts.cwd)->required();
  sub.add_option("--rows", rows)->check(CLI::Range(1, 1000));
  sub.add_option("--cols", cols)->check(CLI::Range(1, 1000));
  sub.add_option("--ready-fd", opts.ready_fd);
  static int kill_grace_ms = 1000;
  sub.add_option("--kill-grace-ms", kill_grace_ms);
  sub.add_option("argv", opts.argv, "harness argv (after --)")->required();
  sub.callback([&ctx] {
    opts.rows = static_cast<uint16_t>(rows);
    opts.cols = static_cast<uint16_t>(cols);
    opts.kill_grace = std::chrono::milliseconds(kill_grace_ms);
    ctx.exit_code = shim::RunShim(opts);
  });
}

}  // namespace coven::cli
