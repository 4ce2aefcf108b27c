// sessions/session_manager.h: the daemon's session manager.
//
// It is the single authority over sessions: it validates a launch (project boundary,
// harness adapter and executable) before any row exists, records the session in the
// ledger, starts its shim, and from then on drives the shim (input, resize, kill) and
// follows it (a ShimWatcher reports appended events and the end of the shim without
// polling). It reads event logs to answer event queries, and applies SPEC 3.2's status
// transitions: running -> completed | failed (the harness's exit), killed (a kill request;
// sticky), orphaned (the shim vanished without logging an exit).
//
// On daemon start, Recover() re-adopts every live shim (the session stays `running`) and
// settles the rest from their logs, so the ledger and the logs agree after a crash of
// either process.
//
// It knows neither HTTP nor the wire's JSON shapes: api/ turns its results into responses.
// Thread-safe: every public method may be called from any server thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "core/activity.h"
#include "core/home.h"
#include "core/mutex.h"
#include "core/result.h"
#include "harness/harness_registry.h"
#include "sessions/activity_board.h"
#include "sessions/worktree.h"
#include "shim/shim.h"
#include "store/ledger.h"

namespace coven::shim {
class ShimWatcher;
}
namespace coven::eventlog {
class LogReader;
}

namespace coven::sessions {

struct LaunchRequest {
  std::string project_root;
  std::optional<std::string> cwd;
  std::string harness;
  std::string prompt;
  std::optional<std::string> title;  // used when it has non-blank content
  // Pass-through arguments placed right after the harness executable (only for adapters
  // with pass_through; see HarnessRegistry::BuildArgv for the rules).
  std::vector<std::string> harness_args;
  // How the harness runs (its interactive or non-interactive argv), which model it uses
  // (the adapter's model flag), and the plugin's launch policy (codex non-interactive
  // only). BuildArgv refuses what the adapter does not declare.
  harness::LaunchMode mode = harness::LaunchMode::kInteractive;
  std::optional<std::string> model;
  std::optional<harness::LaunchPolicy> policy;
  // The harness's own conversation: start it under a chosen id (kInit; an empty id gets a
  // new UUID) or continue it (kResume; the prompt may then be empty in interactive mode).
  std::optional<harness::Conversation> conversation;
  // Run in a new git worktree of the project (sessions/worktree.h).
  std::optional<WorktreeRequest> worktree;
  uint16_t rows = 24;
  uint16_t cols = 80;
};

// One event as stored, before the API shapes it.
struct SessionEvent {
  int64_t seq = 0;
  std::string id;
  std::string kind;
  std::string payload;          // raw bytes for output/input, JSON text for the others
  bool payload_is_raw = false;  // true: wrap as {"data": ...} when serving
  std::string created_at;
};

struct EventQuery {
  std::string session_id;
  std::optional<int64_t> after_seq;
  std::optional<std::string> after_event_id;  // ignored when after_seq is set
  size_t max_events = 500;
  size_t max_payload_bytes = 768 * 1024;
};

struct EventPage {
  std::vector<SessionEvent> events;
  bool has_more = false;  // exact
};

// What `coven doctor` asks the daemon: ledger health and which harnesses it can start.
struct Diagnosis {
  std::string ledger_path;
  std::string ledger_integrity;  // "ok" or SQLite's complaint
  int schema_version = 0;
  struct HarnessState {
    const harness::Adapter* adapter = nullptr;  // points into registry()
    std::optional<std::string> path;            // where the executable was found
  };
  std::vector<HarnessState> harnesses;
  std::vector<std::string> adapter_problems;
  size_t live_sessions = 0;
  std::vector<std::string> notifications;  // how notifications are set up, one fact a line
};

// A session's worktree and what removing it would lose (`coven worktrees`).
struct WorktreeEntry {
  store::SessionRow session;
  WorktreeStatus status;
  std::string error;  // why the state could not be read (then status is kClean, unread)
};

struct PruneReport {
  std::vector<WorktreeEntry> removed;
  std::vector<WorktreeEntry> kept;  // running, not clean, or failed (error says why)
};

struct RecoveryReport {
  int adopted = 0;   // live shims re-adopted (still running)
  int finished = 0;  // shim gone, exit found in the log
  int orphaned = 0;  // shim gone without an exit
};

// Called when a session's log grows or its shim goes away (for live streams).
using SessionListener = std::function<void()>;

// A session's activity changed state (docs/attention.md), for notifications.
struct ActivityTransition {
  store::SessionRow row;
  ActivityChange change;
  bool attached = false;  // a client was attached to the session at that moment
};

class SessionManager {
 public:
  struct Options {
    core::HomePaths paths;
    std::string coven_exe;  // runs `coven shim`
    std::string path_env;   // PATH used to find harness executables
    std::chrono::milliseconds kill_grace{1000};
    // Where failures nobody waits for go (a ledger write after the harness exited); the
    // daemon passes its log. Called from any thread; may be empty.
    std::function<void(const std::string&)> log;
    // Runs (on the thread that brought the signal) after each change of a session's
    // activity state; may be empty. Must not call back into the manager.
    std::function<void(const ActivityTransition&)> on_activity;
    // Describes the notification set-up for Diagnose; may be empty.
    std::function<std::vector<std::string>()> describe_notifications;
  };

