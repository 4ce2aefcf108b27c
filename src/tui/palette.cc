#include "tui/palette.h"

#include <algorithm>

#include "core/strings.h"
#include "tui/text.h"

namespace coven::tui {

namespace {

constexpr const char* kNoHarness = "no supported harness is available; run `coven doctor` first";
constexpr const char* kNeedsId = "this slash command needs a session id";

// Box-drawing pieces (UTF-8).
constexpr const char* kH = "\xE2\x94\x80";        // ─
constexpr const char* kV = "\xE2\x94\x82";        // │
constexpr const char* kTL = "\xE2\x95\xAD";       // ╭
constexpr const char* kTR = "\xE2\x95\xAE";       // ╮
constexpr const char* kBL = "\xE2\x95\xB0";       // ╰
constexpr const char* kBR = "\xE2\x95\xAF";       // ╯
constexpr const char* kML = "\xE2\x94\x9C";       // ├
constexpr const char* kMR = "\xE2\x94\xA4";       // ┤
constexpr const char* kPointer = "\xE2\x80\xBA";  // ›
constexpr const char* kArrow = "\xE2\x86\x92";    // →

std::string Repeat(const char* piece, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) {
    out += piece;
  }
  return out;
}

// A row of the box: `│ ` + content fitted to the inner width + ` │`.
Line BoxRow(int inner, std::vector<Span> content) {
  Line line;
  line.Add(kV, Style::kDim).Add(" ");
  int used = 0;
  for (Span& s : content) {
    int room = inner - used;
    if (room <= 0) {
      break;
    }
    std::string text = Fit(s.text, static_cast<size_t>(room));
    used += static_cast<int>(Columns(text));
    line.Add(std::move(text), s.style);
  }
  line.Add(std::string(static_cast<size_t>(inner - used), ' ')).Add(" ").Add(kV, Style::kDim);
  return line;
}

Line Rule(const char* left, const char* right, int width, const std::string& title) {
  Line line;
  if (title.empty() || width < static_cast<int>(Columns(title)) + 6) {
    line.Add(std::string(left) + Repeat(kH, width - 2) + right, Style::kDim);
    return line;
  }
  line.Add(std::string(left) + kH + " ", Style::kDim).Add(title, Style::kBold);
  line.Add(" " + Repeat(kH, width - 5 - static_cast<int>(Columns(title))) + right, Style::kDim);
  return line;
}

std::vector<std::string> Words(std::string_view text) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && (text[i] == ' ' || text[i] == '\t')) {
      ++i;
    }
    size_t start = i;
    while (i < text.size() && text[i] != ' ' && text[i] != '\t') {
      ++i;
    }
    if (i > start) {
      out.emplace_back(text.substr(start, i - start));
    }
  }
  return out;
}

// The text after the first word of `text`, trimmed.
std::string AfterFirstWord(std::string_view text) {
  text = core::Trim(text);
  size_t space = text.find_first_of(" \t");
  return space == std::string_view::npos ? "" : std::string(core::Trim(text.substr(space)));
}

PaletteAction Act(ActionKind kind, std::vector<std::string> args = {}, std::string text = "") {
  return PaletteAction{kind, std::move(args), std::move(text)};
}

PaletteAction RunHarness(const std::string& harness, const std::string& task) {
  return Act(ActionKind::kRun, {"run", harness, "--", task});
}

PaletteAction PlainTask(const std::string& task, const RouteContext& ctx) {
  if (ctx.default_harness.empty()) {
    return Act(ActionKind::kError, {}, kNoHarness);
  }
  return RunHarness(ctx.default_harness, task);
}

PaletteAction NeedsTask(const std::string& typed, const std::string& example_prefix) {
  return Act(ActionKind::kError, {},
             "`" + typed + "` needs a task, for example `" + example_prefix + " fix tests`");
}

