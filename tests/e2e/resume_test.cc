// End-to-end: conversation resume (issue 10, item 4). Fake harnesses that print their argv
// pin the exact argv of each adapter that declares a way, in both modes, through the API
// (`conversation: {mode, id}`) and `coven run --resume / --conversation-id`; the record
// keeps the conversation id; refusals create nothing.
#include <string>
#include <vector>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "e2e/session_helpers.h"
#include "support/testing.h"

namespace coven::testing::sess {
namespace {

using V = std::vector<std::string>;

// Prints its argv, one element per line in brackets (as launch_test.cc's), and leaves a
// marker next to itself so a test can tell it never ran.
constexpr const char* kArgvHarness =
    "#!/bin/sh\ntouch \"$0.ran\"\nstty -opost\necho \"cmd=$(basename \"$0\")\"\n"
    "for a in \"$@\"; do echo \"arg=[$a]\"; done\necho end-of-argv\n";

constexpr const char* kUuid = "8f0c2d4e-1b7a-4c3e-9d2f-5a6b7c8d9e0f";

std::string ArgvOutput(const V& argv) {
  std::string out = "cmd=" + argv.front() + "\n";
  for (size_t i = 1; i < argv.size(); ++i) {
    out += "arg=[" + argv[i] + "]\n";
  }
  return out + "end-of-argv\n";
}

json::object Conv(const char* mode, const std::string& id) {
  json::object c{{"mode", mode}};
  if (!id.empty()) {
    c["id"] = id;
  }
  return c;
}

class ResumeTest : public SessionTest {
 protected:
  void SetUp() override {
    for (const char* exe : {"codex", "claude", "gemini"}) {
      home_.AddScript(exe, kArgvHarness);
    }
    SessionTest::SetUp();
  }

  bool Ran(const std::string& exe) { return Exists(home_.bin_dir() + "/" + exe + ".ran"); }

