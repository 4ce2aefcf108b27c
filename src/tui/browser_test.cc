#include "tui/browser.h"

#include <gtest/gtest.h>

#include "tui/text.h"

namespace coven::tui {
namespace {

BrowserSession Session(const std::string& id, const std::string& title, const std::string& status,
                       bool archived = false) {
  BrowserSession s;
  s.id = id;
  s.title = title;
  s.status = status;
  s.harness = "codex";
  s.project_root = "/work/project";
  s.updated_at = "2026-05-14T07:00:01Z";
  s.archived = archived;
  return s;
}

std::string Joined(const RenderedBrowser& r) {
  std::string out;
  for (const Line& l : r.lines) {
    out += l.Text() + "\n";
  }
  return out;
}

std::vector<std::string> Labels(const BrowserSession& s) {
  std::vector<std::string> out;
  for (const ActionItem& a : ActionsFor(s)) {
    out.push_back(std::string("[") + a.key + "] " + a.label);
  }
  return out;
}

Key Text(const char* t) {
  return Key{KeyKind::kText, t};
}
Key Of(KeyKind kind) {
  return Key{kind, ""};
}

constexpr const char* kId = "550e8400-e29b-41d4-a716-446655440000";

TEST(BrowserTest, ActionsByState) {
  EXPECT_EQ(Labels(Session(kId, "t", "completed")),
            (std::vector<std::string>{"[a] View Log", "[r] Archive", "[x] Sacrifice", "[q] Back"}));
  EXPECT_EQ(Labels(Session(kId, "t", "completed", true)),
            (std::vector<std::string>{"[a] View Log", "[s] Summon", "[x] Sacrifice", "[q] Back"}));
  EXPECT_EQ(Labels(Session(kId, "t", "running")),
            (std::vector<std::string>{"[a] Rejoin", "[K] Kill", "[q] Back"}));
}

// Given a completed session, the frame should show its title, status, harness, an id
// prefix (never a placeholder) and the View Log / Archive / Sacrifice actions.
TEST(BrowserTest, CompletedSessionFrame) {
  BrowserModel model;
  model.sessions = {Session(kId, "Fix the flaky tests", "completed")};
  model.preview = {"all 12 tests passed"};
  RenderedBrowser r = RenderBrowser(model, 96, 0);
  std::string all = Joined(r);
  for (const char* text : {"Fix the flaky tests", "completed", "codex", "550e8400-e29b-41d4",
                           "done", "/work/project", "2026-05-14T07:00:01Z", "[a] View Log",
                           "[r] Archive", "[x] Sacrifice", "[q] Back", "all 12 tests passed"}) {
    EXPECT_NE(all.find(text), std::string::npos) << text << "\n" << all;
  }
  EXPECT_EQ(all.find("550e8400-e29b-41d4-"), std::string::npos) << "id cut to 18 chars";
  EXPECT_EQ(all.find("<session-id>"), std::string::npos);
  EXPECT_EQ(all.find("Rejoin"), std::string::npos);
  // The first session sits on terminal row 5.
  EXPECT_EQ(r.layout.first_session_row, 4);
  EXPECT_NE(r.lines[4].Text().find("Fix the flaky tests"), std::string::npos);
}

TEST(BrowserTest, ArchivedAndRunningFrames) {
  BrowserModel model;
  model.all = true;
  model.sessions = {Session(kId, "Old work", "completed", true)};
  std::string archived = Joined(RenderBrowser(model, 96, 0));
  EXPECT_NE(archived.find("[s] Summon"), std::string::npos) << archived;
  EXPECT_EQ(archived.find("Archive"), std::string::npos) << archived;
  EXPECT_NE(archived.find("archived"), std::string::npos) << archived;

  model.sessions = {Session(kId, "Live work", "running")};
  std::string running = Joined(RenderBrowser(model, 96, 0));
  EXPECT_NE(running.find("[a] Rejoin"), std::string::npos) << running;
  EXPECT_EQ(running.find("Sacrifice"), std::string::npos) << running;
  EXPECT_NE(running.find("live"), std::string::npos) << running;
}

// Given twelve sessions, eight rows should be listed plus a "more" line, titles fitted to 30
// columns, and the window should follow the selection.
TEST(BrowserTest, ListsEightAndMore) {
  BrowserModel model;
  for (int i = 0; i < 12; ++i) {
    model.sessions.push_back(Session(
        "id" + std::to_string(i) + "-0000",
        "session number " + std::to_string(i) + " with a very long title indeed", "completed"));
  }
  RenderedBrowser r = RenderBrowser(model, 96, 30);
  std::string all = Joined(r);
  EXPECT_EQ(r.layout.shown_sessions, 8u);
  EXPECT_NE(all.find("4 more"), std::string::npos) << all;
  EXPECT_NE(all.find("session number 0 with a very \xE2\x80\xA6"), std::string::npos) << all;
  EXPECT_LE(r.lines.size(), 30u);
  model.selected = 11;
  r = RenderBrowser(model, 96, 30);
  EXPECT_EQ(r.layout.first_session, 4u);
  for (const Line& l : r.lines) {
    EXPECT_LE(Columns(l.Text()), 96u);
  }
}

// Given the keys of SPEC 6.4, selection should wrap and reset the action, Tab/arrows
// cycle the action, and letters run actions.
TEST(BrowserTest, Keys) {
  BrowserModel model;
  model.sessions = {Session("a1", "one", "completed"), Session("b2", "two", "running")};
  BrowserLayout layout;
  ApplyBrowserKey(model, Of(KeyKind::kRight), layout);
  EXPECT_EQ(model.action, 1u);
  ApplyBrowserKey(model, Of(KeyKind::kUp), layout);
  EXPECT_EQ(model.selected, 1u);
  EXPECT_EQ(model.action, 0u);
  ApplyBrowserKey(model, Text("j"), layout);
  EXPECT_EQ(model.selected, 0u);
  ApplyBrowserKey(model, Text("k"), layout);
  EXPECT_EQ(model.selected, 1u);
  ApplyBrowserKey(model, Of(KeyKind::kBackTab), layout);
  EXPECT_EQ(model.action, 2u);  // wraps to Back
  BrowserStep step = ApplyBrowserKey(model, Of(KeyKind::kEnter), layout);
  EXPECT_EQ(step.signal, BrowserSignal::kClose);
  step = ApplyBrowserKey(model, Text("K"), layout);
  EXPECT_EQ(step.signal, BrowserSignal::kRun);
  EXPECT_EQ(step.action, BrowserAction::kKill);
  // Archive is not offered for a running session.
  EXPECT_EQ(ApplyBrowserKey(model, Text("r"), layout).signal, BrowserSignal::kNone);
  model.selected = 0;
  step = ApplyBrowserKey(model, Text("r"), layout);
  EXPECT_EQ(step.signal, BrowserSignal::kRun);
  EXPECT_EQ(step.action, BrowserAction::kArchive);
  step = ApplyBrowserKey(model, Text("a"), layout);
  EXPECT_EQ(step.action, BrowserAction::kAttach);
  for (Key k : {Text("q"), Text("Q"), Of(KeyKind::kEscape)}) {
    EXPECT_EQ(ApplyBrowserKey(model, k, layout).signal, BrowserSignal::kClose);
  }
}

// Given `x`, the prompt opens; only the exact word `sacrifice` confirms.
TEST(BrowserTest, SacrificeNeedsTheWord) {
  BrowserModel model;
  model.sessions = {Session("a1", "one", "failed")};
  BrowserLayout layout;
  EXPECT_EQ(ApplyBrowserKey(model, Text("x"), layout).signal, BrowserSignal::kNone);
  EXPECT_TRUE(model.confirming);
  EXPECT_NE(Joined(RenderBrowser(model, 96, 0)).find("Type `sacrifice`"), std::string::npos);
  for (const char* t : {"y", "e", "s"}) {
    ApplyBrowserKey(model, Text(t), layout);
  }
  EXPECT_EQ(ApplyBrowserKey(model, Of(KeyKind::kEnter), layout).signal, BrowserSignal::kNone);
  EXPECT_FALSE(model.confirming);
  EXPECT_EQ(model.notice, "Sacrifice cancelled. Nothing changed.");

  ApplyBrowserKey(model, Text("x"), layout);
  for (char c : std::string("sacrifice")) {
    std::string t(1, c);
    ApplyBrowserKey(model, Text(t.c_str()), layout);
  }
  BrowserStep step = ApplyBrowserKey(model, Of(KeyKind::kEnter), layout);
  EXPECT_EQ(step.signal, BrowserSignal::kRun);
  EXPECT_EQ(step.action, BrowserAction::kSacrifice);
}

// Given clicks, a session row selects that session and an action row runs that action.
TEST(BrowserTest, MouseClicks) {
  BrowserModel model;
  model.sessions = {Session("a1", "one", "completed"), Session("b2", "two", "completed")};
  RenderedBrowser r = RenderBrowser(model, 96, 0);
  Key click{KeyKind::kMouse, "", 0, 10, 6};  // terminal row 6 = second session
  EXPECT_EQ(ApplyBrowserKey(model, click, r.layout).signal, BrowserSignal::kNone);
  EXPECT_EQ(model.selected, 1u);
  r = RenderBrowser(model, 96, 0);
  Key archive{KeyKind::kMouse, "", 0, 5, r.layout.first_action_row + 2};  // second action
  BrowserStep step = ApplyBrowserKey(model, archive, r.layout);
  EXPECT_EQ(step.signal, BrowserSignal::kRun);
  EXPECT_EQ(step.action, BrowserAction::kArchive);
  Key nowhere{KeyKind::kMouse, "", 0, 5, 2};
  EXPECT_EQ(ApplyBrowserKey(model, nowhere, r.layout).signal, BrowserSignal::kNone);
}

// Given a refreshed list, the selection should stay on the same session id.
TEST(BrowserTest, SetSessionsKeepsSelection) {
  BrowserModel model;
  model.sessions = {Session("a1", "one", "completed"), Session("b2", "two", "completed")};
  model.selected = 1;
  model.SetSessions({Session("c3", "three", "running"), Session("a1", "one", "completed"),
                     Session("b2", "two", "completed")});
  EXPECT_EQ(model.Selected()->id, "b2");
  model.action = 1;
  model.SetSessions({Session("c3", "three", "running"), Session("a1", "one", "completed"),
                     Session("b2", "two", "completed")});
  EXPECT_EQ(model.action, 1u) << "same session, same actions: the choice stays";
  model.selected = 0;
  model.action = 1;  // Kill
  model.SetSessions({Session("c3", "three", "killed")});
  EXPECT_EQ(model.Selected()->id, "c3");
  EXPECT_EQ(model.action, 0u) << "new state, new actions: back to the first";
  model.SetSessions({});
  EXPECT_EQ(model.Selected(), nullptr);
  std::string all = Joined(RenderBrowser(model, 96, 0));
  EXPECT_NE(all.find("No Coven sessions to manage yet."), std::string::npos);
}

}  // namespace
}  // namespace coven::tui

