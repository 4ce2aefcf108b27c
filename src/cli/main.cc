#include "cli/main.h"

#include <cstdio>
#include <exception>
#include <iostream>
#include <list>
#include <string>
#include <string_view>
#include <vector>

#include <CLI/CLI.hpp>

#include "cli/commands.h"
#include "core/strings.h"
#include "coven_version.h"
#include "shim/shim.h"

namespace coven::cli {

core::Result<core::HomePaths> Context::Home() {
  auto home = core::ResolveCovenHome();
  if (!home) {
    Fail(home.error());
    return home.error();
  }
  return core::HomePaths(*home);
}

int Context::Fail(const core::Error& error) {
  // Error messages quote what a client or a manifest sent (ids, titles, hints): never raw.
  // Line breaks of the message itself stay (a list of matches is one line each); quoted
  // fields that may hold line breaks are escaped where the message is built.
  std::string shown;
  std::string_view rest = error.message;
  for (size_t nl = rest.find('\n'); nl != std::string_view::npos; nl = rest.find('\n')) {
    shown += core::TerminalSafe(rest.substr(0, nl)) + "\n";
    rest.remove_prefix(nl + 1);
  }
  shown += core::TerminalSafe(rest);
  std::fprintf(stderr, "Error: %s\n", shown.c_str());
  exit_code = 1;
  return 1;
}

namespace {

// Adds `spec` (and its subcommands) under `parent`; each command's parsed options go to an
// Args of its own in `storage`, which outlives the parse.
void AddCommand(CLI::App& parent, const CommandSpec& spec, Context& ctx, std::list<Args>& storage) {
  CLI::App* sub = parent.add_subcommand(spec.name, spec.help);
  if (spec.footer[0] != '\0') {
    sub->footer(spec.footer);
  }
  if (spec.hidden) {
    sub->group("");
  }
  Args& args = storage.emplace_back();
  for (const OptionSpec& option : spec.options) {
    args.Bind(*sub, option);
  }
  for (const CommandSpec& child : spec.subcommands) {
    AddCommand(*sub, child, ctx, storage);
  }
  if (!spec.subcommands.empty() && spec.run == nullptr) {
    sub->require_subcommand(1);
  }
  if (spec.run != nullptr) {
    // A command with both a handler and subcommands (`worktrees`, `worktrees prune`) runs
    // its own handler only when no subcommand was given.
    sub->callback([&ctx, &args, sub, run = spec.run] {
      if (sub->get_subcommands().empty()) {
        run(ctx, args);
      }
    });
  }
}

}  // namespace

int Main(int argc, char** argv) {
  // `coven shim ...` is the per-session supervisor the daemon starts (internal, not a user
  // command): its flags are the shim module's own, parsed there.
  if (argc >= 2 && std::string_view(argv[1]) == "shim") {
    return shim::ShimMain(std::vector<std::string>(argv + 2, argv + argc));
  }
  // `coven __complete ...` is the completion scripts' question (hidden): its words are the
  // user's half-typed command line, which CLI11 must not try to parse as ours.
  if (argc >= 2 && std::string_view(argv[1]) == "__complete") {
    return CompleteWords(std::vector<std::string>(argv + 2, argv + argc));
  }
  // `coven __hook ...` is what a harness runs on its own events (hidden; hook_cmd.cc): its
  // words are the harness's, and a JSON document CLI11 must not see.
  if (argc >= 2 && std::string_view(argv[1]) == "__hook") {
    return HookMain(std::vector<std::string>(argv + 2, argv + argc));
  }
  // `coven __notify-run ...` runs one notification program for the daemon (hidden).
  if (argc >= 2 && std::string_view(argv[1]) == "__notify-run") {
    return NotifyRunMain(std::vector<std::string>(argv + 2, argv + argc));
  }
  try {
    CLI::App app{"Run project-scoped coding agents without memorizing harness commands", "coven"};
    app.set_version_flag("--version", std::string("coven ") + kCovenVersion);
    app.require_subcommand(0, 1);
    app.footer(
        "Examples:\n"
        "  coven run codex \"fix the failing tests\"   run Codex here, attached\n"
        "  coven run demo hello --detach            a demo session, no account needed\n"
        "  coven sessions                           what is running\n"
        "  coven attach 6f1c                        rejoin (any unique id prefix)\n"
        "  coven daemon status                      is the daemon up?\n"
        "\nState lives in $COVEN_HOME (default ~/.coven).");
    Context ctx;
    std::list<Args> storage;
    for (const CommandSpec& spec : AllCommands()) {
      AddCommand(app, spec, ctx, storage);
    }
    try {
      app.parse(argc, argv);
    } catch (const CLI::CallForHelp& e) {
      return app.exit(e);
    } catch (const CLI::CallForAllHelp& e) {
      return app.exit(e);
    } catch (const CLI::CallForVersion& e) {
      return app.exit(e);
    } catch (const CLI::ParseError& e) {
      std::fprintf(stderr, "Error: %s\nRun `coven --help` (or `coven <command> --help`).\n",
                   core::TerminalSafe(e.what()).c_str());
      return 2;
    }
    if (app.get_subcommands().empty()) {
      return RunPalette(ctx);
    }
    return ctx.exit_code;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "Error: %s\n", core::TerminalSafe(e.what()).c_str());
    return 1;
  }
}

}  // namespace coven::cli
