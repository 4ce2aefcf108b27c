// End-to-end: the palette (SPEC 6.1) and the session browser (SPEC 6.4) driven through a
// real terminal: the `coven` binary runs in a shell inside a private tmux server, keys (and
// SGR mouse reports) go in with send-keys and the screen comes back with capture-pane. Every
// browser action is run this way: Rejoin, View Log, Summon, Archive, Sacrifice (cancelled
// and confirmed), Kill, Back, and clicks on session and action rows. Every wait has a
// deadline; the tests synchronise on screen text only.
#include <algorithm>
#include <string>
#include <vector>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "e2e/session_helpers.h"
#include "e2e/tmux_helpers.h"
#include "support/testing.h"

namespace coven::testing::sess {
namespace {

// The line the demo harness prints once it reads input (scripts/coven-demo).
constexpr const char* kDemoReady = "Type a line and press Enter";
// The start of the line `coven attach` prints to stderr before it shows the session.
constexpr const char* kAttached = "attached to session status=";
constexpr const char* kSacrificePrompt = "Type `sacrifice` and press Enter";

// A daemon (SessionTest), a project folder and a shell in a 100x30 tmux pane in that folder
// with the home's environment.
class TuiE2eTest : public SessionTest {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(SessionTest::SetUp());
    std::string cmd = "cd " + ShellQuote(project_.path()) + " && exec env";
    for (const auto& [k, v] : home_.env()) {
      cmd += " " + ShellQuote(k + "=" + v);
    }
    cmd += " 'PS1=$ ' TERM=xterm-256color /bin/sh";
    ASSERT_TRUE(tmux_.Start(cmd));
  }

  RunResult Cli(const std::vector<std::string>& args) {
    return home_.Coven(args, kHangGuard, project_.path());
  }

  // Types `coven args...; echo <marker>=$?` at the shell prompt.
  void Shell(const std::vector<std::string>& args, const std::string& marker) {
    std::string cmd = ShellQuote(CovenBin());
    for (const std::string& a : args) {
      cmd += " " + ShellQuote(a);
    }
    tmux_.Line(cmd + "; echo " + marker + "=$?");
  }

  // `coven run demo <prompt> --detach --title <title>`; returns the id once the harness
  // waits for input (so its whole greeting is in the log).
  std::string RunDemo(const std::string& prompt, const std::string& title) {
    RunResult r = Cli({"run", "demo", prompt, "--detach", "--title", title});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    std::string id = r.out.substr(0, r.out.find('\n'));
    EXPECT_EQ(id.size(), 36u) << r.out;
    if (id.size() == 36) {
      WaitOutput(id, kDemoReady);
    }
    return id;
  }

  // The record of `id` in `coven sessions --json [--all]`, null when it is not listed.
  json::value ListedRecord(const std::string& id, bool all) {
    std::vector<std::string> args{"sessions", "--json"};
    if (all) {
      args.emplace_back("--all");
    }
    RunResult r = Cli(args);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    json::value sessions = Field(ParseJson(r.out), "sessions");
    EXPECT_TRUE(sessions.is_array()) << r.out;
    if (sessions.is_array()) {
      for (const json::value& s : sessions.as_array()) {
        if (Str(Field(s, "id")) == id) {
          return s;
        }
      }
    }
    return nullptr;
  }

  // `coven kill <id>`, then waits until `coven sessions --json` shows it not running.
  void KillAndWait(const std::string& id) {
    RunResult r = Cli({"kill", id});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    json::value rec;
    bool done = WaitFor(
        [&] {
          rec = ListedRecord(id, false);
          return rec.is_object() && Str(Field(rec, "status")) != "running";
        },
        kHangGuard);
    ASSERT_TRUE(done) << json::serialize(rec);
  }

  // The part of the pane (history included) after the last `text`, "" when absent.
  std::string ScreenAfter(const std::string& text) {
    std::string screen = tmux_.Screen();
    size_t at = screen.rfind(text);
    return at == std::string::npos ? std::string() : screen.substr(at);
  }

  // The 1-based terminal row of the first visible line containing `text`, 0 when none.
  int RowOf(const std::string& text) {
    std::vector<std::string> rows = tmux_.Rows();
    for (size_t i = 0; i < rows.size(); ++i) {
      if (rows[i].find(text) != std::string::npos) {
        return static_cast<int>(i) + 1;
      }
    }
    return 0;
  }

