// End-to-end attention (issue 12, docs/attention.md): fake harnesses that behave like the
// real ones report their activity through each source, and we check the states, `since`,
// `source`, the list stream, `coven wait`, the activity filter, the hook token, and that
// the notification command runs once per transition with the right environment and never
// while a client is attached.
//   - claude: reads the --settings Coven passes and runs its hook commands with the JSON
//     documents Claude Code sends on stdin (UserPromptSubmit, PreToolUse, Notification
//     permission_prompt, PostToolUse, Stop), one turn per line typed;
//   - codex: runs the `-c notify=[...]` program with Codex's JSON argument at the end of a
//     turn (and the user's own notify from CODEX_HOME/config.toml must still run);
//   - bellfake: rings BEL, then sends an OSC 9 notification;
//   - dialogfake: only draws a permission dialog (a manifest screen pattern);
//   - silentfake: prints and goes silent (stays unknown).
#include <sys/socket.h>
#include <unistd.h>

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "e2e/session_helpers.h"
#include "support/testing.h"

namespace coven::testing::sess {
namespace {

constexpr const char* kFakeClaude = R"PY(#!/usr/bin/env python3
import json, os, subprocess, sys
args = sys.argv[1:]
settings = json.loads(args[args.index("--settings") + 1])
hooks = settings["hooks"]
def fire(event, extra):
    doc = {"session_id": "5f1c2a", "transcript_path": "/tmp/t.jsonl", "cwd": os.getcwd(),
           "permission_mode": "default", "hook_event_name": event}
    doc.update(extra)
    for group in hooks.get(event, []):
        for h in group["hooks"]:
            subprocess.run(h["command"], shell=True, input=json.dumps(doc).encode(),
                           timeout=h.get("timeout", 60))
print("fake claude ready", flush=True)
turn = 0
while sys.stdin.readline():
    turn += 1
    fire("UserPromptSubmit", {"prompt": "fix it"})
    fire("PreToolUse", {"tool_name": "Bash", "tool_input": {"command": "make"},
                        "tool_use_id": "toolu_1"})
    fire("Notification", {"message": "Claude needs your permission to use Bash",
                          "notification_type": "permission_prompt"})
    print("fake claude asked %d" % turn, flush=True)
    sys.stdin.readline()
    fire("PostToolUse", {"tool_name": "Bash", "tool_input": {"command": "make"},
                         "tool_response": {"stdout": "ok"}, "tool_use_id": "toolu_1"})
    fire("Stop", {"stop_hook_active": False})
    print("fake claude done %d" % turn, flush=True)
)PY";

constexpr const char* kFakeCodex = R"PY(#!/usr/bin/env python3
import json, os, subprocess, sys
args = sys.argv[1:]
notify = None
for i, a in enumerate(args):
    if a == "-c" and args[i + 1].startswith("notify="):
        notify = json.loads(args[i + 1][len("notify="):])
print("fake codex ready", flush=True)
sys.stdin.readline()
doc = {"type": "agent-turn-complete", "thread-id": "t-1", "turn-id": "1", "cwd": os.getcwd(),
       "input-messages": ["fix it"], "last-assistant-message": "All tests pass."}
subprocess.run(notify + [json.dumps(doc)], timeout=30)
print("fake codex turn over", flush=True)
sys.stdin.readline()
)PY";

constexpr const char* kBellFake =
    "#!/bin/sh\necho working\nread a\nprintf 'bell\\a\\n'\nread b\n"
    "printf '\\033]9;Approval requested: run make\\007\\n'\nread c\n";
constexpr const char* kDialogFake =
    "#!/bin/sh\necho thinking\nread a\nprintf 'Do you want to proceed?\\n 1. Yes\\n'\nread b\n"
    "printf '\\033[2J\\033[Hdone\\n'\nread c\n";
constexpr const char* kSilentFake = "#!/bin/sh\necho hello\nsleep 60\n";

