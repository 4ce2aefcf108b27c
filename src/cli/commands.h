// cli/commands.h: the command table and the context handlers share. Internal to cli/.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/home.h"
#include "core/result.h"

namespace CLI {
class App;
}

namespace coven::cli {

// What every handler may use; filled in by Main before parsing.
struct Context {
  int exit_code = 0;
  // Resolves COVEN_HOME (SPEC 1.1); prints the error and sets exit_code 1 on failure.
  core::Result<core::HomePaths> Home();
  // Prints `Error: <message>` on stderr and returns 1 (the exit code to use).
  int Fail(const core::Error& error);
};

// One row of the command table: adds the subcommand `name` to `app` and wires its handler.
struct CommandSpec {
  const char* name;
  const char* help;
  std::function<void(CLI::App& sub, Context& ctx)> setup;
};

// Every command, in `coven --help` order.
std::vector<CommandSpec> AllCommands();

// Per-command setup functions (one file each).
void SetupDaemon(CLI::App& sub, Context& ctx);
void SetupRunCommand(CLI::App& sub, Context& ctx);
void SetupAttachCommand(CLI::App& sub, Context& ctx);
void SetupSummonCommand(CLI::App& sub, Context& ctx);
void SetupLogsCommand(CLI::App& sub, Context& ctx);
void SetupKillCommand(CLI::App& sub, Context& ctx);
void SetupArchiveCommand(CLI::App& sub, Context& ctx);
void SetupSacrificeCommand(CLI::App& sub, Context& ctx);
void SetupSessions(CLI::App& sub, Context& ctx);
void SetupDoctor(CLI::App& sub, Context& ctx);
void SetupTui(CLI::App& sub, Context& ctx);
// `coven` with no command, and `coven tui`.
int RunPalette(Context& ctx);

// The interactive browser on a terminal; returns the exit code, or -1 when it did not run
// (then the caller prints the plain table).
int RunSessionBrowser(Context& ctx, const core::HomePaths& paths, bool all,
                      const std::string& project = "");

}  // namespace coven::cli
