// The command table: every `coven` command with its one-line help, its footer and its
// options. `coven --help`, each command's --help (and later completions and man pages)
// come from these rows; the handlers live beside their families (session_cmds.cc, ...).
#include <CLI/CLI.hpp>

#include "cli/commands.h"

namespace coven::cli {
namespace {

constexpr const char* kIdHelp = "session id or a unique prefix of it";

std::vector<CommandSpec> SessionCommands() {
  return {
      {"run",
       "Run a harness on a task in this project, attached (Ctrl-] detaches)",
       "The project root is the current directory. Interactive when stdin and stdout are both\n"
       "terminals: keys go to the harness (Ctrl-C too) and Ctrl-] detaches, leaving the\n"
       "session running. Otherwise headless: the harness's non-interactive form runs, its\n"
       "output streams to stdout, the [coven session ...] line goes to stderr, coven exits\n"
       "with the harness's exit code, and Ctrl-C kills the session. The prompt is always\n"
       "the harness's task, never its option (after -- here if it starts with -).\n\n"
       "Examples:\n"
       "  coven run codex \"fix the failing tests\"\n"
       "  coven run codex \"summarize the changes\" | tee log     # headless, codex exec\n"
       "  coven run claude --headless --model sonnet \"list the TODOs\"\n"
       "  coven run claude --title review -- explain this repo in 5 bullets\n"
       "  coven run codex -- --help        # Codex gets the task \"--help\"\n"
       "  coven run codex --harness-arg=--model --harness-arg=o3 \"fix the failing tests\"\n"
       "  coven run demo hello --detach",
       {{"harness", "codex, claude, demo, ... (see `coven doctor`)", OptionKind::kPositional, true},
        {"prompt", "the task (quote it, or put it after --)", OptionKind::kWords, true},
        {"--cwd", "working directory inside the project (default: here)", OptionKind::kValue},
        {"--title", "a title for the session list", OptionKind::kValue},
        {"--detach,-d", "start it and return at once (prints the id)", OptionKind::kFlag},
        {"--headless",
         "run the harness non-interactively (codex exec, claude --print) and stream its output "
         "to stdout; the default when stdin or stdout is not a terminal (but not with --detach)",
         OptionKind::kFlag},
        {"--interactive",
         "run the harness interactively even when stdin or stdout is not a terminal",
         OptionKind::kFlag},
        {"--model", "the model the harness uses (its own model flag)", OptionKind::kValue},
        {"--harness-arg",
         "an extra argument for the harness, placed right before its prompt "
         "(repeatable; codex, claude, gemini, aider, opencode, or adapters with "
         "passThrough). Write values starting with - as --harness-arg=--model "
         "--harness-arg=o3",
         OptionKind::kValues}},
       RunCommand},
      {"sessions",
       "List sessions (--all, --plain, --json)",
       "Examples:\n"
       "  coven sessions             # active sessions\n"
       "  coven sessions --all       # archived ones too\n"
       "  coven sessions --project . # only this project's sessions\n"
       "  coven sessions --json | jq '.sessions[].id'",
       {{"--all", "include archived sessions", OptionKind::kFlag},
        {"--manage", "open the interactive browser (the default on a terminal)", OptionKind::kFlag},
        {"--plain", "the plain table (the default when not on a terminal)", OptionKind::kFlag},
        {"--json", "machine-readable: {\"sessions\": [...]}", OptionKind::kFlag},
        {"--project", "only sessions whose project root is PATH or inside it (`.` = here)",
         OptionKind::kValue}},
       SessionsCommand},
      {"attach",
       "Rejoin a session: its current screen, then follow it live",
       "Shows the session's current screen, then follows it live and forwards\n"
       "keys while it runs (Ctrl-] detaches); --replay replays the whole output\n"
       "instead. A finished session shows its final screen and exits.\n\n"
       "Example:\n  coven attach 6f1c",
       {{"id", kIdHelp, OptionKind::kPositional, true},
        {"--replay", "replay the whole output instead of starting from the current screen",
         OptionKind::kFlag}},
       AttachCommand},
      {"logs",
       "Print a session's output (--follow, --raw)",
       "Examples:\n  coven logs 6f1c\n  coven logs 6f1c --follow",
       {{"id", kIdHelp, OptionKind::kPositional, true},
        {"--follow,-f", "keep printing new output until the session ends", OptionKind::kFlag},
        {"--raw", "show secrets instead of [REDACTED:...] markers", OptionKind::kFlag}},
       LogsCommand},
      {"wait",
       "Wait until a session needs you (asks, waits for input) or ends",
       "Follows the session's activity (working, waiting, asking; see `coven sessions`) and\n"
       "returns when it reaches the state --for names: `asking` (a permission or approval\n"
       "prompt, a question), `waiting` (its turn is over), `any` (either, or the end of the\n"
       "session: the default) or `exit` (the session ended). Prints the state reached.\n\n"
       "Exit codes: 0 reached; 1 error (unknown session, no daemon); 2 bad options;\n"
       "3 --timeout passed; 4 the session ended before reaching the state.\n\n"
       "Examples:\n"
       "  coven wait 6f1c --for asking --timeout 600 && notify-send \"agent needs you\"\n"
       "  coven wait 6f1c --for exit",
       {{"id", kIdHelp, OptionKind::kPositional, true},
        {"--for", "asking, waiting, exit or any (default: any)", OptionKind::kValue},
        {"--timeout", "give up after S seconds (exit code 3)", OptionKind::kValue}},
       WaitCommand},
      {"kill",
       "Stop a running session (its whole process group)",
       "SIGHUP, then SIGTERM, then SIGKILL to the harness's whole process group.\n\n"
       "Example:\n  coven kill 6f1c",
       {{"id", kIdHelp, OptionKind::kPositional, true}},
       KillCommand},
      {"archive",
       "Hide a finished session from the active list",
       "Refuses a running session. `coven sessions --all` still lists it.\n\n"
       "Example:\n  coven archive 6f1c",
       {{"id", kIdHelp, OptionKind::kPositional, true}},
       ArchiveCommand},
      {"summon",
       "Bring an archived session back and attach to it",
       "Example:\n  coven summon 6f1c   # back from the archive, then attach",
       {{"id", kIdHelp, OptionKind::kPositional, true}},
       SummonCommand},
      {"sacrifice",
       "Delete a finished session and its event log (--yes)",
       "Refuses a running session (kill it first).\n\nExample:\n  coven sacrifice 6f1c --yes",
       {{"id", kIdHelp, OptionKind::kPositional, true},
        {"--yes", "confirm: the session and its event log are deleted for good",
         OptionKind::kFlag}},
       SacrificeCommand},
  };
}

CommandSpec DaemonCommand() {
  return {
      "daemon",
      "Start, inspect, stop, restart or reload the Coven daemon",
      "Examples:\n"
      "  coven daemon start     # detaches; prints status=running pid=... socket=...\n"
      "  coven daemon status    # status=running|stale|stopped\n"
      "  coven daemon restart   # sessions keep running across restarts\n"
      "  coven daemon stop",
      {},
      nullptr,
      {
          {"start",
           "Start the daemon in the background (no-op when running)",
           "Waits until the daemon answers on $COVEN_HOME/coven.sock, then prints\n"
           "`status=running pid=<pid> socket=<path>`. `coven run` starts it by itself.\n\n"
           "Example:\n  coven daemon start",
           {},
           DaemonStartCommand},
          {"status",
           "Report whether the daemon is running",
           "Prints `status=running pid=... socket=...`, `status=stale ...` (its pid lives\n"
           "but does not answer: exit 1, `coven daemon restart` replaces it) or\n"
           "`status=stopped`.\n\n"
           "Example:\n  coven daemon status",
           {},
           DaemonStatusCommand},
          {"stop",
           "Stop the daemon (running sessions keep running)",
           "Sessions are supervised by their own shims: they keep running and the next\n"
           "daemon re-adopts them. Stop a session with `coven kill <id>`.\n\n"
           "Example:\n  coven daemon stop",
           {},
           DaemonStopCommand},
          {"restart",
           "Stop then start the daemon",
           "Running sessions keep running across the restart. A daemon that does not answer\n"
           "(stopped, wedged) is replaced too, once /proc shows it is this home's daemon.\n\n"
           "Example:\n  coven daemon restart",
           {},
           DaemonRestartCommand},
          {"reload",
           "Re-read $COVEN_HOME/config.json (notifications) without a restart",
           "Checks config.json first (a bad file is an error naming the field, and the\n"
           "daemon keeps its set-up), then sends the daemon SIGHUP. See docs/attention.md.\n\n"
           "Example:\n  coven daemon reload",
           {},
           DaemonReloadCommand},
          {"serve",
           "Run the daemon in the foreground (internal)",
           "",
           {{"--ready-fd", "fd that receives `ok` once serving", OptionKind::kInt}},
           DaemonServeCommand,
           {},
           /*hidden=*/true},
      },
  };
}

std::vector<CommandSpec> MakeCommands() {
  std::vector<CommandSpec> all = SessionCommands();
  all.push_back(
      {"tui",
       "The prompt-first palette of slash commands (also plain `coven`)",
       "Type a task and press Enter to run it with the default harness (codex when it is\n"
       "installed, else claude), or type a slash command; Up/Down pick one and an empty\n"
       "Enter runs it. Esc quits. Outside a terminal it prints the palette and a tip.\n\n"
       "Examples:\n"
       "  coven tui                        open the palette (plain `coven` does too)\n"
       "then, typed inside the palette:\n"
       "  fix the failing tests            run the default harness on that task\n"
       "  /run claude explain this repo    run a given harness\n"
       "  /run                             guided: asks harness, task and title\n"
       "  /sessions                        the session browser (/all with archived)\n"
       "  /help                            every slash command with an example",
       {},
       TuiCommand});
  all.push_back({"doctor",
                 "Check the store, daemon, ledger and harnesses (--json)",
                 "Checks the store, the daemon, the ledger and every harness adapter.\n"
                 "Exit 1 when something blocks running sessions.\n\nExamples:\n  coven doctor\n"
                 "  coven daemon stop && coven doctor --repair   # after `the ledger ... is "
                 "damaged`",
                 {{"--json", "machine-readable report", OptionKind::kFlag},
                  {"--repair",
                   "rebuild a damaged ledger from the session folders (the daemon must be "
                   "stopped; the damaged file is kept aside)",
                   OptionKind::kFlag}},
                 DoctorCommand});
  all.push_back(DaemonCommand());
  all.push_back({"completion",
                 "Print the shell completion script for bash, zsh or fish",
                 "Completes commands, options, harness ids and live session ids (asked of the\n"
                 "daemon, silently nothing when it is not running). Installed by the .deb.\n\n"
                 "Examples:\n"
                 "  coven completion bash > ~/.local/share/bash-completion/completions/coven\n"
                 "  coven completion zsh > ~/.zfunc/_coven        # with fpath+=(~/.zfunc)\n"
                 "  coven completion fish > ~/.config/fish/completions/coven.fish",
                 {{"shell", "bash, zsh or fish", OptionKind::kPositional, true}},
                 CompletionCommand});
  return all;
}

std::string KeyOf(const char* names) {
  std::string first(names);
  first = first.substr(0, first.find(','));
  return first.substr(first.find_first_not_of('-'));
}

}  // namespace

const std::vector<CommandSpec>& AllCommands() {
  static const std::vector<CommandSpec> commands = MakeCommands();
  return commands;
}

const std::string& Args::Value(const std::string& key) const {
  static const std::string kEmpty;
  auto it = values_.find(key);
  return it == values_.end() ? kEmpty : it->second;
}

const std::vector<std::string>& Args::Values(const std::string& key) const {
  static const std::vector<std::string> kNone;
  auto it = lists_.find(key);
  return it == lists_.end() ? kNone : it->second;
}

bool Args::Flag(const std::string& key) const {
  auto it = flags_.find(key);
  return it != flags_.end() && it->second;
}

int Args::Int(const std::string& key, int fallback) const {
  auto set = ints_set_.find(key);
  return set == ints_set_.end() || !set->second ? fallback : ints_.at(key);
}

void Args::Bind(CLI::App& app, const OptionSpec& option) {
  std::string key = KeyOf(option.names);
  CLI::Option* added = nullptr;
  switch (option.kind) {
    case OptionKind::kPositional:
    case OptionKind::kValue:
      added = app.add_option(option.names, values_[key], option.help);
      break;
    case OptionKind::kWords:
      added = app.add_option(option.names, lists_[key], option.help);
      break;
    case OptionKind::kFlag:
      added = app.add_flag(option.names, flags_[key], option.help);
      break;
    case OptionKind::kValues:
      // One value per occurrence, so `--harness-arg=--model` keeps its dash-led value and
      // the words after it stay the prompt.
      added = app.add_option(option.names, lists_[key], option.help)
                  ->type_name("VALUE")
                  ->type_size(1)
                  ->allow_extra_args(false)
                  ->take_all();
      break;
    case OptionKind::kInt:
      ints_[key] = 0;
      added = app.add_option(option.names, ints_[key], option.help);
      added->each([this, key](const std::string&) { ints_set_[key] = true; });
      break;
  }
  if (option.required) {
    added->required();
  }
}

}  // namespace coven::cli
