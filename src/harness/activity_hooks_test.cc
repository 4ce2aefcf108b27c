#include "harness/activity_hooks.h"

#include <fstream>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "harness/harness_registry.h"
#include "support/temp_dir.h"

namespace coven::harness {
namespace {

using core::ActivityState;

// Claude's documents, as its hooks get them on stdin, map to states by a table.
TEST(ActivityHooksTest, ClaudeDocuments) {
  struct Case {
    const char* doc;
    std::optional<ActivityState> want;
    const char* detail;
  };
  const Case cases[] = {
      {R"({"session_id":"a","hook_event_name":"UserPromptSubmit","prompt":"hi"})",
       ActivityState::kWorking, ""},
      {R"({"hook_event_name":"PreToolUse","tool_name":"Bash","tool_input":{}})",
       ActivityState::kWorking, "Bash"},
      {R"({"hook_event_name":"Notification","message":"Claude needs your permission to use Bash","notification_type":"permission_prompt"})",
       ActivityState::kAsking, "Claude needs your permission to use Bash"},
      {R"({"hook_event_name":"Notification","message":"Claude is waiting for your input","notification_type":"idle_prompt"})",
       ActivityState::kWaiting, "Claude is waiting for your input"},
      {R"({"hook_event_name":"Notification","message":"Claude needs your permission to use Edit"})",
       ActivityState::kAsking, "Claude needs your permission to use Edit"},
      {R"({"hook_event_name":"Stop","stop_hook_active":false})", ActivityState::kWaiting, ""},
      {R"({"hook_event_name":"SessionStart"})", std::nullopt, ""},
      {"not json", std::nullopt, ""},
  };
  for (const Case& c : cases) {
    auto r = ClaudeHookReport(c.doc);
    ASSERT_EQ(r.has_value(), c.want.has_value()) << c.doc;
    if (r) {
      EXPECT_EQ(r->state, *c.want) << c.doc;
      EXPECT_EQ(r->detail, c.detail) << c.doc;
    }
  }
}

// Codex's notify argument: a finished turn means waiting.
TEST(ActivityHooksTest, CodexNotify) {
  auto r = CodexNotifyReport(
      R"({"type":"agent-turn-complete","thread-id":"t","turn-id":"1","cwd":"/p","input-messages":["hi"],"last-assistant-message":"Done."})");
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->state, ActivityState::kWaiting);
  EXPECT_EQ(r->detail, "Done.");
  EXPECT_FALSE(CodexNotifyReport(R"({"type":"other"})").has_value());
}

// The settings Claude gets name `coven __hook` for each event, shell-quoted.
TEST(ActivityHooksTest, ClaudeSettingsOption) {
  auto args = HookOptions(HookKind::kClaudeSettings, "/opt/co ven/coven", "s-1", {});
  ASSERT_EQ(args.size(), 2u);
  EXPECT_EQ(args[0], "--settings");
  boost::json::value v = boost::json::parse(args[1]);
  const auto& hooks = v.at("hooks").as_object();
  for (const char* event : {"UserPromptSubmit", "PreToolUse", "Notification", "Stop"}) {
    ASSERT_TRUE(hooks.contains(event)) << event;
    EXPECT_EQ(hooks.at(event).at(0).at("hooks").at(0).at("command").as_string(),
              "'/opt/co ven/coven' __hook 's-1' claude");
  }
}

// Codex gets one -c notify override that chains to the user's own program.
TEST(ActivityHooksTest, CodexNotifyOptionChains) {
  auto args = HookOptions(HookKind::kCodexNotify, "/bin/coven", "s-1", {"/usr/bin/my \"n\""});
  ASSERT_EQ(args.size(), 2u);
  EXPECT_EQ(args[0], "-c");
  EXPECT_EQ(args[1], R"(notify=["/bin/coven","__hook","s-1","codex","--","/usr/bin/my \"n\""])");
  EXPECT_TRUE(HookOptions(HookKind::kNone, "/bin/coven", "s", {}).empty());
}

// The user's notify is read from the top level of config.toml only.
TEST(ActivityHooksTest, ReadsUserCodexNotify) {
  testing::TempDir dir;
  std::string path = dir.path() + "/config.toml";
  std::ofstream(path) << "# mine\nmodel = \"o3\"\nnotify = [\"python3\", '/home/u/n.py']\n"
                         "[tui]\nnotify = [\"no\"]\n";
  EXPECT_EQ(ReadCodexNotify(path), (std::vector<std::string>{"python3", "/home/u/n.py"}));
  std::ofstream(path) << "[tui]\nnotifications = true\nnotify = [\"no\"]\n";
  EXPECT_TRUE(ReadCodexNotify(path).empty());
  EXPECT_TRUE(ReadCodexNotify(dir.path() + "/missing.toml").empty());
}

// Built-ins: claude and codex report through hooks and have screen patterns.
TEST(ActivityHooksTest, BuiltinsDeclareHooks) {
  auto registry = HarnessRegistry::BuiltinsOnly();
  EXPECT_EQ(registry.Find("claude")->hooks, HookKind::kClaudeSettings);
  EXPECT_EQ(registry.Find("codex")->hooks, HookKind::kCodexNotify);
  EXPECT_FALSE(registry.Find("claude")->screen_patterns.empty());
  EXPECT_EQ(registry.Find("demo")->hooks, HookKind::kNone);
}

// A manifest may declare screen patterns; a bad one names the field.
TEST(ActivityHooksTest, ManifestScreenPatterns) {
  std::string base =
      R"({"id":"t","executable":"t","argv":["t","--","{prompt}"],"installHint":"x",)";
  auto ok =
      ParseManifest(base + R"("screenPatterns":{"asking":["Allow\\?"],"waiting":["> $"]}})", "t");
  ASSERT_TRUE(ok.has_value()) << ok.error().message;
  EXPECT_EQ(ok->screen_patterns, (std::vector<std::string>{"asking=Allow\\?", "waiting=> $"}));
  auto bad = ParseManifest(base + R"("screenPatterns":{"asking":["("]}})", "t");
  ASSERT_FALSE(bad.has_value());
  EXPECT_NE(bad.error().message.find("screenPatterns.asking"), std::string::npos);
  auto state = ParseManifest(base + R"("screenPatterns":{"working":["x"]}})", "t");
  ASSERT_FALSE(state.has_value());
  EXPECT_NE(state.error().message.find("screenPatterns.working"), std::string::npos);
}

}  // namespace
}  // namespace coven::harness
