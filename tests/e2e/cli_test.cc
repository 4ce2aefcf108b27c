// End-to-end: the `coven` command line (SPEC 6, Part A 8-10) against a real daemon. The
// interactive cases (`run` and `attach` on a terminal: raw keys, Ctrl-C, resize, Ctrl-]
// detach, terminal restore) run inside a private tmux server; the rest run the binary with
// stdin on /dev/null and check its exact output.
#include <map>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "core/strings.h"
#include "e2e/session_helpers.h"
#include "e2e/tmux_helpers.h"
#include "support/testing.h"

namespace coven::testing::sess {
namespace {

// An interactive fake harness: prints "ready", then answers each line it reads. Ctrl-C and
// window changes are trapped and reported instead of ending it.
constexpr const char* kEchoHarness = R"SH(#!/bin/bash
trap 'echo got-int' INT
trap 'echo "winch:$(stty size)"' WINCH
echo ready
while true; do
  read -r line
  rc=$?
  if [ $rc -eq 1 ]; then exit 0; fi
  if [ $rc -ne 0 ]; then continue; fi
  case "$line" in
    size) echo "size:$(stty size)" ;;
    quit) echo bye; exit 0 ;;
    fail) exit 3 ;;
    *) echo "got:$line" ;;
  esac
done
)SH";

// A harness that prints one line and exits 0.
constexpr const char* kQuickHarness = "#!/bin/sh\necho hello-out\n";

constexpr const char* kRitualsBlock =
    "\nRituals:\n"
    "  coven summon SESSION_ID          bring an archived session back and attach\n"
    "  coven archive SESSION_ID         hide a finished session from the active list\n"
    "  coven sacrifice SESSION_ID --yes delete a finished session and its event log\n";

constexpr const char* kTableHeader =
    "SESSION                              STATUS     HARNESS  RITUAL   TITLE\n"
    "-------                              ------     -------  ------   -----\n";

std::string PadTo(const std::string& s, size_t width) {
  return s.size() >= width ? s : s + std::string(width - s.size(), ' ');
}

// One row of the SPEC 6.4 plain table.
std::string TableRow(const std::string& id, const std::string& status, const std::string& harness,
                     bool archived, const std::string& title) {
  return PadTo(id, 36) + " " + PadTo(status, 10) + " " + PadTo(harness, 8) + " " +
         PadTo(archived ? "archived" : "active", 8) + " " + title + "\n";
}

// The words of `text` split on whitespace and ';' (how `stty -a` separates settings).
std::set<std::string> Words(const std::string& text) {
  std::set<std::string> out;
  std::string word;
  for (char c : text + " ") {
    if (c == ' ' || c == '\n' || c == '\t' || c == ';') {
      if (!word.empty()) {
        out.insert(word);
      }
      word.clear();
    } else {
      word += c;
    }
  }
  return out;
}

// Reference pretty printer for SPEC 6.4 JSON: 2-space indent, object keys sorted.
void Pretty(const json::value& v, std::string& out, int depth) {
  std::string pad(static_cast<size_t>(depth) * 2, ' ');
  std::string inner = pad + "  ";
  if (v.is_object() && !v.as_object().empty()) {
    std::map<std::string, const json::value*> sorted;
    for (const auto& kv : v.as_object()) {
      sorted[std::string(kv.key())] = &kv.value();
    }
    out += "{\n";
    size_t i = 0;
    for (const auto& [k, val] : sorted) {
      out += inner + json::serialize(json::value(k)) + ": ";
      Pretty(*val, out, depth + 1);
      out += ++i < sorted.size() ? ",\n" : "\n";
    }
    out += pad + "}";
  } else if (v.is_array() && !v.as_array().empty()) {
    out += "[\n";
    size_t i = 0;
    for (const json::value& item : v.as_array()) {
      out += inner;
      Pretty(item, out, depth + 1);
      out += ++i < v.as_array().size() ? ",\n" : "\n";
    }
    out += pad + "]";
  } else if (v.is_object()) {
    out += "{}";
  } else if (v.is_array()) {
    out += "[]";
  } else {
    out += json::serialize(v);
  }
}

// True when `help` has an example line `  coven <cmd>` (then a space or the line's end).
bool HasExampleOf(const std::string& help, const std::string& cmd) {
  std::string line = "\n  coven " + cmd;
  for (size_t at = help.find(line); at != std::string::npos; at = help.find(line, at + 1)) {
    size_t next = at + line.size();
    if (next == help.size() || help[next] == ' ' || help[next] == '\n') {
      return true;
    }
  }
  return false;
}

class CliTest : public SessionTest {
 protected:
  // Runs `coven args...` in the project folder with stdin on /dev/null.
  RunResult Cli(const std::vector<std::string>& args) {
    return home_.Coven(args, kHangGuard, project_.path());
  }

