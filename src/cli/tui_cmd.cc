// `coven` / `coven tui`: the slash-command palette (SPEC 6.1). The model, frame and routing
// live in tui/palette.h; this file is the loop that owns the terminal and carries out the
// routed action by running the equivalent `coven` command as a child.
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/output.h"
#include "cli/tui_support.h"
#include "harness/harness_registry.h"
#include "tui/frame.h"
#include "tui/keys.h"
#include "tui/palette.h"
#include "tui/terminal.h"
#include "tui/text.h"

namespace coven::cli {

namespace {

std::string EnvOr(const char* name) {
  const char* v = std::getenv(name);  // NOLINT(concurrency-mt-unsafe)
  return v != nullptr ? v : "";
}

// The harnesses `/run <id>` accepts and the default one: codex if on PATH, else claude.
tui::RouteContext HarnessRoutes(const core::HomePaths& paths) {
  tui::RouteContext rc;
  harness::HarnessRegistry registry = harness::HarnessRegistry::Load(paths.adapters);
  std::string path = EnvOr("PATH");
  for (const harness::Adapter& a : registry.adapters()) {
    rc.harnesses.push_back(a.id);
  }
  for (const char* preferred : {"codex", "claude"}) {
    if (rc.default_harness.empty() && harness::FindOnPath(preferred, path)) {
      rc.default_harness = preferred;
    }
  }
  return rc;
}

// Runs the palette on the terminal until an action must run outside it (or the user
// quits). Input errors are shown in the frame and the loop goes on.
tui::PaletteAction PaletteLoop(tui::PaletteModel& model, const tui::PaletteView& view,
                               const tui::RouteContext& rc) {
  bool color = UseColor(1);
  tui::KeyParser parser;
  tui::Frame shown(0, 0);
  tui::ResizeSignal resize;  // a window change wakes the wait below at once
  for (;;) {
    auto size = tui::WindowSize(1).value_or(std::make_pair(uint16_t{24}, uint16_t{80}));
    int rows = size.first;
    int cols = size.second;
    tui::RenderedPalette r = tui::RenderPalette(model, view, tui::PaletteWidth(cols), rows);
    tui::Frame next = tui::Frame::FromLines(r.lines, rows, cols, color);
    next.SetCursor(std::min(r.input_row, rows - 1), std::min(r.input_col, cols - 1));
    if (!tui::WriteString(1, tui::Diff(shown, next))) {
      return {tui::ActionKind::kQuit, {}, ""};
    }
    shown = std::move(next);

    // A lone Esc is told from the start of a key sequence by 50 ms of silence; otherwise
    // the loop sleeps until a key or a resize (redrawn at the new size above).
    auto ready = tui::WaitAny({0, resize.fd()}, parser.pending() ? 50 : -1);
    if (!ready) {
      return {tui::ActionKind::kQuit, {}, ""};
    }
    bool resized = resize.Consume();
    std::vector<tui::Key> keys;
    if ((*ready)[0]) {
      auto bytes = tui::ReadSome(0);
      if (!bytes || bytes->empty()) {
        return {tui::ActionKind::kQuit, {}, ""};
      }
      keys = parser.Feed(*bytes);
    } else if (parser.pending() && !resized) {
      keys = parser.Flush();
    }
    for (const tui::Key& key : keys) {
      tui::PaletteSignal signal = tui::ApplyPaletteKey(model, key);
      if (signal == tui::PaletteSignal::kQuit) {
        return {tui::ActionKind::kQuit, {}, ""};
      }
      if (signal != tui::PaletteSignal::kSubmit) {
        continue;
      }
      tui::PaletteAction action = tui::Submit(model, rc);
      if (action.kind == tui::ActionKind::kError || action.kind == tui::ActionKind::kNotice) {
        model.notice = action.text;
        model.notice_is_error = action.kind == tui::ActionKind::kError;
      } else if (action.kind == tui::ActionKind::kReopen) {
        model = tui::PaletteModel{};
      } else {
        return action;
      }
    }
  }
}

// The guided `/run`: one question per line, in cooked mode.
tui::PaletteAction AskGuidedRun(const tui::RouteContext& rc) {
  std::string fallback = rc.default_harness.empty() ? "none found" : rc.default_harness;
  std::printf("Guided run (Ctrl-C cancels)\n");
  std::string harness = AskLine("Harness [" + fallback + "]: ");
  std::string task = AskLine("Task: ");
  std::string title = AskLine("Title (optional): ");
  return tui::GuidedRun(harness, task, title, rc.default_harness);
}

}  // namespace

int RunPalette(Context& ctx) {
  auto home = ctx.Home();
  if (!home) {
    return 1;
  }
  tui::RouteContext rc = HarnessRoutes(*home);
  tui::PaletteView view{tui::AbbreviateHome(home->home, EnvOr("HOME")), rc.default_harness};
  tui::PaletteModel model;
  if (!tui::IsTerminal(0) || !tui::IsTerminal(1)) {
    std::fputs(tui::PlainText(tui::RenderPalette(model, view, 76, 0).lines).c_str(), stdout);
    std::printf("%s\n", tui::kPlainTip);
    return 0;
  }
  for (;;) {
    tui::PaletteAction action;
    {
      tui::TerminalModeGuard guard(0, tui::ScreenOptions{1, true, false});
      action = PaletteLoop(model, view, rc);
    }
    switch (action.kind) {
      case tui::ActionKind::kQuit:
        std::printf("%s\n", tui::kQuitMessage);
        return 0;
      case tui::ActionKind::kPrint:
        std::fputs(action.text.c_str(), stdout);
        return 0;
      case tui::ActionKind::kGuidedRun:
        action = AskGuidedRun(rc);
        if (action.kind != tui::ActionKind::kRun) {
          model.notice = action.text;  // back to the palette, showing what was missing
          model.notice_is_error = true;
          continue;
        }
        return RunCovenChild(action.args);
      case tui::ActionKind::kRun:
        std::fputs(action.text.c_str(), stdout);
        return RunCovenChild(action.args);
      default:
        return 0;
    }
  }
}

void TuiCommand(Context& ctx, const Args& /*args*/) {
  ctx.exit_code = RunPalette(ctx);
}

}  // namespace coven::cli
