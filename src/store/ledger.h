// store/ledger.h: the session ledger, Coven's SQLite file `<home>/coven.sqlite3`
// (SPEC 3.1-3.3, 3.7; Part A decision 11).
//
// The ledger holds one row per session in the `sessions` table, with the reference
// implementation's table and column names so that an existing store keeps working, plus the
// columns our own migrations add. It does not hold session output: each session's events
// live in its own log file (eventlog/). The reference implementation kept events in an
// `events` table; we never write there, but rows migrated from an old store stay readable
// through the Legacy* calls, and deleting a session still deletes them.
//
// Schema versions are counted in `PRAGMA user_version`. Open() applies each missing
// migration in its own transaction:
//   1. the reference schema of SPEC 3.3 (`sessions`, `events`, both indexes), adding
//      `exit_code` and `archived_at` to an old `sessions` table that lacks them;
//   2. `cwd`, `shim_pid`, `harness_pid`, `exit_signal` columns and an index on `status`;
//   3. `conversation_id`, `worktree_path`, `worktree_branch` columns (issue 10).
// A reference store (user_version 0) therefore opens and migrates in place. A file whose
// user_version is newer than kSchemaVersion is refused without being modified.
//
// The connection uses WAL with a 5 s busy timeout and foreign keys on, so several Ledger
// objects (in one or several processes) may share the file. Timestamps are opaque strings
// supplied by the caller (SPEC 2.2 format). The ledger enforces no status rules (for
// example "archive refuses running"); sessions/ does.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/result.h"
#include "core/session_status.h"
#include "store/database.h"

namespace coven::store {

// One `sessions` row (SPEC 3.1).
struct SessionRow {
  std::string id, project_root, harness, title, status;
  std::optional<int64_t> exit_code;
  std::optional<std::string> archived_at;
  std::string created_at, updated_at;
  // Columns added by migration 2 (empty/nullopt for legacy rows):
  std::string cwd;
  std::optional<int64_t> shim_pid;
  std::optional<int64_t> harness_pid;
  std::optional<std::string> exit_signal;  // e.g. "SIGKILL" when a signal ended the harness
  // Columns added by migration 3 (nullopt for older rows): the harness's own conversation id
  // (started under or resumed), and the git worktree the session runs in with its branch.
  std::optional<std::string> conversation_id;
  std::optional<std::string> worktree_path;
  std::optional<std::string> worktree_branch;

  bool operator==(const SessionRow&) const = default;
};

// One row of the reference implementation's `events` table; `seq` is its rowid (SPEC 3.4).
struct LegacyEvent {
  int64_t seq = 0;
  std::string id, session_id, kind, payload_json, created_at;

  bool operator==(const LegacyEvent&) const = default;
};

// Not thread-safe: the daemon serializes calls with its own mutex. Move-only. Every call
// returns kIo (or kCorrupt for a damaged file) with sqlite's message on failure.
class Ledger {
 public:
  // The newest schema version this build knows.
  static constexpr int kSchemaVersion = 3;

  // Opens the ledger at `path`; the parent folder must already exist. A new file is created
  // with mode 0600. Sets WAL, busy_timeout 5000 and foreign_keys=ON, then migrates. Fails
  // with kConflict, leaving the file untouched, when its schema is newer than ours.
  static core::Result<Ledger> Open(const std::string& path);

  // Opens an existing ledger read-only, without configuring or migrating it, to salvage
  // rows from a damaged file: GetSession answers row by row as far as the damage allows.
  static core::Result<Ledger> OpenForSalvage(const std::string& path);

  // PRAGMA quick_check of the ledger file at `path`, opened read-only: "ok" or sqlite's
  // findings. kCorrupt when it is not a database at all, kIo (errno ENOENT) when missing.
  static core::Result<std::string> CheckFile(const std::string& path);

  Ledger(Ledger&&) noexcept = default;
  Ledger& operator=(Ledger&&) noexcept = default;
  Ledger(const Ledger&) = delete;
  Ledger& operator=(const Ledger&) = delete;
  ~Ledger() = default;

