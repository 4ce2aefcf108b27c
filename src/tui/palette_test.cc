#include "tui/palette.h"

#include <gtest/gtest.h>

#include "tui/text.h"

namespace coven::tui {
namespace {

Key Text(const char* t) {
  return Key{KeyKind::kText, t};
}
Key Of(KeyKind kind) {
  return Key{kind, ""};
}

PaletteView View() {
  return PaletteView{"~/.coven", "codex"};
}

std::string Joined(const RenderedPalette& r) {
  std::string out;
  for (const Line& l : r.lines) {
    out += l.Text() + "\n";
  }
  return out;
}

TEST(PaletteTest, SlashListInOrder) {
  std::vector<std::string> slashes;
  for (const SlashItem& item : SlashItems()) {
    slashes.emplace_back(item.slash);
  }
  EXPECT_EQ(slashes, (std::vector<std::string>{"/start", "/help", "/tui", "/doctor", "/daemon",
                                               "/run", "/patch", "/sessions", "/all", "/attach",
                                               "/summon", "/archive", "/sacrifice", "/quit"}));
}

TEST(PaletteTest, WidthRule) {
  EXPECT_EQ(PaletteWidth(120), 96);
  EXPECT_EQ(PaletteWidth(98), 96);
  EXPECT_EQ(PaletteWidth(80), 78);
  EXPECT_EQ(PaletteWidth(40), 38);
  EXPECT_EQ(PaletteWidth(36), 34);
  EXPECT_EQ(PaletteWidth(10), 18);
}

// Given terminals 120, 80 and 36 columns wide, every row should be exactly the frame width
// (96, 78, 34) and carry the SPEC 6.1 texts; narrow rows are cut with `…`.
TEST(PaletteTest, FrameAtSeveralWidths) {
  for (auto [cols, width] : {std::pair{120, 96}, std::pair{80, 78}, std::pair{36, 34}}) {
    PaletteModel model;
    model.input = "fix the tests";
    model.selected = 3;
    RenderedPalette r = RenderPalette(model, View(), PaletteWidth(cols), 0);
    EXPECT_EQ(PaletteWidth(cols), width);
    for (const Line& l : r.lines) {
      EXPECT_EQ(Columns(l.Text()), static_cast<size_t>(width)) << cols << ": " << l.Text();
    }
    std::string all = Joined(r);
    EXPECT_NE(all.find("COVEN"), std::string::npos);
    EXPECT_NE(all.find("Slash commands"), std::string::npos);
    EXPECT_NE(all.find("> fix the tests"), std::string::npos);
    EXPECT_NE(all.find("/doctor"), std::string::npos);
    EXPECT_EQ(r.lines[static_cast<size_t>(r.input_row)].Text().find("> fix the tests"), 4u);
    if (width >= 78) {
      for (const char* text :
           {"Prompt-first agent console", "Type natural language",
            "[memory] -- [coven] -- [sessions]", "[gateway]", "Empty Enter runs selected slash",
            "Selected slash /doctor \xE2\x86\x92 coven doctor", "Store: ~/.coven"}) {
        EXPECT_NE(all.find(text), std::string::npos) << text << "\n" << all;
      }
    } else {
      EXPECT_NE(all.find("\xE2\x80\xA6"), std::string::npos) << all;
      EXPECT_NE(all.find("[memory] -- [coven] -- [ses\xE2\x80\xA6"), std::string::npos) << all;
    }
  }
}

// Given a short terminal, the frame should fit its rows and keep the highlight visible.
TEST(PaletteTest, ShortTerminalScrollsList) {
  PaletteModel model;
  model.selected = 12;  // /sacrifice
  RenderedPalette r = RenderPalette(model, View(), 78, 22);
  EXPECT_LE(r.lines.size(), 22u);
  std::string all = Joined(r);
  EXPECT_NE(all.find("\xE2\x80\xBA /sacrifice"), std::string::npos) << all;
  EXPECT_EQ(all.find("/start  "), std::string::npos) << all;
}

// Given Up from the first item and Down from the last, the highlight should wrap.
TEST(PaletteTest, SelectionWraps) {
  PaletteModel model;
  EXPECT_EQ(ApplyPaletteKey(model, Of(KeyKind::kUp)), PaletteSignal::kNone);
  EXPECT_EQ(model.selected, SlashItems().size() - 1);
  ApplyPaletteKey(model, Of(KeyKind::kDown));
  EXPECT_EQ(model.selected, 0u);
  ApplyPaletteKey(model, Of(KeyKind::kDown));
  EXPECT_EQ(model.selected, 1u);
}

// Given typing, Backspace (also over a multi-byte character), Enter and Esc, we should edit
// the input and signal submit and quit; Ctrl-C quits too.
TEST(PaletteTest, EditingKeys) {
  PaletteModel model;
  for (const char* t : {"h", "i", "\xC3\xA9"}) {
    ApplyPaletteKey(model, Text(t));
  }
  EXPECT_EQ(model.input, "hi\xC3\xA9");
  ApplyPaletteKey(model, Of(KeyKind::kBackspace));
  EXPECT_EQ(model.input, "hi");
  // Letters that are also item "keys" go to the input (display metadata only).
  ApplyPaletteKey(model, Text("q"));
  EXPECT_EQ(model.input, "hiq");
  EXPECT_EQ(ApplyPaletteKey(model, Of(KeyKind::kEnter)), PaletteSignal::kSubmit);
  EXPECT_EQ(ApplyPaletteKey(model, Of(KeyKind::kEscape)), PaletteSignal::kQuit);
  EXPECT_EQ(ApplyPaletteKey(model, Of(KeyKind::kCtrlC)), PaletteSignal::kQuit);
}

struct RouteCase {
  const char* input;
  ActionKind kind;
  std::vector<std::string> args;
  const char* text;  // expected message ("" = don't care)
};

// The SPEC 6.1 routing table.
TEST(PaletteTest, RoutingTable) {
  RouteContext ctx{"codex", {"codex", "claude", "demo", "aider"}};
  const RouteCase cases[] = {
      {"fix the tests", ActionKind::kRun, {"run", "codex", "--", "fix the tests"}, ""},
      {"  --weird prompt ", ActionKind::kRun, {"run", "codex", "--", "--weird prompt"}, ""},
      {"/run claude explain this", ActionKind::kRun, {"run", "claude", "--", "explain this"}, ""},
      {"/run demo hi", ActionKind::kRun, {"run", "demo", "--", "hi"}, ""},
      {"/run tidy the docs", ActionKind::kRun, {"run", "codex", "--", "tidy the docs"}, ""},
      {"/run", ActionKind::kGuidedRun, {}, ""},
      {"/run codex",
       ActionKind::kError,
       {},
       "`/run codex` needs a task, for example `/run codex fix tests`"},
      {"/codex fix it", ActionKind::kRun, {"run", "codex", "--", "fix it"}, ""},
      {"/claude fix it", ActionKind::kRun, {"run", "claude", "--", "fix it"}, ""},
      {"/claude",
       ActionKind::kError,
       {},
       "`/claude` needs a task, for example `/claude fix tests`"},
      {"/exit", ActionKind::kQuit, {}, ""},
      {"/quit", ActionKind::kQuit, {}, ""},
      {"/attach 6f1c", ActionKind::kRun, {"attach", "6f1c"}, ""},
      {"/summon 6f1c", ActionKind::kRun, {"summon", "6f1c"}, ""},
      {"/archive 6f1c", ActionKind::kRun, {"archive", "6f1c"}, ""},
      {"/attach", ActionKind::kError, {}, "this slash command needs a session id"},
      {"/archive  ", ActionKind::kError, {}, "this slash command needs a session id"},
      {"/sacrifice", ActionKind::kError, {}, "this slash command needs a session id"},
      {"/x",
       ActionKind::kError,
       {},
       "unknown Coven slash command `/x`. Type `/help` to see available commands"},
      {"/doctor", ActionKind::kRun, {"doctor"}, ""},
      {"/daemon", ActionKind::kRun, {"daemon", "status"}, ""},
      {"/sessions", ActionKind::kRun, {"sessions"}, ""},
      {"/all", ActionKind::kRun, {"sessions", "--all"}, ""},
      {"/tui", ActionKind::kReopen, {}, ""},
      {"/patch", ActionKind::kNotice, {}, ""},
      {"/help", ActionKind::kPrint, {}, ""},
  };
  for (const RouteCase& c : cases) {
    PaletteAction a = RouteInput(c.input, ctx);
    EXPECT_EQ(a.kind, c.kind) << c.input;
    EXPECT_EQ(a.args, c.args) << c.input;
    if (*c.text != '\0') {
      EXPECT_EQ(a.text, c.text) << c.input;
    }
  }
  PaletteAction s = RouteInput("/sacrifice 6f1c", ctx);
  EXPECT_EQ(s.kind, ActionKind::kError);
  EXPECT_NE(s.text.find("--yes"), std::string::npos) << s.text;
  EXPECT_NE(s.text.find("6f1c"), std::string::npos) << s.text;
}

// Given no harness on PATH, plain text should fail with the doctor hint.
TEST(PaletteTest, NoHarness) {
  RouteContext ctx{"", {}};
  PaletteAction a = RouteInput("fix it", ctx);
  EXPECT_EQ(a.kind, ActionKind::kError);
  EXPECT_EQ(a.text, "no supported harness is available; run `coven doctor` first");
  EXPECT_EQ(GuidedRun("", "task", "", "").kind, ActionKind::kError);
}

// Given an empty input, Enter should run the highlighted item; the ritual items open the
// browser of all sessions.
TEST(PaletteTest, SubmitBlankRunsSelected) {
  RouteContext ctx{"codex", {"codex"}};
  PaletteModel model;
  model.selected = 3;
  EXPECT_EQ(Submit(model, ctx).args, std::vector<std::string>{"doctor"});
  for (size_t i = 9; i <= 12; ++i) {
    model.selected = i;
    EXPECT_EQ(Submit(model, ctx).args, (std::vector<std::string>{"sessions", "--all"}));
  }
  model.selected = 0;
  PaletteAction start = Submit(model, ctx);
  EXPECT_EQ(start.args, std::vector<std::string>{"doctor"});
  EXPECT_FALSE(start.text.empty());
  model.selected = 13;
  EXPECT_EQ(Submit(model, ctx).kind, ActionKind::kQuit);
  model.input = "  ";
  EXPECT_EQ(Submit(model, ctx).kind, ActionKind::kQuit);
  model.input = "/doctor";
  EXPECT_EQ(Submit(model, ctx).args, std::vector<std::string>{"doctor"});
}

TEST(PaletteTest, GuidedRun) {
  EXPECT_EQ(GuidedRun("", "fix it", "", "codex").args,
            (std::vector<std::string>{"run", "codex", "--", "fix it"}));
  EXPECT_EQ(GuidedRun(" claude ", " fix it ", " T ", "codex").args,
            (std::vector<std::string>{"run", "claude", "--title", "T", "--", "fix it"}));
  PaletteAction missing = GuidedRun("claude", " ", "", "codex");
  EXPECT_EQ(missing.kind, ActionKind::kError);
  EXPECT_EQ(missing.text, "`/run claude` needs a task, for example `/run claude fix tests`");
}

}  // namespace
}  // namespace coven::tui
