// `coven completion bash|zsh|fish` and the hidden `coven __complete`: shell completion
// generated from the command table (commands.h), so it always matches what the CLI parses.
//
// The shell scripts are small shims: each asks the binary (`coven __complete CWORD WORDS...`)
// for the candidates, and the binary walks the same table the parser is built from, as
// cobra and clap's dynamic completions do. Commands, subcommands and flags come from the
// table; a positional named `harness` completes adapter ids (built-ins plus the user's
// manifests, read locally); a positional named `id` completes live session ids from the
// daemon, with a short deadline and silently nothing when it is not running (completion
// never starts the daemon and never prints an error into the user's command line).
#include <chrono>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "cli/commands.h"
#include "client/daemon_client.h"
#include "client/sessions.h"
#include "core/home.h"
#include "core/strings.h"
#include "harness/harness_registry.h"

namespace coven::cli {
namespace {

// A live session list must come back fast enough to feel instant at <TAB>.
constexpr std::chrono::milliseconds kDaemonDeadline{300};

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

// The option of `spec` spelled `word` (any of its comma-separated names), or nullptr.
const OptionSpec* FindOption(const CommandSpec& spec, std::string_view word) {
  for (const OptionSpec& o : spec.options) {
    std::string_view names = o.names;
    while (!names.empty()) {
      size_t comma = names.find(',');
      if (names.substr(0, comma) == word) {
        return &o;
      }
      names = comma == std::string_view::npos ? "" : names.substr(comma + 1);
    }
  }
  return nullptr;
}

bool TakesValue(OptionKind kind) {
  return kind == OptionKind::kValue || kind == OptionKind::kValues || kind == OptionKind::kInt;
}

std::vector<const OptionSpec*> Positionals(const CommandSpec& spec) {
  std::vector<const OptionSpec*> out;
  for (const OptionSpec& o : spec.options) {
    if (o.kind == OptionKind::kPositional || o.kind == OptionKind::kWords) {
      out.push_back(&o);
    }
  }
  return out;
}

void Print(std::string_view candidate, std::string_view prefix) {
  if (StartsWith(candidate, prefix)) {
    std::printf("%.*s\n", static_cast<int>(candidate.size()), candidate.data());
  }
}

void CompleteSessionIds(std::string_view prefix) {
  auto home = core::ResolveCovenHome();
  if (!home) {
    return;
  }
  client::DaemonClient daemon(core::HomePaths(*home).socket, kDaemonDeadline);
  auto sessions = client::ListSessions(daemon, /*all=*/true);
  if (!sessions) {
    return;  // no daemon, or it did not answer in time: no candidates, no noise
  }
  for (const client::SessionRecord& s : *sessions) {
    Print(s.id, prefix);
  }
}

void CompleteHarnesses(std::string_view prefix) {
  auto home = core::ResolveCovenHome();
  harness::HarnessRegistry registry =
      home ? harness::HarnessRegistry::Load(core::HomePaths(*home).adapters)
           : harness::HarnessRegistry::BuiltinsOnly();
  for (const harness::Adapter& a : registry.adapters()) {
    Print(a.id, prefix);
  }
}

// Prints the candidates for words[cword] given the words before it (words[0] is `coven`).
void Complete(const std::vector<std::string>& words, size_t cword) {
  const std::vector<CommandSpec>* level = &AllCommands();
  const CommandSpec* spec = nullptr;
  size_t positional = 0;
  bool after_dashes = false;
  for (size_t i = 1; i < cword && i < words.size(); ++i) {
    const std::string& w = words[i];
    if (spec != nullptr && !after_dashes && w == "--") {
      after_dashes = true;
    } else if (spec != nullptr && !after_dashes && StartsWith(w, "-")) {
      const OptionSpec* o = FindOption(*spec, w.substr(0, w.find('=')));
      if (o != nullptr && TakesValue(o->kind) && w.find('=') == std::string::npos) {
        ++i;  // its value
      }
    } else if (level != nullptr) {
      const CommandSpec* next = nullptr;
      for (const CommandSpec& c : *level) {
        if (w == c.name) {
          next = &c;
        }
      }
      if (next == nullptr) {
        return;  // an unknown command: nothing sensible to offer
      }
      spec = next;
      level = spec->subcommands.empty() ? nullptr : &spec->subcommands;
    } else {
      ++positional;
    }
  }
  const std::string cur = cword < words.size() ? words[cword] : "";
  if (cword >= 2 && spec != nullptr && !after_dashes) {
    const OptionSpec* o = FindOption(*spec, words[cword - 1]);
    if (o != nullptr && TakesValue(o->kind)) {
      return;  // a value of the user's own: the shell's default (files) applies
    }
  }
  if (level != nullptr) {
    for (const CommandSpec& c : *level) {
      if (!c.hidden) {
        Print(c.name, cur);
      }
    }
    return;
  }
  if (StartsWith(cur, "-") && !after_dashes) {
    for (const OptionSpec& o : spec->options) {
      std::string_view names = o.names;
      while (!names.empty()) {
        size_t comma = names.find(',');
        std::string_view name = names.substr(0, comma);
        if (StartsWith(name, "--")) {
          Print(name, cur);
        }
        names = comma == std::string_view::npos ? "" : names.substr(comma + 1);
      }
    }
    Print("--help", cur);
    return;
  }
  std::vector<const OptionSpec*> slots = Positionals(*spec);
  if (positional < slots.size()) {
    std::string_view name = slots[positional]->names;
    if (name == "id") {
      CompleteSessionIds(cur);
    } else if (name == "harness") {
      CompleteHarnesses(cur);
    }
  }
}

constexpr const char* kBash = R"(# bash completion for coven (generated by `coven completion bash`)
_coven() {
  local IFS=$'\n'
  COMPREPLY=($(coven __complete "$COMP_CWORD" "${COMP_WORDS[@]}" 2>/dev/null))
}
complete -o default -o nosort -F _coven coven
)";

constexpr const char* kZsh = R"(#compdef coven
# zsh completion for coven (generated by `coven completion zsh`)
_coven() {
  local -a candidates
  candidates=("${(@f)$(coven __complete $((CURRENT - 1)) "${words[@]}" 2>/dev/null)}")
  if (( ${#candidates} )) && [[ -n "${candidates[1]}" ]]; then
    compadd -Q -- "${candidates[@]}"
  else
    _files
  fi
}
compdef _coven coven
)";

constexpr const char* kFish = R"(# fish completion for coven (generated by `coven completion fish`)
function __coven_complete
  set -l words (commandline -opc) (commandline -ct)
  coven __complete (math (count $words) - 1) $words 2>/dev/null
end
complete -c coven -f -a '(__coven_complete)'
)";

}  // namespace

void CompletionCommand(Context& ctx, const Args& args) {
  const std::string& shell = args.Value("shell");
  const char* script = shell == "bash"   ? kBash
                       : shell == "zsh"  ? kZsh
                       : shell == "fish" ? kFish
                                         : nullptr;
  if (script == nullptr) {
    ctx.Fail(core::Error(core::ErrorCode::kInvalidRequest,
                         "unknown shell `" + shell + "`; use bash, zsh or fish"));
    ctx.exit_code = 2;
    return;
  }
  std::fputs(script, stdout);
}

int CompleteWords(const std::vector<std::string>& argv) {
  if (argv.empty()) {
    return 0;
  }
  auto cword = core::ParseInt64(argv[0]);
  if (!cword || *cword < 1) {
    return 0;
  }
  std::vector<std::string> words(argv.begin() + 1, argv.end());
  Complete(words, static_cast<size_t>(*cword));
  return 0;
}

}  // namespace coven::cli