PaletteAction RouteRun(const std::string& rest, const RouteContext& ctx) {
  std::vector<std::string> words = Words(rest);
  if (words.empty()) {
    return Act(ActionKind::kGuidedRun);
  }
  const std::string& first = words[0];
  bool known =
      std::find(ctx.harnesses.begin(), ctx.harnesses.end(), first) != ctx.harnesses.end() ||
      first == "codex" || first == "claude";
  if (!known) {
    return PlainTask(rest, ctx);
  }
  std::string task = AfterFirstWord(rest);
  if (task.empty()) {
    return NeedsTask("/run " + first, "/run " + first);
  }
  return RunHarness(first, task);
}

PaletteAction RouteSessionVerb(const std::string& verb, const std::string& rest) {
  std::vector<std::string> words = Words(rest);
  if (words.empty()) {
    return Act(ActionKind::kError, {}, kNeedsId);
  }
  if (verb == "sacrifice") {
    return Act(ActionKind::kError, {},
               "sacrifice permanently deletes session `" + words[0] +
                   "` and its events; rerun with --yes to confirm (`coven sacrifice " + words[0] +
                   " --yes`)");
  }
  return Act(ActionKind::kRun, {verb, words[0]});
}

constexpr const char* kPatchNote =
    "`coven patch` is out of scope in this build; run a harness on the repair instead, for "
    "example `/run codex fix the OpenClaw plugin`";

}  // namespace

const std::vector<SlashItem>& SlashItems() {
  static const std::vector<SlashItem> kItems = {
      {"/start", "quick start, then doctor", "coven doctor (with a quick start)"},
      {"/help", "examples", "print examples"},
      {"/tui", "reopen this palette", "coven tui"},
      {"/doctor", "check harnesses and the store", "coven doctor"},
      {"/daemon", "daemon status", "coven daemon status"},
      {"/run", "guided run: harness, task, title", "coven run <harness> <task>"},
      {"/patch", "guided patch openclaw", "coven patch (not in this build)"},
      {"/sessions", "browse active sessions", "coven sessions"},
      {"/all", "browse all sessions", "coven sessions --all"},
      {"/attach", "rejoin a session by id", "coven attach <id> (empty: browse all)"},
      {"/summon", "bring one back from the archive", "coven summon <id> (empty: browse all)"},
      {"/archive", "hide a finished session", "coven archive <id> (empty: browse all)"},
      {"/sacrifice", "delete a finished session", "coven sacrifice <id> --yes (empty: browse all)"},
      {"/quit", "leave the palette", "quit"},
  };
  return kItems;
}

PaletteSignal ApplyPaletteKey(PaletteModel& model, const Key& key) {
  size_t n = SlashItems().size();
  switch (key.kind) {
    case KeyKind::kUp:
      model.selected = (model.selected + n - 1) % n;
      return PaletteSignal::kNone;
    case KeyKind::kDown:
      model.selected = (model.selected + 1) % n;
      return PaletteSignal::kNone;
    case KeyKind::kText:
      model.input += key.text;
      model.notice.clear();
      return PaletteSignal::kNone;
    case KeyKind::kBackspace:
      if (!model.input.empty()) {
        size_t cut = model.input.size() - 1;
        while (cut > 0 && (static_cast<unsigned char>(model.input[cut]) & 0xC0) == 0x80) {
          --cut;
        }
        model.input.erase(cut);
      }
      return PaletteSignal::kNone;
    case KeyKind::kEnter:
      return PaletteSignal::kSubmit;
    case KeyKind::kEscape:
    case KeyKind::kCtrlC:
      return PaletteSignal::kQuit;
    default:
      return PaletteSignal::kNone;
  }
}

int PaletteWidth(int columns) {
  if (columns < 40) {
    return std::max(columns - 2, 18);
  }
  return std::min(columns - 2, 96);
}

