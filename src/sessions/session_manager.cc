#include "sessions/session_manager.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>

#include <boost/json.hpp>

#include "boundary/launch_paths.h"
#include "core/clock.h"
#include "core/session_status.h"
#include "core/strings.h"
#include "eventlog/event_log.h"
#include "shim/shim.h"

namespace coven::sessions {
using core::Error;
using core::ErrorCode;
using store::SessionRow;

namespace {

Error NotFound(const std::string& id) {
  return Error(ErrorCode::kSessionNotFound, "Session was not found.").WithDetail("sessionId", id);
}

Error NotLive(const std::string& id) {
  return Error(ErrorCode::kSessionNotLive, "Session is not live.").WithDetail("sessionId", id);
}

// A kStorageFull error gets the user-facing message and the fix; others pass unchanged.
Error StorageFull(const Error& error) {
  if (error.code != ErrorCode::kStorageFull) {
    return error;
  }
  return Error(
      ErrorCode::kStorageFull,
      "The disk holding COVEN_HOME is full; free some space and retry (" + error.message + ").");
}

std::string BuiltinList(const harness::HarnessRegistry& registry) {
  std::string out;
  for (const harness::Adapter& a : registry.adapters()) {
    out += (out.empty() ? "" : ", ") + a.id;
  }
  return out;
}

// The exit payload the shim wrote: {"exitCode":N|null,"signal":"SIG..."?,"status":"..."}.
struct ExitFacts {
  core::SessionStatus status = core::SessionStatus::kFailed;
  std::optional<int64_t> exit_code;
  std::optional<std::string> signal;
};

std::optional<ExitFacts> ParseExit(const std::string& json_text) {
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(json_text, ec);
  if (ec || !v.is_object()) {
    return std::nullopt;
  }
  const auto& o = v.as_object();
  ExitFacts facts;
  if (const auto* s = o.if_contains("status"); s && s->is_string()) {
    // The shim writes completed or failed, and tells `killed` when it killed the harness;
    // anything else is not a clean exit either.
    facts.status = core::StatusFromName(s->as_string()).value_or(core::SessionStatus::kFailed);
  }
  if (const auto* c = o.if_contains("exitCode"); c && c->is_int64()) {
    facts.exit_code = c->as_int64();
  }
  if (const auto* sig = o.if_contains("signal"); sig && sig->is_string()) {
    facts.signal = std::string(sig->as_string());
  }
  return facts;
}

}  // namespace

SessionManager::SessionManager(Options options, store::Ledger ledger,
                               harness::HarnessRegistry registry)
    : options_(std::move(options)),
      registry_(std::move(registry)),
      worktrees_(harness::FindOnPath("git", options_.path_env)),
      ledger_(std::move(ledger)) {
  shim::ShimWatcher::Callbacks callbacks;
  callbacks.on_appended = [this](const std::string& id, uint64_t) { OnAppended(id); };
  callbacks.on_gone = [this](const std::string& id, const std::string& exit_json) {
    OnGone(id, exit_json);
  };
  callbacks.on_activity = [this](const std::string& id, core::ActivityState state,
                                 core::ActivitySource source, const std::string& detail) {
    OnActivity(id, ActivitySignal{state, source, detail, core::NowNanos()});
  };
  watcher_ = std::make_unique<shim::ShimWatcher>(std::move(callbacks));
}

SessionManager::~SessionManager() {
  watcher_.reset();  // joins the watcher thread before the rest of us goes away
}

std::string SessionManager::SessionDir(const std::string& id) const {
  return options_.paths.sessions + "/" + id;
}

void SessionManager::LogIfFailed(const std::string& what, const core::Status& s) const {
  if (!s && options_.log) {
    options_.log("cannot " + what + ": " + s.error().message);
  }
}

size_t SessionManager::live_count() const {
  return watcher_->watched_count();
}

bool SessionManager::IsLive(const std::string& id) const {
  core::MutexLock lock(&live_mu_);
  return live_.count(id) != 0;
}

void SessionManager::MarkLive(const std::string& id, bool live) {
  if (live) {
    activity_.Track(id, core::NowNanos());
  } else {
    activity_.Forget(id);
  }
  core::MutexLock lock(&live_mu_);
  if (live) {
    live_.insert(id);
  } else {
    live_.erase(id);
  }
}

core::Result<SessionRow> SessionManager::RequireSession(const std::string& id) {
  core::MutexLock lock(&ledger_mu_);
  auto row = ledger_.GetSession(id);
  if (!row) {
    return row.error();
  }
  if (!row->has_value()) {
    return NotFound(id);
  }
  return std::move(**row);
}

core::Result<SessionRow> SessionManager::RequireLive(const std::string& id) {
  auto row = RequireSession(id);
  if (!row) {
    return row.error();
  }
  if (!core::IsStatus(row->status, core::SessionStatus::kRunning)) {
    return NotLive(id);
  }
  return row;
}

core::Status SessionManager::ValidateHarness(const std::string& harness_id) const {
  const harness::Adapter* adapter = registry_.Find(harness_id);
  if (adapter == nullptr) {
    return Error(ErrorCode::kInvalidRequest,
                 "unknown harness `" + harness_id + "`. Known harnesses: " + BuiltinList(registry_))
        .WithDetail("harness", harness_id)
        .WithDetail("installHint", "Use one of: " + BuiltinList(registry_) +
                                       ", or add an adapter in COVEN_HOME/adapters/");
  }
  if (!harness::FindOnPath(adapter->executable, options_.path_env)) {
    return Error(ErrorCode::kInvalidRequest,
                 "harness `" + harness_id + "` is not available. " + adapter->install_hint)
        .WithDetail("harness", harness_id)
        .WithDetail("installHint", adapter->install_hint);
  }
  return core::Ok();
}

core::Result<std::vector<std::string>> SessionManager::LaunchArgv(
    const LaunchRequest& request, const std::string& harness_id, const std::string& prompt,
    const std::string& session_id, std::optional<harness::Conversation>& conv) {
  conv = request.conversation;
  if (conv && conv->mode == harness::ConversationMode::kInit && conv->id.empty()) {
    conv->id = core::NewUuid();  // a new conversation Coven can resume later
  }
  harness::HarnessRegistry::LaunchArgs launch;
  launch.hook_options = HookOptionsFor(*registry_.Find(harness_id), request.mode, session_id);
  launch.mode = request.mode;
  launch.prompt = prompt;
  launch.extra_args = request.harness_args;
  launch.model = request.model;
  launch.policy = request.policy;
  launch.conversation = conv;
  return registry_.BuildArgv(harness_id, launch);
}

core::Result<SessionRow> SessionManager::Launch(const LaunchRequest& request) {
  auto paths = boundary::ResolveLaunchPaths(
      request.project_root,
      request.cwd ? std::optional<std::string_view>(*request.cwd) : std::nullopt);
  if (!paths) {
    return paths.error();
  }
  std::string harness_id(core::Trim(request.harness));
  if (harness_id.empty()) {
    return Error(ErrorCode::kInvalidRequest, "harness is required");
  }
  std::string prompt(core::Trim(request.prompt));
  bool resuming =
      request.conversation && request.conversation->mode == harness::ConversationMode::kResume;
  if (prompt.empty() && !resuming) {
    return Error(ErrorCode::kInvalidRequest, "prompt is required");
  }
  if (core::Status s = ValidateHarness(harness_id); !s) {
    return s.error();
  }
  // Also validates mode, model, policy, conversation and harness_args: like every check
  // above, before any row or folder exists.
  std::string id = core::NewUuid();
  std::optional<harness::Conversation> conversation;
  auto argv = LaunchArgv(request, harness_id, prompt, id, conversation);
  if (!argv) {
    return argv.error();
  }
  if (request.rows == 0 || request.cols == 0) {
    return Error(ErrorCode::kInvalidRequest, "rows and cols must be positive");
  }
  if (request.worktree && request.worktree->name) {
    if (core::Status s = WorktreeTool::CheckName(*request.worktree->name); !s) {
      return s.error();
    }
  }

  SessionRow row;
  row.id = id;
  row.project_root = paths->project_root;
  row.cwd = paths->cwd;
  row.harness = harness_id;
  bool has_title = request.title && !core::Trim(*request.title).empty();
  row.title = has_title         ? *request.title
              : !prompt.empty() ? prompt
                                : "resume " + conversation->id.substr(0, 8);
  row.status = core::StatusText(core::SessionStatus::kRunning);
  row.created_at = row.updated_at = core::NowTimestamp();
  if (conversation) {
    row.conversation_id = conversation->id;
  }
  if (request.worktree) {
    // Last of the checks (it creates something): name taken, base, not a repository.
    auto wt = worktrees_.Create(row.project_root, row.cwd,
                                request.worktree->name.value_or(row.id.substr(0, 8)),
                                request.worktree->base);
    if (!wt) {
      return wt.error();
    }
    row.cwd = wt->cwd;
    row.worktree_path = wt->path;
    row.worktree_branch = wt->branch;
  }
  auto started = StartSession(row, std::move(*argv), request.rows, request.cols);
  // A failed spawn keeps its `failed` row (and so its worktree, listed and sacrificed with
  // it); any other failure left no row, so its worktree goes too.
  if (!started && row.worktree_path && started.error().code != ErrorCode::kPtySpawnFailed) {
    DropWorktree(row);
  }
  return started;
}

void SessionManager::DropWorktree(const SessionRow& row) {
  LogIfFailed("remove the worktree of a failed launch",
              worktrees_.Remove(row.project_root, *row.worktree_path,
                                row.worktree_branch.value_or(""), /*force=*/true));
}

core::Result<SessionRow> SessionManager::StartSession(SessionRow row, std::vector<std::string> argv,
                                                      uint16_t rows, uint16_t cols) {
  std::string dir = SessionDir(row.id);
  std::error_code ec;
  std::filesystem::create_directories(options_.paths.sessions, ec);
  if (ec) {
    return Error(ErrorCode::kIo, "create " + options_.paths.sessions + ": " + ec.message());
  }
  // A full disk is refused before anything exists; the checks below catch the races.
  if (core::Status s = shim::RequireFreeSpace(options_.paths.sessions); !s) {
    return StorageFull(s.error());
  }
  if (::mkdir(dir.c_str(), 0700) != 0) {
    return StorageFull(core::SysError("create session folder " + dir, errno));
  }
  {
    core::MutexLock lock(&ledger_mu_);
    if (core::Status s = ledger_.InsertSession(row); !s) {
      (void)core::RemoveTree(dir);  // best effort: the launch's own error is the one to report
      return StorageFull(s.error());
    }
  }
  auto hook_env = MakeHookEnv(row.id, dir);
  if (!hook_env) {
    core::MutexLock lock(&ledger_mu_);
    (void)ledger_.DeleteSession(row.id);  // best effort, as for a full disk below
    (void)core::RemoveTree(dir);
    return StorageFull(hook_env.error());
  }
  shim::LaunchSpec spec;
  spec.extra_env = std::move(*hook_env);
  spec.coven_exe = options_.coven_exe;
  spec.options.session_id = row.id;
  spec.options.session_dir = dir;
  spec.options.argv = std::move(argv);
  spec.options.cwd = row.cwd;
  spec.options.rows = rows;
  spec.options.cols = cols;
  spec.options.kill_grace = options_.kill_grace;
  spec.options.screen_patterns = registry_.Find(row.harness)->screen_patterns;
  auto launched = shim::LaunchShim(spec);
  {
    core::MutexLock lock(&ledger_mu_);
    if (!launched && launched.error().code == ErrorCode::kStorageFull) {
      // Nothing ran: leave no row and no folder behind (deleting frees space, so it works
      // when the insert did; if not, the row at least stops claiming to run).
      if (!ledger_.DeleteSession(row.id)) {
        LogIfFailed("record the failed launch of " + row.id,
                    ledger_.UpdateStatus(row.id, core::SessionStatus::kFailed, std::nullopt,
                                         std::nullopt, core::NowTimestamp()));
      }
      (void)core::RemoveTree(dir);  // best effort: the launch's own error is the one to report
      return StorageFull(launched.error());
    }
    if (!launched) {
      LogIfFailed("record the failed launch of " + row.id,
                  ledger_.UpdateStatus(row.id, core::SessionStatus::kFailed, std::nullopt,
                                       std::nullopt, core::NowTimestamp()));
      Error e = launched.error();
      e.code = ErrorCode::kPtySpawnFailed;
      NotifyListChanged();
      return e.WithDetail("sessionId", row.id);
    }
    // Only recovery's diagnostics read the pids; the session runs without them.
    LogIfFailed("record the pids of " + row.id,
                ledger_.SetPids(row.id, launched->shim_pid, launched->harness_pid));
  }
  row.shim_pid = launched->shim_pid;
  row.harness_pid = launched->harness_pid;
  // Subscribing can race with a harness that already exited: then settle from the log.
  MarkLive(row.id, true);
  if (!watcher_->Watch(row.id, dir)) {
    MarkLive(row.id, false);
    SettleFromLog(row.id, "");
  }
  NotifyListChanged();
  return row;
}

void SessionManager::RetryUnsettled() {
  std::set<std::string> ids;
  {
    core::MutexLock lock(&ledger_mu_);
    ids.swap(unsettled_);
  }
  for (const std::string& id : ids) {
    SettleFromLog(id, "");
  }
}

core::Result<std::vector<SessionRow>> SessionManager::List(bool include_archived) {
  RetryUnsettled();
  core::MutexLock lock(&ledger_mu_);
  return ledger_.ListSessions(include_archived);
}

core::Result<SessionRow> SessionManager::Get(const std::string& id) {
  RetryUnsettled();
  return RequireSession(id);
}

core::Status SessionManager::Input(const std::string& id, const std::string& data) {
  if (auto row = RequireLive(id); !row) {
    return row.error();
  }
  auto seq = shim::SendInput(SessionDir(id), data);
  if (!seq) {
    return seq.error().code == ErrorCode::kSessionNotLive ? NotLive(id) : seq.error();
  }
  return core::Ok();
}

core::Status SessionManager::Kill(const std::string& id) {
  if (auto row = RequireLive(id); !row) {
    return row.error();
  }
  {
    core::MutexLock lock(&ledger_mu_);
    ++kills_in_flight_[id];
  }
  // No lock while the shim is spoken to (see the lock order in the header).
  auto seq = shim::SendKill(SessionDir(id));
  core::Result<bool> changed = false;
  std::optional<std::string> deferred_exit;
  {
    core::MutexLock lock(&ledger_mu_);
    if (--kills_in_flight_[id] == 0) {
      kills_in_flight_.erase(id);
      if (auto it = deferred_exits_.find(id); it != deferred_exits_.end()) {
        deferred_exit = std::move(it->second);
        deferred_exits_.erase(it);
      }
    }
    if (seq) {
      changed = ledger_.UpdateStatusIfRunning(id, core::SessionStatus::kKilled, std::nullopt,
                                              std::nullopt, core::NowTimestamp());
    }
  }
  if (deferred_exit) {
    // The exit this kill caused arrived first: it is settled now, after the kill (a no-op on
    // the status, which is `killed`), or as the session's own end when the kill failed.
    SettleFromLog(id, *deferred_exit);
  }
  if (!seq) {
    return seq.error().code == ErrorCode::kSessionNotLive ? NotLive(id) : seq.error();
  }
  if (!changed) {
    return changed.error();
  }
  NotifyListChanged();
  return core::Ok();
}

core::Status SessionManager::Resize(const std::string& id, uint16_t rows, uint16_t cols) {
  if (rows == 0 || cols == 0) {
    return Error(ErrorCode::kInvalidRequest, "rows and cols must be positive integers");
  }
  if (auto row = RequireLive(id); !row) {
    return row.error();
  }
  core::Status s = shim::SendResize(SessionDir(id), rows, cols);
  if (!s && s.error().code == ErrorCode::kSessionNotLive) {
    return NotLive(id);
  }
  return s;
}

core::Result<SessionRow> SessionManager::Archive(const std::string& id) {
  auto row = RequireSession(id);
  if (!row) {
    return row.error();
  }
  if (core::IsStatus(row->status, core::SessionStatus::kRunning)) {
    return Error(ErrorCode::kSessionNotLive,
                 "session `" + id + "` is still running; stop it before archiving")
        .WithDetail("sessionId", id);
  }
  core::MutexLock lock(&ledger_mu_);
  std::string now = core::NowTimestamp();
  if (auto ok = ledger_.Archive(id, now); !ok) {
    return ok.error();
  }
  row->archived_at = now;
  row->updated_at = now;
  NotifyListChanged();
  return row;
}

core::Result<SessionRow> SessionManager::Summon(const std::string& id) {
  auto row = RequireSession(id);
  if (!row) {
    return row.error();
  }
  if (!row->archived_at) {
    return row;
  }
  core::MutexLock lock(&ledger_mu_);
  std::string now = core::NowTimestamp();
  if (auto ok = ledger_.Summon(id, now); !ok) {
    return ok.error();
  }
  row->archived_at.reset();
  row->updated_at = now;
  NotifyListChanged();
  return row;
}

core::Status SessionManager::Sacrifice(const std::string& id, bool force) {
  auto row = RequireSession(id);
  if (!row) {
    return row.error();
  }
  if (core::IsStatus(row->status, core::SessionStatus::kRunning)) {
    return Error(ErrorCode::kSessionNotLive,
                 "session `" + id + "` is still running; do not sacrifice live work")
        .WithDetail("sessionId", id);
  }
  // The worktree first: when it holds work, nothing is deleted.
  if (row->worktree_path) {
    core::Status s = worktrees_.Remove(row->project_root, *row->worktree_path,
                                       row->worktree_branch.value_or(""), force);
    if (!s) {
      return s.error().WithDetail("sessionId", id);
    }
  }
  {
    core::MutexLock lock(&readers_mu_);
    readers_.erase(id);
  }
  {
    core::MutexLock lock(&ledger_mu_);
    if (auto ok = ledger_.DeleteSession(id); !ok) {
      return ok.error();
    }
  }
  // The row is gone, so this is the session's end either way: a folder left behind (logged)
  // is only disk space, never a session.
  LogIfFailed("remove the folder of sacrificed session " + id, core::RemoveTree(SessionDir(id)));
  NotifyListChanged();
  return core::Ok();
}

void SessionManager::OnAppended(const std::string& id) {
  Notify(id);
}

void SessionManager::OnGone(const std::string& id, const std::string& exit_json) {
  MarkLive(id, false);
  SettleFromLog(id, exit_json);
  Notify(id);
  NotifyListChanged();
}

void SessionManager::SettleFromLog(const std::string& id, const std::string& exit_json) {
  std::optional<ExitFacts> facts;
  if (!exit_json.empty()) {
    facts = ParseExit(exit_json);
  }
  if (!facts) {
    // The shim may have logged its exit but died before telling us.
    auto reader = eventlog::LogReader::Open(shim::EventLogPath(SessionDir(id)));
    if (reader) {
      auto last = reader->FindLast(eventlog::EventKind::kExit);
      if (last && last->has_value()) {
        facts = ParseExit((*last)->payload);
        // The exit keeps the raw result; a kill before it is why (as ledger_rebuild reads it).
        auto kill = reader->FindLast(eventlog::EventKind::kKill);
        if (kill && kill->has_value() && (*kill)->seq < (*last)->seq) {
          facts = ExitFacts{core::SessionStatus::kKilled, std::nullopt, std::nullopt};
        }
      }
    }
  }
  std::string now = core::NowTimestamp();
  {
    core::MutexLock lock(&ledger_mu_);
    if (kills_in_flight_.contains(id)) {
      deferred_exits_[id] = exit_json;  // Kill() settles it once `killed` is recorded
      return;                           // the reader's fd is released then too
    }
    core::Result<bool> changed =
        facts
            ? ledger_.UpdateStatusIfRunning(id, facts->status, facts->exit_code, facts->signal, now)
            : ledger_.UpdateStatusIfRunning(id, core::SessionStatus::kOrphaned, std::nullopt,
                                            std::nullopt, now);
    // A failed write (a full disk: SQLITE_FULL) must not leave the row `running` forever:
    // it is logged, and settled again on a later list or get, once space may have returned.
    LogIfFailed("record the end of " + id, changed ? core::Ok() : core::Status(changed.error()));
    if (!changed) {
      unsettled_.insert(id);
    } else {
      unsettled_.erase(id);
    }
  }
  // The log will not grow any more: its cached reader keeps the index but not the fd.
  ReleaseReaderFd(id);
}

RecoveryReport SessionManager::Recover() {
  RecoveryReport report;
  std::vector<SessionRow> running;
  {
    core::MutexLock lock(&ledger_mu_);
    auto rows = ledger_.ListByStatus(core::SessionStatus::kRunning);
    if (rows) {
      running = std::move(*rows);
    }
  }
  for (const SessionRow& row : running) {
    MarkLive(row.id, true);
    if (watcher_->Watch(row.id, SessionDir(row.id))) {
      ++report.adopted;
      continue;
    }
    MarkLive(row.id, false);
    SettleFromLog(row.id, "");
    auto after = RequireSession(row.id);
    if (after && core::IsStatus(after->status, core::SessionStatus::kOrphaned)) {
      ++report.orphaned;
    } else {
      ++report.finished;
    }
  }
  return report;
}

Diagnosis SessionManager::Diagnose() {
  Diagnosis d;
  d.ledger_path = options_.paths.ledger;
  {
    core::MutexLock lock(&ledger_mu_);
    auto integrity = ledger_.IntegrityCheck();
    d.ledger_integrity = integrity ? *integrity : integrity.error().message;
    d.schema_version = ledger_.schema_version();
  }
  for (const harness::Adapter& a : registry_.adapters()) {
    d.harnesses.push_back({&a, harness::FindOnPath(a.executable, options_.path_env)});
  }
  d.adapter_problems = registry_.problems();
  d.live_sessions = live_count();
  if (options_.describe_notifications) {
    d.notifications = options_.describe_notifications();
  }
  return d;
}

void SessionManager::ReapChildren() {
  shim::ReapExitedChildren();
}

uint64_t SessionManager::Subscribe(const std::string& id, SessionListener listener) {
  core::MutexLock lock(&listeners_mu_);
  uint64_t token = next_token_++;
  listeners_[token] = {id, std::move(listener)};
  return token;
}

void SessionManager::Unsubscribe(uint64_t token) {
  core::MutexLock lock(&listeners_mu_);
  listeners_.erase(token);
}

void SessionManager::Notify(const std::string& id) {
  std::vector<SessionListener> to_call;
  {
    core::MutexLock lock(&listeners_mu_);
    for (const auto& [token, entry] : listeners_) {
      if (entry.first == id) {
        to_call.push_back(entry.second);
      }
    }
  }
  for (const SessionListener& l : to_call) {
    l();
  }
}

}  // namespace coven::sessions