  SessionManager(Options options, store::Ledger ledger, harness::HarnessRegistry registry);
  ~SessionManager();
  SessionManager(const SessionManager&) = delete;
  SessionManager& operator=(const SessionManager&) = delete;
  SessionManager(SessionManager&&) = delete;
  SessionManager& operator=(SessionManager&&) = delete;

  // SPEC 2.9. With a worktree, it is created after every other check and before the row
  // (its refusals create nothing either); a launch that then fails removes it. Validation errors
  // (kInvalidRequest, with details harness/installHint for an unknown or missing harness; refused
  // or invalid harness_args) create nothing; a spawn failure keeps the row `failed` and returns
  // kPtySpawnFailed. A full disk (kStorageFull, also refused up front when less than
  // shim::kMinFreeBytes is free) leaves no row or folder.
  core::Result<store::SessionRow> Launch(const LaunchRequest& request);
  core::Result<std::vector<store::SessionRow>> List(bool include_archived);
  // kSessionNotFound (details sessionId) when unknown.
  core::Result<store::SessionRow> Get(const std::string& id);
  // SPEC 2.11, 2.12: kSessionNotFound, kSessionNotLive, or done.
  core::Status Input(const std::string& id, const std::string& data);
  core::Status Kill(const std::string& id);
  core::Status Resize(const std::string& id, uint16_t rows, uint16_t cols);

  // SPEC 2.13 (cursor resolution included). kSessionNotFound when unknown.
  core::Result<EventPage> Events(const EventQuery& query);
  // The seq of the session's last logged event (0 when it has none). kSessionNotFound
  // when unknown.
  core::Result<int64_t> LastSeq(const std::string& id);
  // The session's terminal screen (docs/screen.md): the live shim's model, else the final
  // screen its shim recorded, else rebuilt from the log. kSessionNotFound when unknown;
  // kInvalidRequest for a legacy session without an event log. Thread-safe.
  core::Result<shim::SessionScreen> Screen(const std::string& id);

  // Rituals (SPEC 6.6): archive refuses a running session; sacrifice refuses a running
  // session and deletes the row and the log. Both return kConflict/kSessionNotLive errors
  // with the CLI's messages. Sacrifice also removes the session's worktree and branch,
  // refusing (kWorktreeNotClean, nothing deleted) while that would lose work, unless `force`.
  core::Result<store::SessionRow> Archive(const std::string& id);
  core::Result<store::SessionRow> Summon(const std::string& id);
  core::Status Sacrifice(const std::string& id, bool force = false);

  // Sessions with a worktree (archived included), newest first, with the worktree's state.
  core::Result<std::vector<WorktreeEntry>> ListWorktrees();
  // Removes the worktree and branch of every session that is not running and whose
  // worktree is clean (the session's row stays; its worktree then reads kRemoved).
  core::Result<PruneReport> PruneWorktrees();

  // ---- Attention (docs/attention.md; session_activity.cc) ----
  // The activity of a live session; nullopt for one that is not live.
  std::optional<core::Activity> Activity(const std::string& id) const;
  // A report from `coven __hook`: applies `state` with source hook when `token` is the
  // session's (its file `hook.token`, made at launch). kSessionNotFound, kSessionNotLive,
  // or kInvalidRequest when the token does not match (a hook may only speak for its own
  // session).
  core::Status ReportHook(const std::string& id, const std::string& token,
                          core::ActivityState state, const std::string& detail);
  // Attach streams count themselves in and out: notifications stay quiet while a client
  // is attached.
  void AttachBegin(const std::string& id) EXCLUDES(attach_mu_);
  void AttachEnd(const std::string& id) EXCLUDES(attach_mu_);
  bool IsAttached(const std::string& id) const EXCLUDES(attach_mu_);

  RecoveryReport Recover();
  Diagnosis Diagnose();
  // Reaps exited shim processes; the daemon calls it on SIGCHLD.
  void ReapChildren();

  // Live-stream support: `listener` runs (on the watcher thread) whenever the session's log
  // grows or its shim ends. Returns a token for Unsubscribe.
  // With `id` == kAnySession the listener runs instead whenever the session list changes:
  // a launch, a status change (exit, kill, orphaned), archive, summon or sacrifice (not on
  // output). Listeners must be cheap and must not call back into the manager.
  uint64_t Subscribe(const std::string& id, SessionListener listener) EXCLUDES(listeners_mu_);
  void Unsubscribe(uint64_t token) EXCLUDES(listeners_mu_);
  static constexpr const char* kAnySession = "*";

  const harness::HarnessRegistry& registry() const { return registry_; }
  size_t live_count() const;
  // True while the session's shim is followed (its log may still grow).
  bool IsLive(const std::string& id) const EXCLUDES(live_mu_);

