// End-to-end: what a user's terminal shows when it joins a full-screen session. Real
// binary, daemon and shims; the user's terminal is a pane of a private tmux server, and
// the reference for "correct" is tmux itself running the same program in another pane.
#include <signal.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "core/strings.h"
#include "e2e/screen_helpers.h"
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

// A synthetic stream in two parts for a 100x30 terminal, then (after a resize to 90x26)
// the second: wide and combining characters, tabs, autowrap, a scroll region, insert and
// delete of characters and lines, the alternate screen entered and left, attributes.
const std::string kSyntheticPart1 =
    "\x1b[H\x1b[2J"
    "\x1b[1;1H\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e wide|e\xcc\x81 combining|\x1b[1;31mred "
    "bold\x1b[0m"
    "\x1b[2;1H\ttab\tstops\there"
    "\x1b[3;1H" +
    std::string(130, 'x') +
    "\x1b[6;1Hline6\x1b[7;1Hline7\x1b[8;1Hline8"
    "\x1b[5;12r\x1b[12;1H\nscrolled-1\nscrolled-2\nscrolled-3\x1b[r"
    "\x1b[14;1Habcdefghij\x1b[14;3H\x1b[2@\x1b[14;8H\x1b[3P"
    "\x1b[15;1H0123456789\x1b[15;4H\x1b[3X"
    "\x1b[16;1Hkeep\x1b[17;1Hdelete-me\x1b[18;1Hafter\x1b[17;1H\x1b[M"
    "\x1b[20;1H\x1b[L\x1b[20;1Hinserted"
    "\x1b[?1049h\x1b[H\x1b[2JALT SCREEN\x1b[5;5Hin alt\x1b[?1049l"
    "\x1b[25;10H\x1b[7mreverse\x1b[0m \xe4\xb8\xad\xe6\x96\x87"
    "\x1b[22;40H";
const std::string kSyntheticPart2 =
    "\x1b[?1049h\x1b[H\x1b[2J\x1b[1;1Halt after resize \xe6\x97\xa5\xe6\x9c\xac"
    "\x1b[3;89H\xe6\x97\xa5\x1b[26;1Hbottom row\x1b[26;85Hend!!\x1b[13;45H";

