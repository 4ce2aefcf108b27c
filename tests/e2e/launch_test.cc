// End-to-end: how a launch becomes an argv (issue 10). A prompt is data, never an option
// (SPEC Part A 15), launch modes (SPEC 4.4), models, the OpenClaw plugin's launch policy,
// and fields Coven refuses instead of dropping (SPEC Part A 16). Fake harnesses that print
// their argv pin the exact argv of every adapter in every mode; `coven run` is driven with
// stdin on /dev/null (headless) and inside tmux (a terminal).
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "e2e/session_helpers.h"
#include "e2e/tmux_helpers.h"
#include "support/testing.h"

namespace coven::testing::sess {
namespace {

// A fake harness that leaves a marker next to itself (so a test can tell it never ran),
// prints its argv, one element per line in brackets, then exits with $FAKE_EXIT (the
// marker's name is <script>.ran). `stty -opost` keeps the PTY from turning \n into \r\n.
constexpr const char* kArgvHarness =
    "#!/bin/sh\ntouch \"$0.ran\"\nstty -opost\necho \"cmd=$(basename \"$0\")\"\n"
    "for a in \"$@\"; do echo \"arg=[$a]\"; done\necho end-of-argv\nexit \"${FAKE_EXIT:-0}\"\n";

// What kArgvHarness prints for `argv` (argv[0] is the executable).
std::string ArgvOutput(const std::vector<std::string>& argv) {
  std::string out = "cmd=" + argv.front() + "\n";
  for (size_t i = 1; i < argv.size(); ++i) {
    out += "arg=[" + argv[i] + "]\n";
  }
  return out + "end-of-argv\n";
}

std::string ErrorMessage(const HttpResult& r) {
  return Str(Field(Field(ParseJson(r.body), "error"), "message"));
}

class LaunchTest : public SessionTest {
 protected:
  void SetUp() override {
    for (const char* exe : {"codex", "claude", "gemini", "aider", "opencode", "hermes"}) {
      home_.AddScript(exe, kArgvHarness);
    }
    home_.AddScript("coven-demo", kArgvHarness);
    SessionTest::SetUp();
  }

  bool Ran(const std::string& exe) { return Exists(home_.bin_dir() + "/" + exe + ".ran"); }

  // Launches and returns the harness's printed argv once the session has finished.
  std::string LaunchedArgv(const std::string& harness, const std::string& prompt,
                           json::object extra = {}) {
    std::string id = LaunchId(harness, prompt, std::move(extra));
    if (id.empty()) {
      return "";
    }
    json::value rec = WaitFinished(id);
    EXPECT_EQ(Str(Field(rec, "status")), "completed") << json::serialize(rec);
    return WithoutHookOptions(Output(id));
  }

  // `coven args...` in the project folder, stdin on /dev/null and stdout a pipe.
  RunResult Cli(const std::vector<std::string>& args) {
    return home_.Coven(args, kHangGuard, project_.path());
  }