  // The browser's "Selected  <title>" line as shown, "" when not shown.
  std::string SelectedLine() {
    for (const std::string& row : tmux_.Rows()) {
      if (row.rfind("Selected  ", 0) == 0) {
        return row;
      }
    }
    return "";
  }

  // Presses j until the Selected panel shows `title` (each press waits for the panel to
  // change); at most `sessions` presses.
  bool SelectTitle(const std::string& title, size_t sessions) {
    for (size_t i = 0;; ++i) {
      std::string line = SelectedLine();
      if (line.find(title) != std::string::npos) {
        return true;
      }
      if (i == sessions) {
        ADD_FAILURE() << "never selected " << title << ":\n" << tmux_.Screen();
        return false;
      }
      tmux_.Key("j");
      if (!WaitFor([&] { return SelectedLine() != line; }, kHangGuard)) {
        ADD_FAILURE() << "j did not move the selection:\n" << tmux_.Screen();
        return false;
      }
    }
  }

  // A left-button click at the 1-based `col`, `row`, as the SGR press and release reports
  // a terminal sends with modes 1000 and 1006 on.
  void Click(int col, int row) {
    std::string at = std::to_string(col) + ";" + std::to_string(row);
    tmux_.Type("\x1b[<0;" + at + "M\x1b[<0;" + at + "m");
  }

  // Asserts the shell's terminal is back in cooked mode with echo.
  void ExpectCookedTerminal() {
    tmux_.Line(
        "stty -a | tr ' ;' '\\n\\n' | grep -x -e echo -e icanon -e -echo -e -icanon | "
        "sort | tr '\\n' ' '; echo MODES");
    EXPECT_TRUE(tmux_.WaitScreen("echo icanon MODES"));
  }

