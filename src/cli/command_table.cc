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
       "  coven run demo hello --detach\n"
       "  coven run claude --conversation-id=new \"plan the refactor\"  # resumable later\n"
       "  coven run claude --resume 8f0c2d4e-1b7a-4c3e-9d2f-5a6b7c8d9e0f   # continue it\n"
       "  coven run codex --resume 019a... \"now run the tests\"   # codex resume <id>\n"
       "  coven run codex --worktree=fix-tests \"fix the failing tests\"  # branch coven/fix-tests",
       {{"harness", "codex, claude, demo, ... (see `coven doctor`)", OptionKind::kPositional, true},
        {"prompt", "the task (quote it, or put it after --); optional with --resume",
         OptionKind::kWords},
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
        {"--resume",
         "continue the harness's conversation ID (claude --resume, codex resume); the prompt "
         "may then be left out",
         OptionKind::kValue},
        {"--conversation-id",
         "start a new conversation under ID (claude --session-id; a UUID), or `new` for one "
         "Coven picks; `coven run --resume ID` continues it later",
         OptionKind::kValue},
        {"--worktree",
         "run in a new git worktree <project>/.coven/worktrees/NAME on branch coven/NAME "
         "(--worktree=NAME; default NAME: the session's short id)",
         OptionKind::kOptionalValue},
        {"--base", "the revision a --worktree branches from (default: HEAD)", OptionKind::kValue},
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
       "Print a session's output (--follow, --raw, --cast)",
       "--cast writes an asciicast v2 recording (output, input and resizes with\n"
       "their real timing) that `asciinema play` replays.\n\n"
       "Examples:\n  coven logs 6f1c\n  coven logs 6f1c --follow\n"
       "  coven logs 6f1c --cast > fix.cast && asciinema play fix.cast",
       {{"id", kIdHelp, OptionKind::kPositional, true},
        {"--follow,-f", "keep printing new output until the session ends", OptionKind::kFlag},
        {"--cast", "write an asciicast v2 recording instead of the raw output", OptionKind::kFlag},
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
       "Refuses a running session (kill it first). A session run with --worktree loses its\n"
       "worktree and branch too, refused while they hold uncommitted changes or commits no\n"
       "other branch has, unless --force.\n\nExamples:\n  coven sacrifice 6f1c --yes\n"
       "  coven sacrifice 6f1c --yes --force   # and discard its worktree's work",
       {{"id", kIdHelp, OptionKind::kPositional, true},
        {"--yes", "confirm: the session and its event log are deleted for good", OptionKind::kFlag},
        {"--force", "also delete a worktree holding uncommitted changes or unmerged commits",
         OptionKind::kFlag}},
       SacrificeCommand},
      {"worktrees",
       "List the sessions' git worktrees with their state (prune)",
       "Each session run with --worktree, with its path, branch and state: clean, dirty\n"
       "(uncommitted changes), unmerged (commits no other branch has) or removed.\n\n"
       "Examples:\n  coven worktrees\n  coven worktrees --json\n"
       "  coven worktrees prune   # remove the clean ones whose sessions have ended",
       {{"--json", "machine-readable: the daemon's {\"worktrees\": [...]}", OptionKind::kFlag}},
       WorktreesCommand,
       {{"prune",
         "Remove the clean worktrees (and branches) of sessions that have ended",
         "Keeps running sessions' worktrees and any holding work (dirty or unmerged).\n\n"
         "Example:\n  coven worktrees prune",
         {{"--json", "machine-readable: {\"removed\": [...], \"kept\": [...]}", OptionKind::kFlag}},
         WorktreesPruneCommand}}},
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
    case OptionKind::kOptionalValue:
      // A flag whose value, when given, is attached (--worktree=NAME): never the next word,
      // which is the prompt's.
      added = app.add_flag(std::string(option.names) + "{" + kOptionalValueGiven + "}",
                           values_[key], option.help);
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
