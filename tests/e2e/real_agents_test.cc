// End-to-end with the real agent CLIs (issue 10): the pinned `codex` and `claude` that
// scripts/install_agents.sh installs into .cache/agents from the npm registry. Without an
// account they start and draw their sign-in screens, and their one-shot forms fail fast
// with their own errors, which is all these tests need: a prompt such as `--version` must
// reach each agent as a prompt (never print the version or help), in both launch modes,
// and Coven must report a non-interactive run's own exit and output.
//
// The agents run with a private HOME (no user config or login), and Codex's API base URL
// points at a loopback stub that answers 401 to everything (so `codex exec` fails at once
// instead of waiting for a network this machine does not have). When the agents are not
// installed the tests skip, unless COVEN_REQUIRE_REAL_AGENTS=1 (scripts/test.sh), where
// they fail.
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "e2e/screen_helpers.h"
#include "e2e/session_helpers.h"
#include "e2e/tmux_helpers.h"
#include "support/testing.h"

namespace coven::testing::sess {
namespace {

constexpr milliseconds kAgentDeadline(120'000);

std::string AgentsBin() {
  return std::string(COVEN_SOURCE_DIR) + "/.cache/agents/bin";
}

bool RealAgentsRequired() {
  const char* v = std::getenv("COVEN_REQUIRE_REAL_AGENTS");  // NOLINT(concurrency-mt-unsafe)
  return v != nullptr && std::string(v) == "1";
}

// A loopback HTTP server that answers every request with 401 and a JSON error, one
// connection at a time, until destroyed.
class Unauthorized401Stub {
 public:
  Unauthorized401Stub() {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof(addr);
    auto* sa =
        reinterpret_cast<sockaddr*>(&addr);  // NOLINT(cppcoreguidelines-pro-type-reinterpret-cast)
    if (fd_ < 0 || ::bind(fd_, sa, len) != 0 || ::listen(fd_, 16) != 0 ||
        ::getsockname(fd_, sa, &len) != 0) {
      return;
    }
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { Serve(); });
  }
  ~Unauthorized401Stub() {
    stop_ = true;
    if (thread_.joinable()) {
      thread_.join();
    }
    if (fd_ >= 0) {
      ::close(fd_);
    }
  }
  Unauthorized401Stub(const Unauthorized401Stub&) = delete;
  Unauthorized401Stub& operator=(const Unauthorized401Stub&) = delete;
  Unauthorized401Stub(Unauthorized401Stub&&) = delete;
  Unauthorized401Stub& operator=(Unauthorized401Stub&&) = delete;

  int port() const { return port_; }

 private:
  void Serve() {
    while (!stop_) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 100) <= 0) {
        continue;
      }
      int conn = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (conn < 0) {
        continue;
      }
      Answer(conn);
      ::close(conn);
    }
  }

  // Reads the request head (with a deadline) and answers 401.
  static void Answer(int conn) {
    std::string head;
    char buf[4096];
    for (int i = 0; i < 50 && head.find("\r\n\r\n") == std::string::npos; ++i) {
      pollfd p{conn, POLLIN, 0};
      if (::poll(&p, 1, 100) <= 0) {
        continue;
      }
      ssize_t n = ::read(conn, buf, sizeof(buf));
      if (n <= 0) {
        return;
      }
      head.append(buf, static_cast<size_t>(n));
    }
    const std::string body =
        R"({"error":{"message":"coven test stub: no account","type":"invalid_request_error",)"
        R"("code":"invalid_api_key"}})";
    const std::string reply =
        "HTTP/1.1 401 Unauthorized\r\nContent-Type: application/json\r\nContent-Length: " +
        std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
    (void)!::write(conn, reply.data(), reply.size());
  }

  int fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

// The text of a TUI's output with each escape sequence replaced by a space: TUIs move the
// cursor between words ("Welcome\x1b[9Gto"), so phrases are found in this form.
std::string PlainText(const std::string& out) {
  std::string text;
  for (size_t i = 0; i < out.size(); ++i) {
    if (out[i] != '\x1b') {
      text += out[i];
      continue;
    }
    if (i + 1 < out.size() && out[i + 1] == '[') {
      i += 2;
      while (i < out.size() && (out[i] < 0x40 || out[i] > 0x7e)) {
        ++i;
      }
    } else {
      ++i;  // a two-byte sequence such as ESC 7
    }
    text += ' ';
  }
  return text;
}

