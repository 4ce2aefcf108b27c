// tui/palette.h: the prompt-first palette of `coven` / `coven tui` (SPEC 6.1) as a model,
// a key handler, a renderer and an input router. Nothing here touches the terminal or the
// daemon: cli/tui_cmd.cc runs the loop and carries out the routed action.
// Pure; not thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "tui/frame.h"
#include "tui/keys.h"

namespace coven::tui {

struct SlashItem {
  const char* slash;    // "/doctor"
  const char* summary;  // what it does, for the list
  const char* command;  // what Enter runs, for the "Selected slash" preview
};

// The palette's slash commands in display order: /start /help /tui /doctor /daemon /run
// /patch /sessions /all /attach /summon /archive /sacrifice /quit.
const std::vector<SlashItem>& SlashItems();

struct PaletteModel {
  std::string input;
  size_t selected = 0;  // index into SlashItems()
  std::string notice;   // shown above the input row (an error or a note)
  bool notice_is_error = false;
};

enum class PaletteSignal { kNone, kSubmit, kQuit };

// Applies one key: Up/Down move the highlight (wrapping), printable text appends to the
// input, Backspace deletes one character, Enter submits, Esc or Ctrl-C quits.
PaletteSignal ApplyPaletteKey(PaletteModel& model, const Key& key);

// The frame width for a terminal `columns` wide: columns - 2 clamped to 96; below 40
// columns, max(columns - 2, 18).
int PaletteWidth(int columns);

struct PaletteView {
  std::string store;            // COVEN_HOME as shown, e.g. "~/.coven"
  std::string default_harness;  // "" when none is installed
};

struct RenderedPalette {
  std::vector<Line> lines;
  int input_row = 0;  // where the cursor belongs
  int input_col = 0;
};

// The palette `width` columns wide and at most `max_rows` rows high (0: no limit); the slash
// list scrolls to keep the highlight visible when rows are short. Every row is exactly
// `width` columns; text that does not fit is cut with `…`.
RenderedPalette RenderPalette(const PaletteModel& model, const PaletteView& view, int width,
                              int max_rows);

// What the harness router knows: the default harness ("" when none is on PATH) and every
// harness id that `/run <id> <task>` accepts.
struct RouteContext {
  std::string default_harness;
  std::vector<std::string> harnesses;
};

enum class ActionKind {
  kRun,        // run `coven <args...>` (after printing `text`, if any)
  kGuidedRun,  // ask harness, task and title, then run
  kPrint,      // print `text` and leave
  kReopen,     // reset the palette and stay
  kQuit,       // leave: "The circle fades. Nothing changed."
  kError,      // stay, showing `text` as an error
  kNotice,     // stay, showing `text`
};

struct PaletteAction {
  ActionKind kind = ActionKind::kNotice;
  std::vector<std::string> args;  // coven arguments, without argv[0]
  std::string text;
  bool operator==(const PaletteAction& other) const = default;
};

// Routes typed input (SPEC 6.1): plain text runs the default harness; slash commands as
// listed, with the hidden aliases /codex, /claude and /exit.
PaletteAction RouteInput(std::string_view input, const RouteContext& ctx);

// The action of choosing SlashItems()[index] with an empty input.
PaletteAction RouteSelected(size_t index, const RouteContext& ctx);

// RouteInput for non-blank input, else RouteSelected.
PaletteAction Submit(const PaletteModel& model, const RouteContext& ctx);

// The guided `/run`: `harness` (blank → `default_harness`), `task` and optional `title`
// as typed; a kRun action, or kError when the task or every harness is missing.
PaletteAction GuidedRun(std::string_view harness, std::string_view task, std::string_view title,
                        const std::string& default_harness);

// The text `/help` prints, and the quick start `/start` prints before `coven doctor`.
std::string PaletteHelpText();
std::string QuickStartText();

// What quitting prints.
inline constexpr const char* kQuitMessage = "The circle fades. Nothing changed.";
// The line a non-terminal `coven tui` prints after the plain frame.
inline constexpr const char* kPlainTip =
    "Tip: run `coven tui` in a terminal, type a task, then press Enter.";

}  // namespace coven::tui
