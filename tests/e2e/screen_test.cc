// End-to-end: what a user's terminal shows when it joins a full-screen session. Real
// binary, daemon and shims; the user's terminal is a pane of a private tmux server, and
// the reference for "correct" is tmux itself running the same program in another pane.
#include <algorithm>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "core/strings.h"
#include "e2e/session_helpers.h"
#include "e2e/tmux_helpers.h"
#include "support/testing.h"

namespace coven::testing::sess {
namespace {

// A full-screen program: `FRAMES` repaints of 24 rows (absolute cursor moves, colours,
// erase to end of line), then a prompt on the last row; it waits for lines and exits on
// "quit". About 1.7 KB per frame. It marks the end of its output with a file in its cwd.
constexpr const char* kRepaintHarness = R"SH(#!/bin/bash
frames=${FRAMES:-2500}
for ((f = 1; f <= frames; f++)); do
  frame=$'\e[H'
  for ((r = 1; r <= 23; r++)); do
    printf -v line '\e[%d;1H\e[3%dmframe %05d row %02d\e[0m %s\e[K' "$r" $(((f + r) % 8)) \
      "$f" "$r" "the quick brown fox jumps over the lazy dog $((f * r % 9973))"
    frame+=$line
  done
  printf '%s' "$frame"
done
printf '\e[24;1H\e[KPROMPT-READY> '
: > .repaint-done  # tells the test that everything is written (cheaper than reading MBs)
while read -r line; do
  if [ "$line" = quit ]; then exit 0; fi
  printf '\e[24;1H\e[Kgot:%s PROMPT-READY> ' "$line"
done
)SH";

class ScreenTest : public SessionTest {
 protected:
  // A shell command for tmux: `coven args...` in the project with this home's environment;
  // the pane stays open after it ends.
  std::string Interactive(const std::vector<std::string>& args) {
    std::string cmd =
        "cd " + ShellQuote(project_.path()) + " && env COVEN_HOME=" + ShellQuote(home_.home()) +
        " PATH=" + ShellQuote(home_.env()["PATH"]) + " NO_COLOR=1 " + ShellQuote(CovenBin());
    for (const std::string& a : args) {
      cmd += " " + ShellQuote(a);
    }
    return cmd + "; echo \"rc=$?\"; exec sleep 100000";
  }

  // `coven run codex <prompt> --detach` with `env` added to the harness's environment.
  std::string RunDetached(const std::string& prompt) {
    RunResult r = home_.Coven({"run", "codex", prompt, "--detach"}, kHangGuard, project_.path());
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return std::string(core::Trim(r.out));
  }

  // The rows of tmux running `script` directly (the reference rendering), once `until`
  // shows on its screen.
  std::vector<std::string> DirectRows(const std::string& script, const std::string& until) {
    TempDir dir;
    Tmux direct;
    EXPECT_TRUE(
        direct.Start("cd " + ShellQuote(dir.path()) + " && exec bash " + ShellQuote(script)));
    EXPECT_TRUE(direct.WaitScreen(until, milliseconds(60'000)));
    return direct.Rows();
  }

  // Waits until `tmux` shows exactly `want`; on failure reports both screens.
  static void ExpectRowsBecome(Tmux& tmux, const std::vector<std::string>& want) {
    std::vector<std::string> got;
    bool same = WaitFor(
        [&] {
          got = tmux.Rows();
          return got == want;
        },
        milliseconds(60'000));
    if (same) {
      return;
    }
    size_t differ = 0;
    std::string report;
    for (size_t i = 0; i < std::max(got.size(), want.size()); ++i) {
      std::string g = i < got.size() ? got[i] : "<none>";
      std::string w = i < want.size() ? want[i] : "<none>";
      if (g != w) {
        ++differ;
        report += "row " + std::to_string(i + 1) + "\n  got:  " + g + "\n  want: " + w + "\n";
      }
    }
    ADD_FAILURE() << differ << " rows differ from tmux's own rendering:\n" << report;
  }

  std::string ScriptPath() { return home_.bin_dir() + "/codex"; }

};

// Regression (O_NONBLOCK): `coven attach` made its stdin non-blocking, which on a terminal
// is the same open file description as stdout, so writes to the terminal failed with
// EAGAIN and output was dropped without a word. Given a session that printed ~4 MB of
// full-screen repaints, we should (on `coven attach` in a tmux pane, which replays all of
// it through the terminal) end with exactly the screen tmux shows for the same program run
// directly.
TEST_F(ScreenTest, AttachDropsNoOutputUnderHeavyRepaint) {
  home_.AddScript("codex", kRepaintHarness);
  std::vector<std::string> want = DirectRows(ScriptPath(), "PROMPT-READY>");
  ASSERT_FALSE(want.empty());

  std::string id = RunDetached("repaint");
  ASSERT_EQ(id.size(), 36u);
  ASSERT_TRUE(
      WaitFor([&] { return Exists(project_.path() + "/.repaint-done"); }, milliseconds(60'000)));
  for (bool replay : {true, false}) {
    SCOPED_TRACE(replay ? "attach --replay" : "attach");
    std::vector<std::string> args{"attach", id};
    if (replay) {
      args.insert(args.begin() + 1, "--replay");
    }
    Tmux tmux;
    ASSERT_TRUE(tmux.Start(Interactive(args)));
    ExpectRowsBecome(tmux, want);
    tmux.Key("C-]");
    ASSERT_TRUE(
        WaitFor([&] { return tmux.Screen().find("rc=0") != std::string::npos; }, kHangGuard));
  }
}

}  // namespace
}  // namespace coven::testing::sess