RenderedPalette RenderPalette(const PaletteModel& model, const PaletteView& view, int width,
                              int max_rows) {
  width = std::max(width, 18);
  int inner = width - 4;
  const std::vector<SlashItem>& items = SlashItems();
  std::string harness = view.default_harness.empty() ? "a harness" : view.default_harness;
  const SlashItem& selected = items[model.selected % items.size()];

  std::vector<Line> head = {
      Rule(kTL, kTR, width, "COVEN"),
      BoxRow(inner, {{"Prompt-first agent console", Style::kBold}}),
      BoxRow(inner, {{"Type natural language to run " + harness + ", or a /slash command."}}),
      BoxRow(inner, {}),
      BoxRow(inner, {{"  [memory] -- [coven] -- [sessions]", Style::kAccent}}),
      BoxRow(inner, {{"                 |", Style::kAccent}}),
      BoxRow(inner, {{"             [gateway]", Style::kAccent}}),
      BoxRow(inner, {}),
      BoxRow(inner, {{"Slash commands", Style::kBold}}),
  };
  std::vector<Line> tail = {
      BoxRow(inner, {}),
      BoxRow(inner, {{"Empty Enter runs selected slash", Style::kDim}}),
      BoxRow(inner, {{"Selected slash "},
                     {std::string(selected.slash) + " " + kArrow + " " + selected.command,
                      Style::kAccent}}),
      BoxRow(inner, {{"Store: " + view.store, Style::kDim}}),
  };
  if (!model.notice.empty()) {
    tail.push_back(
        BoxRow(inner, {{model.notice, model.notice_is_error ? Style::kError : Style::kAccent}}));
  }
  tail.push_back(Rule(kML, kMR, width, ""));
  // The input row shows the end of a long input, so the cursor stays visible.
  std::string shown = model.input;
  size_t room = static_cast<size_t>(std::max(inner - 3, 1));
  if (Columns(shown) > room) {
    std::string cut = shown;
    while (Columns(cut) > room - 1) {
      cut.erase(0, 1);
      while (!cut.empty() && (static_cast<unsigned char>(cut[0]) & 0xC0) == 0x80) {
        cut.erase(0, 1);
      }
    }
    shown = "\xE2\x80\xA6" + cut;
  }
  tail.push_back(BoxRow(inner, {{"> ", Style::kBold}, {shown}}));
  int input_index = static_cast<int>(tail.size()) - 1;
  tail.push_back(Rule(kBL, kBR, width, ""));

  // The slash list gets whatever rows are left (at least 3), scrolled to the highlight.
  int total = static_cast<int>(items.size());
  int visible = total;
  if (max_rows > 0) {
    int fixed = static_cast<int>(head.size() + tail.size());
    visible = std::clamp(max_rows - fixed, std::min(3, total), total);
  }
  int first = std::clamp(static_cast<int>(model.selected) - visible / 2, 0, total - visible);

  RenderedPalette out;
  out.lines = std::move(head);
  for (int i = first; i < first + visible; ++i) {
    const SlashItem& item = items[static_cast<size_t>(i)];
    bool is_selected = static_cast<size_t>(i) == model.selected;
    std::string label = std::string(is_selected ? kPointer : " ") + " " + item.slash;
    Style style = is_selected ? Style::kReverse : Style::kPlain;
    out.lines.push_back(BoxRow(inner, {{FitPad(label, 13), style},
                                       {" "},
                                       {item.summary, is_selected ? Style::kBold : Style::kDim}}));
  }
  out.input_row = static_cast<int>(out.lines.size()) + input_index;
  out.input_col = 2 + 2 + static_cast<int>(Columns(shown));
  out.lines.insert(out.lines.end(), tail.begin(), tail.end());
  return out;
}

