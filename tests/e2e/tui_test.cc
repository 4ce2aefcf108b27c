// End-to-end: the palette (SPEC 6.1) and the session browser (SPEC 6.4) driven through a
// real terminal: the `coven` binary runs in a shell inside a private tmux server, keys go
// in with send-keys and the screen comes back with capture-pane. Every wait has a deadline.
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "support/testing.h"

namespace coven::testing {
namespace {

constexpr milliseconds kHangGuard(15'000);

std::string Quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  }
  return out + "'";
}

// A shell in a 100x30 pane of a tmux server of its own (its socket in a temp directory),
// with the CovenHome's environment; the server is killed on destruction.
class TmuxPane {
 public:
  explicit TmuxPane(CovenHome& home, const std::string& cwd) {
    socket_ = socket_dir_ / "tmux.sock";
    std::string cmd = "cd " + Quote(cwd) + " && exec env";
    for (const auto& [k, v] : home.env()) {
      cmd += " " + Quote(k + "=" + v);
    }
    cmd += " 'PS1=$ ' TERM=xterm-256color sh";
    RunResult r = Tmux({"new-session", "-d", "-x", "100", "-y", "30", cmd});
    started_ = r.exit_code == 0;
    EXPECT_TRUE(started_) << r.err;
  }
  ~TmuxPane() { Tmux({"kill-server"}); }
  TmuxPane(const TmuxPane&) = delete;
  TmuxPane& operator=(const TmuxPane&) = delete;
  TmuxPane(TmuxPane&&) = delete;
  TmuxPane& operator=(TmuxPane&&) = delete;

  bool started() const { return started_; }
  // Types `text` literally.
  void Type(const std::string& text) { Tmux({"send-keys", "-t", "0", "-l", text}); }
  // Sends named keys (Enter, Escape, Up, ...).
  void Keys(const std::string& key) { Tmux({"send-keys", "-t", "0", key}); }
  std::string Screen() { return Tmux({"capture-pane", "-p", "-t", "0"}).out; }
  // Waits until the screen shows `text`; on timeout fails with the last screen.
  bool WaitForText(const std::string& text) {
    std::string last;
    bool found = WaitFor(
        [&] {
          last = Screen();
          return last.find(text) != std::string::npos;
        },
        kHangGuard);
    EXPECT_TRUE(found) << "never saw `" << text << "`; screen:\n" << last;
    return found;
  }