  Tmux tmux_;
};

// Given `coven tui` on a terminal, the palette should open with its frame, `/help` Enter
// should print the examples, Esc should quit with the SPEC message, and the shell's
// terminal should be back in cooked mode with echo afterwards.
TEST_F(TuiE2eTest, PaletteHelpQuitAndRestore) {
  tmux_.Line(CovenBin() + " tui; echo HELP_EXIT=$?");
  // Each is waited for: a screen read as soon as "Slash commands" shows can be half drawn.
  for (const char* text :
       {"Slash commands", "COVEN", "Prompt-first agent console", "Type natural language",
        "[memory] -- [coven] -- [sessions]", "[gateway]", "Empty Enter runs selected slash",
        "Selected slash", "/sacrifice"}) {
    ASSERT_TRUE(tmux_.WaitScreen(text));
  }
  tmux_.Type("/help");
  ASSERT_TRUE(tmux_.WaitScreen("> /help"));
  tmux_.Key("Enter");
  ASSERT_TRUE(tmux_.WaitScreen("Coven palette examples"));
  ASSERT_TRUE(tmux_.WaitScreen("HELP_EXIT=0"));

  // An unknown slash stays in the palette with the error; Esc then quits.
  tmux_.Line("clear; " + CovenBin() + " tui; echo QUIT_EXIT=$?");
  ASSERT_TRUE(tmux_.WaitScreen("Slash commands"));
  tmux_.Type("/nope");
  tmux_.Key("Enter");
  ASSERT_TRUE(tmux_.WaitScreen("unknown Coven slash command `/nope`"));
  tmux_.Key("Escape");
  ASSERT_TRUE(tmux_.WaitScreen("The circle fades. Nothing changed."));
  ASSERT_TRUE(tmux_.WaitScreen("QUIT_EXIT=0"));
  EXPECT_EQ(tmux_.Screen().find("Slash commands"), std::string::npos) << "alternate screen left";

  ExpectCookedTerminal();
}

// The number of columns (code points) of the first visible row containing `text`, or -1.
int RowWidth(Tmux& tmux, const std::string& text) {
  for (const std::string& row : tmux.Rows()) {
    if (row.find(text) != std::string::npos) {
      // Trailing spaces are not captured; the frame's right border ends the row.
      return static_cast<int>(std::count_if(row.begin(), row.end(), [](char c) {
        return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
      }));
    }
  }
  return -1;
}

// Given the palette open in a 100-column pane, a window resize should redraw it at the new
// width (SPEC 6.1: columns - 2, at most 96) without a key being pressed, and it should keep
// working afterwards.
TEST_F(TuiE2eTest, PaletteRedrawsOnResize) {
  tmux_.Line(CovenBin() + " tui; echo RESIZE_EXIT=$?");
  ASSERT_TRUE(tmux_.WaitScreen("Slash commands"));
  EXPECT_TRUE(
      WaitFor([&] { return RowWidth(tmux_, "Prompt-first agent console") == 96; }, kHangGuard))
      << tmux_.Screen();
  tmux_.Resize(70, 30);
  EXPECT_TRUE(
      WaitFor([&] { return RowWidth(tmux_, "Prompt-first agent console") == 68; }, kHangGuard))
      << "width " << RowWidth(tmux_, "Prompt-first agent console") << "\n"
      << tmux_.Screen();
  tmux_.Type("/nope");
  tmux_.Key("Enter");
  ASSERT_TRUE(tmux_.WaitScreen("unknown Coven slash command `/nope`"));
  tmux_.Key("Escape");
  ASSERT_TRUE(tmux_.WaitScreen("RESIZE_EXIT=0"));
}

// Given the browser open on a live demo session, input sent to the session through the API
// should show up in the preview while the browser sits idle (the preview follows the
// session's event stream).
TEST_F(TuiE2eTest, BrowserPreviewFollowsLiveOutput) {
  std::string id = RunDemo("preview me", "Preview Target");
  ASSERT_EQ(id.size(), 36u);
  Shell({"sessions"}, "PREVIEW_EXIT");
  ASSERT_TRUE(tmux_.WaitScreen("[a] Rejoin"));
  ASSERT_TRUE(tmux_.WaitScreen(kDemoReady));
  HttpResult r = Post("/api/v1/sessions/" + id + "/input", R"({"data":"seen live\n"})");
  ASSERT_EQ(r.status, 202) << r.body;
  EXPECT_TRUE(tmux_.WaitScreen("demo heard: seen live"));
  tmux_.Key("q");
  ASSERT_TRUE(tmux_.WaitScreen("PREVIEW_EXIT=0"));
}

// Given a demo session started detached, `coven sessions` on a terminal should list it
// with its live preview; K kills it, r then archives it, q closes, and the plain list of
// all sessions shows it archived.
TEST_F(TuiE2eTest, BrowserKillsThenArchives) {
  RunResult started = Cli({"run", "demo", "hello", "from", "e2e", "--detach"});
  ASSERT_EQ(started.exit_code, 0) << started.err;
  std::string id = started.out.substr(0, started.out.find('\n'));
  ASSERT_EQ(id.size(), 36u) << started.out;

  Shell({"sessions"}, "BROWSER_EXIT");
  ASSERT_TRUE(tmux_.WaitScreen("[a] Rejoin"));
  EXPECT_TRUE(tmux_.WaitScreen("hello from e2e"));  // waited for: the list may still be drawing
  EXPECT_TRUE(tmux_.WaitScreen(id.substr(0, 18)));
  EXPECT_TRUE(tmux_.WaitScreen("demo"));
  // The preview shows the harness's screen, without escape sequences.
  EXPECT_TRUE(tmux_.WaitScreen("thinking about: hello from e2e"));

  tmux_.Key("K");
  ASSERT_TRUE(tmux_.WaitScreen("[r] Archive"));
  tmux_.Key("r");
  ASSERT_TRUE(tmux_.WaitScreen("archived session"));
  tmux_.Key("q");
  ASSERT_TRUE(tmux_.WaitScreen("Closed session browser."));
  ASSERT_TRUE(tmux_.WaitScreen("BROWSER_EXIT=0"));

  RunResult all = Cli({"sessions", "--all", "--plain"});
  ASSERT_EQ(all.exit_code, 0) << all.err;
  EXPECT_NE(all.out.find(id), std::string::npos) << all.out;
  EXPECT_NE(all.out.find("archived"), std::string::npos) << all.out;
}

// Given no sessions, the browser should say so and leave at once.
TEST_F(TuiE2eTest, BrowserEmptyStore) {
  Shell({"sessions"}, "EXIT");
  ASSERT_TRUE(tmux_.WaitScreen("EXIT=0"));
  EXPECT_NE(tmux_.Screen().find("No Coven sessions to manage yet."), std::string::npos);
}

// Given a live demo session, [a] Rejoin should hand the terminal to `coven attach`: the
// harness's output is replayed, a typed line reaches it and its answer shows, Ctrl-]
// detaches with the rejoin hint and exit 0, the shell is usable again and the session is
// still running.
TEST_F(TuiE2eTest, BrowserRejoinAttachesAndCtrlBracketDetaches) {
  std::string id = RunDemo("rejoin prompt", "Rejoin Target");
  ASSERT_EQ(id.size(), 36u);

  Shell({"sessions"}, "REJOIN_EXIT");
  ASSERT_TRUE(tmux_.WaitScreen("[a] Rejoin"));
  EXPECT_NE(SelectedLine().find("Rejoin Target"), std::string::npos) << tmux_.Screen();
  tmux_.Key("a");
  // The attach line only ever shows on the main screen, after the browser left; the replay
  // follows it once the terminal is in raw mode.
  ASSERT_TRUE(
      tmux_.WaitScreen(std::string(kAttached) + "running harness=demo title=Rejoin Target"));
  ASSERT_TRUE(WaitFor([&] { return ScreenAfter(kAttached).find(kDemoReady) != std::string::npos; },
                      kHangGuard))
      << "no replay after attaching:\n"
      << tmux_.Screen();
  EXPECT_NE(ScreenAfter(kAttached).find("task: rejoin prompt"), std::string::npos)
      << tmux_.Screen();

  tmux_.Line("ping from the browser");
  ASSERT_TRUE(tmux_.WaitScreen("demo heard: ping from the browser"));

  tmux_.Key("C-]");
  ASSERT_TRUE(tmux_.WaitScreen("[detached; the session keeps running. Rejoin with: coven attach " +
                               id.substr(0, 8) + "]"));
  ASSERT_TRUE(tmux_.WaitScreen("REJOIN_EXIT=0"));
  ExpectCookedTerminal();

  json::value rec = ListedRecord(id, false);
  ASSERT_TRUE(rec.is_object()) << "the session vanished";
  EXPECT_EQ(Str(Field(rec, "status")), "running") << json::serialize(rec);
}

// Given a killed session, the browser should offer [a] View Log (not Rejoin) with Archive
// and Sacrifice; Enter on it should replay the log and end with the exit line, then return
// to the shell with exit 0.
TEST_F(TuiE2eTest, BrowserViewLogReplaysFinishedSession) {
  std::string id = RunDemo("view my log", "Log Target");
  ASSERT_EQ(id.size(), 36u);
  ASSERT_NO_FATAL_FAILURE(KillAndWait(id));

  Shell({"sessions"}, "LOG_EXIT");
  ASSERT_TRUE(tmux_.WaitScreen("[a] View Log"));
  std::string screen = tmux_.Screen();
  for (const char* text : {"[r] Archive", "[x] Sacrifice", "[q] Back", "Log Target"}) {
    EXPECT_NE(screen.find(text), std::string::npos) << text << "\n" << screen;
  }
  for (const char* text : {"Rejoin", "[K] Kill", "[s] Summon"}) {
    EXPECT_EQ(screen.find(text), std::string::npos) << text << "\n" << screen;
  }
  tmux_.Key("Enter");  // the first action, View Log, is selected
  ASSERT_TRUE(tmux_.WaitScreen("[coven session killed"));
  ASSERT_TRUE(tmux_.WaitScreen("LOG_EXIT=0"));
  std::string log = ScreenAfter(kAttached);
  EXPECT_NE(log.find("harness=demo title=Log Target"), std::string::npos) << tmux_.Screen();
  EXPECT_NE(log.find("task: view my log"), std::string::npos) << tmux_.Screen();
  EXPECT_NE(log.find(kDemoReady), std::string::npos) << tmux_.Screen();
  ExpectCookedTerminal();
}

// Given an archived session among others, `coven sessions --all` should offer [s] Summon on
// it; s should bring it back from the archive, replay its log and return to the shell, and
// the active list should include it again.
TEST_F(TuiE2eTest, BrowserSummonsArchivedSession) {
  std::string other = RunDemo("stay active", "Active Bystander");
  std::string id = RunDemo("summon me", "Archived Target");
  ASSERT_EQ(other.size(), 36u);
  ASSERT_EQ(id.size(), 36u);
  ASSERT_NO_FATAL_FAILURE(KillAndWait(id));
  RunResult archived = Cli({"archive", id});
  ASSERT_EQ(archived.exit_code, 0) << archived.err;
  ASSERT_TRUE(ListedRecord(id, false).is_null()) << "still listed as active";

  Shell({"sessions", "--all"}, "SUMMON_EXIT");
  ASSERT_TRUE(tmux_.WaitScreen("all sessions (2)"));
  ASSERT_TRUE(SelectTitle("Archived Target", 2));
  ASSERT_TRUE(tmux_.WaitScreen("[s] Summon"));
  EXPECT_NE(tmux_.Screen().find("State: archived"), std::string::npos) << tmux_.Screen();
  tmux_.Key("s");
  ASSERT_TRUE(tmux_.WaitScreen("summoned session from the archive"));
  ASSERT_TRUE(tmux_.WaitScreen("[coven session killed"));
  ASSERT_TRUE(tmux_.WaitScreen("SUMMON_EXIT=0"));
  std::string log = ScreenAfter(kAttached);
  EXPECT_NE(log.find("title=Archived Target"), std::string::npos) << tmux_.Screen();
  EXPECT_NE(log.find("task: summon me"), std::string::npos) << tmux_.Screen();

  json::value rec = ListedRecord(id, false);
  ASSERT_TRUE(rec.is_object()) << "not listed as active after the summon";
  EXPECT_TRUE(Field(rec, "archived_at").is_null()) << json::serialize(rec);
}

// Given a finished session, x should open the confirmation prompt; anything but the word
// `sacrifice` cancels and keeps the session, the exact word deletes it, and after q the
// session is gone from `coven sessions --all --json`.
TEST_F(TuiE2eTest, BrowserSacrificeCancelThenConfirm) {
  std::string id = RunDemo("to be sacrificed", "Doomed Session");
  ASSERT_EQ(id.size(), 36u);
  ASSERT_NO_FATAL_FAILURE(KillAndWait(id));

  Shell({"sessions"}, "SAC_EXIT");
  ASSERT_TRUE(tmux_.WaitScreen("[x] Sacrifice"));
  tmux_.Key("x");
  ASSERT_TRUE(tmux_.WaitScreen(kSacrificePrompt));
  tmux_.Type("nope");
  ASSERT_TRUE(tmux_.WaitScreen("for good: nope"));
  tmux_.Key("Enter");
  ASSERT_TRUE(tmux_.WaitScreen("Sacrifice cancelled. Nothing changed."));
  EXPECT_EQ(tmux_.Screen().find(kSacrificePrompt), std::string::npos) << tmux_.Screen();
  EXPECT_TRUE(ListedRecord(id, true).is_object()) << "a cancelled sacrifice deleted the session";

  tmux_.Key("x");
  ASSERT_TRUE(tmux_.WaitScreen(kSacrificePrompt));
  tmux_.Type("sacrifice");
  ASSERT_TRUE(tmux_.WaitScreen("for good: sacrifice"));
  tmux_.Key("Enter");
  ASSERT_TRUE(tmux_.WaitScreen("sacrificed session; its event log was permanently deleted"));
  // The list refreshes: the only session is gone.
  ASSERT_TRUE(tmux_.WaitScreen("No Coven sessions to manage yet."));
  tmux_.Key("q");
  ASSERT_TRUE(tmux_.WaitScreen("Closed session browser."));
  ASSERT_TRUE(tmux_.WaitScreen("SAC_EXIT=0"));
  EXPECT_TRUE(ListedRecord(id, true).is_null()) << "the sacrificed session is still listed";
}

// Given two finished sessions, a click on the other session's row (the first session row
// is terminal row 5) should select it, and a click on its [r] Archive row should archive it
// (and only it).
TEST_F(TuiE2eTest, BrowserMouseSelectsSessionAndRunsAction) {
  std::string first = RunDemo("first click", "Mouse First");
  std::string second = RunDemo("second click", "Mouse Second");
  ASSERT_EQ(first.size(), 36u);
  ASSERT_EQ(second.size(), 36u);
  ASSERT_NO_FATAL_FAILURE(KillAndWait(first));
  ASSERT_NO_FATAL_FAILURE(KillAndWait(second));

  Shell({"sessions"}, "MOUSE_EXIT");
  ASSERT_TRUE(tmux_.WaitScreen("active sessions (2)"));
  ASSERT_TRUE(tmux_.WaitScreen("[a] View Log"));
  std::string selected = SelectedLine();
  bool first_selected = selected.find("Mouse First") != std::string::npos;
  ASSERT_TRUE(first_selected || selected.find("Mouse Second") != std::string::npos)
      << tmux_.Screen();
  std::string target_title = first_selected ? "Mouse Second" : "Mouse First";
  std::string target_id = first_selected ? second : first;
  std::string kept_id = first_selected ? first : second;

  int row_a = RowOf("Mouse First");
  int row_b = RowOf("Mouse Second");
  ASSERT_GT(row_a, 0) << tmux_.Screen();
  ASSERT_GT(row_b, 0) << tmux_.Screen();
  EXPECT_EQ(std::min(row_a, row_b), 5) << "the first session row is terminal row 5\n"
                                       << tmux_.Screen();
  EXPECT_EQ(std::max(row_a, row_b) - std::min(row_a, row_b), 1) << tmux_.Screen();

  Click(10, RowOf(target_title));
  ASSERT_TRUE(
      WaitFor([&] { return SelectedLine().find(target_title) != std::string::npos; }, kHangGuard))
      << "the click did not select " << target_title << ":\n"
      << tmux_.Screen();
  EXPECT_EQ(tmux_.Screen().find("archived session"), std::string::npos) << "a row click ran";

  int archive_row = RowOf("[r] Archive");
  ASSERT_GT(archive_row, 0) << tmux_.Screen();
  Click(8, archive_row);
  ASSERT_TRUE(tmux_.WaitScreen("archived session"));
  tmux_.Key("q");
  ASSERT_TRUE(tmux_.WaitScreen("Closed session browser."));
  ASSERT_TRUE(tmux_.WaitScreen("MOUSE_EXIT=0"));

  json::value archived = ListedRecord(target_id, true);
  ASSERT_TRUE(archived.is_object());
  EXPECT_FALSE(Field(archived, "archived_at").is_null()) << json::serialize(archived);
  json::value kept = ListedRecord(kept_id, true);
  ASSERT_TRUE(kept.is_object());
  EXPECT_TRUE(Field(kept, "archived_at").is_null()) << json::serialize(kept);
}

// Given a finished claude session started under a conversation id, the browser should offer
// [c] Resume, and c should start a new session continuing that conversation (same project
// and cwd, `claude --resume=<id>` without a prompt) and attach to it.
TEST_F(TuiE2eTest, BrowserResumesAConversation) {
  home_.AddScript(
      "claude",
      "#!/bin/sh\nstty -opost\nfor a in \"$@\"; do printf 'arg=[%s]\\r\\n' \"$a\"; done\n"
      "echo \"cwd=$(pwd)\"\n");
  const std::string conv = "8f0c2d4e-1b7a-4c3e-9d2f-5a6b7c8d9e0f";
  std::string first = LaunchId(
      "claude", "first task",
      json::object{{"title", "Resumable"}, {"conversation", {{"mode", "init"}, {"id", conv}}}});
  ASSERT_EQ(first.size(), 36u);
  WaitFinished(first);

  Shell({"sessions"}, "RESUME_EXIT");
  ASSERT_TRUE(tmux_.WaitScreen("[c] Resume")) << tmux_.Screen();
  tmux_.Key("c");
  ASSERT_TRUE(tmux_.WaitScreen("RESUME_EXIT=0")) << tmux_.Screen();
  EXPECT_NE(tmux_.Screen().find("arg=[--resume=" + conv + "]"), std::string::npos)
      << tmux_.Screen();

  json::value list = ParseJson(Get("/api/v1/sessions").body);
  ASSERT_TRUE(list.is_array());
  ASSERT_EQ(list.as_array().size(), 2u) << json::serialize(list);
  const json::value& resumed = list.as_array()[0];
  EXPECT_EQ(Str(Field(resumed, "conversation_id")), conv);
  EXPECT_EQ(Str(Field(resumed, "cwd")), root_);
  EXPECT_EQ(Str(Field(resumed, "project_root")), root_);
  EXPECT_EQ(Str(Field(resumed, "title")), "Resumable");
}

}  // namespace
}  // namespace coven::testing::sess