class AttentionTest : public SessionTest {
 protected:
  void SetUp() override {
    log_ = home_.bin_dir() + "/notified.log";
    home_.AddScript("record-notify",
                    "#!/bin/sh\necho \"id=$COVEN_SESSION_ID activity=$COVEN_ACTIVITY "
                    "title=$COVEN_TITLE project=$COVEN_PROJECT detail=$COVEN_DETAIL\" >> " +
                        log_ + "\n");
    std::filesystem::create_directories(home_.home());
    WriteFile(home_.file("config.json"),
              R"({"notify":{"command":[")" + home_.bin_dir() +
                  R"(/record-notify"],"desktop":false,"minWorkSeconds":0,)"
                  R"("minIntervalSeconds":0}})");
    std::filesystem::create_directories(home_.home() + "/adapters");
    for (const char* name : {"bellfake", "dialogfake", "silentfake"}) {
      std::string patterns = std::string(name) == "dialogfake"
                                 ? R"(,"screenPatterns":{"asking":["Do you want to proceed\\?"]})"
                                 : "";
      WriteFile(home_.home() + "/adapters/" + name + ".json",
                std::string(R"({"id":")") + name + R"(","executable":")" + name + R"(","argv":[")" +
                    name + R"(","--","{prompt}"],"installHint":"x")" + patterns + "}");
    }
    home_.AddScript("claude", kFakeClaude);
    home_.AddScript("codex", kFakeCodex);
    home_.AddScript("bellfake", kBellFake);
    home_.AddScript("dialogfake", kDialogFake);
    home_.AddScript("silentfake", kSilentFake);
    codex_home_ = scratch_.path() + "/codex";
    std::filesystem::create_directories(codex_home_);
    home_.env()["CODEX_HOME"] = codex_home_;
    SessionTest::SetUp();
  }

  json::value Activity(const std::string& id) { return Field(Session(id), "activity"); }

  // Waits until the session's activity is `state`; returns the activity object.
  json::value WaitActivity(const std::string& id, const std::string& state) {
    json::value a;
    bool ok = WaitFor(
        [&] {
          a = Activity(id);
          return Str(Field(a, "state")) == state;
        },
        kHangGuard);
    EXPECT_TRUE(ok) << "activity never became " << state << ": " << json::serialize(a);
    return a;
  }

  std::vector<std::string> Notified() {
    std::vector<std::string> lines;
    std::string text = ReadFileOrEmpty(log_);
    for (size_t pos = 0; pos < text.size();) {
      size_t nl = text.find('\n', pos);
      lines.push_back(text.substr(pos, nl - pos));
      pos = nl == std::string::npos ? text.size() : nl + 1;
    }
    return lines;
  }

  bool WaitNotified(size_t n) {
    return WaitFor([&] { return Notified().size() >= n; }, kHangGuard);
  }

  std::string log_;
  std::string codex_home_;
  TempDir scratch_;
};

// The states a list stream's events gave the session, consecutive repeats merged.
std::vector<std::string> StreamStates(const std::string& raw, const std::string& id) {
  std::vector<std::string> states;
  size_t pos = 0;
  while ((pos = raw.find("data: ", pos)) != std::string::npos) {
    size_t end = raw.find('\n', pos);
    boost::system::error_code ec;
    json::value list = json::parse(raw.substr(pos + 6, end - pos - 6), ec);
    pos = end;
    if (ec || !list.is_array()) {
      continue;
    }
    for (const json::value& s : list.as_array()) {
      if (Str(Field(s, "id")) == id) {
        std::string state = Str(Field(Field(s, "activity"), "state"));
        if (!state.empty() && (states.empty() || states.back() != state)) {
          states.push_back(state);
        }
      }
    }
  }
  return states;
}

// True when `want` appears in `got` in order (other states may come between).
bool InOrder(const std::vector<std::string>& got, const std::vector<std::string>& want) {
  size_t i = 0;
  for (const std::string& g : got) {
    if (i < want.size() && g == want[i]) {
      ++i;
    }
  }
  return i == want.size();
}

