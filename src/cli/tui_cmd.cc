// `coven` / `coven tui`: the slash-command palette (SPEC 6.1).
#include <cstdio>

#include <CLI/CLI.hpp>

#include "cli/commands.h"

namespace coven::cli {

int RunPalette(Context& /*ctx*/) {
  std::printf("Tip: run `coven tui` in a terminal, type a task, then press Enter.\n");
  return 0;
}

void SetupTui(CLI::App& sub, Context& ctx) {
  sub.callback([&ctx] { ctx.exit_code = RunPalette(ctx); });
}

}  // namespace coven::cli