struct Agent {
  const char* harness;
  const char* screen;   // a word of its first interactive screen (sign-in or welcome)
  const char* version;  // what `--version` prints
  const char* help;     // what `--help` prints
  const char* failure;  // its own error when a one-shot run has no account
};
const std::vector<Agent>& Agents() {
  static const std::vector<Agent> agents = {
      {"codex", "Sign in", "codex-cli", "Usage: codex", "401 Unauthorized"},
      {"claude", "Welcome to Claude Code", "2.1.332 (Claude Code)", "Usage: claude",
       "Not logged in"},
  };
  return agents;
}
const std::vector<std::string> kOptionPrompts = {"--version", "--help",
                                                 "--dangerously-skip-permissions"};

class RealAgentTest : public SessionTest {
 protected:
  void SetUp() override {
    const std::string bin = AgentsBin();
    if (!Exists(bin + "/codex") || !Exists(bin + "/claude")) {
      if (RealAgentsRequired()) {
        FAIL() << "COVEN_REQUIRE_REAL_AGENTS=1 but the real agents are not in " << bin
               << "; run scripts/install_agents.sh";
      }
      GTEST_SKIP() << "real codex/claude not installed in " << bin
                   << " (scripts/install_agents.sh installs them)";
    }
    ASSERT_GT(stub_.port(), 0);
    const std::string codex_home = agent_home_.path() + "/.codex";
    std::filesystem::create_directories(codex_home);
    WriteFile(codex_home + "/config.toml",
              "openai_base_url = \"http://127.0.0.1:" + std::to_string(stub_.port()) + "/v1\"\n");
    home_.env()["PATH"] = home_.env()["PATH"] + ":" + bin;
    home_.env()["HOME"] = agent_home_.path();
    home_.env()["CODEX_HOME"] = codex_home;
    home_.env()["XDG_CONFIG_HOME"] = agent_home_.path() + "/.config";
    SessionTest::SetUp();
  }

  // Codex starts a managed app-server daemon of its own (installed under CODEX_HOME) that
  // leaves the session's process group, so killing the session does not end it. Only this
  // test's agent home holds that executable: end every process whose argv[0] lies there.
  void TearDown() override {
    SessionTest::TearDown();
    const std::string prefix = agent_home_.path() + "/";
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator("/proc", ec)) {
      const std::string name = entry.path().filename().string();
      if (name.find_first_not_of("0123456789") != std::string::npos) {
        continue;
      }
      std::string cmdline = ReadFileOrEmpty(entry.path().string() + "/cmdline");
      if (cmdline.rfind(prefix, 0) == 0) {
        ::kill(static_cast<pid_t>(std::stol(name)), SIGKILL);
      }
    }
  }

  std::string LaunchAgent(const std::string& harness, const std::string& prompt, const char* mode) {
    return LaunchId(harness, prompt,
                    json::object{{"launchMode", mode}, {"rows", 30}, {"cols", 100}});
  }

  Unauthorized401Stub stub_;
  TempDir agent_home_;
};

// Interactive: each agent draws its first screen for a prompt that is an option's name,
// and never prints its version or help. Codex waits at its sign-in screen (still running);
// Claude may end on its own connection check, with its own message, not with help.
TEST_F(RealAgentTest, InteractivePromptIsNotAnOption) {
  struct Launched {
    const Agent* agent;
    std::string prompt, id;
  };
  std::vector<Launched> launched;
  for (const Agent& a : Agents()) {
    for (const std::string& prompt : kOptionPrompts) {
      launched.push_back({&a, prompt, LaunchAgent(a.harness, prompt, "interactive")});
    }
  }
  for (const Launched& l : launched) {
    SCOPED_TRACE(std::string(l.agent->harness) + " " + l.prompt);
    ASSERT_FALSE(l.id.empty());
    std::string out;
    bool drawn = WaitFor(
        [&] {
          out = PlainText(Output(l.id));
          return out.find(l.agent->screen) != std::string::npos;
        },
        kAgentDeadline);
    ASSERT_TRUE(drawn) << "never drew [" << l.agent->screen << "]: " << out;
    EXPECT_EQ(out.find(l.agent->version), std::string::npos) << out;
    EXPECT_EQ(out.find(l.agent->help), std::string::npos) << out;
    json::value rec = Session(l.id);
    if (std::string(l.agent->harness) == "codex") {
      EXPECT_EQ(Str(Field(rec, "status")), "running") << out;
    } else if (Str(Field(rec, "status")) != "running") {
      EXPECT_NE(PlainText(Output(l.id)).find("Unable to connect to Anthropic services"),
                std::string::npos)
          << out;
    }
  }
  KillAllRunning();
}