  // A tmux shell command running `coven args...` in the project with this home, then its rc.
  // The shell traps SIGINT (a caught signal is reset to default in its children), so a
  // Ctrl-C for coven does not also end the pane's shell.
  std::string InTerminal(const std::string& coven_args_and_redirects) {
    return "trap 'echo shell-got-int' INT; cd " + ShellQuote(project_.path()) +
           " && env COVEN_HOME=" + ShellQuote(home_.home()) +
           " PATH=" + ShellQuote(home_.env()["PATH"]) + " " + ShellQuote(CovenBin()) + " " +
           coven_args_and_redirects + "; echo \"rc=$?\"; exec env PS1='$ ' /bin/sh";
  }
};

// ---- a prompt is data ------------------------------------------------------------------

// Every built-in adapter in both modes, with prompts that are option names: the exact argv
// shows each prompt after "--" or inside one --flag= element, never as an option.
TEST_F(LaunchTest, EveryAdapterPassesThePromptAsData) {
  using V = std::vector<std::string>;
  struct Case {
    const char* harness;
    V interactive;      // with "P" standing for the prompt
    V non_interactive;  // empty: refused
  };
  const std::vector<Case> cases = {
      {"codex",
       {"codex", "--", "P"},
       {"codex", "exec", "--skip-git-repo-check", "--color", "never", "--", "P"}},
      {"claude", {"claude", "--", "P"}, {"claude", "--print", "--", "P"}},
      {"gemini", {"gemini", "--prompt-interactive=P"}, {"gemini", "--prompt=P"}},
      {"aider", {"aider", "--message=P"}, {"aider", "--message=P"}},
      {"opencode", {"opencode", "--prompt=P"}, {}},
      {"hermes", {"hermes", "chat", "--query=P"}, {}},
      {"demo", {"coven-demo", "--", "P"}, {"coven-demo", "--print", "--", "P"}},
  };
  auto with_prompt = [](V argv, const std::string& prompt) {
    for (std::string& a : argv) {
      if (a.ends_with("P")) {
        a = a.substr(0, a.size() - 1) + prompt;
      }
    }
    return argv;
  };
  for (const std::string prompt : {"--version", "--dangerously-skip-permissions"}) {
    for (const Case& c : cases) {
      SCOPED_TRACE(std::string(c.harness) + " " + prompt);
      EXPECT_EQ(LaunchedArgv(c.harness, prompt), ArgvOutput(with_prompt(c.interactive, prompt)));
      json::object headless{{"launchMode", "nonInteractive"}};
      if (!c.non_interactive.empty()) {
        EXPECT_EQ(LaunchedArgv(c.harness, prompt, headless),
                  ArgvOutput(with_prompt(c.non_interactive, prompt)));
        continue;
      }
      const std::string before = Get("/api/v1/sessions?all=true").body;
      HttpResult r = LaunchRaw(Body({{"projectRoot", json::value(root_)},
                                     {"harness", json::value(c.harness)},
                                     {"prompt", json::value(prompt)},
                                     {"launchMode", json::value("nonInteractive")}}));
      ExpectError(r, 400, "invalid_request");
      EXPECT_EQ(ErrorMessage(r), std::string("harness `") + c.harness +
                                     "` has no non-interactive mode (its adapter declares no "
                                     "nonInteractiveArgv); launch it interactively");
      EXPECT_EQ(Get("/api/v1/sessions?all=true").body, before);
    }
  }
}

// A user adapter whose prompt could be read as an option is refused at load, and a safe one
// runs with the prompt after "--" (and its declared non-interactive argv and model flag).
TEST_F(LaunchTest, ManifestPromptFormIsEnforced) {
  std::filesystem::create_directories(home_.file("adapters"));
  WriteFile(home_.file("adapters/unsafe.json"),
            R"({"id":"unsafe","executable":"codex","argv":["codex","{prompt}"],)"
            R"("installHint":"h"})");
  WriteFile(home_.file("adapters/safe.json"),
            R"({"id":"safe","executable":"claude","argv":["claude","--","{prompt}"],)"
            R"("nonInteractiveArgv":["claude","-p","--","{prompt}"],"modelFlag":"-m",)"
            R"("installHint":"h"})");
  home_.Coven({"daemon", "restart"});
  RunResult doctor = home_.Coven({"doctor"});
  EXPECT_NE(doctor.out.find("unsafe.json: `argv` puts \"{prompt}\" where it could be read as an "
                            "option"),
            std::string::npos)
      << doctor.out;
  HttpResult r = LaunchRaw(Body({{"projectRoot", json::value(root_)},
                                 {"harness", json::value("unsafe")},
                                 {"prompt", json::value("--version")}}));
  ExpectError(r, 400, "invalid_request");
  EXPECT_EQ(Get("/api/v1/sessions?all=true").body, "[]");
  EXPECT_FALSE(Ran("codex"));

  EXPECT_EQ(LaunchedArgv("safe", "--help"), ArgvOutput({"claude", "--", "--help"}));
  EXPECT_EQ(LaunchedArgv("safe", "--help",
                         json::object{{"launchMode", "nonInteractive"}, {"model", "m1"}}),
            ArgvOutput({"claude", "-p", "-m=m1", "--", "--help"}));
}

// ---- models and the launch policy --------------------------------------------------------

// model becomes the adapter's model flag, before the prompt part (after `exec`); the
// plugin's launchPolicy maps to Codex's own flags, one --add-dir per directory.
TEST_F(LaunchTest, ModelAndLaunchPolicyArgv) {
  EXPECT_EQ(LaunchedArgv("codex", "fix it", json::object{{"model", "gpt-5.1-codex"}}),
            ArgvOutput({"codex", "--model=gpt-5.1-codex", "--", "fix it"}));
  EXPECT_EQ(LaunchedArgv("claude", "fix it",
                         json::object{{"model", "sonnet"}, {"launchMode", "nonInteractive"}}),
            ArgvOutput({"claude", "--print", "--model=sonnet", "--", "fix it"}));
  TempDir extra;
  std::string extra_dir = Canonical(extra.path());
  json::object policy{
      {"approval", "never"}, {"sandbox", "workspace-write"}, {"addDirs", json::array{extra_dir}}};
  EXPECT_EQ(LaunchedArgv("codex", "--help",
                         json::object{{"launchMode", "nonInteractive"},
                                      {"model", "o3"},
                                      {"launchPolicy", policy},
                                      {"harnessArgs", json::array{"--json"}}}),
            ArgvOutput({"codex", "exec", "--skip-git-repo-check", "--color", "never", "--model=o3",
                        "--config=approval_policy=\"never\"", "--sandbox=workspace-write",
                        "--add-dir=" + extra_dir, "--json", "--", "--help"}));
  policy.erase("addDirs");
  EXPECT_EQ(
      LaunchedArgv("codex", "go",
                   json::object{{"launchMode", "nonInteractive"}, {"launchPolicy", policy}}),
      ArgvOutput({"codex", "exec", "--skip-git-repo-check", "--color", "never",
                  "--config=approval_policy=\"never\"", "--sandbox=workspace-write", "--", "go"}));
}

// ---- refuse, never drop --------------------------------------------------------------------

// Every refused field: 400 invalid_request, a message naming the field (and details.field),
// no row, no session folder, no harness started.
TEST_F(LaunchTest, RefusedFieldsCreateNothing) {
  json::object policy{{"approval", "never"}, {"sandbox", "workspace-write"}};
  auto policy_with = [&](const char* key, json::value v) {
    json::object p = policy;
    p[key] = std::move(v);
    return json::value(p);
  };
  struct Case {
    const char* field;
    const char* harness;
    json::object extra;
    const char* message;
  };
  const std::vector<Case> cases = {
      {"executionBinding",
       "codex",
       {{"executionBinding", json::object{{"kind", "local"}}}},
       "`executionBinding` is not supported by this Coven daemon; leave it out "
       "(health.capabilities lists what is supported)"},
      {"familiarId", "codex", {{"familiarId", "f1"}}, "`familiarId` is not supported"},
      {"callerFamiliarId",
       "codex",
       {{"callerFamiliarId", "f2"}},
       "`callerFamiliarId` is not supported"},
      {"launchMode",
       "codex",
       {{"launchMode", "stream"}},
       "`launchMode` `stream` is not supported; accepted values: interactive, nonInteractive"},
      {"launchMode",
       "codex",
       {{"launchMode", "headless"}},
       "`launchMode` `headless` is not supported; accepted values: interactive, nonInteractive"},
      {"launchMode",
       "codex",
       {{"launchMode", 1}},
       "`launchMode` a non-string value is not supported; accepted values: interactive, "
       "nonInteractive"},
      {"model", "codex", {{"model", 5}}, "`model` must be a string"},
      {"model",
       "hermes",
       {{"model", "m"}},
       "harness `hermes` does not take a model (its adapter declares no modelFlag); leave "
       "`model` out"},
      {"model", "codex", {{"model", "a b"}}, "`model` must not contain spaces or control"},
      {"launchPolicy",
       "codex",
       {{"launchMode", "nonInteractive"}, {"launchPolicy", "never"}},
       "`launchPolicy` must be an object"},
      {"launchPolicy.approval",
       "codex",
       {{"launchMode", "nonInteractive"}, {"launchPolicy", policy_with("approval", "on-request")}},
       "`launchPolicy.approval` must be \"never\" (the only policy Coven supports)"},
      {"launchPolicy.sandbox",
       "codex",
       {{"launchMode", "nonInteractive"},
        {"launchPolicy", policy_with("sandbox", "danger-full-access")}},
       "`launchPolicy.sandbox` must be \"workspace-write\""},
      {"launchPolicy.network",
       "codex",
       {{"launchMode", "nonInteractive"}, {"launchPolicy", policy_with("network", true)}},
       "`launchPolicy.network` is not supported; leave it out"},
      {"launchPolicy.addDirs",
       "codex",
       {{"launchMode", "nonInteractive"}, {"launchPolicy", policy_with("addDirs", "/tmp")}},
       "`launchPolicy.addDirs` must be an array of strings"},
      {"launchPolicy.addDirs",
       "codex",
       {{"launchMode", "nonInteractive"},
        {"launchPolicy", policy_with("addDirs", json::array{"relative"})}},
       "`launchPolicy.addDirs[0]` `relative` must be an absolute path to an existing directory"},
      {"launchPolicy.addDirs",
       "codex",
       {{"launchMode", "nonInteractive"},
        {"launchPolicy", policy_with("addDirs", json::array{"/no/such/dir"})}},
       "`launchPolicy.addDirs[0]` `/no/such/dir` must be an absolute path to an existing"},
      {"launchPolicy",
       "codex",
       {{"launchPolicy", policy}},
       "`launchPolicy` is supported only for non-interactive codex launches, not for harness "
       "`codex` in interactive mode"},
      {"launchPolicy",
       "claude",
       {{"launchMode", "nonInteractive"}, {"launchPolicy", policy}},
       "`launchPolicy` is supported only for non-interactive codex launches, not for harness "
       "`claude` in non-interactive mode"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(std::string(c.field) + ": " + json::serialize(c.extra));
    json::object body = c.extra;
    body["projectRoot"] = root_;
    body["harness"] = c.harness;
    body["prompt"] = "hi";
    HttpResult r = LaunchRaw(json::serialize(body));
    ExpectError(r, 400, "invalid_request");
    EXPECT_EQ(ErrorMessage(r).rfind(c.message, 0), 0U) << r.body;
    EXPECT_NE(ErrorMessage(r).find(std::string("`") + c.field), std::string::npos) << r.body;
  }
  EXPECT_EQ(Get("/api/v1/sessions?all=true").body, "[]");
  EXPECT_TRUE(SessionFolders(home_).empty());
  for (const char* exe : {"codex", "claude", "hermes"}) {
    EXPECT_FALSE(Ran(exe)) << exe;
  }
  // Null is the same as leaving a field out.
  EXPECT_EQ(LaunchedArgv("codex", "ok",
                         json::object{{"executionBinding", nullptr},
                                      {"launchMode", nullptr},
                                      {"model", nullptr},
                                      {"launchPolicy", nullptr}}),
            ArgvOutput({"codex", "--", "ok"}));
}

// health.capabilities advertises what the launch body supports (additive flags).
TEST_F(LaunchTest, HealthAdvertisesLaunchCapabilities) {
  json::value caps = Field(ParseJson(Get("/api/v1/health").body), "capabilities");
  for (const char* flag : {"promptIsData", "sessionLaunchMode", "sessionLaunchPolicy",
                           "sessionModel", "harnessArgs", "sessions", "structuredErrors"}) {
    EXPECT_EQ(Field(caps, flag), json::value(true)) << flag;
  }
  EXPECT_TRUE(Field(caps, "executionBinding").is_null());
}

// ---- coven run: headless and interactive ----------------------------------------------

// `coven run codex "x" </dev/null | cat`: the non-interactive argv, the harness's output on
// stdout exactly, the [coven session ...] line on stderr, and the harness's exit code.
TEST_F(LaunchTest, HeadlessRunStreamsOutputAndExitCode) {
  RunResult ok = Cli({"run", "codex", "--", "--version"});
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
  EXPECT_EQ(ok.out, ArgvOutput({"codex", "exec", "--skip-git-repo-check", "--color", "never", "--",
                                "--version"}));
  EXPECT_EQ(ok.err, "[coven session completed exitCode=0]\n");

  // The harness's own exit code, through a real pipe.
  home_.AddScript("codex",
                  "#!/bin/sh\nstty -opost\nprintf 'line one\\n\\033[1mbold\\033[0m\\n'\n"
                  "echo \"args:$*\"\nexit 3\n");
  RunResult piped = testing::Run({"bash", "-c",
                                  "set -o pipefail; cd " + ShellQuote(project_.path()) + " && " +
                                      ShellQuote(CovenBin()) + " run codex \"x\" </dev/null | cat"},
                                 home_.env(), kHangGuard);
  EXPECT_EQ(piped.exit_code, 3) << piped.err;
  EXPECT_EQ(piped.out,
            "line one\n\033[1mbold\033[0m\nargs:exec --skip-git-repo-check --color "
            "never -- x\n");
  EXPECT_EQ(piped.err, "[coven session failed exitCode=3]\n");
  EXPECT_EQ(ParseJson(Get("/api/v1/sessions").body).as_array().size(), 2U);
}

// --model reaches the harness; --interactive forces the interactive argv without a
// terminal; --headless and --interactive together are refused.
TEST_F(LaunchTest, RunFlagsForceTheMode) {
  RunResult model = Cli({"run", "claude", "--model", "opus", "--", "--help"});
  EXPECT_EQ(model.exit_code, 0) << model.err;
  EXPECT_EQ(model.out, ArgvOutput({"claude", "--print", "--model=opus", "--", "--help"}));
  RunResult interactive = Cli({"run", "codex", "--interactive", "hi"});
  EXPECT_EQ(interactive.exit_code, 0) << interactive.err;
  EXPECT_NE(WithoutHookOptions(interactive.out).find(ArgvOutput({"codex", "--", "hi"})),
            std::string::npos)
      << interactive.out;
  RunResult both = Cli({"run", "codex", "--interactive", "--headless", "hi"});
  EXPECT_NE(both.exit_code, 0);
  EXPECT_NE(both.err.find("excludes"), std::string::npos) << both.err;
  RunResult refused = Cli({"run", "hermes", "--interactive", "--model", "m", "hi"});
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_NE(refused.err.find("harness `hermes` does not take a model"), std::string::npos)
      << refused.err;
  RunResult no_headless = Cli({"run", "opencode", "hi"});
  EXPECT_EQ(no_headless.exit_code, 1);
  EXPECT_NE(no_headless.err.find("harness `opencode` has no non-interactive mode"),
            std::string::npos)
      << no_headless.err;
}

// In a terminal `coven run codex x` stays interactive (codex -- x); with stdout piped, or
// with --headless, it runs `codex exec ...`.
TEST_F(LaunchTest, TerminalRunStaysInteractive) {
  home_.AddScript("codex",
                  // Skips Coven's activity hook option (-c notify=..., attention.md).
                  "#!/bin/sh\nif [ \"$1\" = -c ]; then shift 2; fi\necho \"args:$*\"\n"
                  "if [ \"$1\" = exec ]; then exit 0; fi\n"
                  "read -r line\necho \"got:$line\"\n");
  Tmux tmux;
  ASSERT_TRUE(tmux.Start(InTerminal("run codex x")));
  ASSERT_TRUE(tmux.WaitScreen("args:-- x"));
  tmux.Line("hello");
  EXPECT_TRUE(tmux.WaitScreen("got:hello"));
  EXPECT_TRUE(tmux.WaitScreen("rc=0"));

  Tmux piped;
  ASSERT_TRUE(piped.Start(InTerminal("run codex x | cat")));
  EXPECT_TRUE(piped.WaitScreen("args:exec --skip-git-repo-check --color never -- x"));
  EXPECT_TRUE(piped.WaitScreen("rc=0"));

  Tmux forced;
  ASSERT_TRUE(forced.Start(InTerminal("run codex --headless x")));
  EXPECT_TRUE(forced.WaitScreen("args:exec --skip-git-repo-check --color never -- x"));
  EXPECT_TRUE(forced.WaitScreen("[coven session completed exitCode=0]"));
}

// Ctrl-C in a headless run (the harness has no terminal of ours) kills the session.
TEST_F(LaunchTest, HeadlessCtrlCKillsTheSession) {
  home_.AddScript("codex", "#!/bin/sh\necho started\nexec sleep 600\n");
  Tmux tmux;
  ASSERT_TRUE(tmux.Start(InTerminal("run codex x | cat")));
  ASSERT_TRUE(tmux.WaitScreen("started"));
  std::string id = Str(Field(ParseJson(Get("/api/v1/sessions").body).as_array().at(0), "id"));
  pid_t harness = HarnessPid(id);
  ASSERT_GT(harness, 0);
  tmux.Key("C-c");
  json::value rec = WaitFinished(id);
  EXPECT_EQ(Str(Field(rec, "status")), "killed");
  EXPECT_TRUE(WaitFor([&] { return !ProcessAlive(harness); }, kHangGuard));
  EXPECT_TRUE(tmux.WaitScreen("[coven session killed"));
}

}  // namespace
}  // namespace coven::testing::sess