// A full-screen program that writes about 22 MB of repaints (awk: fast enough that the
// test is about rejoining, not generating), then a prompt, then waits.
constexpr const char* kBigRepaintHarness = R"SH(#!/bin/bash
awk 'BEGIN {
  for (f = 1; f <= 17000; f++) {
    s = "\033[H";
    for (r = 1; r <= 23; r++)
      s = s sprintf("\033[%d;1H\033[3%dmframe %05d row %02d\033[0m quick brown fox %d\033[K", r, (f + r) % 8, f, r, f * r % 9973);
    printf "%s", s;
  }
}'
printf '\e[24;1H\e[KBIG-PROMPT> '
: > .repaint-done
while read -r line; do [ "$line" = quit ] && exit 0; done
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

  // GET /screen (raw text) of `id`.
  json::value ScreenJson(const std::string& id) {
    HttpResult r = Get("/api/v1/sessions/" + id + "/screen?raw=true");
    EXPECT_EQ(r.status, 200) << r.body;
    return ParseJson(r.body);
  }

  // Waits (up to 60 s) until `tmux` shows exactly the screen of `id`, and that screen is a
  // repaint program's final one (its last row starts with BIG-PROMPT>).
  bool PaneShowsFinalPrompt(Tmux& tmux, const std::string& id) {
    return WaitFor(
        [&] {
          std::vector<std::string> want = TrimEmptyTail(Lines(ScreenJson(id)));
          return !want.empty() && want.back().find("BIG-PROMPT>") == 0 &&
                 TrimEmptyTail(tmux.Rows()) == want;
        },
        milliseconds(60'000));
  }
};

// A harness that waits for a line before each part of its stream (files `parts`), marks
// the end of part N with `.partN-done` in its cwd, then waits for "quit". Echo is off so
// the lines it reads leave no trace on the screen.
std::string StagedHarness(const std::vector<std::string>& parts) {
  std::string script = "#!/bin/bash\nstty -echo\n";
  for (size_t i = 0; i < parts.size(); ++i) {
    script += "read -r _\ncat " + ShellQuote(parts[i]) + "\n: > .part" + std::to_string(i + 1) +
              "-done\n";
  }
  return script + "while read -r line; do [ \"$line\" = quit ] && exit 0; done\n";
}

// Regression (O_NONBLOCK): `coven attach` made its stdin non-blocking, which on a terminal
// is the same open file description as stdout, so writes to the terminal failed with
// EAGAIN and output was dropped without a word. Given a session that printed ~4 MB of
// full-screen repaints, we should (on `coven attach --replay` in a tmux pane, which pushes
// all of it through the terminal) end with exactly the screen tmux shows for the same
// program run directly; and so should a plain `coven attach`, which paints the screen.
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

// Regression: an attach through the daemon's WebSocket (`--replay`, and every API client's
// attach) kept the HTTP request's deadline and was cut ("[coven session disconnected]")
// once that long passed without a frame, 30 s by default. Given a daemon whose request
// deadline is 300 ms, a quiet attach should still be attached four times that later, and
// its keys should still reach the harness.
TEST_F(ScreenTest, QuietAttachThroughTheDaemonStaysAttached) {
  ASSERT_EQ(home_.Coven({"daemon", "stop"}).exit_code, 0);
  home_.env()["COVEN_HTTP_TIMEOUT_MS"] = "300";
  ASSERT_NO_FATAL_FAILURE(home_.StartDaemon());
  home_.AddScript("codex", "#!/bin/sh\necho ready\nwhile read l; do echo got-$l; done\n");
  std::string id = LaunchId("codex", "quiet");
  ASSERT_TRUE(WaitOutput(id, "ready"));
  Tmux tmux;
  ASSERT_TRUE(tmux.Start(Interactive({"attach", "--replay", id})));
  ASSERT_TRUE(tmux.WaitScreen("ready"));
  std::this_thread::sleep_for(milliseconds(1200));  // quiet: no key, no output
  tmux.Line("after");
  EXPECT_TRUE(tmux.WaitScreen("got-after"));
  EXPECT_EQ(tmux.Screen().find("disconnected"), std::string::npos) << tmux.Screen();
  tmux.Key("C-]");
}

// Given the screen route, we should announce it in health, answer JSON with the screen's
// fields (secrets redacted unless raw=true), the paint bytes with format=ansi, and clear
// errors for an unknown session or format, changing nothing.
TEST_F(ScreenTest, ScreenRouteShapesAndErrors) {
  EXPECT_NE(Get("/api/v1/health").body.find("\"sessionScreen\":true"), std::string::npos);
  home_.AddScript("codex",
                  "#!/bin/bash\nstty -echo\nprintf '\\e]2;my title\\a\\e[?2004h\\e[2;3Hkey "
                  "sk-proj-abcdefghijklmnopqrstuvwxyz0123456789ABCD'\nread -r _\n");
  std::string id = LaunchId("codex", "screen");
  ASSERT_TRUE(WaitOutput(id, "key [REDACTED:openai-key]"));
  json::value raw = ScreenJson(id);
  EXPECT_EQ(Field(raw, "rows").as_int64(), 24);
  EXPECT_EQ(Field(raw, "cols").as_int64(), 80);
  EXPECT_EQ(Str(Field(raw, "title")), "my title");
  EXPECT_EQ(Field(raw, "altScreen"), json::value(false));
  EXPECT_EQ(Field(Field(raw, "modes"), "bracketedPaste"), json::value(true));
  EXPECT_EQ(Str(Field(Field(raw, "modes"), "mouse")), "none");
  EXPECT_EQ(Str(Field(raw, "source")), "live");
  EXPECT_EQ(Str(Field(raw, "sessionId")), id);
  EXPECT_GT(Field(raw, "seq").as_int64(), 1);
  EXPECT_EQ(Cursor(raw), "54 1");
  EXPECT_EQ(Lines(raw)[1], "  key sk-proj-abcdefghijklmnopqrstuvwxyz0123456789ABCD");
  json::value redacted = ParseJson(Get("/api/v1/sessions/" + id + "/screen").body);
  EXPECT_EQ(Lines(redacted)[1].find("sk-proj-abc"), std::string::npos) << Lines(redacted)[1];
  HttpResult ansi = Get("/api/v1/sessions/" + id + "/screen?format=ansi");
  EXPECT_EQ(ansi.status, 200);
  EXPECT_NE(ansi.body.find("\x1b[2;1H  key sk-proj-"), std::string::npos);
  EXPECT_NE(ansi.body.find("\x1b[?2004h"), std::string::npos);
  ExpectError(Get("/api/v1/sessions/" + id + "/screen?format=png"), 400, "invalid_request");
  ExpectError(Get("/api/v1/sessions/nope/screen"), 404, "session_not_found");
  ASSERT_EQ(SendInput(id, "\n").status, 202);
  WaitFinished(id);
  EXPECT_EQ(Str(Field(ScreenJson(id), "source")), "final");
}

// Given a session that drew a frame and then cleared it for a new one, the browser's
// preview should show the screen as it is now (the new frame only), not the tail of the
// raw output, where both frames' text follow each other.
TEST_F(ScreenTest, BrowserPreviewShowsCurrentScreen) {
  home_.AddScript("codex",
                  "#!/bin/bash\nstty -echo\nprintf 'stale-frame-text\\n\\e[H\\e[2Jfresh-frame'\n"
                  ": > .drawn\nread -r _\n");
  std::string id = RunDetached("preview");
  ASSERT_EQ(id.size(), 36u);
  ASSERT_TRUE(WaitFor([&] { return Exists(project_.path() + "/.drawn"); }, kHangGuard));
  Tmux tmux;
  ASSERT_TRUE(tmux.Start(Interactive({"sessions"})));
  ASSERT_TRUE(tmux.WaitScreen("fresh-frame"));
  EXPECT_EQ(tmux.Screen().find("stale-frame-text"), std::string::npos) << tmux.Screen();
  tmux.Key("q");
  ASSERT_TRUE(tmux.WaitScreen("rc=0"));
  ASSERT_EQ(SendInput(id, "\n").status, 202);
  WaitFinished(id);
}

// Given a session whose log holds ~24 MB of full-screen repaints, we should (on `coven
// attach` in a tmux pane) show its current screen (the same text as /screen) after
// receiving a paint of the order of one screen, not a replay of the log. Rejoining again
// after `coven daemon restart` shows the same screen, from the live shim's model.
TEST_F(ScreenTest, RejoinLargeLogPaintsCurrentScreen) {
  home_.AddScript("codex", kBigRepaintHarness);
  std::string id = RunDetached("big");
  ASSERT_EQ(id.size(), 36u);
  ASSERT_TRUE(
      WaitFor([&] { return Exists(project_.path() + "/.repaint-done"); }, milliseconds(120'000)));
  std::string log = home_.home() + "/sessions/" + id + "/events.log";
  ASSERT_GT(std::filesystem::file_size(log), 20u << 20);

  for (bool restart : {false, true}) {
    SCOPED_TRACE(restart ? "after daemon restart" : "first rejoin");
    if (restart) {
      RunResult r = home_.Coven({"daemon", "restart"}, kHangGuard, project_.path());
      ASSERT_EQ(r.exit_code, 0) << r.err;
    }
    TempDir capture;
    std::string received = capture.path() + "/pane.bin";
    Tmux tmux;
    ASSERT_TRUE(tmux.Start("sleep 1; " + Interactive({"attach", id})));
    tmux.Cmd({"pipe-pane", "-o", "-t", "t", "cat > " + ShellQuote(received)});
    std::vector<std::string> want;
    std::vector<std::string> got;
    bool same = WaitFor(
        [&] {
          json::value screen = ScreenJson(id);
          EXPECT_EQ(Str(Field(screen, "source")), "live");
          want = TrimEmptyTail(Lines(screen));
          got = TrimEmptyTail(tmux.Rows());
          return !want.empty() && want.back().find("BIG-PROMPT>") == 0 && got == want;
        },
        milliseconds(60'000));
    auto join = [](const std::vector<std::string>& rows) {
      std::string out;
      for (const std::string& r : rows) {
        out += r + "\n";
      }
      return out;
    };
    ASSERT_TRUE(same) << "pane:\n" << join(got) << "/screen:\n" << join(want);
    tmux.Cmd({"pipe-pane", "-t", "t"});
    // One paint is a few KB; a replay would be the whole log.
    EXPECT_LT(ReadFileOrEmpty(received).size(), size_t{1} << 20);
    tmux.Key("C-]");
    ASSERT_TRUE(
        WaitFor([&] { return tmux.Screen().find("[detached;") != std::string::npos; }, kHangGuard));
  }
  ASSERT_EQ(SendInput(id, "quit\n").status, 202);
  WaitFinished(id);
  // Finished: the final screen the shim recorded.
  json::value final_screen = ScreenJson(id);
  EXPECT_EQ(Str(Field(final_screen, "source")), "final");
  EXPECT_EQ(TrimEmptyTail(Lines(final_screen)).back().find("BIG-PROMPT>"), 0u);
}

// The pid of the `coven attach <id>` process (the tmux pane's client), or 0.
pid_t AttachPid(const std::string& id) {
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    std::string cmdline = ReadFileOrEmpty(entry.path().string() + "/cmdline");
    if (cmdline.find(std::string("\0attach\0", 8) + id + '\0') != std::string::npos &&
        cmdline.rfind(CovenBin(), 0) == 0) {
      return static_cast<pid_t>(std::stol(entry.path().filename().string()));
    }
  }
  return 0;
}

// Starts `command` (a `coven attach <id>`) in `tmux` and waits for its client process and
// for the program's WAITING-FOR-GO on the pane: the client's pid, or 0 (with the failure
// recorded) when either never came.
pid_t AttachUntilWaitingForGo(Tmux& tmux, const std::string& command, const std::string& id) {
  pid_t client = 0;
  if (!tmux.Start(command)) {
    ADD_FAILURE() << "tmux did not start " << command;
    return 0;
  }
  if (!WaitFor([&] { return (client = AttachPid(id)) > 0; }, kHangGuard)) {
    ADD_FAILURE() << "no `coven attach " << id << "` process";
    return 0;
  }
  return tmux.WaitScreen("WAITING-FOR-GO") ? client : 0;  // attached and painting
}

// Given two terminals attached to one session at once, each should show the screen and
// every change, keys typed in either should reach the program, and both should end with
// the exit line when it exits.
TEST_F(ScreenTest, TwoClientsAttachedAtOnce) {
  home_.AddScript("codex", "#!/bin/bash\nFRAMES=20\n" + std::string(kRepaintHarness).substr(12));
  std::string id = RunDetached("two");
  ASSERT_EQ(id.size(), 36u);
  ASSERT_TRUE(WaitFor([&] { return Exists(project_.path() + "/.repaint-done"); }, kHangGuard));
  Tmux a;
  Tmux b;
  ASSERT_TRUE(a.Start(Interactive({"attach", id})));
  ASSERT_TRUE(a.WaitScreen("PROMPT-READY>"));
  ASSERT_TRUE(b.Start(Interactive({"attach", id})));
  ASSERT_TRUE(b.WaitScreen("PROMPT-READY>"));
  a.Line("from-a");
  EXPECT_TRUE(a.WaitScreen("got:from-a"));
  EXPECT_TRUE(b.WaitScreen("got:from-a"));
  b.Line("from-b");
  EXPECT_TRUE(a.WaitScreen("got:from-b"));
  EXPECT_TRUE(b.WaitScreen("got:from-b"));
  a.Line("quit");
  EXPECT_TRUE(a.WaitScreen("rc=0", kHangGuard)) << a.Screen();
  EXPECT_TRUE(b.WaitScreen("rc=0", kHangGuard)) << b.Screen();
  EXPECT_EQ(Str(Field(WaitFinished(id), "status")), "completed");
}

// Given a program repainting heavily, detaching while it prints and rejoining before it
// ends should show, once it is done, exactly its current screen (nothing lost or doubled
// on the way to the terminal across the detach).
TEST_F(ScreenTest, DetachAndRejoinDuringHeavyOutput) {
  // The big repaint, paced (a short sleep every 500 frames) so that it is still printing
  // when the test detaches.
  std::string paced = std::string(kBigRepaintHarness).substr(12);
  const std::string plain_print = "printf \"%s\", s;";
  paced.replace(paced.find(plain_print), plain_print.size(),
                plain_print + " if (f % 500 == 0) { fflush(); system(\"sleep 0.05\") }");
  home_.AddScript("codex", "#!/bin/bash\nstty -echo\nprintf WAITING-FOR-GO\nread -r go\n" + paced);
  std::string id = RunDetached("busy");
  ASSERT_EQ(id.size(), 36u);
  std::string log = home_.home() + "/sessions/" + id + "/events.log";
  {
    Tmux first;
    ASSERT_TRUE(first.Start(Interactive({"attach", id})));
    ASSERT_TRUE(first.WaitScreen("WAITING-FOR-GO"));
    first.Line("go");
    ASSERT_TRUE(WaitFor([&] { return std::filesystem::file_size(log) > (2u << 20); }, kHangGuard));
    first.Key("C-]");
    ASSERT_TRUE(first.WaitScreen("[detached;", kHangGuard)) << first.Screen();
  }
  EXPECT_FALSE(Exists(project_.path() + "/.repaint-done")) << "detached after the end";
  Tmux second;
  ASSERT_TRUE(second.Start(Interactive({"attach", id})));
  ASSERT_TRUE(
      WaitFor([&] { return Exists(project_.path() + "/.repaint-done"); }, milliseconds(180'000)));
  ASSERT_TRUE(PaneShowsFinalPrompt(second, id)) << "pane:\n" << second.Screen();
  second.Line("quit");
  EXPECT_TRUE(second.WaitScreen("rc=0", kHangGuard)) << second.Screen();
}

// Given an attached `coven attach` that is stopped (SIGSTOP: it reads nothing) while the
// program prints ~22 MB of repaints, the program should not wait for it (it finishes while
// the client is stopped), and once the client runs again it should still be attached and
// show the current screen (a repaint replaced what it missed), and still send keys.
TEST_F(ScreenTest, StoppedClientIsNeitherWaitedForNorDisconnected) {
  home_.AddScript("codex", "#!/bin/bash\nstty -echo\nprintf WAITING-FOR-GO\nread -r go\n" +
                               std::string(kBigRepaintHarness).substr(12));
  std::string id = RunDetached("slow");
  ASSERT_EQ(id.size(), 36u);
  Tmux tmux;
  pid_t client = AttachUntilWaitingForGo(tmux, Interactive({"attach", id}), id);
  ASSERT_GT(client, 0);
  ASSERT_EQ(::kill(client, SIGSTOP), 0);
  ASSERT_EQ(SendInput(id, "go\n").status, 202);
  bool finished =
      WaitFor([&] { return Exists(project_.path() + "/.repaint-done"); }, milliseconds(180'000));
  ::kill(client, SIGCONT);
  ASSERT_TRUE(finished) << "the program was held back by a stopped client";
  ASSERT_TRUE(PaneShowsFinalPrompt(tmux, id)) << "pane:\n" << tmux.Screen();
  tmux.Line("quit");
  EXPECT_TRUE(tmux.WaitScreen("rc=0", kHangGuard)) << tmux.Screen();
  EXPECT_EQ(Str(Field(WaitFinished(id), "status")), "completed");
}

// Given an attached terminal that reads nothing for 60 seconds (its tmux server and the
// `coven attach` client both stopped with SIGSTOP) while the program keeps repainting
// (~400 KB/s, far past the client's backlog bound), the program should never wait for it
// (its frame counter grows through every 10-second check), the session should stay running
// and the client attached, and once both run again the terminal should show the current
// screen and still carry keys to the program.
TEST_F(ScreenTest, TerminalStoppedForSixtySecondsIsNeitherWaitedForNorDisconnected) {
  home_.AddScript("codex", R"SH(#!/bin/bash
stty -echo
printf WAITING-FOR-GO
read -r go
f=0
until [ -e .stop ]; do
  s=""
  for k in 1 2 3 4 5 6 7 8 9 10; do
    f=$((f + 1))
    s+=$'\e[H'
    for r in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23; do
      s+=$'\e['"$r"$';1H\e[3'"$(( (f + r) % 8 ))"$'mframe '"$f"' row '"$r"$'\e[0m quick brown fox\e[K'
    done
  done
  printf '%s' "$s"
  echo "$f" > .frames.new && mv .frames.new .frames  # whole: never read half written
  sleep 0.05
done
printf '\e[24;1H\e[KBIG-PROMPT> frames %s' "$f"
: > .repaint-done
while read -r line; do [ "$line" = quit ] && exit 0; done
)SH");
  std::string id = RunDetached("stall");
  ASSERT_EQ(id.size(), 36u);
  Tmux tmux;
  pid_t client = AttachUntilWaitingForGo(tmux, Interactive({"attach", id}), id);
  ASSERT_GT(client, 0);
  pid_t server =
      static_cast<pid_t>(std::atol(tmux.Cmd({"display-message", "-p", "#{pid}"}).out.c_str()));
  ASSERT_GT(server, 0);
  auto frames = [&] {
    std::string text = ReadFileOrEmpty(project_.path() + "/.frames");
    return text.empty() ? 0L : std::stol(text);
  };
  ASSERT_EQ(SendInput(id, "go\n").status, 202);
  ASSERT_TRUE(WaitFor([&] { return frames() > 0; }, kHangGuard));
  ASSERT_EQ(::kill(server, SIGSTOP), 0);  // the terminal's reader: nothing reads the pane
  ASSERT_EQ(::kill(client, SIGSTOP), 0);
  long last = frames();
  bool kept_going = true;
  for (int check = 1; check <= 6; ++check) {
    std::this_thread::sleep_for(milliseconds(10'000));
    long now = frames();
    EXPECT_GT(now, last) << "the program made no progress in the 10 s before check " << check;
    kept_going = kept_going && now > last;
    last = now;
    EXPECT_EQ(Status(id), "running") << check;
  }
  WriteFile(project_.path() + "/.stop", "");
  bool prompt = WaitFor([&] { return Exists(project_.path() + "/.repaint-done"); }, kHangGuard);
  ::kill(client, SIGCONT);
  ::kill(server, SIGCONT);
  ASSERT_TRUE(kept_going);
  ASSERT_TRUE(prompt);
  ASSERT_TRUE(PaneShowsFinalPrompt(tmux, id)) << "pane:\n" << tmux.Screen();
  tmux.Line("quit");
  EXPECT_TRUE(tmux.WaitScreen("rc=0", kHangGuard)) << tmux.Screen();
  EXPECT_EQ(Str(Field(WaitFinished(id), "status")), "completed");
}

// Given a finished session, `coven logs --cast` and GET /recording should write the same
// asciicast v2 file: a header with the terminal's size, then the output with its timing,
// which Debian's `asciinema play` turns back into exactly the session's output.
TEST_F(ScreenTest, RecordingIsAnAsciicastOfTheOutput) {
  EXPECT_NE(Get("/api/v1/health").body.find("\"sessionRecording\":true"), std::string::npos);
  home_.AddScript(
      "codex",
      "#!/bin/bash\nprintf 'one \\e[1mbold\\e[0m\\n'\nsleep 0.2\nprintf 'two \\xc3\\xa9\\n'\n");
  std::string id = LaunchId("codex", "cast");
  WaitFinished(id);
  RunResult cli = home_.Coven({"logs", id, "--cast"}, kHangGuard, project_.path());
  ASSERT_EQ(cli.exit_code, 0) << cli.err;
  HttpResult api = Get("/api/v1/sessions/" + id + "/recording?format=asciicast");
  ASSERT_EQ(api.status, 200);
  EXPECT_EQ(api.body, cli.out);
  std::string header = cli.out.substr(0, cli.out.find('\n'));
  json::value h = ParseJson(header);
  EXPECT_EQ(Field(h, "version").as_int64(), 2);
  EXPECT_EQ(Field(h, "width").as_int64(), 80);
  EXPECT_EQ(Field(h, "height").as_int64(), 24);
  TempDir dir;
  std::string file = dir.path() + "/s.cast";
  WriteFile(file, cli.out);
  // asciinema opens /dev/tty: it plays in a terminal of script(1)'s, with no output
  // post-processing, so its stdout is exactly what it wrote.
  RunResult played = testing::Run(
      {"script", "-qec", "stty -opost; asciinema play " + ShellQuote(file), "/dev/null"}, {},
      kHangGuard);
  ASSERT_EQ(played.exit_code, 0) << played.err;
  EXPECT_EQ(played.out, Output(id));
  ExpectError(Get("/api/v1/sessions/" + id + "/recording?format=gif"), 400, "invalid_request");
  ExpectError(Get("/api/v1/sessions/nope/recording"), 404, "session_not_found");
  RunResult both = home_.Coven({"logs", id, "--cast", "--follow"}, kHangGuard, project_.path());
  EXPECT_NE(both.exit_code, 0);
  EXPECT_NE(both.err.find("--follow"), std::string::npos) << both.err;
}

// The same byte streams fed to a tmux pane (the reference) and to a Coven session: the
// session's /screen must show the same text and cursor as `tmux capture-pane`. Streams: a
// synthetic one (wide and combining characters, tabs, autowrap, scroll region, insert and
// delete, alternate screen, then a resize and more), and recordings of vim (split windows,
// syntax colours) and less (search) taken from tmux's pipe-pane at 100x30 (TERM=screen).
struct Staged {
  const char* name;
  std::vector<std::string> parts;
  bool resize_after_first = false;
};

TEST_F(ScreenTest, ModelMatchesTmux) {
  const std::string data = std::string(COVEN_SOURCE_DIR) + "/tests/e2e/data/";
  TempDir files;
  WriteFile(files.path() + "/synthetic1", kSyntheticPart1);
  WriteFile(files.path() + "/synthetic2", kSyntheticPart2);
  const std::vector<Staged> cases = {
      {"synthetic", {files.path() + "/synthetic1", files.path() + "/synthetic2"}, true},
      {"vim", {data + "vim_split.bin"}, false},
      {"less", {data + "less_search.bin"}, false},
  };
  for (const Staged& c : cases) {
    SCOPED_TRACE(c.name);
    home_.AddScript("codex", StagedHarness(c.parts));
    TempDir direct_dir;
    Tmux direct;
    ASSERT_TRUE(direct.Start("cd " + ShellQuote(direct_dir.path()) + " && exec bash " +
                             ShellQuote(ScriptPath())));
    direct.Cmd({"set", "-g", "status", "off"});
    direct.Resize(100, 30);
    TempDir project;
    json::object size;
    size["rows"] = 30;
    size["cols"] = 100;
    size["projectRoot"] = Canonical(project.path());
    std::string id = LaunchId("codex", c.name, size);
    ASSERT_EQ(id.size(), 36u);
    for (size_t part = 1; part <= c.parts.size(); ++part) {
      if (part == 2 && c.resize_after_first) {
        direct.Resize(90, 26);
        ASSERT_EQ(
            Post("/api/v1/sessions/" + id + "/resize", Body({{"rows", 26}, {"cols", 90}})).status,
            202);
      }
      direct.Line("go");
      ASSERT_EQ(SendInput(id, "go\n").status, 202);
      std::string mark = "/.part" + std::to_string(part) + "-done";
      ASSERT_TRUE(WaitFor([&] { return Exists(direct_dir.path() + mark); }, kHangGuard));
      ASSERT_TRUE(WaitFor([&] { return Exists(project.path() + mark); }, kHangGuard));
      // The marker follows the bytes; wait until both screens have settled on the same text.
      std::vector<std::string> want;
      std::vector<std::string> got;
      json::value screen;
      bool same = WaitFor(
          [&] {
            want = TrimEmptyTail(direct.Rows());
            screen = ScreenJson(id);
            got = TrimEmptyTail(Lines(screen));
            return !want.empty() && got == want && Cursor(screen) == TmuxCursor(direct);
          },
          kHangGuard);
      EXPECT_TRUE(same) << "part " << part << ": cursor " << Cursor(screen) << " vs tmux "
                        << TmuxCursor(direct) << "\n"
                        << RowsDiff(got, want);
    }
    ASSERT_EQ(SendInput(id, "quit\n").status, 202);
    WaitFinished(id);
  }
}

}  // namespace
}  // namespace coven::testing::sess