// Given each real agent's start-up (its sign-in or welcome screen, drawn in a Coven session
// of 100x30), the screen model should show what tmux shows for the same bytes: the output
// up to /screen's seq is played byte for byte (no output processing) into a tmux pane of
// the same size, whose text and cursor must equal /screen's.
TEST_F(RealAgentTest, StartUpScreensMatchTmux) {
  for (const Agent& a : Agents()) {
    SCOPED_TRACE(a.harness);
    std::string id = LaunchAgent(a.harness, "hello", "interactive");
    ASSERT_FALSE(id.empty());
    ASSERT_TRUE(WaitFor([&] { return PlainText(Output(id)).find(a.screen) != std::string::npos; },
                        kAgentDeadline))
        << "never drew [" << a.screen << "]";
    std::this_thread::sleep_for(milliseconds(1500));  // let the first screen finish drawing
    HttpResult r = Get("/api/v1/sessions/" + id + "/screen?raw=true");
    ASSERT_EQ(r.status, 200) << r.body;
    json::value screen = ParseJson(r.body);
    int64_t seq = Field(screen, "seq").as_int64();
    std::string bytes;
    for (const json::object& e : AllEvents(id, /*raw=*/true)) {
      if (e.at("seq").to_number<int64_t>() <= seq && Kind(e) == "output") {
        bytes += Str(Field(Payload(e), "data"));
      }
    }
    ASSERT_GT(bytes.size(), 100u);
    // Claude may already have ended on its own connection check; KillAllRunning ends Codex.

    TempDir play;
    WriteFile(play.path() + "/bytes", bytes);
    // "go" is typed only once echo is off (`ready`): typed earlier, the pane echoes it and
    // everything played after it sits a line lower.
    WriteFile(play.path() + "/play.sh",
              "stty -opost -echo\n: > ready\nread -r _\ncat bytes\n: > played\n"
              "exec sleep 100000\n");
    Tmux tmux;
    ASSERT_TRUE(tmux.Start("cd " + ShellQuote(play.path()) + " && exec bash play.sh"));
    tmux.Cmd({"set", "-g", "status", "off"});
    tmux.Resize(100, 30);
    ASSERT_TRUE(WaitFor([&] { return Exists(play.path() + "/ready"); }, kHangGuard));
    tmux.Line("go");
    ASSERT_TRUE(WaitFor([&] { return Exists(play.path() + "/played"); }, kHangGuard));
    std::vector<std::string> want;
    std::vector<std::string> got = TrimEmptyTail(Lines(screen));
    bool same = WaitFor(
        [&] {
          want = TrimEmptyTail(tmux.Rows());
          return got == want && Cursor(screen) == TmuxCursor(tmux);
        },
        milliseconds(10'000));
    EXPECT_TRUE(same) << bytes.size() << " bytes; cursor " << Cursor(screen) << " vs tmux "
                      << TmuxCursor(tmux) << "\n"
                      << RowsDiff(got, want);
    EXPECT_NE(PlainText(bytes).find(a.screen), std::string::npos);
  }
  KillAllRunning();
}

// Non-interactive: `codex exec ... -- <prompt>` and `claude --print -- <prompt>` end on
// their own; Coven records the agent's exit code (1) and its own error as output, never
// its version or help.
TEST_F(RealAgentTest, NonInteractiveRunEndsWithTheAgentsExit) {
  struct Launched {
    const Agent* agent;
    std::string prompt, id;
  };
  std::vector<Launched> launched;
  for (const Agent& a : Agents()) {
    for (const std::string& prompt : kOptionPrompts) {
      launched.push_back({&a, prompt, LaunchAgent(a.harness, prompt, "nonInteractive")});
    }
  }
  for (const Launched& l : launched) {
    SCOPED_TRACE(std::string(l.agent->harness) + " " + l.prompt);
    ASSERT_FALSE(l.id.empty());
    json::value rec = WaitFinished(l.id, kAgentDeadline);
    std::string out = Output(l.id);
    EXPECT_EQ(Str(Field(rec, "status")), "failed") << out;
    EXPECT_EQ(Field(rec, "exit_code"), json::value(1)) << out;
    EXPECT_NE(out.find(l.agent->failure), std::string::npos) << out;
    EXPECT_EQ(out.find(l.agent->version), std::string::npos) << out;
    EXPECT_EQ(out.find(l.agent->help), std::string::npos) << out;
  }
}

// `coven run claude -- --help </dev/null | cat`: headless, the agent's own error on stdout,
// its exit code as coven's, the session line on stderr.
TEST_F(RealAgentTest, HeadlessCovenRunReportsTheAgentsExit) {
  RunResult r =
      testing::Run({"bash", "-c",
                    "set -o pipefail; cd " + ShellQuote(project_.path()) + " && " +
                        ShellQuote(CovenBin()) + " run claude -- --help </dev/null | cat"},
                   home_.env(), kAgentDeadline);
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("Not logged in"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("Usage: claude"), std::string::npos) << r.out;
  EXPECT_EQ(r.err, "[coven session failed exitCode=1]\n");
}

// Conversation resume (issue 10 item 4): each agent accepts the argv Coven builds. Without
// an account nothing can really be resumed, so what is checked is that each agent parses the
// id where Coven puts it and answers with its own error about that conversation, never a
// usage error: claude --print --session-id=<uuid> gets to its login check, claude --print
// --resume=<uuid> and codex exec ... resume <uuid> look the conversation up and do not find
// it (or, for claude, stop at its login check first); interactively claude
// --session-id=<uuid> draws its first screen.
TEST_F(RealAgentTest, ResumeArgvIsAccepted) {
  const std::string uuid = "8f0c2d4e-1b7a-4c3e-9d2f-5a6b7c8d9e0f";
  struct Case {
    const char* harness;
    const char* mode;
    const char* conversation;
    std::vector<const char*> expect;  // the agent's own words (one of them)
  };
  const std::vector<Case> cases = {
      {"claude", "nonInteractive", "init", {"Not logged in"}},
      // Claude checks the login or the conversation first, depending on its state.
      {"claude",
       "nonInteractive",
       "resume",
       {"No conversation found with session ID", "Not logged in"}},
      {"codex", "nonInteractive", "resume", {"no rollout found for thread id"}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(std::string(c.harness) + " " + c.conversation);
    std::string id =
        LaunchId(c.harness, "--help",
                 json::object{{"launchMode", c.mode},
                              {"conversation", {{"mode", c.conversation}, {"id", uuid}}}});
    ASSERT_FALSE(id.empty());
    json::value rec = WaitFinished(id, kAgentDeadline);
    std::string out = Output(id);
    EXPECT_EQ(Field(rec, "exit_code"), json::value(1)) << out;
    bool own_error = false;
    for (const char* words : c.expect) {
      own_error = own_error || out.find(words) != std::string::npos;
    }
    EXPECT_TRUE(own_error) << out;
    EXPECT_EQ(Str(Field(rec, "conversation_id")), uuid);
    for (const char* usage :
         {"Usage:", "unknown option", "unexpected argument", "Invalid session"}) {
      EXPECT_EQ(out.find(usage), std::string::npos) << usage << ": " << out;
    }
  }
  // A new id (the daemon picks it): the one-shot init above registered `uuid` with claude,
  // which would answer "already in use".
  std::string id =
      LaunchId("claude", "--version",
               json::object{{"rows", 30}, {"cols", 100}, {"conversation", {{"mode", "init"}}}});
  std::string out;
  bool drawn = WaitFor(
      [&] {
        out = PlainText(Output(id));
        return out.find("Welcome to Claude Code") != std::string::npos;
      },
      kAgentDeadline);
  EXPECT_TRUE(drawn) << out;
  EXPECT_EQ(out.find("Invalid session"), std::string::npos) << out;
  EXPECT_EQ(out.find("already in use"), std::string::npos) << out;
}

// The argv of `pid` (NUL-separated in /proc), one element each.
std::vector<std::string> ProcessArgv(pid_t pid) {
  std::string raw = ReadFileOrEmpty("/proc/" + std::to_string(pid) + "/cmdline");
  std::vector<std::string> out;
  for (size_t pos = 0; pos < raw.size();) {
    size_t end = raw.find('\0', pos);
    end = end == std::string::npos ? raw.size() : end;
    out.push_back(raw.substr(pos, end - pos));
    pos = end + 1;
  }
  return out;
}

// Attention (issue 12): the real agents start under Coven with the activity hooks added
// (Claude: a --settings JSON whose hooks run `coven __hook`; Codex: -c notify=[...] chained
// to the user's own notify) and their own settings untouched: the user's files are not
// rewritten, and both still draw their first screen.
TEST_F(RealAgentTest, AgentsStartWithActivityHooks) {
  const std::string claude_settings = agent_home_.path() + "/.claude/settings.json";
  std::filesystem::create_directories(agent_home_.path() + "/.claude");
  const std::string user_claude =
      R"({"hooks":{"Stop":[{"hooks":[{"type":"command","command":"true"}]}]}})";
  WriteFile(claude_settings, user_claude);
  const std::string codex_config = agent_home_.path() + "/.codex/config.toml";
  const std::string user_codex =
      ReadFileOrEmpty(codex_config) + "notify = [\"/bin/true\", \"user-notify\"]\n";
  WriteFile(codex_config, user_codex);
  for (const Agent& a : Agents()) {
    SCOPED_TRACE(a.harness);
    std::string id = LaunchAgent(a.harness, "hello", "interactive");
    ASSERT_FALSE(id.empty());
    std::string out;
    ASSERT_TRUE(WaitFor(
        [&] {
          out = PlainText(Output(id));
          return out.find(a.screen) != std::string::npos;
        },
        kAgentDeadline))
        << out;
    std::vector<std::string> argv = ProcessArgv(HarnessPid(id));
    std::string joined;
    for (const std::string& arg : argv) {
      joined += arg + "\n";
    }
    if (std::string(a.harness) == "claude") {
      auto it = std::find(argv.begin(), argv.end(), "--settings");
      ASSERT_NE(it, argv.end()) << joined;
      ASSERT_NE(it + 1, argv.end());
      json::value settings = ParseJson(*(it + 1));
      std::string stop = Str(Field(Field(Field(settings, "hooks"), "Stop").as_array()[0], "hooks")
                                 .as_array()[0]
                                 .at("command"));
      EXPECT_NE(stop.find("__hook"), std::string::npos) << stop;
      EXPECT_NE(stop.find(id), std::string::npos) << stop;
      EXPECT_EQ(ReadFileOrEmpty(claude_settings), user_claude);
    } else {
      auto it = std::find(argv.begin(), argv.end(), "-c");
      ASSERT_NE(it, argv.end()) << joined;
      ASSERT_NE(it + 1, argv.end());
      EXPECT_EQ(*(it + 1), "notify=[\"" + CovenBin() + "\",\"__hook\",\"" + id +
                               "\",\"codex\",\"--\",\"/bin/true\",\"user-notify\"]")
          << joined;
      // Codex may append its own notes (a [tui] table); the user's lines stay as written.
      EXPECT_TRUE(ReadFileOrEmpty(codex_config).starts_with(user_codex))
          << ReadFileOrEmpty(codex_config);
    }
    json::value activity = Field(Session(id), "activity");
    EXPECT_TRUE(activity.is_object()) << json::serialize(activity);
  }
  KillAllRunning();
}

}  // namespace
}  // namespace coven::testing::sess