namespace coven::tui {
namespace {

// Given timestamps in the daemon's format (and with offsets), AgeLabel should give the
// coarse age a person reads, and "" for what it cannot read.
TEST(BrowserAgeTest, AgeLabels) {
  const int64_t now = 1'779'000'000;  // 2026-05-17T06:40:00Z
  EXPECT_EQ(AgeLabel("2026-05-17T06:39:30.123456789Z", now), "now");
  EXPECT_EQ(AgeLabel("2026-05-17T06:28:00Z", now), "12m");
  EXPECT_EQ(AgeLabel("2026-05-17T01:40:00Z", now), "5h");
  EXPECT_EQ(AgeLabel("2026-05-14T06:40:00Z", now), "3d");
  EXPECT_EQ(AgeLabel("2026-03-01T00:00:00Z", now), "11w");
  EXPECT_EQ(AgeLabel("2026-05-17T08:38:00+02:00", now), "2m");  // 06:38Z
  EXPECT_EQ(AgeLabel("2026-05-17T07:00:00Z", now), "now");      // a clock ahead: not negative
  EXPECT_EQ(AgeLabel("yesterday", now), "");
  EXPECT_EQ(AgeLabel("2026-05-17T06:28:00Z", 0), "");
}

// Given a session row, the list should show its age and its project's folder name.
TEST(BrowserAgeTest, RowShowsAgeAndProject) {
  BrowserModel model;
  model.now_unix = 1'779'000'000;
  BrowserSession s;
  s.id = "0123456789abcdef0123456789abcdef0123";
  s.title = "fix tests";
  s.status = "running";
  s.harness = "codex";
  s.project_root = "/home/me/src/webapp/";
  s.updated_at = "2026-05-17T06:28:00Z";
  model.SetSessions({s});
  RenderedBrowser r = RenderBrowser(model, 100, 0);
  std::string header = r.lines[static_cast<size_t>(r.layout.first_session_row) - 2].Text();
  std::string row = r.lines[static_cast<size_t>(r.layout.first_session_row)].Text();
  EXPECT_NE(header.find("AGE  PROJECT      ID"), std::string::npos) << header;
  EXPECT_NE(row.find("codex    12m  webapp       01234567"), std::string::npos) << row;
}

// Given a finished session with a conversation id, the browser should offer [c] Resume
// (not while it runs, nor without an id), and show a session's worktree above its preview.
TEST(BrowserTest, ResumeActionAndWorktreeLine) {
  BrowserSession done = Session(kId, "t", "completed");
  EXPECT_EQ(Labels(done),
            (std::vector<std::string>{"[a] View Log", "[r] Archive", "[x] Sacrifice", "[q] Back"}));
  done.conversation_id = "8f0c2d4e-1b7a-4c3e-9d2f-5a6b7c8d9e0f";
  EXPECT_EQ(Labels(done), (std::vector<std::string>{"[a] View Log", "[c] Resume", "[r] Archive",
                                                    "[x] Sacrifice", "[q] Back"}));
  BrowserSession live = Session(kId, "t", "running");
  live.conversation_id = done.conversation_id;
  EXPECT_EQ(Labels(live), (std::vector<std::string>{"[a] Rejoin", "[K] Kill", "[q] Back"}));

  done.worktree_path = "/work/project/.coven/worktrees/fix";
  done.worktree_branch = "coven/fix";
  BrowserModel model;
  model.SetSessions({done});
  std::string frame = Joined(RenderBrowser(model, 100, 0));
  EXPECT_NE(frame.find("Worktree /work/project/.coven/worktrees/fix (coven/fix)"),
            std::string::npos)
      << frame;
  BrowserStep step = ApplyBrowserKey(model, Text("c"), BrowserLayout{});
  EXPECT_EQ(step.signal, BrowserSignal::kRun);
  EXPECT_EQ(step.action, BrowserAction::kResume);
}

// A live session shows its activity word, coloured by how much it needs the user.
TEST(BrowserTest, LiveSessionShowsItsActivity) {
  BrowserSession asking = Session(kId, "fix", "running");
  asking.activity = "asking";
  EXPECT_EQ(DisplayState(asking), "asking");
  BrowserSession done = Session(kId, "fix", "completed");
  done.activity = "asking";  // stale: only a running session has an activity
  EXPECT_EQ(DisplayState(done), "done");
  BrowserModel m;
  m.SetSessions({Session("other", "a", "running"), asking});
  m.selected = 0;
  RenderedBrowser r = RenderBrowser(m, 120, 0);
  bool red = false;
  for (const Line& l : r.lines) {
    for (const Span& s : l.spans) {
      red = red || (s.style == Style::kError && s.text.find("asking") != std::string::npos);
    }
  }
  EXPECT_TRUE(red) << Joined(r);
}

// `n` puts the sessions that need the user first (asking, then waiting) and back.
TEST(BrowserTest, AttentionFirstSort) {
  BrowserSession working = Session("w", "w", "running");
  working.activity = "working";
  BrowserSession waiting = Session("t", "t", "running");
  waiting.activity = "waiting";
  BrowserSession asking = Session("a", "a", "running");
  asking.activity = "asking";
  BrowserModel m;
  m.SetSessions({working, waiting, asking});
  ApplyBrowserKey(m, Text("n"), BrowserLayout{});
  ASSERT_TRUE(m.attention_first);
  EXPECT_EQ(m.sessions[0].id, "a");
  EXPECT_EQ(m.sessions[1].id, "t");
  EXPECT_EQ(m.sessions[2].id, "w");
  EXPECT_EQ(m.Selected()->id, "w");  // the selection follows its session
  ApplyBrowserKey(m, Text("n"), BrowserLayout{});
  EXPECT_FALSE(m.attention_first);
}

}  // namespace
}  // namespace coven::tui
