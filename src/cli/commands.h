// cli/commands.h: the command table and the context handlers share. Internal to cli/.
#pragma once

#include <map>
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

// How an option takes its value (STYLE 7: each command owns its options, as rows).
enum class OptionKind {
  kPositional,     // one word, by position
  kWords,          // every remaining word (a prompt)
  kFlag,           // --name, no value
  kValue,          // --name VALUE
  kValues,         // --name VALUE, repeatable; each takes exactly one value
  kInt,            // --name N (an integer; CLI11 rejects anything else)
  kOptionalValue,  // --name or --name=VALUE (never a separate word): Value() is
                   // kOptionalValueGiven for the bare flag, "" when absent
};
inline constexpr const char* kOptionalValueGiven = "*";

// One option of a command, as its help, completions and man page show it.
struct OptionSpec {
  const char* names;  // CLI11's spelling: "id", "--follow,-f"
  const char* help;
  OptionKind kind;
  bool required = false;
};

// The parsed options of one command, by key: the positional name or the first long name
// without its dashes ("follow" for "--follow,-f"). Absent options read as empty.
class Args {
 public:
  const std::string& Value(const std::string& key) const;
  const std::vector<std::string>& Values(const std::string& key) const;
  bool Flag(const std::string& key) const;
  int Int(const std::string& key, int fallback) const;

  // Adds `option` to `app`, bound to storage inside this object (which must outlive the
  // parse: Main keeps it).
  void Bind(CLI::App& app, const OptionSpec& option);

 private:
  std::map<std::string, std::string> values_;
  std::map<std::string, std::vector<std::string>> lists_;
  std::map<std::string, bool> flags_;
  std::map<std::string, int> ints_;
  std::map<std::string, bool> ints_set_;
};

// One row of the command table (ninja's `Tool`, tmux's `cmd_entry`): what `coven --help`,
// completions and man pages show, and the handler that runs it with its parsed options.
struct CommandSpec {
  const char* name;
  const char* help;    // one line
  const char* footer;  // examples and notes under `coven <name> --help`
  std::vector<OptionSpec> options;
  void (*run)(Context& ctx, const Args& args);  // null: needs one of `subcommands`
  std::vector<CommandSpec> subcommands = {};
  bool hidden = false;  // internal (`daemon serve`)
};

// Every command, in `coven --help` order.
const std::vector<CommandSpec>& AllCommands();

// The handlers, one file per family.
void RunCommand(Context& ctx, const Args& args);
void AttachCommand(Context& ctx, const Args& args);
void SummonCommand(Context& ctx, const Args& args);
void LogsCommand(Context& ctx, const Args& args);
void KillCommand(Context& ctx, const Args& args);
void ArchiveCommand(Context& ctx, const Args& args);
void SacrificeCommand(Context& ctx, const Args& args);
void SessionsCommand(Context& ctx, const Args& args);
void DoctorCommand(Context& ctx, const Args& args);
void TuiCommand(Context& ctx, const Args& args);
void DaemonStartCommand(Context& ctx, const Args& args);
void DaemonStatusCommand(Context& ctx, const Args& args);
void DaemonStopCommand(Context& ctx, const Args& args);
void DaemonRestartCommand(Context& ctx, const Args& args);
void DaemonReloadCommand(Context& ctx, const Args& args);
void DaemonServeCommand(Context& ctx, const Args& args);
void CompletionCommand(Context& ctx, const Args& args);
void WorktreesCommand(Context& ctx, const Args& args);
void WorktreesPruneCommand(Context& ctx, const Args& args);
// `coven __complete CWORD WORDS...` (hidden, called by the completion scripts): prints the
// candidates for WORDS[CWORD], one a line. Never fails and never prints an error.
int CompleteWords(const std::vector<std::string>& argv);
// `coven __hook <session-id> claude|codex ...` (hidden, run by a harness): reports its
// activity to the daemon (hook_cmd.cc). Always returns 0.
int HookMain(const std::vector<std::string>& args);
// `coven __notify-run <timeout-ms> -- <argv...>` (hidden, run by the daemon's notifier).
int NotifyRunMain(const std::vector<std::string>& args);
void WaitCommand(Context& ctx, const Args& args);

// `coven` with no command, and `coven tui`.
int RunPalette(Context& ctx);

// The interactive browser on a terminal; returns the exit code, or -1 when it did not run
// (then the caller prints the plain table).
int RunSessionBrowser(Context& ctx, const core::HomePaths& paths, bool all,
                      const std::string& project = "");

}  // namespace coven::cli