  // The schema version after migration (kSchemaVersion once Open succeeded).
  int schema_version() const { return schema_version_; }

  // Inserts a new row. kConflict when the id already exists.
  core::Status InsertSession(const SessionRow& row);
  // The row with this exact id (archived included), or nullopt.
  core::Result<std::optional<SessionRow>> GetSession(const std::string& id);
  // Rows newest first (created_at DESC, id DESC); archived ones only when asked.
  core::Result<std::vector<SessionRow>> ListSessions(bool include_archived);
  // Rows with this status, archived included, newest first.
  core::Result<std::vector<SessionRow>> ListByStatus(core::SessionStatus status);

  // Sets status, exit_code and exit_signal (both overwritten, possibly to NULL) and
  // updated_at. kSessionNotFound when no row has this id.
  core::Status UpdateStatus(const std::string& id, core::SessionStatus status,
                            std::optional<int64_t> exit_code,
                            std::optional<std::string> exit_signal, const std::string& updated_at);
  // The same, but only while the row's status is still 'running' (so 'killed' and
  // 'orphaned' stay, SPEC 3.2). Returns whether a row changed.
  core::Result<bool> UpdateStatusIfRunning(const std::string& id, core::SessionStatus status,
                                           std::optional<int64_t> exit_code,
                                           std::optional<std::string> exit_signal,
                                           const std::string& updated_at);
  // Records the shim's and harness's pids (NULL when nullopt). Does not touch updated_at.
  // kSessionNotFound when no row has this id.
  core::Status SetPids(const std::string& id, std::optional<int64_t> shim_pid,
                       std::optional<int64_t> harness_pid);

  // Rows that have a worktree (archived included), newest first.
  core::Result<std::vector<SessionRow>> ListWithWorktree();

  // archived_at = updated_at = ts. False when no row has this id.
  core::Result<bool> Archive(const std::string& id, const std::string& ts);
  // archived_at = NULL, updated_at = ts. False when no row has this id.
  core::Result<bool> Summon(const std::string& id, const std::string& ts);
  // Deletes the row and its legacy events, in one transaction. False when no row.
  core::Result<bool> DeleteSession(const std::string& id);
  // Every 'running' row (archived included) becomes 'orphaned' with updated_at = ts
  // (SPEC 3.3, 3.7). Returns how many rows changed.
  core::Result<int> OrphanSweep(const std::string& ts);

  // A session's rows of the legacy `events` table in seq order: those with seq >
  // after_rowid when given, at most `limit` when given (a negative limit means no limit).
  core::Result<std::vector<LegacyEvent>> ListLegacyEvents(const std::string& session_id,
                                                          std::optional<int64_t> after_rowid,
                                                          std::optional<int64_t> limit);
  // The seq of a session's legacy event with this id, or nullopt.
  core::Result<std::optional<int64_t>> LegacyEventSeq(const std::string& session_id,
                                                      const std::string& event_id);
  // Writes a row into the legacy `events` table, as the reference implementation did, so
  // tests can build an old store. Uses `event.seq` as the rowid when it is > 0.
  core::Status InsertLegacyEventForTesting(const LegacyEvent& event);

  // "ok", or sqlite's findings (PRAGMA quick_check), one per line.
  core::Result<std::string> IntegrityCheck();

 private:
  Ledger(Database db, int schema_version) : db_(std::move(db)), schema_version_(schema_version) {}

  core::Result<std::vector<SessionRow>> QueryRows(const char* sql,
                                                  const std::optional<std::string>& arg);
  core::Result<bool> UpdateStatusWhere(const char* sql, const std::string& id,
                                       core::SessionStatus status, std::optional<int64_t> exit_code,
                                       const std::optional<std::string>& exit_signal,
                                       const std::string& updated_at);

  Database db_;
  int schema_version_ = 0;
};

}  // namespace coven::store