// Opens the attach WebSocket (the handshake only) and keeps it open while it lives.
std::unique_ptr<UnixConn> Attach(const std::string& socket, const std::string& id) {
  auto conn = std::make_unique<UnixConn>(socket);
  EXPECT_TRUE(conn->Send("GET /api/v1/sessions/" + id +
                         "/attach HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\n"
                         "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                         "Sec-WebSocket-Version: 13\r\n\r\n"));
  std::string head = conn->ReadAll(milliseconds(1000));
  EXPECT_NE(head.find("101"), std::string::npos) << head;
  return conn;
}

// Claude's hooks drive the whole turn: unknown, working, asking, working, waiting, with
// source hook and a later `since` at each change; one notification per transition into
// asking and waiting, none while attached; the list stream and `coven wait` follow.
TEST_F(AttentionTest, ClaudeHooksDriveTheTurn) {
  UnixConn watch(home_.socket());
  ASSERT_TRUE(watch.Send("GET /api/v1/sessions?watch=true HTTP/1.1\r\nHost: x\r\n\r\n"));
  std::string id = LaunchId("claude", "fix it", json::object{{"title", "fixer"}});
  ASSERT_TRUE(WaitOutput(id, "fake claude ready"));
  json::value start = Activity(id);
  EXPECT_EQ(Str(Field(start, "state")), "unknown");
  EXPECT_EQ(Str(Field(start, "source")), "none");

  ASSERT_EQ(SendInput(id, "go\r").status, 202);
  json::value asking = WaitActivity(id, "asking");
  EXPECT_EQ(Str(Field(asking, "source")), "hook");
  EXPECT_EQ(Str(Field(asking, "detail")), "Claude needs your permission to use Bash");
  EXPECT_GT(Str(Field(asking, "since")), Str(Field(start, "since")));
  RunResult wait_asking = home_.Coven({"wait", id.substr(0, 8), "--for", "asking"});
  EXPECT_EQ(wait_asking.exit_code, 0) << wait_asking.err;
  EXPECT_EQ(wait_asking.out, "asking\n");

  ASSERT_EQ(SendInput(id, "y\r").status, 202);
  json::value waiting = WaitActivity(id, "waiting");
  EXPECT_EQ(Str(Field(waiting, "source")), "hook");
  EXPECT_GT(Str(Field(waiting, "since")), Str(Field(asking, "since")));
  ASSERT_TRUE(WaitNotified(2));
  std::vector<std::string> notified = Notified();
  ASSERT_EQ(notified.size(), 2u);
  EXPECT_EQ(notified[0], "id=" + id + " activity=asking title=fixer project=" + root_ +
                             " detail=Claude needs your permission to use Bash");
  EXPECT_EQ(notified[1],
            "id=" + id + " activity=waiting title=fixer project=" + root_ + " detail=");

  // A second turn while a client is attached notifies nothing.
  {
    auto attached = Attach(home_.socket(), id);
    ASSERT_EQ(SendInput(id, "go\r").status, 202);
    WaitActivity(id, "asking");
    ASSERT_EQ(SendInput(id, "y\r").status, 202);
    ASSERT_TRUE(WaitOutput(id, "fake claude done 2"));
    WaitActivity(id, "waiting");
  }
  // The server notices the closed attach connection at once; this only lets it run.
  std::this_thread::sleep_for(milliseconds(500));
  // A third turn, detached, notifies again: the notifier runs in order, so had the
  // attached turn queued anything it would show before these.
  ASSERT_EQ(SendInput(id, "go\r").status, 202);
  WaitActivity(id, "asking");
  ASSERT_TRUE(WaitNotified(3));
  notified = Notified();
  ASSERT_GE(notified.size(), 3u);
  EXPECT_NE(notified[2].find("activity=asking"), std::string::npos) << notified[2];
  EXPECT_EQ(notified.size(), 3u);

  std::vector<std::string> streamed = StreamStates(watch.ReadAll(milliseconds(300)), id);
  EXPECT_TRUE(InOrder(streamed, {"unknown", "working", "asking", "waiting", "asking"}))
      << json::serialize(json::value_from(streamed));
}

// Codex's notify program ends a turn: waiting, from the hook, and the user's own notify
// program from CODEX_HOME/config.toml still runs with the same JSON argument.
TEST_F(AttentionTest, CodexNotifyChainsToTheUsersProgram) {
  std::string seen = scratch_.path() + "/user-notify.json";
  home_.AddScript("user-notify", "#!/bin/sh\nprintf '%s' \"$1\" > " + seen + "\n");
  WriteFile(codex_home_ + "/config.toml",
            "model = \"o3\"\nnotify = [\"" + home_.bin_dir() + "/user-notify\"]\n");
  std::string id = LaunchId("codex", "fix it");
  ASSERT_TRUE(WaitOutput(id, "fake codex ready"));
  ASSERT_EQ(SendInput(id, "go\r").status, 202);
  json::value waiting = WaitActivity(id, "waiting");
  EXPECT_EQ(Str(Field(waiting, "source")), "hook");
  EXPECT_EQ(Str(Field(waiting, "detail")), "All tests pass.");
  ASSERT_TRUE(WaitFor([&] { return !ReadFileOrEmpty(seen).empty(); }, kHangGuard));
  json::value doc = ParseJson(ReadFileOrEmpty(seen));
  EXPECT_EQ(Str(Field(doc, "type")), "agent-turn-complete");
  ASSERT_TRUE(WaitNotified(1));
  EXPECT_NE(Notified()[0].find("activity=waiting"), std::string::npos);
}

// BEL means waiting and an OSC 9 notification asking for approval means asking, both
// from the terminal.
TEST_F(AttentionTest, BellAndOsc9AreTerminalSignals) {
  std::string id = LaunchId("bellfake", "go");
  ASSERT_TRUE(WaitOutput(id, "working"));
  ASSERT_EQ(SendInput(id, "x\r").status, 202);
  json::value waiting = WaitActivity(id, "waiting");
  EXPECT_EQ(Str(Field(waiting, "source")), "terminal");
  EXPECT_EQ(Str(Field(waiting, "detail")), "bell");
  ASSERT_EQ(SendInput(id, "x\r").status, 202);
  json::value asking = WaitActivity(id, "asking");
  EXPECT_EQ(Str(Field(asking, "source")), "terminal");
  EXPECT_EQ(Str(Field(asking, "detail")), "Approval requested: run make");
  HttpResult filtered = Get("/api/v1/sessions?activity=asking,waiting");
  ASSERT_EQ(filtered.status, 200) << filtered.body;
  json::value list = ParseJson(filtered.body);
  ASSERT_TRUE(list.is_array());
  ASSERT_EQ(list.as_array().size(), 1u) << filtered.body;
  EXPECT_EQ(Str(Field(list.as_array()[0], "id")), id);
  EXPECT_EQ(ParseJson(Get("/api/v1/sessions?activity=working").body).as_array().size(), 0u);
  ExpectError(Get("/api/v1/sessions?activity=busy"), 400, "invalid_request");
  EXPECT_NE(Get("/api/v1/sessions?activity=busy").body.find("unknown, working, waiting, asking"),
            std::string::npos);
}

// After `coven daemon restart` the shim tells the new daemon its last terminal report, so
// the session is not left unknown.
TEST_F(AttentionTest, TerminalReportSurvivesDaemonRestart) {
  std::string id = LaunchId("bellfake", "go");
  ASSERT_TRUE(WaitOutput(id, "working"));
  ASSERT_EQ(SendInput(id, "x\r").status, 202);
  WaitActivity(id, "waiting");
  RunResult restart = home_.Coven({"daemon", "restart"});
  ASSERT_EQ(restart.exit_code, 0) << restart.err;
  json::value again = WaitActivity(id, "waiting");
  EXPECT_EQ(Str(Field(again, "source")), "terminal");
}

// A permission dialog on screen (a manifest pattern) means asking, from the screen; when
// it goes away the screen no longer says anything.
TEST_F(AttentionTest, ScreenPatternSeesTheDialog) {
  std::string id = LaunchId("dialogfake", "go");
  ASSERT_TRUE(WaitOutput(id, "thinking"));
  ASSERT_EQ(SendInput(id, "x\r").status, 202);
  json::value asking = WaitActivity(id, "asking");
  EXPECT_EQ(Str(Field(asking, "source")), "screen");
  EXPECT_EQ(Str(Field(asking, "detail")), "Do you want to proceed?");
  ASSERT_EQ(SendInput(id, "x\r").status, 202);
  json::value cleared = WaitActivity(id, "unknown");
  EXPECT_EQ(Str(Field(cleared, "source")), "none");
}

// Output then silence proves nothing: the session stays unknown, `coven wait` times out
// (exit 3), and a session that ends first gives exit 4 (0 with --for exit).
TEST_F(AttentionTest, SilenceStaysUnknownAndWaitTimesOut) {
  std::string id = LaunchId("silentfake", "go");
  ASSERT_TRUE(WaitOutput(id, "hello"));
  RunResult timed_out = home_.Coven({"wait", id, "--timeout", "1"});
  EXPECT_EQ(timed_out.exit_code, 3) << timed_out.out << timed_out.err;
  EXPECT_EQ(Str(Field(Activity(id), "state")), "unknown");
  ASSERT_EQ(Post("/api/v1/sessions/" + id + "/kill", "").status, 202);
  WaitFinished(id);
  RunResult ended = home_.Coven({"wait", id, "--for", "asking"});
  EXPECT_EQ(ended.exit_code, 4) << ended.out << ended.err;
  RunResult exited = home_.Coven({"wait", id, "--for", "exit"});
  EXPECT_EQ(exited.exit_code, 0) << exited.out << exited.err;
  EXPECT_EQ(exited.out, "killed\n");
  EXPECT_TRUE(Field(Session(id), "activity").is_null());
  RunResult bad = home_.Coven({"wait", id, "--for", "soon"});
  EXPECT_EQ(bad.exit_code, 2);
}

// A hook may only speak for its own session: another session's token is refused.
TEST_F(AttentionTest, HookTokenBelongsToItsSession) {
  std::string a = LaunchId("silentfake", "a");
  std::string b = LaunchId("silentfake", "b");
  std::string token_a = ReadFileOrEmpty(home_.home() + "/sessions/" + a + "/hook.token");
  ASSERT_EQ(token_a.size(), 32u);
  EXPECT_EQ(FileMode(home_.home() + "/sessions/" + a + "/hook.token"), 0600u);
  std::string body = Body({{"token", json::value(token_a)}, {"state", json::value("asking")}});
  ExpectError(Post("/api/v1/sessions/" + b + "/activity", body), 400, "invalid_request");
  EXPECT_EQ(Str(Field(Activity(b), "state")), "unknown");
  EXPECT_EQ(Post("/api/v1/sessions/" + a + "/activity", body).status, 202);
  EXPECT_EQ(Str(Field(Activity(a), "state")), "asking");
  ExpectError(Post("/api/v1/sessions/" + a + "/activity",
                   Body({{"token", json::value(token_a)}, {"state", json::value("busy")}})),
              400, "invalid_request");
}

// A bad config.json is an error naming the field, for `coven daemon reload` and doctor.
TEST_F(AttentionTest, BadConfigNamesTheField) {
  WriteFile(home_.file("config.json"), R"({"notify":{"command":"notify-me"}})");
  RunResult reload = home_.Coven({"daemon", "reload"});
  EXPECT_EQ(reload.exit_code, 1);
  EXPECT_NE(reload.err.find("`notify.command`"), std::string::npos) << reload.err;
  RunResult doctor = home_.Coven({"doctor"});
  EXPECT_NE(doctor.out.find("`notify.command`"), std::string::npos) << doctor.out;
  WriteFile(home_.file("config.json"), R"({"notify":{"command":["/bin/true"],"desktop":false}})");
  reload = home_.Coven({"daemon", "reload"});
  EXPECT_EQ(reload.exit_code, 0) << reload.err;
  EXPECT_TRUE(WaitFor(
      [&] { return home_.Coven({"doctor"}).out.find("command: /bin/true") != std::string::npos; }));
}

}  // namespace
}  // namespace coven::testing::sess