  // A shell command for tmux: `coven args...` in the project folder with this home's
  // environment, then the exit code, the terminal settings and an interactive shell (so
  // the pane survives and shows whether the terminal is usable).
  std::string Interactive(const std::vector<std::string>& args) {
    std::string cmd =
        "cd " + ShellQuote(project_.path()) + " && env COVEN_HOME=" + ShellQuote(home_.home()) +
        " PATH=" + ShellQuote(home_.env()["PATH"]) + " NO_COLOR=1 " + ShellQuote(CovenBin());
    for (const std::string& a : args) {
      cmd += " " + ShellQuote(a);
    }
    return cmd + "; echo \"rc=$?\"; stty -a; echo stty-done; exec env PS1='$ ' /bin/sh";
  }

  // Ids from GET /api/v1/sessions?all=true, in the daemon's order.
  std::vector<std::string> AllIds() {
    std::vector<std::string> ids;
    json::value list = ParseJson(Get("/api/v1/sessions?all=true").body);
    if (list.is_array()) {
      for (const json::value& s : list.as_array()) {
        ids.push_back(Str(Field(s, "id")));
      }
    }
    return ids;
  }

  // Waits until exactly one session exists and returns its id.
  std::string OnlySessionId() {
    std::vector<std::string> ids;
    EXPECT_TRUE(WaitFor(
        [&] {
          ids = AllIds();
          return ids.size() == 1;
        },
        kHangGuard))
        << ids.size() << " sessions";
    return ids.size() == 1 ? ids[0] : std::string();
  }

  // `coven run codex <prompt> --detach`; returns the printed id.
  std::string RunDetached(const std::string& prompt, const std::string& title = "") {
    std::vector<std::string> args{"run", "codex", prompt, "--detach"};
    if (!title.empty()) {
      args.insert(args.end(), {"--title", title});
    }
    RunResult r = Cli(args);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return std::string(core::Trim(r.out));
  }

  // The terminal settings the pane printed after coven exited (after "rc=").
  static std::set<std::string> SttyAfterExit(const std::string& screen) {
    size_t from = screen.rfind("rc=");
    size_t to = screen.find("stty-done", from == std::string::npos ? 0 : from);
    if (from == std::string::npos || to == std::string::npos) {
      return {};
    }
    return Words(screen.substr(from, to - from));
  }

  // Asserts the pane's terminal is back in cooked mode with echo, and a shell works in it.
  void ExpectTerminalRestored(Tmux& tmux) {
    ASSERT_TRUE(tmux.WaitScreen("stty-done"));
    std::set<std::string> words = SttyAfterExit(tmux.Screen());
    for (const char* mode : {"icanon", "echo", "isig", "icrnl", "opost"}) {
      EXPECT_TRUE(words.count(mode) == 1) << mode << " not set:\n" << tmux.Screen();
      EXPECT_TRUE(words.count(std::string("-") + mode) == 0) << mode << " cleared";
    }
    tmux.Line("echo usable-$((2+3))");
    tmux.WaitScreen("usable-5");
  }

  // The pane size as "rows cols".
  static std::string PaneSize(Tmux& tmux) {
    RunResult r = tmux.Cmd({"display-message", "-p", "-t", "t", "#{pane_height} #{pane_width}"});
    return std::string(core::Trim(r.out));
  }