 private:
  RunResult Tmux(std::vector<std::string> args) {
    std::vector<std::string> argv = {"tmux", "-S", socket_, "-f", "/dev/null"};
    argv.insert(argv.end(), args.begin(), args.end());
    return Run(argv, {{"TMUX", "\x01unset"}}, milliseconds(10'000));
  }
  TempDir socket_dir_;  // a private server socket, removed with the directory
  std::string socket_;
  bool started_ = false;
};

// Given `coven tui` on a terminal, the palette should open with its frame, `/help` Enter
// should print the examples, Esc should quit with the SPEC message, and the shell's
// terminal should be back in cooked mode with echo afterwards.
TEST(TuiE2eTest, PaletteHelpQuitAndRestore) {
  CovenHome home;
  TempDir project;
  TmuxPane pane(home, project.path());
  ASSERT_TRUE(pane.started());
  pane.Type(CovenBin() + " tui; echo HELP_EXIT=$?");
  pane.Keys("Enter");
  ASSERT_TRUE(pane.WaitForText("Slash commands"));
  std::string screen = pane.Screen();
  for (const char* text : {"COVEN", "Prompt-first agent console", "Type natural language",
                           "[memory] -- [coven] -- [sessions]", "[gateway]",
                           "Empty Enter runs selected slash", "Selected slash", "/sacrifice"}) {
    EXPECT_NE(screen.find(text), std::string::npos) << text << "\n" << screen;
  }
  pane.Type("/help");
  ASSERT_TRUE(pane.WaitForText("> /help"));
  pane.Keys("Enter");
  ASSERT_TRUE(pane.WaitForText("Coven palette examples"));
  ASSERT_TRUE(pane.WaitForText("HELP_EXIT=0"));

  // An unknown slash stays in the palette with the error; Esc then quits.
  pane.Type("clear; " + CovenBin() + " tui; echo QUIT_EXIT=$?");
  pane.Keys("Enter");
  ASSERT_TRUE(pane.WaitForText("Slash commands"));
  pane.Type("/nope");
  pane.Keys("Enter");
  ASSERT_TRUE(pane.WaitForText("unknown Coven slash command `/nope`"));
  pane.Keys("Escape");
  ASSERT_TRUE(pane.WaitForText("The circle fades. Nothing changed."));
  ASSERT_TRUE(pane.WaitForText("QUIT_EXIT=0"));
  EXPECT_EQ(pane.Screen().find("Slash commands"), std::string::npos) << "alternate screen left";

  pane.Type(
      "stty -a | tr ' ;' '\\n\\n' | grep -x -e echo -e icanon -e -echo -e -icanon | "
      "sort | tr '\\n' ' '; echo MODES");
  pane.Keys("Enter");
  EXPECT_TRUE(pane.WaitForText("echo icanon MODES"));
}

// Given a demo session started detached, `coven sessions` on a terminal should list it
// with its live preview; K kills it, r then archives it, q closes, and the plain list of
// all sessions shows it archived.
TEST(TuiE2eTest, BrowserKillsThenArchives) {
  CovenHome home;
  TempDir project;
  RunResult started = home.Coven({"run", "demo", "hello", "from", "e2e", "--detach"},
                                 milliseconds(30'000), project.path());
  ASSERT_EQ(started.exit_code, 0) << started.err;
  std::string id = started.out.substr(0, started.out.find('\n'));
  ASSERT_EQ(id.size(), 36u) << started.out;

  TmuxPane pane(home, project.path());
  ASSERT_TRUE(pane.started());
  pane.Type(CovenBin() + " sessions; echo BROWSER_EXIT=$?");
  pane.Keys("Enter");
  ASSERT_TRUE(pane.WaitForText("[a] Rejoin"));
  std::string screen = pane.Screen();
  EXPECT_NE(screen.find("hello from e2e"), std::string::npos) << screen;
  EXPECT_NE(screen.find(id.substr(0, 18)), std::string::npos) << screen;
  EXPECT_NE(screen.find("demo"), std::string::npos) << screen;
  // The preview shows the harness's screen, without escape sequences.
  EXPECT_TRUE(pane.WaitForText("thinking about: hello from e2e"));

  pane.Keys("K");
  ASSERT_TRUE(pane.WaitForText("[r] Archive"));
  pane.Keys("r");
  ASSERT_TRUE(pane.WaitForText("archived session"));
  pane.Keys("q");
  ASSERT_TRUE(pane.WaitForText("Closed session browser."));
  ASSERT_TRUE(pane.WaitForText("BROWSER_EXIT=0"));

  RunResult all = home.Coven({"sessions", "--all", "--plain"});
  ASSERT_EQ(all.exit_code, 0) << all.err;
  EXPECT_NE(all.out.find(id), std::string::npos) << all.out;
  EXPECT_NE(all.out.find("archived"), std::string::npos) << all.out;
}

// Given no sessions, the browser should say so and leave at once.
TEST(TuiE2eTest, BrowserEmptyStore) {
  CovenHome home;
  TempDir project;
  TmuxPane pane(home, project.path());
  ASSERT_TRUE(pane.started());
  pane.Type(CovenBin() + " sessions; echo EXIT=$?");
  pane.Keys("Enter");
  ASSERT_TRUE(pane.WaitForText("EXIT=0"));
  EXPECT_NE(pane.Screen().find("No Coven sessions to manage yet."), std::string::npos);
}

}  // namespace
}  // namespace coven::testing
