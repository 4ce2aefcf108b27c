// client/sessions.h: the typed session client (as LevelDB's include/leveldb/db.h is the
// face of its store): session records, the launch request and event pages, in the shapes
// of the daemon's wire (SPEC 2.8-2.13). Wire field names (`projectRoot`, `harnessArgs`,
// `payload_json`, ...) live here and in api/, never in the CLI or the TUI, and each payload
// is decoded once, here.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "client/daemon_client.h"
#include "core/activity.h"
#include "core/result.h"

namespace coven::client {

// A live session's `activity` (docs/attention.md).
struct ActivityRecord {
  core::ActivityState state = core::ActivityState::kUnknown;
  std::string since;   // RFC 3339
  std::string source;  // "hook", "terminal", "screen" or "none"
  std::string detail;
};

// One SessionRecord (SPEC 3.1). `status` keeps the wire text (see core/session_status.h).
struct SessionRecord {
  std::string id, project_root, harness, title, status, created_at, updated_at;
  std::optional<int64_t> exit_code;
  std::optional<std::string> archived_at;
  // Additive (issue 10): the harness's conversation id, the worktree and its branch.
  std::optional<std::string> conversation_id, worktree_path, worktree_branch;
  std::string cwd;
  std::optional<ActivityRecord> activity;  // absent for sessions that are not live
  std::string json;                        // the record as the daemon sent it (compact JSON)
};

// kInternal when `json_text` is not a JSON object. Missing fields read as empty.
core::Result<SessionRecord> ParseSessionRecord(const std::string& json_text);
// The records of a JSON array (the list's body, or one event of its watch stream), in
// order; entries that are not records are skipped. With `project` (an absolute, canonical
// path) only sessions whose project root is it or lies inside it.
core::Result<std::vector<SessionRecord>> ParseSessionList(const std::string& json_array,
                                                          const std::string& project = "");

// What `POST /sessions` takes (SPEC 2.9, plus the additive harnessArgs, rows and cols).
// How the harness runs (the wire's `launchMode`).
enum class LaunchMode { kInteractive, kNonInteractive };

struct LaunchRequest {
  std::string project_root;
  std::string cwd;  // empty: the project root
  std::string harness;
  std::string prompt;
  std::string title;
  std::vector<std::string> harness_args;
  std::optional<uint16_t> rows, cols;
  LaunchMode mode = LaunchMode::kInteractive;
  std::optional<std::string> model;
  // The wire's `conversation`: resume this id, or start a new conversation under
  // `new_conversation_id` (empty: the daemon picks one). At most one is set.
  std::optional<std::string> resume_conversation;
  std::optional<std::string> new_conversation_id;
  // The wire's `worktree`: run in a new git worktree, with this name ("" for the default).
  std::optional<std::string> worktree_name;
  std::optional<std::string> worktree_base;  // with worktree_name; nullopt: HEAD
};
std::string LaunchBody(const LaunchRequest& request);
// The request that continues `session`'s conversation in a new session: same harness,
// project and cwd (its worktree's, when it ran in one), interactive, no prompt.
LaunchRequest ResumeRequest(const SessionRecord& session);

// One event as GET /events (and the event stream) serve it.
struct EventRecord {
  std::optional<int64_t> seq;
  std::string kind;                 // "output", "exit", ...
  std::optional<std::string> data;  // the payload's `data` text (output and input events)
  std::string payload_json;         // the payload as sent (`payload_json`)
  std::string created_at;           // RFC 3339 with nanoseconds
};
// nullopt when `record_json` is not an event object.
std::optional<EventRecord> ParseEventRecord(const std::string& record_json);

struct EventPage {
  std::vector<EventRecord> events;
  bool has_more = false;
};
// kInternal when `body` is not an events page.
core::Result<EventPage> ParseEventPage(const std::string& body);

// Sends a request and turns a non-2xx reply into an Error carrying the daemon's message,
// with a code from its HTTP status (404 kSessionNotFound, 409 kSessionNotLive, 5xx
// kInternal, other kInvalidRequest). Returns the body.
core::Result<std::string> Call(const DaemonClient& c, const std::string& method,
                               const std::string& target, const std::string& body = "");

// The daemon's session list (archived ones too when `all`), newest first, filtered by
// `project` as ParseSessionList does.
core::Result<std::vector<SessionRecord>> ListSessions(const DaemonClient& c, bool all,
                                                      const std::string& project = "");

// POST /sessions/<id>/activity: what `coven __hook` reports for its session.
core::Status ReportActivity(const DaemonClient& c, const std::string& id, const std::string& token,
                            core::ActivityState state, const std::string& detail);

// The text rows of a session's current screen (GET /sessions/<id>/screen, docs/screen.md),
// top to bottom, redacted as the daemon serves them. An error when the daemon has no screen
// for it (an older daemon, a legacy session) or the reply is not a screen.
core::Result<std::vector<std::string>> ScreenLines(const DaemonClient& c, const std::string& id);

}  // namespace coven::client
