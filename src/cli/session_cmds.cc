// Session commands: run, attach, logs, kill, sessions, archive, summon, sacrifice.
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <CLI/CLI.hpp>
#include <boost/json.hpp>

#include "cli/commands.h"
#include "cli/output.h"
#include "cli/session_client.h"
#include "client/attach_client.h"
#include "client/launch_body.h"
#include "core/strings.h"
#include "tui/terminal.h"

namespace coven::cli {
namespace json = boost::json;
using core::Error;
using core::ErrorCode;

namespace {

// Unqualified: `client` is also the usual name of a local DaemonClient.
using client::LaunchBodyJson;
using client::LaunchInput;
using client::LaunchMode;

std::string ShortId(const std::string& id) {
  return id.substr(0, 8);
}

std::string ExitLine(const std::string& status, std::optional<int64_t> code) {
  std::string line = "[coven session " + core::TerminalSafe(status);
  if (code) {
    line += " exitCode=" + std::to_string(*code);
  }
  return line + "]";
}

// Attaches the terminal (or a pipe) to a session until it ends or the user detaches.
// Returns 0 when the session completed (or the user detached), 1 when it ended otherwise,
// and -1 (after printing the error) when attaching failed.
int AttachAndReport(Context& ctx, const core::HomePaths& paths, const std::string& id,
                    bool forward_input) {
  // Keys are forwarded whenever stdin is a terminal (even with stdout piped to a file).
  bool interactive = forward_input && tui::IsTerminal(0);
  client::AttachOptions opts;
  opts.socket_path = paths.socket;
  opts.session_id = id;
  opts.in_fd = interactive ? 0 : -1;
  opts.window_size = [] { return tui::WindowSize(1); };
  core::Result<client::AttachOutcome> outcome = Error(ErrorCode::kInternal, "not attached");
  {
    tui::TerminalModeGuard raw(interactive ? 0 : -1);
    outcome = client::Attach(opts);
  }
  if (!outcome) {
    ctx.Fail(outcome.error());
    return -1;
  }
  if (outcome->detached) {
    std::printf("\r\n[detached; the session keeps running. Rejoin with: coven attach %s]\n",
                core::TerminalSafe(ShortId(id)).c_str());
    return 0;
  }
  std::printf("\n%s\n", ExitLine(outcome->status, outcome->exit_code).c_str());
  return outcome->status == "completed" ? 0 : 1;
}

// While a headless run streams its session, SIGINT, SIGTERM and SIGHUP kill the session
// (the harness sees no terminal, so Ctrl-C must reach it through the daemon). The signals
// are blocked in every thread and taken by sigwait on a thread of our own, so the request
// is an ordinary blocking call. Restores the signal mask on destruction.
class KillOnSignal {
 public:
  KillOnSignal(const client::DaemonClient& client, std::string id) {
    sigemptyset(&set_);
    for (int sig : {SIGINT, SIGTERM, SIGHUP, kWake}) {
      sigaddset(&set_, sig);
    }
    pthread_sigmask(SIG_BLOCK, &set_, &saved_);
    thread_ = std::thread([this, client, id = std::move(id)] {
      int sig = 0;
      if (sigwait(&set_, &sig) != 0 || sig == kWake) {
        return;
      }
      signal_ = sig;
      (void)client.Post("/api/v1/sessions/" + id + "/kill", "");
    });
  }
  ~KillOnSignal() {
    if (signal_ == 0) {
      pthread_kill(thread_.native_handle(), kWake);
    }
    thread_.join();
    // A signal that came after the kill stays pending; drop it rather than die on unblock.
    timespec zero{};
    while (sigtimedwait(&set_, nullptr, &zero) > 0) {
    }
    pthread_sigmask(SIG_SETMASK, &saved_, nullptr);
  }
  KillOnSignal(const KillOnSignal&) = delete;
  KillOnSignal& operator=(const KillOnSignal&) = delete;
  KillOnSignal(KillOnSignal&&) = delete;
  KillOnSignal& operator=(KillOnSignal&&) = delete;

  // The signal that killed the session, or 0.
  int signal() const { return signal_; }

