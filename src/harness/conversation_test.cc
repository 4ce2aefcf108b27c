// Conversation resume (issue 10, item 4): the exact argv of every adapter that declares a way,
// the refusals of those that do not, the id checks and the manifest fields.
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "harness/harness_registry.h"

namespace coven::harness {
namespace {

using ::testing::HasSubstr;
using V = std::vector<std::string>;

constexpr const char* kUuid = "8f0c2d4e-1b7a-4c3e-9d2f-5a6b7c8d9e0f";

HarnessRegistry::LaunchArgs Args(LaunchMode mode, ConversationMode conv, const std::string& id,
                                 const std::string& prompt = "--version") {
  HarnessRegistry::LaunchArgs args;
  args.mode = mode;
  args.prompt = prompt;
  args.conversation = Conversation{conv, id};
  return args;
}

// Given each built-in that supports conversations, in each mode, we should build exactly the
// argv its CLI documents (claude --help, codex resume --help, codex exec resume --help at the
// pinned versions), with a dash-led prompt still after "--".
TEST(ConversationTest, BuiltinArgvPinned) {
  HarnessRegistry r = HarnessRegistry::BuiltinsOnly();
  const std::string uuid = kUuid;
  struct Case {
    const char* id;
    LaunchMode mode;
    ConversationMode conv;
    V want;
  };
  const std::vector<Case> cases = {
      {"claude",
       LaunchMode::kInteractive,
       ConversationMode::kInit,
       {"claude", "--session-id=" + uuid, "--", "--version"}},
      {"claude",
       LaunchMode::kNonInteractive,
       ConversationMode::kInit,
       {"claude", "--print", "--session-id=" + uuid, "--", "--version"}},
      {"claude",
       LaunchMode::kInteractive,
       ConversationMode::kResume,
       {"claude", "--resume=" + uuid, "--", "--version"}},
      {"claude",
       LaunchMode::kNonInteractive,
       ConversationMode::kResume,
       {"claude", "--print", "--resume=" + uuid, "--", "--version"}},
      {"codex",
       LaunchMode::kInteractive,
       ConversationMode::kResume,
       {"codex", "resume", uuid, "--", "--version"}},
      {"codex",
       LaunchMode::kNonInteractive,
       ConversationMode::kResume,
       {"codex", "exec", "--skip-git-repo-check", "--color", "never", "resume", uuid, "--",
        "--version"}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(std::string(c.id) +
                 (c.mode == LaunchMode::kInteractive ? " interactive" : " headless") +
                 (c.conv == ConversationMode::kInit ? " init" : " resume"));
    auto got = r.BuildArgv(c.id, Args(c.mode, c.conv, uuid));
    ASSERT_TRUE(got.has_value()) << got.error().message;
    EXPECT_EQ(*got, c.want);
  }
}

// Given a model, pass-through arguments and a resume, the added options should come after
// the id and before "--" (codex `resume <id> --model=o3 -- <prompt>`).
TEST(ConversationTest, OptionsGoAfterTheResumeId) {
  HarnessRegistry r = HarnessRegistry::BuiltinsOnly();
  auto args = Args(LaunchMode::kNonInteractive, ConversationMode::kResume, "thread-1", "go");
  args.model = "o3";
  args.extra_args = {"--json"};
  auto got = r.BuildArgv("codex", args);
  ASSERT_TRUE(got.has_value()) << got.error().message;
  EXPECT_EQ(*got, (V{"codex", "exec", "--skip-git-repo-check", "--color", "never", "resume",
                     "thread-1", "--model=o3", "--json", "--", "go"}));
  args = Args(LaunchMode::kInteractive, ConversationMode::kResume, kUuid, "go");
  args.model = "sonnet";
  got = r.BuildArgv("claude", args);
  ASSERT_TRUE(got.has_value()) << got.error().message;
  EXPECT_EQ(*got, (V{"claude", "--resume=" + std::string(kUuid), "--model=sonnet", "--", "go"}));
}

// Given an interactive resume without a prompt, the prompt part ("--" too) should be left
// out; a non-interactive one still needs a prompt.
TEST(ConversationTest, ResumeWithoutPrompt) {
  HarnessRegistry r = HarnessRegistry::BuiltinsOnly();
  auto claude =
      r.BuildArgv("claude", Args(LaunchMode::kInteractive, ConversationMode::kResume, kUuid, ""));
  ASSERT_TRUE(claude.has_value()) << claude.error().message;
  EXPECT_EQ(*claude, (V{"claude", "--resume=" + std::string(kUuid)}));
  auto codex = r.BuildArgv(
      "codex", Args(LaunchMode::kInteractive, ConversationMode::kResume, "thread-1", ""));
  ASSERT_TRUE(codex.has_value()) << codex.error().message;
  EXPECT_EQ(*codex, (V{"codex", "resume", "thread-1"}));
  auto got = r.BuildArgv("claude",
                         Args(LaunchMode::kNonInteractive, ConversationMode::kResume, kUuid, ""));
  ASSERT_FALSE(got.has_value());
  EXPECT_THAT(got.error().message,
              HasSubstr("prompt is required to resume a conversation non-interactively"));
}

// Given an adapter without a declared way, or an id its harness would not take, we should
// refuse with kInvalidRequest and a message naming `conversation` / `conversation.id`.
TEST(ConversationTest, Refusals) {
  HarnessRegistry r = HarnessRegistry::BuiltinsOnly();
  struct Case {
    const char* harness;
    HarnessRegistry::LaunchArgs args;
    const char* field;
    const char* message;
  };
  auto policy = Args(LaunchMode::kNonInteractive, ConversationMode::kResume, "t1", "go");
  policy.policy = LaunchPolicy{};
  const std::vector<Case> cases = {
      {"codex", Args(LaunchMode::kInteractive, ConversationMode::kInit, kUuid), "conversation",
       "harness `codex` cannot start a conversation under a chosen id"},
      {"gemini", Args(LaunchMode::kInteractive, ConversationMode::kResume, "x"), "conversation",
       "harness `gemini` cannot resume a conversation"},
      {"demo", Args(LaunchMode::kNonInteractive, ConversationMode::kResume, "x"), "conversation",
       "harness `demo` cannot resume a conversation non-interactively"},
      {"claude", Args(LaunchMode::kInteractive, ConversationMode::kResume, "not-a-uuid"),
       "conversation.id", "must be a UUID"},
      {"claude", Args(LaunchMode::kInteractive, ConversationMode::kInit, "--dangerously"),
       "conversation.id", "must be a UUID"},
      {"codex", Args(LaunchMode::kInteractive, ConversationMode::kResume, "--last"),
       "conversation.id", "must start with a letter or a digit"},
      {"codex", Args(LaunchMode::kInteractive, ConversationMode::kResume, "a b"), "conversation.id",
       "may hold only letters"},
      {"codex", Args(LaunchMode::kInteractive, ConversationMode::kResume, ""), "conversation.id",
       "must be 1 to 128 bytes"},
      {"codex", policy, "launchPolicy", "cannot be combined with resuming"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(std::string(c.harness) + " " + c.message);
    auto got = r.BuildArgv(c.harness, c.args);
    ASSERT_FALSE(got.has_value());
    EXPECT_EQ(got.error().code, core::ErrorCode::kInvalidRequest);
    EXPECT_THAT(got.error().message, HasSubstr(c.message));
    ASSERT_FALSE(got.error().details.empty());
    EXPECT_EQ(got.error().details.front().second, c.field);
  }
}

// Given manifests declaring a resume flag or resume templates, we should load them and
// build their argv; broken conversation fields are refused naming the field.
TEST(ConversationTest, ManifestFields) {
  auto flag = ParseManifest(
      R"({"id":"f","executable":"f","argv":["f","--","{prompt}"],"installHint":"h",)"
      R"("conversationIdFlag":"--id","resumeFlag":"--continue","conversationIdForm":"uuid"})",
      "f");
  ASSERT_TRUE(flag.has_value()) << flag.error().message;
  EXPECT_TRUE(CanInitConversation(*flag));
  EXPECT_TRUE(CanResumeConversation(*flag, LaunchMode::kInteractive));
  EXPECT_FALSE(CanResumeConversation(*flag, LaunchMode::kNonInteractive));  // no headless argv
  EXPECT_TRUE(flag->conversation_id_is_uuid);
  auto tmpl =
      ParseManifest(R"({"id":"t","executable":"t","argv":["t","--","{prompt}"],"installHint":"h",)"
                    R"("resumeArgv":["t","continue","{conversation}","--","{prompt}"]})",
                    "t");
  ASSERT_TRUE(tmpl.has_value()) << tmpl.error().message;
  EXPECT_TRUE(CanResumeConversation(*tmpl, LaunchMode::kInteractive));
  EXPECT_FALSE(CanInitConversation(*tmpl));

  const std::string head = R"({"id":"b","executable":"b","argv":["b","--","{prompt}"],)"
                           R"("installHint":"h",)";
  struct Bad {
    std::string fields;
    const char* message;
  };
  const std::vector<Bad> bad = {
      {R"("resumeFlag":"resume")", "`resumeFlag` must be an option name"},
      {R"("conversationIdFlag":"--id=x")", "`conversationIdFlag` must be an option name"},
      {R"("conversationIdForm":"int")", "`conversationIdForm` must be \"uuid\" or \"token\""},
      {R"("resumeFlag":"--r","resumeArgv":["b","r","{conversation}","--","{prompt}"])",
       "`resumeArgv` and `resumeFlag` exclude each other"},
      {R"("resumeArgv":["b","r","--","{prompt}"])",
       "`resumeArgv` must contain \"{conversation}\" exactly once"},
      {R"("resumeArgv":["b","--id={conversation}","--","{prompt}"])",
       "`resumeArgv` must hold \"{conversation}\" as a whole element"},
      {R"("resumeArgv":["b","r","--","{conversation}","{prompt}"])",
       "`resumeArgv` puts \"{prompt}\" where it could be read as an option"},
      {R"("nonInteractiveResumeArgv":["b","r","{conversation}","{prompt}"])",
       "`nonInteractiveResumeArgv` puts \"{prompt}\""},
  };
  for (const Bad& b : bad) {
    SCOPED_TRACE(b.fields);
    auto got = ParseManifest(head + b.fields + "}", "b");
    ASSERT_FALSE(got.has_value());
    EXPECT_THAT(got.error().message, HasSubstr(b.message));
  }
}

// Given ids at the limits, CheckConversationId should accept UUIDs in either case and
// tokens up to 128 bytes.
TEST(ConversationTest, IdForms) {
  EXPECT_TRUE(CheckConversationId("8F0C2D4E-1B7A-4C3E-9D2F-5A6B7C8D9E0F", true));
  EXPECT_FALSE(CheckConversationId("8f0c2d4e1b7a4c3e9d2f5a6b7c8d9e0f", true));
  EXPECT_TRUE(CheckConversationId(std::string(128, 'a'), false));
  EXPECT_FALSE(CheckConversationId(std::string(129, 'a'), false));
  EXPECT_TRUE(CheckConversationId("019a2b3c-thread:1.x_y", false));
}

}  // namespace
}  // namespace coven::harness