  // Asks the harness for its size until it reports `want` (the resize travels
  // asynchronously, so one early answer may still be the old size).
  bool WaitHarnessSize(Tmux& tmux, const std::string& want) {
    bool ok = WaitFor(
        [&] {
          tmux.Line("size");
          return WaitFor(
              [&] {
                std::string s = tmux.Screen();
                return s.find("size:" + want) != std::string::npos ||
                       s.find("winch:" + want) != std::string::npos;
              },
              milliseconds(1'000));
        },
        kHangGuard);
    EXPECT_TRUE(ok) << "the harness never reported " << want << ":\n" << tmux.Screen();
    return ok;
  }
};

class CliRunTest : public CliTest {};
class CliAttachTest : public CliTest {};
class CliSessionsTest : public CliTest {};
class CliRitualTest : public CliTest {};
class CliLogsTest : public CliTest {};
class CliHelpTest : public CliTest {};
class CliDoctorTest : public CliTest {};

// ---- coven run on a terminal -----------------------------------------------------------

// Given `coven run` in a 100-column tmux pane, we should launch in the current directory
// with the pane's size and echo every typed line through the harness.
TEST_F(CliRunTest, EchoesTypedKeys) {
  home_.AddScript("codex", kEchoHarness);
  Tmux tmux;
  ASSERT_TRUE(tmux.Start(Interactive({"run", "codex", "echo", "things"})));
  ASSERT_TRUE(tmux.WaitScreen("ready"));
  std::string id = OnlySessionId();
  json::value rec = Session(id);
  EXPECT_EQ(Str(Field(rec, "project_root")), root_);
  EXPECT_EQ(Str(Field(rec, "title")), "echo things");
  EXPECT_EQ(Str(Field(rec, "status")), "running");

  tmux.Line("hello world");
  EXPECT_TRUE(tmux.WaitScreen("got:hello world"));
  tmux.Line("size");
  EXPECT_TRUE(tmux.WaitScreen("size:" + PaneSize(tmux)));
  EXPECT_EQ(Status(id), "running");
}

// Given an attached `coven run`, we should deliver Ctrl-C to the harness (which traps it)
// and keep coven attached, so later lines still arrive.
TEST_F(CliRunTest, CtrlCReachesHarness) {
  home_.AddScript("codex", kEchoHarness);
  Tmux tmux;
  ASSERT_TRUE(tmux.Start(Interactive({"run", "codex", "interrupt me"})));
  ASSERT_TRUE(tmux.WaitScreen("ready"));
  tmux.Key("C-c");
  ASSERT_TRUE(tmux.WaitScreen("got-int"));
  tmux.Line("after");
  EXPECT_TRUE(tmux.WaitScreen("got:after"));
  EXPECT_EQ(tmux.Screen().find("rc="), std::string::npos) << "coven exited:\n" << tmux.Screen();
  EXPECT_EQ(Status(OnlySessionId()), "running");
}

// Given an attached `coven run`, we should pass a resize of the terminal on to the
// harness's PTY.
TEST_F(CliRunTest, ResizeReachesHarness) {
  home_.AddScript("codex", kEchoHarness);
  Tmux tmux;
  ASSERT_TRUE(tmux.Start(Interactive({"run", "codex", "resize me"})));
  ASSERT_TRUE(tmux.WaitScreen("ready"));
  std::string before = PaneSize(tmux);
  tmux.Line("size");
  ASSERT_TRUE(tmux.WaitScreen("size:" + before));

  tmux.Resize(120, 40);
  std::string after = PaneSize(tmux);
  ASSERT_NE(after, before);
  ASSERT_NE(after.find(" 120"), std::string::npos) << after;
  EXPECT_TRUE(WaitHarnessSize(tmux, after));
}

// Given Ctrl-] in an attached `coven run`, we should detach with the rejoin hint, exit 0,
// leave the session running and the terminal usable.
TEST_F(CliRunTest, CtrlBracketDetaches) {
  home_.AddScript("codex", kEchoHarness);
  Tmux tmux;
  ASSERT_TRUE(tmux.Start(Interactive({"run", "codex", "detach me"})));
  ASSERT_TRUE(tmux.WaitScreen("ready"));
  std::string id = OnlySessionId();
  ASSERT_EQ(id.size(), 36u);
  tmux.Key("C-]");
  ASSERT_TRUE(tmux.WaitScreen("[detached; the session keeps running. Rejoin with: coven attach " +
                              id.substr(0, 8) + "]"));
  EXPECT_TRUE(tmux.WaitScreen("rc=0"));
  ExpectTerminalRestored(tmux);

  EXPECT_EQ(Status(id), "running");
  ASSERT_EQ(SendInput(id, "still here\n").status, 202);
  WaitOutput(id, "got:still here");
  RunResult list = Cli({"sessions", "--json"});
  EXPECT_NE(list.out.find("\"status\": \"running\""), std::string::npos) << list.out;
}

// Given a harness that exits while `coven run` is attached, we should print the exit line,
// exit 0 and give back a cooked terminal with echo.
TEST_F(CliRunTest, SessionEndRestoresTerminal) {
  home_.AddScript("codex", kEchoHarness);
  Tmux tmux;
  ASSERT_TRUE(tmux.Start(Interactive({"run", "codex", "finish"})));
  ASSERT_TRUE(tmux.WaitScreen("ready"));
  tmux.Line("quit");
  ASSERT_TRUE(tmux.WaitScreen("[coven session completed exitCode=0]"));
  EXPECT_TRUE(tmux.WaitScreen("rc=0"));
  ExpectTerminalRestored(tmux);
  EXPECT_EQ(Status(OnlySessionId()), "completed");
}

// Given a harness that exits 3 while attached, we should print `failed exitCode=3` and
// exit 1 with the terminal restored.
TEST_F(CliRunTest, FailedSessionExitsOne) {
  home_.AddScript("codex", kEchoHarness);
  Tmux tmux;
  ASSERT_TRUE(tmux.Start(Interactive({"run", "codex", "fail"})));
  ASSERT_TRUE(tmux.WaitScreen("ready"));
  tmux.Line("fail");
  ASSERT_TRUE(tmux.WaitScreen("[coven session failed exitCode=3]"));
  EXPECT_TRUE(tmux.WaitScreen("rc=1"));
  ExpectTerminalRestored(tmux);
}

// ---- coven attach ----------------------------------------------------------------------

// Given a running session with earlier output, we should (by 8-char prefix, on a
// terminal) print the status line, replay that output, follow new output, forward keys,
// and end with the exit line when the harness exits.
TEST_F(CliAttachTest, ReplaysAndFollowsInTmux) {
  home_.AddScript("codex", kEchoHarness);
  std::string id = RunDetached("attach later");
  ASSERT_EQ(id.size(), 36u);
  WaitOutput(id, "ready");
  ASSERT_EQ(SendInput(id, "early\n").status, 202);
  WaitOutput(id, "got:early");

  Tmux tmux;
  ASSERT_TRUE(tmux.Start(Interactive({"attach", id.substr(0, 8)})));
  ASSERT_TRUE(
      tmux.WaitScreen("attached to session status=running harness=codex title=attach later "));
  ASSERT_TRUE(tmux.WaitScreen("got:early"));
  ASSERT_EQ(SendInput(id, "from-api\n").status, 202);
  EXPECT_TRUE(tmux.WaitScreen("got:from-api"));
  tmux.Line("typed");
  EXPECT_TRUE(tmux.WaitScreen("got:typed"));
  tmux.Line("quit");
  EXPECT_TRUE(tmux.WaitScreen("[coven session completed exitCode=0]"));
  EXPECT_TRUE(tmux.WaitScreen("rc=0"));
  ExpectTerminalRestored(tmux);
  EXPECT_EQ(Status(id), "completed");
}

// Given a finished session and no terminal, we should (on `coven attach`) replay its output
// and the exit line, then exit 0 at once.
TEST_F(CliAttachTest, FinishedSessionReplaysAndExits) {
  home_.AddScript("codex", kQuickHarness);
  std::string id = RunDetached("quick one");
  WaitFinished(id);
  RunResult r = Cli({"attach", id});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("hello-out"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("[coven session completed exitCode=0]\n"), std::string::npos) << r.out;
  EXPECT_NE(r.err.find("attached to session status=completed harness=codex title=quick one \n"),
            std::string::npos)
      << r.err;
}

// Given an id nobody has, we should fail attach with SPEC 6.5's message (then a hint that
// names the fix) and exit 1.
TEST_F(CliAttachTest, UnknownIdFails) {
  RunResult r = Cli({"attach", "nope"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err,
            "Error: session `nope` not found\n"
            "Hint: `coven sessions --all` lists every session id.\n");
  EXPECT_EQ(r.out, "");
}

// Given two sessions whose ids share the first hex digit, we should refuse that
// one-character prefix as ambiguous (exit 1), list both ids, and kill neither.
TEST_F(CliAttachTest, AmbiguousPrefixListsCandidates) {
  home_.AddScript("codex", kQuickHarness);
  std::map<char, std::vector<std::string>> by_first;
  std::vector<std::string> pair;
  for (int i = 0; i < 17 && pair.empty(); ++i) {  // 16 hex digits: 17 launches must collide
    std::string id = LaunchId("codex", "p" + std::to_string(i));
    ASSERT_FALSE(id.empty());
    std::vector<std::string>& bucket = by_first[id[0]];
    bucket.push_back(id);
    if (bucket.size() == 2) {
      pair = bucket;
    }
  }
  ASSERT_EQ(pair.size(), 2u);
  for (const std::string& id : pair) {
    WaitFinished(id);
  }
  std::string prefix = pair[0].substr(0, 1);
  for (const char* verb : {"attach", "kill", "logs"}) {
    RunResult r = Cli({verb, prefix});
    EXPECT_EQ(r.exit_code, 1) << verb;
    EXPECT_NE(r.err.find("Error: session prefix `" + prefix + "` is ambiguous"), std::string::npos)
        << r.err;
    EXPECT_NE(r.err.find(pair[0]), std::string::npos) << r.err;
    EXPECT_NE(r.err.find(pair[1]), std::string::npos) << r.err;
  }
  EXPECT_EQ(Status(pair[0]), "completed");
  EXPECT_EQ(Status(pair[1]), "completed");
}

// ---- coven run --detach and coven sessions ---------------------------------------------

// Given no daemon, we should (on `coven run --detach`) start one, print the session's UUID
// alone on stdout, and list the session running in this project.
TEST_F(CliSessionsTest, RunDetachPrintsUuid) {
  home_.AddScript("codex", kEchoHarness);
  ASSERT_EQ(home_.Coven({"daemon", "stop"}).exit_code, 0);
  RunResult r = Cli({"run", "codex", "background", "job", "--detach", "--title", "bg"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::regex uuid("^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}\n$");
  ASSERT_TRUE(std::regex_match(r.out, uuid)) << r.out;
  std::string id = r.out.substr(0, 36);
  EXPECT_NE(r.err.find("coven attach " + id.substr(0, 8)), std::string::npos) << r.err;
  EXPECT_GT(home_.DaemonPid(), 0);

  RunResult list = Cli({"sessions", "--plain"});
  EXPECT_EQ(list.exit_code, 0);
  EXPECT_NE(list.out.find(TableRow(id, "running", "codex", false, "bg")), std::string::npos)
      << list.out;
  json::value rec = Session(id);
  EXPECT_EQ(Str(Field(rec, "project_root")), root_);
  EXPECT_EQ(Str(Field(rec, "title")), "bg");
}

// Given `coven run codex --harness-arg=--model --harness-arg=o3 --detach task`, we should
// send the values as harnessArgs and the harness should run as `codex --model o3 -- task`;
// for demo (no pass-through) we should print the daemon's refusal and exit 1.
TEST_F(CliSessionsTest, RunPassesHarnessArgs) {
  home_.AddScript("codex",
                  "#!/bin/sh\nstty -opost\necho \"cmd=$(basename \"$0\") $*\"\n"
                  "for a in \"$@\"; do echo \"arg=[$a]\"; done\n");
  RunResult r =
      Cli({"run", "codex", "--harness-arg=--model", "--harness-arg=o3", "--detach", "task"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::string id(core::Trim(r.out));
  ASSERT_EQ(id.size(), 36u) << r.out;
  json::value rec = WaitFinished(id);
  EXPECT_EQ(Str(Field(rec, "status")), "completed");
  EXPECT_NE(
      WithoutHookOptions(Output(id))
          .find("cmd=codex --model o3 -- task\narg=[--model]\narg=[o3]\narg=[--]\narg=[task]\n"),
      std::string::npos)
      << Output(id);

  home_.AddScript("coven-demo", kQuickHarness);
  RunResult refused = Cli({"run", "demo", "--harness-arg=--fast", "--detach", "hi"});
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_EQ(refused.err,
            "Error: harness `demo` does not take extra arguments (passThrough is off)\n");
  EXPECT_EQ(refused.out, "");
  EXPECT_EQ(AllIds(), std::vector<std::string>{id});
}

// Given an empty store, we should print SPEC 6.4's empty messages for `sessions --plain`,
// with and without --all, and an empty array for --json.
TEST_F(CliSessionsTest, EmptyStoreMessages) {
  const std::string hints =
      "Start or inspect with:\n"
      "  coven run codex \"explain this repo in 5 bullets\"\n"
      "  coven sessions --all\n"
      "  coven doctor\n";
  RunResult active = Cli({"sessions", "--plain"});
  EXPECT_EQ(active.exit_code, 0);
  EXPECT_EQ(active.out, "No active Coven sessions yet.\n" + hints);
  RunResult all = Cli({"sessions", "--plain", "--all"});
  EXPECT_EQ(all.exit_code, 0);
  EXPECT_EQ(all.out, "No Coven sessions yet \xE2\x80\x94 active or archived.\n" + hints);
  RunResult as_json = Cli({"sessions", "--json"});
  EXPECT_EQ(as_json.exit_code, 0);
  EXPECT_EQ(as_json.out, "{\n  \"sessions\": []\n}\n");
  // Without a terminal and without flags, the plain table is the default.
  EXPECT_EQ(Cli({"sessions"}).out, active.out);
}

// Given one archived finished session and one running session, we should print exactly the
// SPEC 6.4 table for `sessions --plain` (the running one only), and with --all both, in the
// daemon's order, with their ritual column.
TEST_F(CliSessionsTest, PlainTableMatchesSpec) {
  home_.AddScript("codex", kEchoHarness);
  std::string done = RunDetached("first task", "First one");
  ASSERT_EQ(SendInput(done, "quit\n").status, 202);
  WaitFinished(done);
  ASSERT_EQ(Cli({"archive", done}).exit_code, 0);
  std::string live = RunDetached("a much longer prompt that goes on and on past forty-eight chars");

  RunResult plain = Cli({"sessions", "--plain"});
  EXPECT_EQ(plain.exit_code, 0);
  std::string live_row =
      TableRow(live, "running", "codex", false, "a much longer prompt that goes on and on past fo");
  EXPECT_EQ(plain.out, std::string(kTableHeader) + live_row + kRitualsBlock);

  std::string rows;
  for (const std::string& id : AllIds()) {
    rows += id == live ? live_row : TableRow(done, "completed", "codex", true, "First one");
  }
  RunResult all = Cli({"sessions", "--plain", "--all"});
  EXPECT_EQ(all.out, std::string(kTableHeader) + rows + kRitualsBlock);
}

// Given sessions, we should print {"sessions": [...]} for `sessions --json`, pretty with
// 2-space indentation and every object's keys sorted, holding the full records.
TEST_F(CliSessionsTest, JsonSortedPretty) {
  home_.AddScript("codex", kQuickHarness);
  std::string a = RunDetached("one");
  WaitFinished(a);
  std::string b = RunDetached("two", "Second");
  WaitFinished(b);
  RunResult r = Cli({"sessions", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  json::value doc = ParseJson(r.out);
  ASSERT_TRUE(doc.is_object());
  ASSERT_TRUE(Field(doc, "sessions").is_array()) << r.out;
  std::string want;
  Pretty(doc, want, 0);
  EXPECT_EQ(r.out, want + "\n");
  EXPECT_EQ(
      r.out.rfind(
          "{\n  \"sessions\": [\n    {\n      \"activity\": null,\n      \"archived_at\": null,\n",
          0),
      0u)
      << r.out;

  json::value sessions = Field(doc, "sessions");
  const json::array& list = sessions.as_array();
  ASSERT_EQ(list.size(), 2u);
  std::set<std::string> ids;
  for (const json::value& s : list) {
    for (const char* key : {"archived_at", "created_at", "exit_code", "harness", "id",
                            "project_root", "status", "title", "updated_at"}) {
      EXPECT_TRUE(s.as_object().contains(key)) << key;
    }
    EXPECT_EQ(Field(s, "exit_code"), json::value(0));
    ids.insert(Str(Field(s, "id")));
  }
  EXPECT_EQ(ids, (std::set<std::string>{a, b}));
}

// Given output-producing commands with and without NO_COLOR (stdout a pipe), we should
// never write an ESC byte: not from sessions --plain, doctor, or logs.
TEST_F(CliSessionsTest, NoEscapeBytes) {
  home_.AddScript("codex", kQuickHarness);
  std::string id = RunDetached("plain output");
  WaitFinished(id);
  for (bool no_color : {true, false}) {
    if (no_color) {
      home_.env()["NO_COLOR"] = "1";
    } else {
      home_.env()["NO_COLOR"] = "\x01unset";
      home_.env()["TERM"] = "xterm-256color";
    }
    for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
             {"sessions", "--plain"}, {"sessions", "--plain", "--all"}, {"doctor"}, {"logs", id}}) {
      RunResult r = Cli(args);
      EXPECT_EQ(r.exit_code, 0) << args[0] << ": " << r.err;
      EXPECT_FALSE(r.out.empty()) << args[0];
      EXPECT_EQ(r.out.find('\x1b'), std::string::npos) << args[0] << " no_color=" << no_color;
      EXPECT_EQ(r.err.find('\x1b'), std::string::npos) << args[0] << " no_color=" << no_color;
    }
  }
}

// Given `sessions --manage` without a terminal, we should accept the SPEC 6 flag and exit 0
// (see the report: the flag is missing, so it exits 2).
TEST_F(CliSessionsTest, ManageFlagAccepted) {
  RunResult r = Cli({"sessions", "--manage"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("No Coven sessions to manage yet."), std::string::npos) << r.out;
}

// Given sessions in two projects, --project should keep only those under the given root
// (`.` meaning here) in the plain and JSON lists, and a path that does not exist should
// fail naming it.
TEST_F(CliSessionsTest, ProjectFilter) {
  home_.AddScript("codex", kQuickHarness);
  std::string here = RunDetached("in this project", "here-session");
  TempDir other;
  RunResult r = home_.Coven({"run", "codex", "elsewhere", "--detach", "--title", "other-session"},
                            kHangGuard, other.path());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::string there(core::Trim(r.out));

  RunResult plain = Cli({"sessions", "--plain", "--project", other.path()});
  EXPECT_EQ(plain.exit_code, 0) << plain.err;
  EXPECT_NE(plain.out.find(there), std::string::npos) << plain.out;
  EXPECT_EQ(plain.out.find(here), std::string::npos) << plain.out;

  RunResult mine = Cli({"sessions", "--json", "--project", "."});
  EXPECT_EQ(mine.exit_code, 0) << mine.err;
  json::value doc = ParseJson(mine.out);
  ASSERT_TRUE(doc.is_object()) << mine.out;
  const json::array& list = doc.at("sessions").as_array();
  ASSERT_EQ(list.size(), 1u) << mine.out;
  EXPECT_EQ(Str(Field(list[0], "id")), here);

  RunResult unfiltered = Cli({"sessions", "--plain"});
  EXPECT_NE(unfiltered.out.find(here), std::string::npos);
  EXPECT_NE(unfiltered.out.find(there), std::string::npos);

  RunResult missing = Cli({"sessions", "--plain", "--project", "/nonexistent/coven-project"});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find("project `/nonexistent/coven-project`"), std::string::npos)
      << missing.err;
}

// ---- rituals ---------------------------------------------------------------------------

// Given a finished session, we should hide it from the active list on archive (shown
// archived with --all), and on summon bring it back as active and replay it.
TEST_F(CliRitualTest, ArchiveSummonRoundTrip) {
  home_.AddScript("codex", kQuickHarness);
  std::string id = RunDetached("ritual");
  WaitFinished(id);

  RunResult archived = Cli({"archive", id.substr(0, 8)});
  EXPECT_EQ(archived.exit_code, 0) << archived.err;
  EXPECT_EQ(archived.out,
            "archived session\nSummon it later with `coven summon SESSION_ID` (replace "
            "SESSION_ID with one from `coven sessions --all`).\n");
  EXPECT_EQ(archived.out.find(id), std::string::npos);
  EXPECT_EQ(Cli({"sessions", "--plain"}).out.find(id), std::string::npos);
  EXPECT_NE(Cli({"sessions", "--plain", "--all"})
                .out.find(TableRow(id, "completed", "codex", true, "ritual")),
            std::string::npos);
  EXPECT_FALSE(Field(Session(id), "archived_at").is_null());

  RunResult summoned = Cli({"summon", id.substr(0, 8)});
  EXPECT_EQ(summoned.exit_code, 0) << summoned.err;
  EXPECT_NE(summoned.err.find("summoned session from the archive\n"), std::string::npos)
      << summoned.err;
  EXPECT_NE(summoned.out.find("hello-out"), std::string::npos) << summoned.out;
  EXPECT_NE(summoned.out.find("[coven session completed exitCode=0]"), std::string::npos);
  EXPECT_TRUE(Field(Session(id), "archived_at").is_null());
  EXPECT_NE(
      Cli({"sessions", "--plain"}).out.find(TableRow(id, "completed", "codex", false, "ritual")),
      std::string::npos);
}

// Given sacrifice without --yes, we should exit 1 and change nothing; with --yes the session
// and its event log should be gone.
TEST_F(CliRitualTest, SacrificeNeedsYes) {
  home_.AddScript("codex", kQuickHarness);
  std::string id = RunDetached("doomed");
  WaitFinished(id);

  RunResult refused = Cli({"sacrifice", id});
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_EQ(refused.err, "Error: sacrifice permanently deletes session `" + id +
                             "` and its events; rerun with --yes to confirm\n");
  EXPECT_NE(Cli({"sessions", "--plain"}).out.find(id), std::string::npos);
  EXPECT_EQ(Get("/api/v1/sessions/" + id).status, 200);

  RunResult done = Cli({"sacrifice", id.substr(0, 8), "--yes"});
  EXPECT_EQ(done.exit_code, 0) << done.err;
  EXPECT_EQ(done.out, "sacrificed session; its event log was permanently deleted\n");
  EXPECT_EQ(Cli({"sessions", "--plain", "--all"}).out.find(id), std::string::npos);
  EXPECT_EQ(Get("/api/v1/sessions/" + id).status, 404);
  EXPECT_FALSE(Exists(home_.file("sessions/" + id + "/events.log")));
}

// Given a running session, we should refuse archive and sacrifice --yes (exit 1, a message
// saying it is still running) and keep the session active and running.
TEST_F(CliRitualTest, RunningSessionRefused) {
  home_.AddScript("codex", kEchoHarness);
  std::string id = RunDetached("busy");
  RunResult archive = Cli({"archive", id});
  EXPECT_EQ(archive.exit_code, 1);
  EXPECT_EQ(archive.err.rfind("Error: ", 0), 0u) << archive.err;
  EXPECT_NE(archive.err.find("still running"), std::string::npos) << archive.err;
  RunResult sacrifice = Cli({"sacrifice", id, "--yes"});
  EXPECT_EQ(sacrifice.exit_code, 1);
  EXPECT_NE(sacrifice.err.find("still running"), std::string::npos) << sacrifice.err;
  EXPECT_EQ(archive.out + sacrifice.out, "");
  json::value rec = Session(id);
  EXPECT_EQ(Str(Field(rec, "status")), "running");
  EXPECT_TRUE(Field(rec, "archived_at").is_null());
}

// Given a running session, we should mark it killed on `coven kill <prefix>`, and fail a
// second kill of the finished session with exit 1.
TEST_F(CliRitualTest, KillByPrefix) {
  home_.AddScript("codex", kEchoHarness);
  std::string id = RunDetached("kill me");
  WaitOutput(id, "ready");
  RunResult r = Cli({"kill", id.substr(0, 8)});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("kill requested"), std::string::npos) << r.out;
  EXPECT_EQ(Str(Field(WaitFinished(id), "status")), "killed");
  WaitFor([&] { return HasExitEvent(id); }, kHangGuard);
  RunResult again = Cli({"kill", id});
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_EQ(again.err.rfind("Error: ", 0), 0u) << again.err;
}

// ---- coven logs ------------------------------------------------------------------------

// Given a harness that printed an API key, we should print its output on `coven logs` with
// the key redacted, and verbatim with --raw.
TEST_F(CliLogsTest, RedactsUnlessRaw) {
  const std::string key = "sk-proj-Ab3dEf6hIj9kLmN0pQrStUvWxYz_12-3456";
  home_.AddScript("codex", "#!/bin/sh\necho \"line one\"\necho \"key " + key + " end\"\n");
  std::string id = RunDetached("leak");
  WaitFinished(id);

  RunResult redacted = Cli({"logs", id.substr(0, 8)});
  EXPECT_EQ(redacted.exit_code, 0) << redacted.err;
  EXPECT_NE(redacted.out.find("line one"), std::string::npos) << redacted.out;
  EXPECT_NE(redacted.out.find("key [REDACTED:"), std::string::npos) << redacted.out;
  EXPECT_EQ(redacted.out.find(key), std::string::npos) << redacted.out;

  RunResult raw = Cli({"logs", id, "--raw"});
  EXPECT_EQ(raw.exit_code, 0) << raw.err;
  EXPECT_NE(raw.out.find("key " + key + " end"), std::string::npos) << raw.out;
  EXPECT_EQ(raw.out.find("[REDACTED:"), std::string::npos) << raw.out;

  RunResult unknown = Cli({"logs", "nope"});
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_EQ(unknown.err.rfind("Error: session `nope` not found\n", 0), 0u) << unknown.err;
}

// Given `coven logs --follow` on a running session, we should print what is there, follow
// new output and stop with the exit line when the session ends.
TEST_F(CliLogsTest, FollowUntilEnd) {
  home_.AddScript("codex", kEchoHarness);
  std::string id = RunDetached("follow me");
  WaitOutput(id, "ready");
  Tmux tmux;
  ASSERT_TRUE(tmux.Start(Interactive({"logs", id, "--follow"})));
  ASSERT_TRUE(tmux.WaitScreen("ready"));  // the status was read while running
  ASSERT_EQ(SendInput(id, "more\n").status, 202);
  EXPECT_TRUE(tmux.WaitScreen("got:more"));
  ASSERT_EQ(SendInput(id, "quit\n").status, 202);
  EXPECT_TRUE(tmux.WaitScreen("[coven session completed exitCode=0]"));
  EXPECT_TRUE(tmux.WaitScreen("rc=0"));
}

// ---- help, arguments, doctor -----------------------------------------------------------

// Given --help on coven and on each user command, we should print usage with an example of
// that command and exit 0.
TEST_F(CliHelpTest, HelpHasExamples) {
  RunResult top = Cli({"--help"});
  EXPECT_EQ(top.exit_code, 0);
  EXPECT_NE(top.out.find("Examples"), std::string::npos) << top.out;
  EXPECT_NE(top.out.find("Run project-scoped coding agents without memorizing harness commands"),
            std::string::npos);
  for (const char* cmd : {"run", "sessions", "attach", "logs", "summon", "doctor"}) {
    RunResult r = Cli({cmd, "--help"});
    EXPECT_EQ(r.exit_code, 0) << cmd;
    size_t examples = r.out.find("Example");
    ASSERT_NE(examples, std::string::npos) << cmd << ":\n" << r.out;
    EXPECT_TRUE(HasExampleOf(r.out.substr(examples), cmd))
        << "no example of `coven " << cmd << "`:\n"
        << r.out;
  }
  EXPECT_NE(Cli({"run", "--help"}).out.find("Examples"), std::string::npos);
}

// Given --help on the rituals, the palette and each daemon verb, we should show an example
// of that very command (a subcommand without its own footer inherits its parent's).
TEST_F(CliHelpTest, EveryOtherCommandHelpHasItsOwnExample) {
  for (const std::vector<std::string>& cmd :
       std::vector<std::vector<std::string>>{{"kill"},
                                             {"archive"},
                                             {"sacrifice"},
                                             {"tui"},
                                             {"daemon"},
                                             {"daemon", "start"},
                                             {"daemon", "status"},
                                             {"daemon", "stop"},
                                             {"daemon", "restart"}}) {
    std::vector<std::string> args = cmd;
    args.emplace_back("--help");
    std::string name = cmd.size() == 1 ? cmd[0] : cmd[0] + " " + cmd[1];
    RunResult r = Cli(args);
    EXPECT_EQ(r.exit_code, 0) << name;
    size_t examples = r.out.find("Example");
    ASSERT_NE(examples, std::string::npos) << name << ":\n" << r.out;
    EXPECT_TRUE(HasExampleOf(r.out.substr(examples), name))
        << "no example of `coven " << name << "`:\n"
        << r.out;
  }
}

// Given an unknown flag or a missing argument, we should exit 2 with an `Error:` line and
// launch nothing.
TEST_F(CliHelpTest, BadArgumentsExitTwo) {
  for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
           {"sessions", "--bogus"}, {"--bogus"}, {"run"}, {"run", "codex"}, {"attach"}}) {
    RunResult r = Cli(args);
    EXPECT_EQ(r.exit_code, 2) << args[0];
    EXPECT_EQ(r.err.rfind("Error: ", 0), 0u) << r.err;
  }
  EXPECT_TRUE(AllIds().empty());
}

// Given a fake `codex` on PATH (daemon running or not), we should print parseable
// `doctor --json` listing codex ready with its path, exit 0, and say `[OK] Codex` with the
// padded label in the text report, without starting the daemon.
TEST_F(CliDoctorTest, JsonListsReadyHarness) {
  home_.AddScript("codex", kQuickHarness);
  for (bool daemon_running : {true, false}) {
    if (!daemon_running) {
      ASSERT_EQ(home_.Coven({"daemon", "stop"}).exit_code, 0);
    }
    RunResult r = Cli({"doctor", "--json"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    json::value doc = ParseJson(r.out);
    EXPECT_EQ(Field(doc, "ok"), json::value(true)) << r.out;
    EXPECT_EQ(Field(Field(doc, "daemon"), "running"), json::value(daemon_running)) << r.out;
    json::value harnesses = Field(doc, "harnesses");
    ASSERT_TRUE(harnesses.is_array()) << r.out;
    bool found = false;
    for (const json::value& h : harnesses.as_array()) {
      if (Str(Field(h, "id")) == "codex") {
        found = true;
        EXPECT_EQ(Field(h, "ready"), json::value(true)) << json::serialize(h);
        EXPECT_EQ(Str(Field(h, "path")), home_.bin_dir() + "/codex");
        EXPECT_EQ(Field(h, "passThrough"), json::value(true)) << json::serialize(h);
      }
      if (Str(Field(h, "id")) == "demo") {
        EXPECT_EQ(Field(h, "passThrough"), json::value(false)) << json::serialize(h);
      }
    }
    EXPECT_TRUE(found) << r.out;

    RunResult text = Cli({"doctor"});
    EXPECT_EQ(text.exit_code, 0);
    EXPECT_NE(text.out.find("  [OK] Codex       `codex` is ready\n"), std::string::npos)
        << text.out;
    EXPECT_NE(text.out.find("Project: " + root_ + "\n"), std::string::npos) << text.out;
  }
  EXPECT_EQ(home_.DaemonPid(), 0) << "doctor must not start the daemon";
}

}  // namespace
}  // namespace coven::testing::sess
