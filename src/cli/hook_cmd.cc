// `coven __hook <session-id> <kind> ...` (hidden): what a harness runs on its own events
// (harness/activity_hooks.h, docs/attention.md). It turns the harness's event document
// into an activity report and posts it to the daemon with the session's token, then, for
// Codex, runs the user's own notify program (chained, not replaced).
//
// It must never get in the harness's way: it prints nothing on stdout (Claude Code adds a
// UserPromptSubmit hook's stdout to the prompt), never starts a daemon, gives up after a
// short timeout, and always exits 0.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "client/daemon_client.h"
#include "client/sessions.h"
#include "core/home.h"
#include "harness/activity_hooks.h"
#include "pty/process_spawn.h"
#include "pty/pty.h"

namespace coven::cli {
namespace {

// Claude Code's hook documents are small; this bounds a runaway one.
constexpr size_t kMaxStdinBytes = 1u << 20;
constexpr std::chrono::milliseconds kDaemonTimeout{3000};

std::string ReadStdin() {
  std::string out;
  char buf[8192];
  while (out.size() < kMaxStdinBytes) {
    ssize_t n = ::read(STDIN_FILENO, buf, sizeof(buf));
    if (n <= 0) {
      break;  // EOF, or an error: what we have is all we get
    }
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

std::string EnvOr(std::string_view name) {
  // NOLINTNEXTLINE(concurrency-mt-unsafe): single-threaded process
  const char* v = std::getenv(std::string(name).c_str());
  return v != nullptr ? std::string(v) : std::string();
}

void Report(const std::string& id, const harness::HookReport& report) {
  std::string token = EnvOr(harness::kHookTokenEnv);
  auto home = core::ResolveCovenHome();
  if (token.empty() || !home) {
    return;  // not started by Coven (or its home is gone): nothing to tell
  }
  client::DaemonClient daemon(core::HomePaths(*home).socket, kDaemonTimeout);
  if (core::Status s = client::ReportActivity(daemon, id, token, report.state, report.detail); !s) {
    std::fprintf(stderr, "coven __hook: %s\n", s.error().message.c_str());
  }
}

// Codex: `coven __hook ID codex [-- <user notify argv...>] <json>`.
void RunCodex(const std::string& id, const std::vector<std::string>& rest) {
  if (rest.empty()) {
    return;
  }
  const std::string& doc = rest.back();
  if (auto report = harness::CodexNotifyReport(doc)) {
    Report(id, *report);
  }
  if (rest.size() >= 3 && rest.front() == "--") {
    pty::ProcessOptions chained;
    chained.argv.assign(rest.begin() + 1, rest.end());  // the user's argv, then the JSON
    auto resolved = pty::ResolveExecutable(chained.argv[0], EnvOr("PATH"));
    if (resolved) {
      chained.argv[0] = *resolved;
    }
    if (auto pid = pty::SpawnProcess(chained); !pid) {
      std::fprintf(stderr, "coven __hook: the chained notify program: %s\n",
                   pid.error().message.c_str());
    }
  }
}

}  // namespace

int HookMain(const std::vector<std::string>& args) {
  if (args.size() < 2) {
    std::fprintf(stderr, "usage: coven __hook <session-id> claude|codex ... (internal)\n");
    return 0;
  }
  const std::string& id = args[0];
  const std::string& kind = args[1];
  if (kind == "claude") {
    if (auto report = harness::ClaudeHookReport(ReadStdin())) {
      Report(id, *report);
    }
  } else if (kind == "codex") {
    RunCodex(id, std::vector<std::string>(args.begin() + 2, args.end()));
  }
  return 0;
}

}  // namespace coven::cli