  // Launches, waits for the end, and returns {record, printed argv}.
  std::pair<json::value, std::string> Finished(const std::string& harness,
                                               const std::string& prompt, json::object extra) {
    std::string id = LaunchId(harness, prompt, std::move(extra));
    if (id.empty()) {
      return {};
    }
    json::value rec = WaitFinished(id);
    // Coven's activity hook options are pinned by the attention tests, not here.
    return {rec, WithoutHookOptions(Output(id))};
  }
};

// Every adapter × mode × conversation mode that is declared: the exact argv, and the
// record (API and list) keeps the conversation id.
TEST_F(ResumeTest, ArgvForEachAdapterAndMode) {
  const std::string uuid = kUuid;
  struct Case {
    const char* harness;
    const char* launch_mode;
    const char* conv_mode;
    std::string id;
    V argv;
  };
  const std::vector<Case> cases = {
      {"claude", "interactive", "init", uuid, {"claude", "--session-id=" + uuid, "--", "-v"}},
      {"claude",
       "nonInteractive",
       "init",
       uuid,
       {"claude", "--print", "--session-id=" + uuid, "--", "-v"}},
      {"claude", "interactive", "resume", uuid, {"claude", "--resume=" + uuid, "--", "-v"}},
      {"claude",
       "nonInteractive",
       "resume",
       uuid,
       {"claude", "--print", "--resume=" + uuid, "--", "-v"}},
      {"codex", "interactive", "resume", "thread-7", {"codex", "resume", "thread-7", "--", "-v"}},
      {"codex",
       "nonInteractive",
       "resume",
       uuid,
       {"codex", "exec", "--skip-git-repo-check", "--color", "never", "resume", uuid, "--", "-v"}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(std::string(c.harness) + " " + c.launch_mode + " " + c.conv_mode);
    auto [rec, argv] =
        Finished(c.harness, "-v",
                 {{"launchMode", c.launch_mode}, {"conversation", Conv(c.conv_mode, c.id)}});
    EXPECT_EQ(argv, ArgvOutput(c.argv));
    EXPECT_EQ(Str(Field(rec, "conversation_id")), c.id);
  }
  // The list shows it too.
  json::value list = ParseJson(Get("/api/v1/sessions").body);
  ASSERT_TRUE(list.is_array());
  ASSERT_EQ(list.as_array().size(), cases.size());
  EXPECT_EQ(Str(Field(list.as_array()[0], "conversation_id")), cases.back().id);
  // A session without a conversation has a null one.
  auto [plain, plain_argv] = Finished("claude", "hi", {});
  EXPECT_TRUE(Field(plain, "conversation_id").is_null());
}

// init without an id: the daemon picks a UUID, passes it, and records it; resume without a
// prompt (interactive) leaves the prompt part out and titles the session after the id.
TEST_F(ResumeTest, NewIdAndPromptlessResume) {
  auto [rec, argv] = Finished("claude", "plan", {{"conversation", Conv("init", "")}});
  std::string id = Str(Field(rec, "conversation_id"));
  ASSERT_EQ(id.size(), 36U) << json::serialize(rec);
  EXPECT_EQ(argv, ArgvOutput({"claude", "--session-id=" + id, "--", "plan"}));

  json::object body{
      {"projectRoot", root_}, {"harness", "claude"}, {"conversation", Conv("resume", id)}};
  HttpResult r = LaunchRaw(json::serialize(body));
  ASSERT_EQ(r.status, 201) << r.body;
  json::value resumed = WaitFinished(Str(Field(ParseJson(r.body), "id")));
  EXPECT_EQ(Str(Field(resumed, "title")), "resume " + id.substr(0, 8));
  EXPECT_EQ(WithoutHookOptions(Output(Str(Field(resumed, "id")))),
            ArgvOutput({"claude", "--resume=" + id}));
}

// Each refusal: 400 invalid_request naming the field, no row, no folder, no harness run.
TEST_F(ResumeTest, RefusalsCreateNothing) {
  struct Case {
    const char* harness;
    json::object extra;
    const char* field;
    const char* message;
  };
  const std::vector<Case> cases = {
      {"claude", {{"conversation", "x"}}, "conversation", "`conversation` must be an object"},
      {"claude",
       {{"conversation", Conv("new", kUuid)}},
       "conversation.mode",
       "`conversation.mode` `new` is not supported; accepted values: init, resume"},
      {"claude",
       {{"conversation", json::object{{"id", kUuid}}}},
       "conversation.mode",
       "`conversation.mode` missing or not a string"},
      {"claude",
       {{"conversation", Conv("resume", "")}},
       "conversation.id",
       "`conversation.id` is required to resume"},
      {"claude",
       {{"conversation", json::object{{"mode", "resume"}, {"id", 7}}}},
       "conversation.id",
       "`conversation.id` must be a string"},
      {"claude",
       {{"conversation", json::object{{"mode", "init"}, {"id", kUuid}, {"fork", true}}}},
       "conversation.fork",
       "`conversation.fork` is not supported"},
      {"claude",
       {{"conversation", Conv("resume", "not-a-uuid")}},
       "conversation.id",
       "`conversation.id` `not-a-uuid` must be a UUID"},
      {"codex",
       {{"conversation", Conv("resume", "--last")}},
       "conversation.id",
       "`conversation.id` must start with a letter or a digit"},
      {"codex",
       {{"conversation", Conv("init", kUuid)}},
       "conversation",
       "harness `codex` cannot start a conversation under a chosen id"},
      {"gemini",
       {{"conversation", Conv("resume", "abc")}},
       "conversation",
       "harness `gemini` cannot resume a conversation"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(json::serialize(c.extra));
    json::object body = c.extra;
    body["projectRoot"] = root_;
    body["harness"] = c.harness;
    body["prompt"] = "hi";
    HttpResult r = LaunchRaw(json::serialize(body));
    ExpectError(r, 400, "invalid_request");
    json::value error = Field(ParseJson(r.body), "error");
    EXPECT_EQ(Str(Field(error, "message")).rfind(c.message, 0), 0U) << r.body;
    EXPECT_EQ(Str(Field(Field(error, "details"), "field")), c.field) << r.body;
  }
  // A headless resume needs a prompt.
  HttpResult r = LaunchRaw(Body({{"projectRoot", json::value(root_)},
                                 {"harness", json::value("claude")},
                                 {"launchMode", json::value("nonInteractive")},
                                 {"conversation", json::value(Conv("resume", kUuid))}}));
  ExpectError(r, 400, "invalid_request");
  EXPECT_EQ(Get("/api/v1/sessions?all=true").body, "[]");
  EXPECT_TRUE(SessionFolders(home_).empty());
  for (const char* exe : {"codex", "claude", "gemini"}) {
    EXPECT_FALSE(Ran(exe)) << exe;
  }
}

// `coven run --resume ID` (headless here: stdin is /dev/null) and `--conversation-id`;
// `coven sessions --json` shows the id; --resume with --conversation-id is refused.
TEST_F(ResumeTest, RunFlags) {
  const std::string uuid = kUuid;
  RunResult resumed =
      home_.Coven({"run", "claude", "--resume", uuid, "--", "--help"}, kHangGuard, project_.path());
  EXPECT_EQ(resumed.exit_code, 0) << resumed.err;
  EXPECT_EQ(resumed.out, ArgvOutput({"claude", "--print", "--resume=" + uuid, "--", "--help"}));
  RunResult fresh =
      home_.Coven({"run", "claude", "--conversation-id", "new", "go"}, kHangGuard, project_.path());
  EXPECT_EQ(fresh.exit_code, 0) << fresh.err;
  EXPECT_NE(fresh.out.find("arg=[--session-id="), std::string::npos) << fresh.out;
  RunResult codex =
      home_.Coven({"run", "codex", "--resume", "t-1", "go"}, kHangGuard, project_.path());
  EXPECT_EQ(codex.out, ArgvOutput({"codex", "exec", "--skip-git-repo-check", "--color", "never",
                                   "resume", "t-1", "--", "go"}));
  RunResult list = home_.Coven({"sessions", "--json"}, kHangGuard, project_.path());
  EXPECT_NE(list.out.find("\"conversation_id\": \"" + uuid + "\""), std::string::npos) << list.out;
  RunResult both = home_.Coven({"run", "claude", "--resume", uuid, "--conversation-id", uuid, "x"},
                               kHangGuard, project_.path());
  EXPECT_EQ(both.exit_code, 2);
  EXPECT_NE(both.err.find("--resume excludes --conversation-id"), std::string::npos) << both.err;
  RunResult refused =
      home_.Coven({"run", "gemini", "--resume", "abc", "x"}, kHangGuard, project_.path());
  EXPECT_NE(refused.exit_code, 0);
  EXPECT_NE(refused.err.find("harness `gemini` cannot resume a conversation"), std::string::npos)
      << refused.err;
}

// health.capabilities advertises both features.
TEST_F(ResumeTest, HealthAdvertisesResumeAndWorktrees) {
  json::value caps = Field(ParseJson(Get("/api/v1/health").body), "capabilities");
  EXPECT_EQ(Field(caps, "conversationResume"), json::value(true));
  EXPECT_EQ(Field(caps, "worktrees"), json::value(true));
}

}  // namespace
}  // namespace coven::testing::sess