 private:
  static constexpr int kWake = SIGUSR2;
  sigset_t set_{};
  sigset_t saved_{};
  std::atomic<int> signal_{0};
  std::thread thread_;
};

// The process exit code of a headless run: the harness's own code when it has one (as a
// shell would report it), 128+signal when our signal killed it, else 1.
int HeadlessExitCode(const client::AttachOutcome& outcome, int killed_by) {
  if (outcome.exit_code && *outcome.exit_code >= 0 && *outcome.exit_code <= 255) {
    return static_cast<int>(*outcome.exit_code);
  }
  if (outcome.status == "completed") {
    return 0;
  }
  return killed_by != 0 ? 128 + killed_by : 1;
}

// A non-interactive run (SPEC 4.4): the session's output goes to stdout byte for byte as
// it comes (Coven adds nothing to it), the `[coven session ...]` line to stderr, and the
// exit code is the harness's. Returns -1 (after printing the error) when attaching failed.
int StreamHeadless(Context& ctx, const core::HomePaths& paths, const client::DaemonClient& c,
                   const std::string& id) {
  client::AttachOptions opts;
  opts.socket_path = paths.socket;
  opts.session_id = id;
  core::Result<client::AttachOutcome> outcome = Error(ErrorCode::kInternal, "not attached");
  int killed_by = 0;
  {
    KillOnSignal guard(c, id);
    outcome = client::Attach(opts);
    killed_by = guard.signal();
  }
  if (!outcome) {
    ctx.Fail(outcome.error());
    return -1;
  }
  std::fflush(stdout);
  std::fprintf(stderr, "%s\n", ExitLine(outcome->status, outcome->exit_code).c_str());
  return HeadlessExitCode(*outcome, killed_by);
}

struct OutputPage {
  std::string output;
  bool has_more = false;
};

// The output text of one /events page; advances `cursor` past every event in it.
core::Result<OutputPage> ParseOutputPage(const std::string& body, int64_t* cursor) {
  boost::system::error_code ec;
  json::value page = json::parse(body, ec);
  const json::value* events =
      ec || !page.is_object() ? nullptr : page.as_object().if_contains("events");
  if (events == nullptr || !events->is_array()) {
    return Error(ErrorCode::kInternal, "the daemon sent an events page that is not JSON");
  }
  OutputPage out;
  for (const json::value& e : events->as_array()) {
    if (!e.is_object()) {
      continue;
    }
    const json::object& o = e.as_object();
    if (const auto* seq = o.if_contains("seq"); seq && seq->is_int64()) {
      *cursor = seq->as_int64();
    }
    const auto* kind = o.if_contains("kind");
    const auto* payload = o.if_contains("payload_json");
    if (kind == nullptr || *kind != "output" || payload == nullptr || !payload->is_string()) {
      continue;
    }
    json::value p = json::parse(payload->as_string(), ec);
    if (!ec && p.is_object()) {
      if (const auto* data = p.as_object().if_contains("data"); data && data->is_string()) {
        out.output.append(data->as_string().data(), data->as_string().size());
      }
    }
  }
  const json::value* more = page.as_object().if_contains("hasMore");
  out.has_more = more != nullptr && more->is_bool() && more->as_bool();
  return out;
}

std::string JoinPrompt(const std::vector<std::string>& words) {
  std::string out;
  for (const std::string& w : words) {
    out += (out.empty() ? "" : " ") + w;
  }
  return std::string(core::Trim(out));
}

void SetupRun(CLI::App& sub, Context& ctx) {
  struct Args {
    std::string harness;
    std::vector<std::string> prompt;
    std::string cwd, title;
    std::vector<std::string> harness_args;
    std::string model;
    bool detach = false;
    bool headless = false;
    bool interactive = false;
  };
  static Args a;
  sub.add_option("harness", a.harness, "codex, claude, demo, ... (see `coven doctor`)")->required();
  sub.add_option("prompt", a.prompt, "the task (quote it, or put it after --)")->required();
  sub.add_option("--cwd", a.cwd, "working directory inside the project (default: here)");
  sub.add_option("--title", a.title, "a title for the session list");
  sub.add_flag("--detach,-d", a.detach, "start it and return at once (prints the id)");
  auto* headless = sub.add_flag("--headless", a.headless,
                                "run the harness non-interactively (codex exec, claude --print) "
                                "and stream its output to stdout; the default when stdin or "
                                "stdout is not a terminal (but not with --detach)");
  sub.add_flag("--interactive", a.interactive,
               "run the harness interactively even when stdin or stdout is not a terminal")
      ->excludes(headless);
  sub.add_option("--model", a.model, "the model the harness uses (its own model flag)")
      ->type_name("ID");
  sub.add_option("--harness-arg", a.harness_args,
                 "an extra argument for the harness, placed right before its prompt "
                 "(repeatable; codex, claude, gemini, aider, opencode, or adapters with "
                 "passThrough). Write values starting with - as --harness-arg=--model "
                 "--harness-arg=o3")
      ->type_name("VALUE")
      ->type_size(1)
      ->allow_extra_args(false)
      ->take_all();
  sub.footer(
      "The project root is the current directory. Interactive when stdin and stdout are both\n"
      "terminals: keys go to the harness (Ctrl-C too) and Ctrl-] detaches, leaving the\n"
      "session running. Otherwise headless: the harness's non-interactive form runs, its\n"
      "output streams to stdout, the [coven session ...] line goes to stderr, coven exits\n"
      "with the harness's exit code, and Ctrl-C kills the session. The prompt is always\n"
      "the harness's task, never its option (after -- here if it starts with -).\n\n"
      "Examples:\n"
      "  coven run codex \"fix the failing tests\"\n"
      "  coven run codex \"summarize the changes\" | tee log     # headless, codex exec\n"
      "  coven run claude --headless --model sonnet \"list the TODOs\"\n"
      "  coven run claude --title review -- explain this repo in 5 bullets\n"
      "  coven run codex -- --help        # Codex gets the task \"--help\"\n"
      "  coven run codex --harness-arg=--model --harness-arg=o3 \"fix the failing tests\"\n"
      "  coven run demo hello --detach");
  sub.callback([&ctx] {
    auto home = ctx.Home();
    if (!home) {
      return;
    }
    std::string prompt = JoinPrompt(a.prompt);
    if (prompt.empty()) {
      ctx.Fail(Error(ErrorCode::kInvalidRequest, "prompt must not be empty"));
      return;
    }
    std::error_code ec;
    std::string root = std::filesystem::canonical(std::filesystem::current_path(ec), ec).string();
    auto client = EnsureDaemon(*home);
    if (!client) {
      ctx.Fail(client.error());
      return;
    }
    LaunchInput input;
    input.project_root = root;
    if (!a.cwd.empty()) {
      input.cwd = a.cwd;
    }
    input.harness = a.harness;
    input.prompt = prompt;
    input.title = a.title.empty() ? prompt.substr(0, 48) : std::string(core::Trim(a.title));
    input.harness_args = a.harness_args;
    if (!a.model.empty()) {
      input.model = a.model;
    }
    // SPEC 4.4: interactive only when stdin and stdout are both terminals. A detached
    // session is for attaching later, not for this terminal: interactive unless --headless.
    bool terminal = a.detach || (tui::IsTerminal(0) && tui::IsTerminal(1));
    bool interactive = a.interactive || (!a.headless && terminal);
    input.mode = interactive ? LaunchMode::kInteractive : LaunchMode::kNonInteractive;
    input.size = tui::WindowSize(1);
    auto body = Call(*client, "POST", "/api/v1/sessions", LaunchBodyJson(input));
    if (!body) {
      ctx.Fail(body.error());
      return;
    }
    auto session = ParseSession(*body);
    if (!session) {
      ctx.Fail(session.error());
      return;
    }
    if (a.detach) {
      std::printf("%s\n", session->id.c_str());
      std::fprintf(stderr, "Started %s session %s. Rejoin with: coven attach %s\n",
                   core::TerminalSafe(session->harness).c_str(),
                   core::TerminalSafe(ShortId(session->id)).c_str(),
                   core::TerminalSafe(ShortId(session->id)).c_str());
      return;
    }
    int code = interactive ? AttachAndReport(ctx, *home, session->id, true)
                           : StreamHeadless(ctx, *home, *client, session->id);
    ctx.exit_code = code < 0 ? 1 : code;
  });
}

void SetupAttach(CLI::App& sub, Context& ctx, bool summon) {
  static std::string id_attach;
  static std::string id_summon;
  std::string& id = summon ? id_summon : id_attach;
  sub.add_option("id", id, "session id or a unique prefix of it")->required();
  sub.footer(summon ? "Example:\n  coven summon 6f1c   # back from the archive, then attach"
                    : "Replays the session's output, then follows it live and forwards keys\n"
                      "while it runs (Ctrl-] detaches). A finished session is shown and "
                      "exits.\n\nExample:\n  coven attach 6f1c");
  sub.callback([&ctx, &id, summon] {
    auto target = OpenSession(ctx, id);
    if (!target) {
      return;
    }
    auto* home = &target->home;
    auto* client = &target->client;
    auto* s = &target->session;
    if (summon && s->archived_at) {
      auto r = Call(*client, "POST", "/api/v1/sessions/" + s->id + "/summon");
      if (!r) {
        ctx.Fail(r.error());
        return;
      }
      std::fprintf(stderr, "summoned session from the archive\n");
    }
    std::fprintf(stderr, "attached to session status=%s harness=%s title=%s \n",
                 core::TerminalSafe(s->status).c_str(), core::TerminalSafe(s->harness).c_str(),
                 core::TerminalSafe(s->title).c_str());
    // Attach succeeds once the session's end has been shown, whatever its status
    // (SPEC 6.5); only a failure to attach is an error.
    int code = AttachAndReport(ctx, *home, s->id, s->status == "running");
    ctx.exit_code = code < 0 ? 1 : 0;
  });
}

void SetupLogs(CLI::App& sub, Context& ctx) {
  static std::string id;
  static bool follow = false;
  static bool raw = false;
  sub.add_option("id", id, "session id or a unique prefix of it")->required();
  sub.add_flag("--follow,-f", follow, "keep printing new output until the session ends");
  sub.add_flag("--raw", raw, "show secrets instead of [REDACTED:...] markers");
  sub.footer("Examples:\n  coven logs 6f1c\n  coven logs 6f1c --follow");
  sub.callback([&ctx] {
    auto target = OpenSession(ctx, id);
    if (!target) {
      return;
    }
    auto* home = &target->home;
    auto* client = &target->client;
    auto* s = &target->session;
    int64_t cursor = 0;
    for (;;) {
      std::string url = "/api/v1/events?sessionId=" + s->id +
                        "&limit=1000&afterSeq=" + std::to_string(cursor) + (raw ? "&raw=true" : "");
      auto body = Call(*client, "GET", url);
      if (!body) {
        ctx.Fail(body.error());
        return;
      }
      auto page = ParseOutputPage(*body, &cursor);
      if (!page) {
        ctx.Fail(page.error());
        return;
      }
      std::fwrite(page->output.data(), 1, page->output.size(), stdout);
      if (!page->has_more) {
        break;
      }
    }
    std::fflush(stdout);
    if (s->status != "running") {
      std::printf("\n%s\n", ExitLine(s->status, s->exit_code).c_str());
      return;
    }
    if (follow) {
      client::AttachOptions opts;
      opts.socket_path = home->socket;
      opts.session_id = s->id;
      opts.after_seq = cursor;
      auto outcome = client::Attach(opts);
      if (!outcome) {
        ctx.Fail(outcome.error());
        return;
      }
      if (!outcome->detached) {
        std::printf("\n%s\n", ExitLine(outcome->status, outcome->exit_code).c_str());
      }
    }
  });
}

void SetupSimpleRitual(CLI::App& sub, Context& ctx, const std::string& verb) {
  static std::map<std::string, std::string> ids;
  static bool yes = false;
  sub.add_option("id", ids[verb], "session id or a unique prefix of it")->required();
  if (verb == "sacrifice") {
    sub.add_flag("--yes", yes, "confirm: the session and its event log are deleted for good");
    sub.footer(
        "Refuses a running session (kill it first).\n\nExample:\n  coven sacrifice 6f1c --yes");
  } else if (verb == "archive") {
    sub.footer(
        "Refuses a running session. `coven sessions --all` still lists it.\n\n"
        "Example:\n  coven archive 6f1c");
  } else {
    sub.footer(
        "SIGHUP, then SIGTERM, then SIGKILL to the harness's whole process group.\n\n"
        "Example:\n  coven kill 6f1c");
  }
  sub.callback([&ctx, verb] {
    const std::string& id = ids[verb];
    if (verb == "sacrifice" && !yes) {
      ctx.Fail(
          Error(ErrorCode::kInvalidRequest, "sacrifice permanently deletes session `" + id +
                                                "` and its events; rerun with --yes to confirm"));
      return;
    }
    auto target = OpenSession(ctx, id);
    if (!target) {
      return;
    }
    auto* client = &target->client;
    auto* s = &target->session;
    auto r = Call(*client, "POST", "/api/v1/sessions/" + s->id + "/" + verb);
    if (!r) {
      ctx.Fail(r.error());
      return;
    }
    if (verb == "archive") {
      std::printf(
          "archived session\nSummon it later with `coven summon SESSION_ID` (replace "
          "SESSION_ID with one from `coven sessions --all`).\n");
    } else if (verb == "sacrifice") {
      std::printf("sacrificed session; its event log was permanently deleted\n");
    } else {
      std::printf("kill requested; the session's process group is being stopped\n");
    }
  });
}

}  // namespace

void SetupRunCommand(CLI::App& sub, Context& ctx) {
  SetupRun(sub, ctx);
}
void SetupAttachCommand(CLI::App& sub, Context& ctx) {
  SetupAttach(sub, ctx, false);
}
void SetupSummonCommand(CLI::App& sub, Context& ctx) {
  SetupAttach(sub, ctx, true);
}
void SetupLogsCommand(CLI::App& sub, Context& ctx) {
  SetupLogs(sub, ctx);
}
void SetupKillCommand(CLI::App& sub, Context& ctx) {
  SetupSimpleRitual(sub, ctx, "kill");
}
void SetupArchiveCommand(CLI::App& sub, Context& ctx) {
  SetupSimpleRitual(sub, ctx, "archive");
}
void SetupSacrificeCommand(CLI::App& sub, Context& ctx) {
  SetupSimpleRitual(sub, ctx, "sacrifice");
}

}  // namespace coven::cli