 private:
  std::string SessionDir(const std::string& id) const;
  void LogIfFailed(const std::string& what, const core::Status& s) const;
  core::Result<store::SessionRow> RequireSession(const std::string& id) EXCLUDES(ledger_mu_);
  core::Result<store::SessionRow> RequireLive(const std::string& id);
  core::Status ValidateHarness(const std::string& harness_id) const;
  // The argv of a launch (BuildArgv), after filling in a new conversation's id.
  core::Result<std::vector<std::string>> LaunchArgv(const LaunchRequest& request,
                                                    const std::string& harness_id,
                                                    const std::string& prompt,
                                                    const std::string& session_id,
                                                    std::optional<harness::Conversation>& conv);
  // Launch's second half: the session folder, the row, the shim.
  core::Result<store::SessionRow> StartSession(store::SessionRow row, std::vector<std::string> argv,
                                               uint16_t rows, uint16_t cols);
  // Removes a launch's worktree again after the launch failed; logs a failure.
  void DropWorktree(const store::SessionRow& row);
  void OnAppended(const std::string& id);
  void OnGone(const std::string& id, const std::string& exit_json);
  void SettleFromLog(const std::string& id, const std::string& exit_json);
  void RetryUnsettled();
  void Notify(const std::string& id) EXCLUDES(listeners_mu_);
  void NotifyListChanged() { Notify(kAnySession); }
  void MarkLive(const std::string& id, bool live) EXCLUDES(live_mu_);
  void OnActivity(const std::string& id, const ActivitySignal& signal);
  // The hook token and environment for a new session: writes `<dir>/hook.token` (0600).
  core::Result<std::vector<std::string>> MakeHookEnv(const std::string& id,
                                                     const std::string& dir) const;
  std::vector<std::string> HookOptionsFor(const harness::Adapter& adapter, harness::LaunchMode mode,
                                          const std::string& id) const;
  // Drops the fd of the session's cached log reader (it keeps its index).
  void ReleaseReaderFd(const std::string& id) EXCLUDES(readers_mu_);
  core::Result<EventPage> ReadLog(const std::string& id, const EventQuery& query);
  static core::Result<EventPage> ReadPage(eventlog::LogReader& reader, const EventQuery& query);
  // Runs `fn(reader)` under the session's cached log reader (opened on first use); the
  // reader drops its fd afterwards unless the session is live.
  template <class Fn>
  auto WithLogReader(const std::string& id, Fn&& fn)
      -> decltype(fn(std::declval<eventlog::LogReader&>()));
  core::Result<EventPage> ReadLegacy(const std::string& id, const EventQuery& query)
      EXCLUDES(ledger_mu_);

  Options options_;
  harness::HarnessRegistry registry_;
  WorktreeTool worktrees_;

  // Lock order (checked by Clang's -Wthread-safety where it can be, written here for the
  // rest): ledger_mu_ before listeners_mu_ (a status change notifies while the ledger is
  // held); a CachedReader's mutex before live_mu_ (a read asks IsLive when done);
  // readers_mu_, listeners_mu_ and live_mu_ are leaves, and no lock is held while a
  // listener runs or while a shim is spoken to.
  mutable core::Mutex ledger_mu_ ACQUIRED_BEFORE(listeners_mu_);
  store::Ledger ledger_ GUARDED_BY(ledger_mu_);
  // Ended sessions whose status could not be written (disk full); retried by List and Get.
  std::set<std::string> unsettled_ GUARDED_BY(ledger_mu_);
  // Kills sent and not yet recorded, by session (a count: two clients may kill at once).
  // The shim can report the exit a kill causes before Kill() records `killed`; that exit is
  // held here (its exit JSON) and settled by Kill() after it, so the kill is what the
  // ledger says (SPEC: killed is sticky), whichever thread runs first.
  std::map<std::string, int> kills_in_flight_ GUARDED_BY(ledger_mu_);
  std::map<std::string, std::string> deferred_exits_ GUARDED_BY(ledger_mu_);
  struct CachedReader;
  core::Mutex readers_mu_;
  // Open log readers, reused across event queries and evicted when a session ends.
  // shared_ptr: shared by the cache and the queries using a reader, so that eviction during
  // a read is safe; each reader has its own mutex (LogReader is not thread-safe).
  std::map<std::string, std::shared_ptr<CachedReader>> readers_ GUARDED_BY(readers_mu_);
  core::Mutex listeners_mu_;
  uint64_t next_token_ GUARDED_BY(listeners_mu_) = 1;
  std::map<uint64_t, std::pair<std::string, SessionListener>> listeners_ GUARDED_BY(listeners_mu_);
  mutable core::Mutex live_mu_;
  std::set<std::string> live_ GUARDED_BY(live_mu_);
  ActivityBoard activity_;         // thread-safe itself; no lock of ours is held while it is used
  mutable core::Mutex attach_mu_;  // a leaf
  std::map<std::string, int> attached_ GUARDED_BY(attach_mu_);
  std::unique_ptr<shim::ShimWatcher> watcher_;  // last: its thread calls back into us
};

}  // namespace coven::sessions
