#include "harness/harness_registry.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "support/temp_dir.h"

namespace coven::harness {
namespace {

using coven::testing::TempDir;

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

// A real temporary directory, removed on destruction.
// Writes `text` to `rel` under `dir` (making its folders) with `perms`.
void WriteFile(const TempDir& dir, const std::string& rel, const std::string& text,
               fs::perms perms) {
  fs::create_directories(fs::path(dir / rel).parent_path());
  std::ofstream(dir / rel) << text;
  fs::permissions(dir / rel, perms);
}

constexpr fs::perms kExec = fs::perms::owner_all | fs::perms::group_read;
constexpr fs::perms kNoExec = fs::perms::owner_read | fs::perms::owner_write;

// Given no user manifests, we should list the built-ins in table order with their labels.
TEST(HarnessRegistryTest, BuiltinTable) {
  HarnessRegistry r = HarnessRegistry::BuiltinsOnly();
  std::vector<std::string> ids;
  std::vector<std::string> labels;
  for (const Adapter& a : r.adapters()) {
    ids.push_back(a.id);
    labels.push_back(a.label);
    EXPECT_TRUE(a.builtin);
    EXPECT_EQ(a.argv_template.front(), a.executable) << a.id;
    EXPECT_TRUE(CheckPromptForm(a.argv_template, "argv").has_value()) << a.id;
    if (!a.non_interactive_template.empty()) {
      EXPECT_EQ(a.non_interactive_template.front(), a.executable) << a.id;
      EXPECT_TRUE(CheckPromptForm(a.non_interactive_template, "nonInteractiveArgv").has_value())
          << a.id;
    }
    EXPECT_THAT(a.install_hint, HasSubstr(a.executable)) << a.id;
  }
  EXPECT_THAT(ids, ElementsAre("codex", "claude", "gemini", "aider", "opencode", "hermes", "demo"));
  EXPECT_THAT(labels, ElementsAre("Codex", "Claude Code", "Gemini CLI", "Aider", "OpenCode",
                                  "Hermes Agent", "Coven demo (no account needed)"));
  EXPECT_TRUE(r.problems().empty());
  EXPECT_EQ(r.Find("demo")->executable, "coven-demo");
  EXPECT_EQ(r.Find("nope"), nullptr);
}

// Given the built-ins, we should allow pass-through arguments exactly for the CLIs that take
// options right after the executable (not hermes' subcommand CLI, not demo).
TEST(HarnessRegistryTest, BuiltinPassThrough) {
  std::vector<std::string> on;
  for (const Adapter& a : BuiltinAdapters()) {
    if (a.pass_through) {
      on.push_back(a.id);
    }
  }
  EXPECT_THAT(on, ElementsAre("codex", "claude", "gemini", "aider", "opencode"));
}

// Given extra arguments, we should put them right before the prompt part ("--" or the
// --flag= element), verbatim, one element each, and keep the rest of the template in place.
TEST(HarnessRegistryTest, ExtraArgsGoBeforeThePrompt) {
  HarnessRegistry r = HarnessRegistry::BuiltinsOnly();
  const std::vector<std::string> extra = {"--model", "o3", "-c", "a b; $(id)", "{prompt}"};
  auto codex = r.BuildArgv("codex", "do it", extra);
  ASSERT_TRUE(codex.has_value()) << codex.error().message;
  EXPECT_THAT(*codex,
              ElementsAre("codex", "--model", "o3", "-c", "a b; $(id)", "{prompt}", "--", "do it"));
  auto gemini = r.BuildArgv("gemini", "p", {"--model", "x"});
  ASSERT_TRUE(gemini.has_value());
  EXPECT_THAT(*gemini, ElementsAre("gemini", "--model", "x", "--prompt-interactive=p"));
  auto none = r.BuildArgv("aider", "p", {});
  ASSERT_TRUE(none.has_value());
  EXPECT_THAT(*none, ElementsAre("aider", "--message=p"));
}

// Every built-in's exact argv in each mode, with a prompt that is an option's name: it must
// land after "--" or inside a --flag= element (SPEC Part A 15), never as an element alone.
TEST(HarnessRegistryTest, BuiltinArgvPinnedInEveryMode) {
  HarnessRegistry r = HarnessRegistry::BuiltinsOnly();
  using V = std::vector<std::string>;
  struct Case {
    const char* id;
    V interactive;
    V non_interactive;  // empty: refused
  };
  const std::vector<Case> cases = {
      {"codex",
       {"codex", "--", "--version"},
       {"codex", "exec", "--skip-git-repo-check", "--color", "never", "--", "--version"}},
      {"claude", {"claude", "--", "--version"}, {"claude", "--print", "--", "--version"}},
      {"gemini", {"gemini", "--prompt-interactive=--version"}, {"gemini", "--prompt=--version"}},
      {"aider", {"aider", "--message=--version"}, {"aider", "--message=--version"}},
      {"opencode", {"opencode", "--prompt=--version"}, {}},
      {"hermes", {"hermes", "chat", "--query=--version"}, {}},
      {"demo", {"coven-demo", "--", "--version"}, {"coven-demo", "--print", "--", "--version"}},
  };
  ASSERT_EQ(cases.size(), BuiltinAdapters().size());
  for (const Case& c : cases) {
    SCOPED_TRACE(c.id);
    HarnessRegistry::LaunchArgs args;
    args.prompt = "--version";
    auto interactive = r.BuildArgv(c.id, args);
    ASSERT_TRUE(interactive.has_value()) << interactive.error().message;
    EXPECT_EQ(*interactive, c.interactive);
    args.mode = LaunchMode::kNonInteractive;
    auto headless = r.BuildArgv(c.id, args);
    if (c.non_interactive.empty()) {
      ASSERT_FALSE(headless.has_value());
      EXPECT_EQ(headless.error().code, core::ErrorCode::kInvalidRequest);
      EXPECT_THAT(headless.error().message,
                  HasSubstr(std::string("harness `") + c.id + "` has no non-interactive mode"));
    } else {
      ASSERT_TRUE(headless.has_value()) << headless.error().message;
      EXPECT_EQ(*headless, c.non_interactive);
    }
  }
}

// Given a model, we should pass it as one "--model=<id>" element before the prompt part
// (after a subcommand such as `exec`), and refuse it where the adapter has no model flag.
TEST(HarnessRegistryTest, ModelFlag) {
  HarnessRegistry r = HarnessRegistry::BuiltinsOnly();
  HarnessRegistry::LaunchArgs args;
  args.prompt = "fix";
  args.model = "gpt-5.1-codex";
  auto codex = r.BuildArgv("codex", args);
  ASSERT_TRUE(codex.has_value()) << codex.error().message;
  EXPECT_THAT(*codex, ElementsAre("codex", "--model=gpt-5.1-codex", "--", "fix"));
  args.mode = LaunchMode::kNonInteractive;
  args.extra_args = {"--json"};
  codex = r.BuildArgv("codex", args);
  ASSERT_TRUE(codex.has_value()) << codex.error().message;
  EXPECT_THAT(*codex, ElementsAre("codex", "exec", "--skip-git-repo-check", "--color", "never",
                                  "--model=gpt-5.1-codex", "--json", "--", "fix"));
  args.extra_args.clear();
  auto claude = r.BuildArgv("claude", args);
  ASSERT_TRUE(claude.has_value());
  EXPECT_THAT(*claude, ElementsAre("claude", "--print", "--model=gpt-5.1-codex", "--", "fix"));
  auto gemini = r.BuildArgv("gemini", args);
  ASSERT_TRUE(gemini.has_value());
  EXPECT_THAT(*gemini, ElementsAre("gemini", "--model=gpt-5.1-codex", "--prompt=fix"));

  args.mode = LaunchMode::kInteractive;
  for (const char* id : {"hermes", "demo"}) {
    SCOPED_TRACE(id);
    auto got = r.BuildArgv(id, args);
    ASSERT_FALSE(got.has_value());
    EXPECT_EQ(got.error().message, std::string("harness `") + id +
                                       "` does not take a model (its adapter declares no "
                                       "modelFlag); leave `model` out");
  }
  for (const std::string& bad : {std::string(), std::string("a b"), std::string("a\nb"),
                                 std::string(kMaxModelBytes + 1, 'm')}) {
    args.model = bad;
    auto got = r.BuildArgv("codex", args);
    ASSERT_FALSE(got.has_value()) << bad;
    EXPECT_THAT(got.error().message, HasSubstr("`model`"));
  }
}

// Given the plugin's launch policy, we should map it to Codex's own flags for a
// non-interactive codex run only, with one --add-dir per absolute existing directory.
TEST(HarnessRegistryTest, LaunchPolicy) {
  TempDir t;
  fs::create_directories((t / "extra"));
  HarnessRegistry r = HarnessRegistry::BuiltinsOnly();
  HarnessRegistry::LaunchArgs args;
  args.prompt = "go";
  args.mode = LaunchMode::kNonInteractive;
  args.policy = LaunchPolicy{{(t / "extra"), "/tmp"}};
  auto codex = r.BuildArgv("codex", args);
  ASSERT_TRUE(codex.has_value()) << codex.error().message;
  EXPECT_THAT(*codex, ElementsAre("codex", "exec", "--skip-git-repo-check", "--color", "never",
                                  "--config=approval_policy=\"never\"", "--sandbox=workspace-write",
                                  "--add-dir=" + (t / "extra"), "--add-dir=/tmp", "--", "go"));
  args.policy = LaunchPolicy{};
  codex = r.BuildArgv("codex", args);
  ASSERT_TRUE(codex.has_value());
  EXPECT_THAT(*codex, ElementsAre("codex", "exec", "--skip-git-repo-check", "--color", "never",
                                  "--config=approval_policy=\"never\"", "--sandbox=workspace-write",
                                  "--", "go"));

  auto claude = r.BuildArgv("claude", args);
  ASSERT_FALSE(claude.has_value());
  EXPECT_EQ(claude.error().message,
            "`launchPolicy` is supported only for non-interactive codex launches, not for "
            "harness `claude` in non-interactive mode");
  args.mode = LaunchMode::kInteractive;
  auto interactive = r.BuildArgv("codex", args);
  ASSERT_FALSE(interactive.has_value());
  EXPECT_THAT(interactive.error().message, HasSubstr("harness `codex` in interactive mode"));

  args.mode = LaunchMode::kNonInteractive;
  for (const std::string& bad :
       {std::string("relative/dir"), (t / "missing"), std::string(""), (t / "file")}) {
    WriteFile(t, "file", "x", kNoExec);
    args.policy = LaunchPolicy{{"/tmp", bad}};
    auto got = r.BuildArgv("codex", args);
    ASSERT_FALSE(got.has_value()) << bad;
    EXPECT_EQ(got.error().message, "`launchPolicy.addDirs[1]` `" + bad +
                                       "` must be an absolute path to an existing directory");
  }
}

// CheckPromptForm: where the prompt is and where added options go.
TEST(HarnessRegistryTest, PromptForms) {
  auto after = CheckPromptForm({"x", "run", "--", "{prompt}"}, "`argv`");
  ASSERT_TRUE(after.has_value());
  EXPECT_EQ(after->form, PromptForm::kAfterEndOfOptions);
  EXPECT_EQ(after->index, 3U);
  EXPECT_EQ(after->options_index, 2U);
  auto value = CheckPromptForm({"x", "-q={prompt}", "--more"}, "`argv`");
  ASSERT_TRUE(value.has_value());
  EXPECT_EQ(value->form, PromptForm::kOptionValue);
  EXPECT_EQ(value->index, 1U);
  EXPECT_EQ(value->options_index, 1U);
  for (const std::vector<std::string>& bad :
       std::vector<std::vector<std::string>>{{"{prompt}"},
                                             {"x", "{prompt}", "--"},
                                             {"x", "--={prompt}"},
                                             {"x", "={prompt}"},
                                             {"x", "--a=b={prompt}"},
                                             {"x", "--a={prompt}{prompt}"}}) {
    auto got = CheckPromptForm(bad, "`argv`");
    EXPECT_FALSE(got.has_value()) << bad.back();
  }
}

// Given extra arguments for an adapter without pass-through, we should refuse them (and
// still build its argv without them).
TEST(HarnessRegistryTest, ExtraArgsRefusedWithoutPassThrough) {
  HarnessRegistry r = HarnessRegistry::BuiltinsOnly();
  for (const char* id : {"demo", "hermes"}) {
    SCOPED_TRACE(id);
    auto got = r.BuildArgv(id, "hi", {"--model", "o3"});
    ASSERT_FALSE(got.has_value());
    EXPECT_EQ(got.error().code, core::ErrorCode::kInvalidRequest);
    EXPECT_EQ(got.error().message, std::string("harness `") + id +
                                       "` does not take extra arguments (passThrough is off)");
    EXPECT_TRUE(r.BuildArgv(id, "hi").has_value());
  }
  auto unknown = r.BuildArgv("cursor", "hi", {"--x"});
  ASSERT_FALSE(unknown.has_value());
  EXPECT_EQ(unknown.error().message, "unsupported harness `cursor`");
}

// Given extra arguments past the limits, empty, or with a NUL byte, we should refuse them
// with a message naming the problem; at the limits they are accepted.
TEST(HarnessRegistryTest, ExtraArgsLimits) {
  HarnessRegistry r = HarnessRegistry::BuiltinsOnly();
  std::vector<std::string> max_count(kMaxExtraArgs, "-v");
  EXPECT_TRUE(r.BuildArgv("codex", "p", max_count).has_value());
  std::vector<std::string> too_many(kMaxExtraArgs + 1, "-v");
  std::string max_len(kMaxExtraArgBytes, 'x');
  EXPECT_TRUE(r.BuildArgv("codex", "p", {max_len}).has_value());
  struct Case {
    std::vector<std::string> args;
    const char* reason;
  };
  const std::vector<Case> cases = {
      {too_many, "too many harness arguments (65; at most 64)"},
      {{"--model", ""}, "harness argument 2 is empty"},
      {{std::string("a\0b", 3)}, "harness argument 1 contains a NUL byte"},
      {{"ok", max_len + "y"}, "harness argument 2 is longer than 4096 bytes"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.reason);
    auto got = r.BuildArgv("codex", "p", c.args);
    ASSERT_FALSE(got.has_value());
    EXPECT_EQ(got.error().code, core::ErrorCode::kInvalidRequest);
    EXPECT_EQ(got.error().message, c.reason);
  }
}

// Given the codex and claude hints, we should keep SPEC 4.3's tokens.
TEST(HarnessRegistryTest, SpecInstallHintTokens) {
  HarnessRegistry r = HarnessRegistry::BuiltinsOnly();
  const std::string codex = r.Find("codex")->install_hint;
  for (const char* token : {"npm install -g @openai/codex", "brew install --cask codex", "PATH",
                            "codex login", "retry `coven doctor`"}) {
    EXPECT_THAT(codex, HasSubstr(token));
  }
  const std::string claude = r.Find("claude")->install_hint;
  for (const char* token : {"npm install -g @anthropic-ai/claude-code", "PATH", "claude doctor",
                            "retry `coven doctor`"}) {
    EXPECT_THAT(claude, HasSubstr(token));
  }
}

// Given prompts full of shell metacharacters or starting with -, we should pass each inside
// one argv element.
TEST(HarnessRegistryTest, PromptStaysOneElement) {
  HarnessRegistry r = HarnessRegistry::BuiltinsOnly();
  for (const std::string prompt :
       {"hello; rm -rf /", "explain && exit", "$(whoami) `id` | cat > /tmp/x < y & \"q\" 'q'",
        "two\nlines\ttab *glob? ~home {prompt}", "", "--dangerously-skip-permissions", "-", "--"}) {
    SCOPED_TRACE(prompt);
    auto codex = r.BuildArgv("codex", prompt);
    ASSERT_TRUE(codex.has_value());
    EXPECT_THAT(*codex, ElementsAre("codex", "--", prompt));
    auto gemini = r.BuildArgv("gemini", prompt);
    ASSERT_TRUE(gemini.has_value());
    EXPECT_THAT(*gemini, ElementsAre("gemini", "--prompt-interactive=" + prompt));
  }
}

// Given an unknown id, we should answer invalid_request "unsupported harness `<id>`".
TEST(HarnessRegistryTest, UnknownIdError) {
  auto got = HarnessRegistry::BuiltinsOnly().BuildArgv("cursor", "hi");
  ASSERT_FALSE(got.has_value());
  EXPECT_EQ(got.error().code, core::ErrorCode::kInvalidRequest);
  EXPECT_EQ(got.error().message, "unsupported harness `cursor`");
}

// Given PATH entries of every kind, we should find only executable regular files.
TEST(FindOnPathTest, Availability) {
  TempDir t;
  WriteFile(t, "a/codex", "#!/bin/sh\n", kExec);
  WriteFile(t, "a/plain", "data", kNoExec);
  WriteFile(t, "b/plain", "#!/bin/sh\n", kExec);
  WriteFile(t, "b/other-exec", "#!/bin/sh\n", fs::perms::owner_read | fs::perms::others_exec);
  fs::create_directories((t / "a/adir"));
  fs::create_symlink((t / "a/codex"), (t / "b/linked"));
  const std::string a = (t / "a");
  const std::string b = (t / "b");

  EXPECT_EQ(FindOnPath("codex", a), a + "/codex");
  EXPECT_EQ(FindOnPath("codex", b + ":" + a), a + "/codex");
  EXPECT_EQ(FindOnPath("codex", a + "/"), a + "/codex");
  EXPECT_EQ(FindOnPath("missing", a + ":" + b), std::nullopt);
  EXPECT_EQ(FindOnPath("plain", a), std::nullopt);            // no execute bit
  EXPECT_EQ(FindOnPath("plain", a + ":" + b), b + "/plain");  // first executable wins
  EXPECT_EQ(FindOnPath("other-exec", b), b + "/other-exec");  // any execute bit
  EXPECT_EQ(FindOnPath("adir", a), std::nullopt);             // a directory
  EXPECT_EQ(FindOnPath("linked", b), b + "/linked");          // symlink to executable
  EXPECT_EQ(FindOnPath("a/codex", t.path()), std::nullopt);   // a path, not a name
  EXPECT_EQ(FindOnPath(a + "/codex", a), std::nullopt);
  EXPECT_EQ(FindOnPath("a\\codex", t.path()), std::nullopt);
  EXPECT_EQ(FindOnPath("", a), std::nullopt);
  EXPECT_EQ(FindOnPath("codex", ""), std::nullopt);
  EXPECT_EQ(FindOnPath("codex", "::" + a + "::"), a + "/codex");   // empty entries skipped
  EXPECT_EQ(FindOnPath("codex", ":relative/dir:"), std::nullopt);  // relative entries skipped
}

constexpr const char* kValid =
    R"({"id":"mytool","label":"My Tool","executable":"mytool",)"
    R"("argv":["mytool","--go","--","{prompt}"],"installHint":"pip install mytool"})";

// Given a valid manifest, we should load it after the built-ins and build its argv.
TEST(ManifestTest, LoadsValidManifest) {
  TempDir t;
  WriteFile(t, "mytool.json", kValid, kNoExec);
  WriteFile(t, "zed.json",
            R"({"id":"zed","executable":"zed","argv":["zed","--","{prompt}"],"installHint":"h"})",
            kNoExec);
  WriteFile(t, "README.md", "not a manifest", kNoExec);
  HarnessRegistry r = HarnessRegistry::Load(t.path());
  EXPECT_TRUE(r.problems().empty()) << r.problems().front();
  ASSERT_EQ(r.adapters().size(), BuiltinAdapters().size() + 2);
  const Adapter& mine = r.adapters()[BuiltinAdapters().size()];
  EXPECT_EQ(mine.id, "mytool");
  EXPECT_EQ(mine.label, "My Tool");
  EXPECT_FALSE(mine.builtin);
  EXPECT_EQ(mine.manifest_path, (t / "mytool.json"));
  EXPECT_EQ(r.adapters().back().id, "zed");
  EXPECT_EQ(r.adapters().back().label, "zed");  // label defaults to the id
  auto argv = r.BuildArgv("mytool", "a b; c");
  ASSERT_TRUE(argv.has_value());
  EXPECT_THAT(*argv, ElementsAre("mytool", "--go", "--", "a b; c"));
  EXPECT_FALSE(mine.pass_through);  // off unless the manifest says so
  EXPECT_FALSE(r.BuildArgv("mytool", "p", {"--x"}).has_value());
}

// Given manifests with "passThrough" true and false, we should honour each.
TEST(ManifestTest, PassThroughField) {
  auto on = ParseManifest(
      R"({"id":"on","executable":"on","argv":["on","--go={prompt}"],"installHint":"h",)"
      R"("passThrough":true})",
      "on");
  ASSERT_TRUE(on.has_value()) << on.error().message;
  EXPECT_TRUE(on->pass_through);
  auto off = ParseManifest(
      R"({"id":"off","executable":"off","argv":["off","--","{prompt}"],"installHint":"h",)"
      R"("passThrough":false})",
      "off");
  ASSERT_TRUE(off.has_value()) << off.error().message;
  EXPECT_FALSE(off->pass_through);

  TempDir t;
  WriteFile(t, "on.json",
            R"({"id":"on","executable":"on","argv":["on","--go={prompt}"],"installHint":"h",)"
            R"("passThrough":true})",
            kNoExec);
  HarnessRegistry r = HarnessRegistry::Load(t.path());
  auto argv = r.BuildArgv("on", "task", {"--fast"});
  ASSERT_TRUE(argv.has_value()) << argv.error().message;
  EXPECT_THAT(*argv, ElementsAre("on", "--fast", "--go=task"));
}

// Given a missing adapters folder, we should load the built-ins and report nothing.
TEST(ManifestTest, MissingFolderIsFine) {
  TempDir t;
  HarnessRegistry r = HarnessRegistry::Load((t / "no-such-dir"));
  EXPECT_TRUE(r.problems().empty());
  EXPECT_EQ(r.adapters().size(), BuiltinAdapters().size());
}

struct BadManifest {
  const char* file;
  std::string text;
  const char* reason;
};

// Given invalid manifests, we should skip each one and report its file and reason.
TEST(ManifestTest, InvalidManifestsAreReportedAndSkipped) {
  const std::vector<BadManifest> cases = {
      {"notjson.json", "{nope", "not valid JSON"},
      {"array.json", "[1,2]", "must be a JSON object"},
      {"noid.json", R"({"executable":"x","argv":["x","--","{prompt}"],"installHint":"h"})",
       "`id` is missing"},
      {"numid.json", R"({"id":7})", "`id` must be a string"},
      {"Upper.json",
       R"({"id":"Upper","executable":"x","argv":["x","--","{prompt}"],"installHint":"h"})",
       "must match ^[a-z0-9][a-z0-9._-]{0,63}$"},
      {"-dash.json",
       R"({"id":"-dash","executable":"x","argv":["x","--","{prompt}"],"installHint":"h"})",
       "must match"},
      {"stem.json",
       R"({"id":"other","executable":"x","argv":["x","--","{prompt}"],"installHint":"h"})",
       "must equal the file name stem `stem`"},
      {"noexe.json", R"({"id":"noexe","argv":["x","--","{prompt}"],"installHint":"h"})",
       "`executable` is missing"},
      {"slash.json",
       R"({"id":"slash","executable":"/bin/x","argv":["/bin/x","{prompt}"],"installHint":"h"})",
       "`executable` must be a bare program name"},
      {"noargv.json", R"({"id":"noargv","executable":"x","installHint":"h"})", "`argv` is missing"},
      {"emptyargv.json", R"({"id":"emptyargv","executable":"x","argv":[],"installHint":"h"})",
       "non-empty array of strings"},
      {"numargv.json", R"({"id":"numargv","executable":"x","argv":["x",1],"installHint":"h"})",
       "non-empty array of strings"},
      {"strargv.json",
       R"({"id":"strargv","executable":"x","argv":"x -- {prompt}","installHint":"h"})",
       "non-empty array of strings"},
      {"noprompt.json", R"({"id":"noprompt","executable":"x","argv":["x"],"installHint":"h"})",
       "`argv` must contain \"{prompt}\" exactly once"},
      {"twoprompt.json",
       R"({"id":"twoprompt","executable":"x","argv":["x","--","{prompt}","{prompt}"],"installHint":"h"})",
       "`argv` must contain \"{prompt}\" exactly once"},
      // A prompt that could be read as an option is refused at load (SPEC Part A 15).
      {"bare.json", R"({"id":"bare","executable":"x","argv":["x","{prompt}"],"installHint":"h"})",
       "`argv` puts \"{prompt}\" where it could be read as an option: write \"--\", "
       "\"{prompt}\" or \"--flag={prompt}\""},
      {"spaced.json",
       R"({"id":"spaced","executable":"x","argv":["x","--p","{prompt}"],"installHint":"h"})",
       "`argv` puts \"{prompt}\" where it could be read as an option"},
      {"glued.json",
       R"({"id":"glued","executable":"x","argv":["x","--p{prompt}"],"installHint":"h"})",
       "`argv` has \"{prompt}\" inside `--p{prompt}`, which is not of the form --flag={prompt}"},
      {"nodash.json",
       R"({"id":"nodash","executable":"x","argv":["x","p={prompt}"],"installHint":"h"})",
       "not of the form --flag={prompt}"},
      {"prefixed.json",
       R"({"id":"prefixed","executable":"x","argv":["x","--p=a{prompt}"],"installHint":"h"})",
       "not of the form"},
      {"headless.json",
       R"({"id":"headless","executable":"x","argv":["x","--","{prompt}"],"installHint":"h",)"
       R"("nonInteractiveArgv":["x","-p","{prompt}"]})",
       "`nonInteractiveArgv` puts \"{prompt}\" where it could be read as an option"},
      {"headless0.json",
       R"({"id":"headless0","executable":"x","argv":["x","--","{prompt}"],"installHint":"h",)"
       R"("nonInteractiveArgv":["y","--","{prompt}"]})",
       "`nonInteractiveArgv[0]` must equal `executable`"},
      {"headlessnum.json",
       R"({"id":"headlessnum","executable":"x","argv":["x","--","{prompt}"],"installHint":"h",)"
       R"("nonInteractiveArgv":7})",
       "`nonInteractiveArgv` must be a non-empty array of strings"},
      {"model.json",
       R"({"id":"model","executable":"x","argv":["x","--","{prompt}"],"installHint":"h",)"
       R"("modelFlag":"model"})",
       "`modelFlag` must be an option name such as \"--model\""},
      {"modeleq.json",
       R"({"id":"modeleq","executable":"x","argv":["x","--","{prompt}"],"installHint":"h",)"
       R"("modelFlag":"--model="})",
       "`modelFlag` must be an option name"},
      {"modelnum.json",
       R"({"id":"modelnum","executable":"x","argv":["x","--","{prompt}"],"installHint":"h",)"
       R"("modelFlag":1})",
       "`modelFlag` must be a string"},
      {"argv0.json",
       R"({"id":"argv0","executable":"x","argv":["y","--","{prompt}"],"installHint":"h"})",
       "`argv[0]` must equal `executable`"},
      {"nohint.json", R"({"id":"nohint","executable":"x","argv":["x","--","{prompt}"]})",
       "`installHint` is missing"},
      {"strpass.json",
       R"({"id":"strpass","executable":"x","argv":["x","--","{prompt}"],"installHint":"h",)"
       R"("passThrough":"yes"})",
       "`passThrough` must be a boolean"},
      {"numpass.json",
       R"({"id":"numpass","executable":"x","argv":["x","--","{prompt}"],"installHint":"h",)"
       R"("passThrough":1})",
       "`passThrough` must be a boolean"},
      {"codex.json",
       R"({"id":"codex","executable":"codex","argv":["codex","--","{prompt}"],"installHint":"h"})",
       "is a built-in adapter"},
      {"demo.json",
       R"({"id":"demo","executable":"evil","argv":["evil","--","{prompt}"],"installHint":"h"})",
       "is a built-in adapter"},
  };
  TempDir t;
  for (const auto& c : cases) {
    WriteFile(t, c.file, c.text, kNoExec);
  }
  fs::create_directories((t / "dir.json"));
  WriteFile(
      t, "good.json",
      R"({"id":"good","executable":"good","argv":["good","--","{prompt}"],"installHint":"h"})",
      kNoExec);

  HarnessRegistry r = HarnessRegistry::Load(t.path());
  ASSERT_EQ(r.adapters().size(), BuiltinAdapters().size() + 1);
  EXPECT_EQ(r.adapters().back().id, "good");
  EXPECT_EQ(r.Find("codex")->install_hint, BuiltinAdapters().front().install_hint);
  EXPECT_EQ(r.Find("demo")->executable, "coven-demo");
  ASSERT_EQ(r.problems().size(), cases.size() + 1);
  for (const auto& c : cases) {
    const std::string prefix = std::string(c.file) + ": ";
    auto it = std::find_if(r.problems().begin(), r.problems().end(),
                           [&](const std::string& p) { return p.rfind(prefix, 0) == 0; });
    ASSERT_NE(it, r.problems().end()) << c.file;
    EXPECT_THAT(*it, HasSubstr(c.reason)) << c.file;
  }
  EXPECT_THAT(r.problems(), ::testing::Contains("dir.json: not a regular file"));
}

// Given an adapters path that is a file, we should report it and keep the built-ins.
TEST(ManifestTest, AdaptersPathIsAFile) {
  TempDir t;
  WriteFile(t, "adapters", "x", kNoExec);
  HarnessRegistry r = HarnessRegistry::Load((t / "adapters"));
  EXPECT_EQ(r.adapters().size(), BuiltinAdapters().size());
  ASSERT_EQ(r.problems().size(), 1U);
  EXPECT_THAT(r.problems()[0], HasSubstr("not a directory"));
}

}  // namespace
}  // namespace coven::harness