PaletteAction RouteInput(std::string_view input, const RouteContext& ctx) {
  std::string text(core::Trim(input));
  if (text.empty()) {
    return RouteSelected(0, ctx);
  }
  if (text[0] != '/') {
    return PlainTask(text, ctx);
  }
  std::string slash = Words(text)[0];
  std::string rest = AfterFirstWord(text);
  if (slash == "/run") {
    return RouteRun(rest, ctx);
  }
  if (slash == "/codex" || slash == "/claude") {
    if (rest.empty()) {
      return NeedsTask(slash, slash);
    }
    return RunHarness(slash.substr(1), rest);
  }
  if (slash == "/attach" || slash == "/summon" || slash == "/archive" || slash == "/sacrifice") {
    return RouteSessionVerb(slash.substr(1), rest);
  }
  if (slash == "/exit") {
    return Act(ActionKind::kQuit);
  }
  const std::vector<SlashItem>& items = SlashItems();
  for (size_t i = 0; i < items.size(); ++i) {
    if (slash == items[i].slash) {
      return RouteSelected(i, ctx);
    }
  }
  return Act(ActionKind::kError, {},
             "unknown Coven slash command `" + slash + "`. Type `/help` to see available commands");
}

PaletteAction RouteSelected(size_t index, const RouteContext& /*ctx*/) {
  std::string slash = SlashItems()[index % SlashItems().size()].slash;
  if (slash == "/start") {
    return Act(ActionKind::kRun, {"doctor"}, QuickStartText());
  }
  if (slash == "/help") {
    return Act(ActionKind::kPrint, {}, PaletteHelpText());
  }
  if (slash == "/tui") {
    return Act(ActionKind::kReopen);
  }
  if (slash == "/doctor") {
    return Act(ActionKind::kRun, {"doctor"});
  }
  if (slash == "/daemon") {
    return Act(ActionKind::kRun, {"daemon", "status"});
  }
  if (slash == "/run") {
    return Act(ActionKind::kGuidedRun);
  }
  if (slash == "/patch") {
    return Act(ActionKind::kNotice, {}, kPatchNote);
  }
  if (slash == "/sessions") {
    return Act(ActionKind::kRun, {"sessions"});
  }
  if (slash == "/quit") {
    return Act(ActionKind::kQuit);
  }
  // /all, and /attach /summon /archive /sacrifice chosen without an id: every session.
  return Act(ActionKind::kRun, {"sessions", "--all"});
}

PaletteAction Submit(const PaletteModel& model, const RouteContext& ctx) {
  if (core::Trim(model.input).empty()) {
    return RouteSelected(model.selected, ctx);
  }
  return RouteInput(model.input, ctx);
}

PaletteAction GuidedRun(std::string_view harness, std::string_view task, std::string_view title,
                        const std::string& default_harness) {
  std::string h(core::Trim(harness));
  if (h.empty()) {
    h = default_harness;
  }
  if (h.empty()) {
    return Act(ActionKind::kError, {}, kNoHarness);
  }
  std::string t(core::Trim(task));
  if (t.empty()) {
    return NeedsTask("/run " + h, "/run " + h);
  }
  std::vector<std::string> args = {"run", h};
  std::string ti(core::Trim(title));
  if (!ti.empty()) {
    args.insert(args.end(), {"--title", ti});
  }
  args.insert(args.end(), {"--", t});
  return Act(ActionKind::kRun, std::move(args));
}

std::string PaletteHelpText() {
  return "Coven palette examples:\n"
         "  fix the failing tests          run the default harness on a task, attached\n"
         "  /run claude explain this repo  run a chosen harness\n"
         "  /run                           guided: harness, task, optional title\n"
         "  /sessions                      browse active sessions (/all: archived too)\n"
         "  /attach 6f1c                   rejoin a session (any unique id prefix)\n"
         "  /summon 6f1c                   bring an archived session back and attach\n"
         "  /archive 6f1c                  hide a finished session\n"
         "  /doctor                        check harnesses, the store and the daemon\n"
         "  /quit                          leave (Esc and Ctrl-C too)\n"
         "From a shell: coven run codex \"fix tests\", coven sessions, coven --help.\n";
}

std::string QuickStartText() {
  return "Coven quick start:\n"
         "  1. coven doctor                      see which harnesses are ready\n"
         "  2. coven run codex \"fix the tests\"   run one on a task here (Ctrl-] detaches)\n"
         "  3. coven sessions                    see, rejoin, archive what ran\n\n";
}

}  // namespace coven::tui
