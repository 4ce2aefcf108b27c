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

#include "cli/commands.h"
#include "cli/output.h"
#include "cli/session_client.h"
#include "client/attach_client.h"
#include "client/sessions.h"
#include "core/clock.h"
#include "core/session_status.h"
#include "core/strings.h"
#include "eventlog/asciicast.h"
#include "tui/terminal.h"

namespace coven::cli {
using core::Error;
using core::ErrorCode;

namespace {

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

// Modes a painted screen or the program may have left on in the user's terminal, turned
// off after a detach: main screen, visible cursor, no mouse, paste or focus reports, normal
// cursor keys and keypad, default pen.
constexpr std::string_view kLeaveModes =
    "\x1b[?1049l\x1b[?25h\x1b[?1000l\x1b[?1002l\x1b[?1003l\x1b[?1006l\x1b[?2004l"
    "\x1b[?1004l\x1b[?1l\x1b>\x1b[0m";

// Attaches the terminal (or a pipe) to a session until it ends or the user detaches. On a
// terminal it starts from the session's current screen unless `replay` asks for the whole
// output again; a pipe always gets the output bytes. Returns 0 when the session completed
// (or the user detached), 1 when it ended otherwise, and -1 (after printing the error)
// when attaching failed.
int AttachAndReport(Context& ctx, const core::HomePaths& paths, const std::string& id,
                    bool forward_input, bool replay) {
  // Keys are forwarded whenever stdin is a terminal (even with stdout piped to a file).
  bool interactive = forward_input && tui::IsTerminal(0);
  client::AttachOptions opts;
  opts.socket_path = paths.socket;
  opts.session_id = id;
  opts.in_fd = interactive ? 0 : -1;
  opts.paint_screen = !replay && tui::IsTerminal(1);
  opts.session_dir = paths.sessions + "/" + id;  // `id` is the daemon's own, checked
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
    if (tui::IsTerminal(1)) {
      std::fwrite(kLeaveModes.data(), 1, kLeaveModes.size(), stdout);
    }
    std::printf("\r\n[detached; the session keeps running. Rejoin with: coven attach %s]\n",
                core::TerminalSafe(ShortId(id)).c_str());
    return 0;
  }
  std::printf("\n%s\n", ExitLine(outcome->status, outcome->exit_code).c_str());
  return core::IsStatus(outcome->status, core::SessionStatus::kCompleted) ? 0 : 1;
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
  if (core::IsStatus(outcome.status, core::SessionStatus::kCompleted)) {
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
core::Result<OutputPage> ReadOutputPage(const std::string& body, int64_t* cursor) {
  auto page = client::ParseEventPage(body);
  if (!page) {
    return page.error();
  }
  OutputPage out;
  for (const client::EventRecord& e : page->events) {
    if (e.seq) {
      *cursor = *e.seq;
    }
    if (e.kind == "output" && e.data) {
      out.output += *e.data;
    }
  }
  out.has_more = page->has_more;
  return out;
}

std::string JoinPrompt(const std::vector<std::string>& words) {
  std::string out;
  for (const std::string& w : words) {
    out += (out.empty() ? "" : " ") + w;
  }
  return std::string(core::Trim(out));
}

}  // namespace

void RunCommand(Context& ctx, const Args& args) {
  const std::string& harness = args.Value("harness");
  const std::string& cwd = args.Value("cwd");
  const std::string& title = args.Value("title");
  const std::vector<std::string>& harness_args = args.Values("harness-arg");
  auto home = ctx.Home();
  if (!home) {
    return;
  }
  std::string prompt = JoinPrompt(args.Values("prompt"));
  const std::string& resume = args.Value("resume");
  const std::string& conversation_id = args.Value("conversation-id");
  if (prompt.empty() && resume.empty()) {
    ctx.Fail(Error(ErrorCode::kInvalidRequest,
                   "prompt must not be empty (it may be left out only with --resume)"));
    ctx.exit_code = 2;  // a usage error, as CLI11's own for a missing argument
    return;
  }
  if (!resume.empty() && !conversation_id.empty()) {
    ctx.Fail(Error(ErrorCode::kInvalidRequest,
                   "--resume excludes --conversation-id: continue one conversation or start one"));
    ctx.exit_code = 2;
    return;
  }
  std::error_code ec;
  std::string root = std::filesystem::canonical(std::filesystem::current_path(ec), ec).string();
  auto daemon = EnsureDaemon(*home);
  if (!daemon) {
    ctx.Fail(daemon.error());
    return;
  }
  if (args.Flag("headless") && args.Flag("interactive")) {
    ctx.Fail(
        Error(ErrorCode::kInvalidRequest, "--headless excludes --interactive: give one of them"));
    ctx.exit_code = 2;
    return;
  }
  client::LaunchRequest req;
  req.project_root = root;
  req.cwd = cwd;
  req.harness = harness;
  req.prompt = prompt;
  req.title = title.empty() ? prompt.substr(0, 48) : std::string(core::Trim(title));
  req.harness_args = harness_args;
  if (!args.Value("model").empty()) {
    req.model = args.Value("model");
  }
  if (!resume.empty()) {
    req.resume_conversation = resume;
  }
  if (!conversation_id.empty()) {
    req.new_conversation_id = conversation_id == "new" ? "" : conversation_id;
  }
  if (const std::string& wt = args.Value("worktree"); !wt.empty()) {
    req.worktree_name = wt == kOptionalValueGiven ? "" : wt;
  }
  if (!args.Value("base").empty()) {
    if (!req.worktree_name) {
      ctx.Fail(Error(ErrorCode::kInvalidRequest, "--base needs --worktree"));
      ctx.exit_code = 2;
      return;
    }
    req.worktree_base = args.Value("base");
  }
  // SPEC 4.4: interactive only when stdin and stdout are both terminals. A detached
  // session is for attaching later, not for this terminal: interactive unless --headless.
  bool terminal = args.Flag("detach") || (tui::IsTerminal(0) && tui::IsTerminal(1));
  bool interactive = args.Flag("interactive") || (!args.Flag("headless") && terminal);
  req.mode = interactive ? client::LaunchMode::kInteractive : client::LaunchMode::kNonInteractive;
  if (auto size = tui::WindowSize(1)) {
    req.rows = size->first;
    req.cols = size->second;
  }
  auto body = client::Call(*daemon, "POST", "/api/v1/sessions", client::LaunchBody(req));
  if (!body) {
    ctx.Fail(body.error());
    return;
  }
  auto session = client::ParseSessionRecord(*body);
  if (!session) {
    ctx.Fail(session.error());
    return;
  }
  if (args.Flag("detach")) {
    std::printf("%s\n", session->id.c_str());
    std::fprintf(stderr, "Started %s session %s. Rejoin with: coven attach %s\n",
                 core::TerminalSafe(session->harness).c_str(),
                 core::TerminalSafe(ShortId(session->id)).c_str(),
                 core::TerminalSafe(ShortId(session->id)).c_str());
    return;
  }
  int code = interactive ? AttachAndReport(ctx, *home, session->id, true, false)
                         : StreamHeadless(ctx, *home, *daemon, session->id);
  ctx.exit_code = code < 0 ? 1 : code;
}

namespace {

// `attach`, and `summon` which first brings an archived session back.
void AttachTo(Context& ctx, const std::string& id, bool summon, bool replay) {
  auto target = OpenSession(ctx, id);
  if (!target) {
    return;
  }
  const client::SessionRecord* s = &target->session;
  if (summon && s->archived_at) {
    auto r = client::Call(target->daemon, "POST", "/api/v1/sessions/" + s->id + "/summon");
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
  int code = AttachAndReport(ctx, target->home, s->id,
                             core::IsStatus(s->status, core::SessionStatus::kRunning), replay);
  ctx.exit_code = code < 0 ? 1 : 0;
}

}  // namespace

void AttachCommand(Context& ctx, const Args& args) {
  AttachTo(ctx, args.Value("id"), /*summon=*/false, args.Flag("replay"));
}

void SummonCommand(Context& ctx, const Args& args) {
  AttachTo(ctx, args.Value("id"), /*summon=*/true, /*replay=*/false);
}

namespace {

// `coven logs <id> --cast`: the session as an asciicast v2 recording on stdout, page by
// page (memory does not grow with the log), written by the same eventlog::CastWriter as
// the daemon's /cast route.
void WriteCast(Context& ctx, const SessionTarget& target, bool raw) {
  eventlog::CastWriter cast(target.session.title);
  int64_t cursor = 0;
  for (;;) {
    std::string url = "/api/v1/events?sessionId=" + target.session.id +
                      "&limit=1000&afterSeq=" + std::to_string(cursor) + (raw ? "&raw=true" : "");
    auto body = client::Call(target.daemon, "GET", url);
    if (!body) {
      ctx.Fail(body.error());
      return;
    }
    auto page = client::ParseEventPage(*body);
    if (!page) {
      ctx.Fail(page.error());
      return;
    }
    std::string lines;
    for (const client::EventRecord& e : page->events) {
      cursor = e.seq.value_or(cursor);
      auto kind = eventlog::KindFromName(e.kind);
      auto time = core::ParseTimestamp(e.created_at);
      if (!kind || !time) {
        continue;  // a kind this build does not know: not part of a recording
      }
      bool bytes = *kind == eventlog::EventKind::kOutput || *kind == eventlog::EventKind::kInput;
      lines += cast.Add(*kind, *time, bytes ? e.data.value_or("") : e.payload_json);
    }
    std::fwrite(lines.data(), 1, lines.size(), stdout);
    if (!page->has_more) {
      break;
    }
  }
  std::string tail = cast.Finish();
  std::fwrite(tail.data(), 1, tail.size(), stdout);
  std::fflush(stdout);
}

}  // namespace

void LogsCommand(Context& ctx, const Args& args) {
  const std::string& id = args.Value("id");
  bool follow = args.Flag("follow");
  bool raw = args.Flag("raw");
  if (follow && args.Flag("cast")) {
    ctx.Fail(Error(ErrorCode::kInvalidRequest,
                   "--cast writes the recording so far and ends; it does not --follow"));
    return;
  }
  auto target = OpenSession(ctx, id);
  if (!target) {
    return;
  }
  if (args.Flag("cast")) {
    WriteCast(ctx, *target, raw);
    return;
  }
  auto* home = &target->home;
  auto* daemon = &target->daemon;
  auto* s = &target->session;
  int64_t cursor = 0;
  for (;;) {
    std::string url = "/api/v1/events?sessionId=" + s->id +
                      "&limit=1000&afterSeq=" + std::to_string(cursor) + (raw ? "&raw=true" : "");
    auto body = client::Call(*daemon, "GET", url);
    if (!body) {
      ctx.Fail(body.error());
      return;
    }
    auto page = ReadOutputPage(*body, &cursor);
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
  if (!core::IsStatus(s->status, core::SessionStatus::kRunning)) {
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
}

namespace {

// Posts `/sessions/<id>/<verb>` for the session `id` names; false (after printing the
// error) when that failed.
bool PostToSession(Context& ctx, const std::string& id, const std::string& verb,
                   const std::string& body = "") {
  auto target = OpenSession(ctx, id);
  if (!target) {
    return false;
  }
  auto r = client::Call(target->daemon, "POST",
                        "/api/v1/sessions/" + target->session.id + "/" + verb, body);
  if (!r) {
    ctx.Fail(r.error());
    return false;
  }
  return true;
}

}  // namespace

void KillCommand(Context& ctx, const Args& args) {
  if (PostToSession(ctx, args.Value("id"), "kill")) {
    std::printf("kill requested; the session's process group is being stopped\n");
  }
}

void ArchiveCommand(Context& ctx, const Args& args) {
  if (PostToSession(ctx, args.Value("id"), "archive")) {
    std::printf(
        "archived session\nSummon it later with `coven summon SESSION_ID` (replace "
        "SESSION_ID with one from `coven sessions --all`).\n");
  }
}

void SacrificeCommand(Context& ctx, const Args& args) {
  const std::string& id = args.Value("id");
  if (!args.Flag("yes")) {
    ctx.Fail(
        Error(ErrorCode::kInvalidRequest, "sacrifice permanently deletes session `" + id +
                                              "` and its events; rerun with --yes to confirm"));
    return;
  }
  if (PostToSession(ctx, id, "sacrifice", args.Flag("force") ? R"({"force":true})" : "")) {
    std::printf("sacrificed session; its event log was permanently deleted\n");
  }
}

}  // namespace coven::cli
