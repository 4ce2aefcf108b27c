#include "store/ledger.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>

#include <iterator>
#include <string>
#include <string_view>
#include <utility>

#include "core/unique_fd.h"

namespace coven::store {
namespace {

using core::Error;
using core::ErrorCode;
using core::Result;
using core::Status;

constexpr int kBusyTimeoutMs = 5000;

// Column order shared by every SELECT of sessions and by ReadRow().
constexpr const char* kSessionColumns =
    "id, project_root, harness, title, status, exit_code, archived_at, created_at, "
    "updated_at, cwd, shim_pid, harness_pid, exit_signal";

SessionRow ReadRow(const Statement& st) {
  SessionRow row;
  row.id = st.ColumnText(0);
  row.project_root = st.ColumnText(1);
  row.harness = st.ColumnText(2);
  row.title = st.ColumnText(3);
  row.status = st.ColumnText(4);
  row.exit_code = st.ColumnOptionalInt64(5);
  row.archived_at = st.ColumnOptionalText(6);
  row.created_at = st.ColumnText(7);
  row.updated_at = st.ColumnText(8);
  row.cwd = st.ColumnText(9);  // NULL in rows written before migration 2 or by the reference
  row.shim_pid = st.ColumnOptionalInt64(10);
  row.harness_pid = st.ColumnOptionalInt64(11);
  row.exit_signal = st.ColumnOptionalText(12);
  return row;
}

// Runs a statement that yields one integer (a PRAGMA, a count).
Result<int64_t> QueryInt64(Database& db, std::string_view sql) {
  Result<Statement> st = db.Prepare(sql);
  if (!st) {
    return st.error();
  }
  Result<bool> row = st->Step();
  if (!row) {
    return row.error();
  }
  if (!*row) {
    return Error(ErrorCode::kInternal, std::string(sql) + ": no row");
  }
  return st->ColumnInt64(0);
}

Result<bool> HasColumn(Database& db, std::string_view table, std::string_view column) {
  Result<Statement> st = db.Prepare("PRAGMA table_info(" + std::string(table) + ")");
  if (!st) {
    return st.error();
  }
  for (;;) {
    Result<bool> row = st->Step();
    if (!row) {
      return row.error();
    }
    if (!*row) {
      return false;
    }
    if (st->ColumnText(1) == column) {  // columns: cid, name, type, notnull, dflt, pk
      return true;
    }
  }
}

Status AddColumnIfMissing(Database& db, std::string_view table, std::string_view column,
                          std::string_view type) {
  Result<bool> has = HasColumn(db, table, column);
  if (!has) {
    return has.error();
  }
  if (*has) {
    return core::Ok();
  }
  return db.Exec("ALTER TABLE " + std::string(table) + " ADD COLUMN " + std::string(column) + " " +
                 std::string(type));
}

// Migration 1: exactly the reference schema (SPEC 3.3), including its two in-place column
// additions, so a reference store at user_version 0 lands here whatever its age.
Status MigrateToReferenceSchema(Database& db) {
  Status s = db.Exec(
      "CREATE TABLE IF NOT EXISTS sessions ("
      " id TEXT PRIMARY KEY NOT NULL, project_root TEXT NOT NULL, harness TEXT NOT NULL,"
      " title TEXT NOT NULL, status TEXT NOT NULL, exit_code INTEGER, archived_at TEXT,"
      " created_at TEXT NOT NULL, updated_at TEXT NOT NULL);"
      "CREATE TABLE IF NOT EXISTS events ("
      " id TEXT PRIMARY KEY NOT NULL, session_id TEXT NOT NULL, kind TEXT NOT NULL,"
      " payload_json TEXT NOT NULL, created_at TEXT NOT NULL,"
      " FOREIGN KEY (session_id) REFERENCES sessions(id) ON DELETE CASCADE);"
      "CREATE INDEX IF NOT EXISTS idx_sessions_created_at ON sessions(created_at DESC);"
      "CREATE INDEX IF NOT EXISTS idx_events_session_created_at"
      " ON events(session_id, created_at);");
  if (!s) {
    return s;
  }
  if (s = AddColumnIfMissing(db, "sessions", "exit_code", "INTEGER"); !s) {
    return s;
  }
  return AddColumnIfMissing(db, "sessions", "archived_at", "TEXT");
}

// Migration 2: what the shim-based runtime needs to re-adopt sessions (DESIGN.md). All
// nullable, so rows the reference implementation inserts into a shared file stay valid.
Status MigrateAddRuntimeColumns(Database& db) {
  static constexpr std::pair<const char*, const char*> kColumns[] = {
      {"cwd", "TEXT"},
      {"shim_pid", "INTEGER"},
      {"harness_pid", "INTEGER"},
      {"exit_signal", "TEXT"},
  };
  for (const auto& [name, type] : kColumns) {
    if (Status s = AddColumnIfMissing(db, "sessions", name, type); !s) {
      return s;
    }
  }
  return db.Exec("CREATE INDEX IF NOT EXISTS idx_sessions_status ON sessions(status)");
}

struct Migration {
  int version;
  Status (*apply)(Database&);
};

constexpr Migration kMigrations[] = {
    {1, MigrateToReferenceSchema},
    {2, MigrateAddRuntimeColumns},
};
static_assert(std::size(kMigrations) == Ledger::kSchemaVersion);

Error TooNewError(int64_t version) {
  return Error(ErrorCode::kConflict, "ledger schema version " + std::to_string(version) +
                                         " is newer than this coven supports (" +
                                         std::to_string(Ledger::kSchemaVersion) +
                                         "); upgrade coven");
}

// Applies one migration and bumps user_version atomically. Another process may have
// migrated since we looked, so the version is read again under the write lock.
Status ApplyMigration(Database& db, const Migration& m) {
  Result<Transaction> tx = Transaction::Begin(db);
  if (!tx) {
    return tx.error();
  }
  Result<int64_t> version = QueryInt64(db, "PRAGMA user_version");
  if (!version) {
    return version.error();
  }
  if (*version >= m.version) {
    return core::Ok();  // the transaction rolls back: nothing was written
  }
  if (Status s = m.apply(db); !s) {
    return s.error().WithContext("migration " + std::to_string(m.version));
  }
  if (Status s = db.Exec("PRAGMA user_version = " + std::to_string(m.version)); !s) {
    return s;
  }
  return tx->Commit();
}

// SQLite creates database files with mode 0644 (less the umask) and gives its -wal and -shm
// files the main file's mode, so creating the file ourselves first keeps all three private.
Status CreatePrivateFileIfMissing(const std::string& path) {
  core::UniqueFd fd(
      ::open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, S_IRUSR | S_IWUSR));
  if (!fd.valid()) {
    int err = errno;
    if (err == EEXIST) {
      return core::Ok();
    }
    return core::SysError("create " + path, err);
  }
  if (::fchmod(fd.fd(), S_IRUSR | S_IWUSR) != 0) {  // the umask may have removed bits
    return core::SysError("chmod " + path, errno);
  }
  return core::Ok();
}

// Connection settings; none of these writes to the file.
Status Configure(Database& db) {
  if (Status s = db.SetBusyTimeout(kBusyTimeoutMs); !s) {
    return s;
  }
  return db.Exec("PRAGMA foreign_keys = ON");
}

Status EnableWal(Database& db) {
  Result<Statement> st = db.Prepare("PRAGMA journal_mode = WAL");
  if (!st) {
    return st.error();
  }
  Result<bool> row = st->Step();
  if (!row) {
    return row.error();
  }
  std::string mode = *row ? st->ColumnText(0) : std::string();
  if (mode != "wal") {
    return Error(ErrorCode::kIo, "cannot enable WAL journal (mode is '" + mode + "')");
  }
  // In WAL mode NORMAL keeps the database consistent across a crash of any process and
  // only a power loss can drop the last commits; FULL would fsync every commit (two per
  // launch), which dominated launch latency.
  return db.Exec("PRAGMA synchronous = NORMAL");
}

// Takes the write lock only when a migration is due, so opening an up-to-date ledger never
// waits for (or blocks) another writer.
Result<int> Migrate(Database& db, int64_t initial_version) {
  for (const Migration& m : kMigrations) {
    if (initial_version >= m.version) {
      continue;
    }
    if (Status s = ApplyMigration(db, m); !s) {
      return s.error();
    }
  }
  Result<int64_t> version = QueryInt64(db, "PRAGMA user_version");
  if (!version) {
    return version.error();
  }
  if (*version != Ledger::kSchemaVersion) {  // a newer coven got there in the meantime
    return TooNewError(*version);
  }
  return Ledger::kSchemaVersion;
}

}  // namespace

Result<Ledger> Ledger::Open(const std::string& path) {
  const std::string context = "open ledger " + path;
  if (Status s = CreatePrivateFileIfMissing(path); !s) {
    return s.error().WithContext("open ledger");
  }
  Result<Database> db = Database::Open(path);
  if (!db) {
    return db.error().WithContext("open ledger");
  }
  if (Status s = Configure(*db); !s) {
    return s.error().WithContext(context);
  }
  // Check the version before anything writes: switching to WAL rewrites the header.
  Result<int64_t> version = QueryInt64(*db, "PRAGMA user_version");
  if (!version) {
    return version.error().WithContext(context);
  }
  if (*version > kSchemaVersion) {
    return TooNewError(*version).WithContext(context);
  }
  if (Status s = EnableWal(*db); !s) {
    return s.error().WithContext(context);
  }
  Result<int> migrated = Migrate(*db, *version);
  if (!migrated) {
    return migrated.error().WithContext(context);
  }
  return Ledger(std::move(*db), *migrated);
}

Result<Ledger> Ledger::OpenForSalvage(const std::string& path) {
  Result<Database> db = Database::OpenReadOnly(path);
  if (!db) {
    return db.error().WithContext("open damaged ledger");
  }
  Result<int64_t> version = QueryInt64(*db, "PRAGMA user_version");
  return Ledger(std::move(*db), version ? static_cast<int>(*version) : 0);
}

Result<std::string> Ledger::CheckFile(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    return core::SysError("stat " + path, errno);
  }
  Result<Database> db = Database::OpenReadOnly(path);
  if (!db) {
    return db.error();
  }
  return Ledger(std::move(*db), 0).IntegrityCheck();
}

Status Ledger::InsertSession(const SessionRow& row) {
  Result<Statement> st = db_.Prepare(std::string("INSERT INTO sessions (") + kSessionColumns +
                                     ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, "
                                     "?12, ?13)");
  if (!st) {
    return st.error();
  }
  Status s = st->Bind(1, row.id);
  s = s ? st->Bind(2, row.project_root) : s;
  s = s ? st->Bind(3, row.harness) : s;
  s = s ? st->Bind(4, row.title) : s;
  s = s ? st->Bind(5, row.status) : s;
  s = s ? st->Bind(6, row.exit_code) : s;
  s = s ? st->Bind(7, row.archived_at) : s;
  s = s ? st->Bind(8, row.created_at) : s;
  s = s ? st->Bind(9, row.updated_at) : s;
  s = s ? st->Bind(10, row.cwd) : s;
  s = s ? st->Bind(11, row.shim_pid) : s;
  s = s ? st->Bind(12, row.harness_pid) : s;
  s = s ? st->Bind(13, row.exit_signal) : s;
  s = s ? st->Run() : s;
  if (!s) {
    return s.error().WithContext("insert session " + row.id);
  }
  return core::Ok();
}

Result<std::vector<SessionRow>> Ledger::QueryRows(const char* sql,
                                                  const std::optional<std::string>& arg) {
  Result<Statement> st = db_.Prepare(sql);
  if (!st) {
    return st.error();
  }
  if (arg) {
    if (Status s = st->Bind(1, *arg); !s) {
      return s.error();
    }
  }
  std::vector<SessionRow> rows;
  for (;;) {
    Result<bool> row = st->Step();
    if (!row) {
      return row.error();
    }
    if (!*row) {
      return rows;
    }
    rows.push_back(ReadRow(*st));
  }
}

Result<std::optional<SessionRow>> Ledger::GetSession(const std::string& id) {
  std::string sql = std::string("SELECT ") + kSessionColumns + " FROM sessions WHERE id = ?1";
  Result<std::vector<SessionRow>> rows = QueryRows(sql.c_str(), id);
  if (!rows) {
    return rows.error().WithContext("get session " + id);
  }
  if (rows->empty()) {
    return std::optional<SessionRow>();
  }
  return std::optional<SessionRow>(std::move(rows->front()));
}

Result<std::vector<SessionRow>> Ledger::ListSessions(bool include_archived) {
  std::string sql = std::string("SELECT ") + kSessionColumns + " FROM sessions" +
                    (include_archived ? "" : " WHERE archived_at IS NULL") +
                    " ORDER BY created_at DESC, id DESC";
  Result<std::vector<SessionRow>> rows = QueryRows(sql.c_str(), std::nullopt);
  if (!rows) {
    return rows.error().WithContext("list sessions");
  }
  return rows;
}

Result<std::vector<SessionRow>> Ledger::ListByStatus(const std::string& status) {
  std::string sql = std::string("SELECT ") + kSessionColumns +
                    " FROM sessions WHERE status = ?1 ORDER BY created_at DESC, id DESC";
  Result<std::vector<SessionRow>> rows = QueryRows(sql.c_str(), status);
  if (!rows) {
    return rows.error().WithContext("list sessions by status");
  }
  return rows;
}

Result<std::vector<std::string>> Ledger::FindIdsByPrefix(const std::string& prefix) {
  // substr/length instead of LIKE: no wildcards to escape, and exact case.
  Result<Statement> st =
      db_.Prepare("SELECT id FROM sessions WHERE substr(id, 1, length(?1)) = ?1 ORDER BY id");
  if (!st) {
    return st.error();
  }
  if (Status s = st->Bind(1, prefix); !s) {
    return s.error();
  }
  std::vector<std::string> ids;
  for (;;) {
    Result<bool> row = st->Step();
    if (!row) {
      return row.error().WithContext("find session ids");
    }
    if (!*row) {
      return ids;
    }
    ids.push_back(st->ColumnText(0));
  }
}

Result<bool> Ledger::UpdateStatusWhere(const char* sql, const std::string& id,
                                       const std::string& status, std::optional<int64_t> exit_code,
                                       const std::optional<std::string>& exit_signal,
                                       const std::string& updated_at) {
  Result<Statement> st = db_.Prepare(sql);
  if (!st) {
    return st.error();
  }
  Status s = st->Bind(1, id);
  s = s ? st->Bind(2, status) : s;
  s = s ? st->Bind(3, exit_code) : s;
  s = s ? st->Bind(4, exit_signal) : s;
  s = s ? st->Bind(5, updated_at) : s;
  s = s ? st->Run() : s;
  if (!s) {
    return s.error().WithContext("update session " + id);
  }
  return db_.changes() > 0;
}

Status Ledger::UpdateStatus(const std::string& id, const std::string& status,
                            std::optional<int64_t> exit_code,
                            std::optional<std::string> exit_signal, const std::string& updated_at) {
  Result<bool> changed = UpdateStatusWhere(
      "UPDATE sessions SET status = ?2, exit_code = ?3, exit_signal = ?4, updated_at = ?5"
      " WHERE id = ?1",
      id, status, exit_code, exit_signal, updated_at);
  if (!changed) {
    return changed.error();
  }
  if (!*changed) {
    return Error(ErrorCode::kSessionNotFound, "session not found: " + id);
  }
  return core::Ok();
}

Result<bool> Ledger::UpdateStatusIfRunning(const std::string& id, const std::string& status,
                                           std::optional<int64_t> exit_code,
                                           std::optional<std::string> exit_signal,
                                           const std::string& updated_at) {
  return UpdateStatusWhere(
      "UPDATE sessions SET status = ?2, exit_code = ?3, exit_signal = ?4, updated_at = ?5"
      " WHERE id = ?1 AND status = 'running'",
      id, status, exit_code, exit_signal, updated_at);
}

Status Ledger::SetPids(const std::string& id, std::optional<int64_t> shim_pid,
                       std::optional<int64_t> harness_pid) {
  Result<Statement> st =
      db_.Prepare("UPDATE sessions SET shim_pid = ?2, harness_pid = ?3 WHERE id = ?1");
  if (!st) {
    return st.error();
  }
  Status s = st->Bind(1, id);
  s = s ? st->Bind(2, shim_pid) : s;
  s = s ? st->Bind(3, harness_pid) : s;
  s = s ? st->Run() : s;
  if (!s) {
    return s.error().WithContext("set pids of session " + id);
  }
  if (db_.changes() == 0) {
    return Error(ErrorCode::kSessionNotFound, "session not found: " + id);
  }
  return core::Ok();
}

namespace {

// Runs an UPDATE/DELETE binding (?1 = id[, ?2 = ts]) and reports whether a row changed.
Result<bool> RunForId(Database& db, const char* sql, const std::string& id,
                      const std::optional<std::string>& ts) {
  Result<Statement> st = db.Prepare(sql);
  if (!st) {
    return st.error();
  }
  Status s = st->Bind(1, id);
  if (s && ts) {
    s = st->Bind(2, *ts);
  }
  s = s ? st->Run() : s;
  if (!s) {
    return s.error();
  }
  return db.changes() > 0;
}

}  // namespace

Result<bool> Ledger::Archive(const std::string& id, const std::string& ts) {
  Result<bool> changed =
      RunForId(db_, "UPDATE sessions SET archived_at = ?2, updated_at = ?2 WHERE id = ?1", id, ts);
  if (!changed) {
    return changed.error().WithContext("archive session " + id);
  }
  return changed;
}

Result<bool> Ledger::Summon(const std::string& id, const std::string& ts) {
  Result<bool> changed = RunForId(
      db_, "UPDATE sessions SET archived_at = NULL, updated_at = ?2 WHERE id = ?1", id, ts);
  if (!changed) {
    return changed.error().WithContext("summon session " + id);
  }
  return changed;
}

Result<bool> Ledger::DeleteSession(const std::string& id) {
  // The foreign key cascades too; deleting the events explicitly also covers an old
  // `events` table created without it.
  Result<Transaction> tx = Transaction::Begin(db_);
  if (!tx) {
    return tx.error().WithContext("delete session " + id);
  }
  Result<bool> events = RunForId(db_, "DELETE FROM events WHERE session_id = ?1", id, std::nullopt);
  if (!events) {
    return events.error().WithContext("delete events of session " + id);
  }
  Result<bool> deleted = RunForId(db_, "DELETE FROM sessions WHERE id = ?1", id, std::nullopt);
  if (!deleted) {
    return deleted.error().WithContext("delete session " + id);
  }
  if (Status s = tx->Commit(); !s) {
    return s.error().WithContext("delete session " + id);
  }
  return deleted;
}

Result<int> Ledger::OrphanSweep(const std::string& ts) {
  Result<Statement> st = db_.Prepare(
      "UPDATE sessions SET status = 'orphaned', updated_at = ?1 WHERE status = 'running'");
  if (!st) {
    return st.error();
  }
  Status s = st->Bind(1, ts);
  s = s ? st->Run() : s;
  if (!s) {
    return s.error().WithContext("orphan sweep");
  }
  return static_cast<int>(db_.changes());
}

Result<std::vector<LegacyEvent>> Ledger::ListLegacyEvents(const std::string& session_id,
                                                          std::optional<int64_t> after_rowid,
                                                          std::optional<int64_t> limit) {
  Result<Statement> st = db_.Prepare(
      "SELECT rowid AS seq, id, session_id, kind, payload_json, created_at FROM events"
      " WHERE session_id = ?1 AND (?2 IS NULL OR rowid > ?2) ORDER BY rowid ASC LIMIT ?3");
  if (!st) {
    return st.error();
  }
  Status s = st->Bind(1, session_id);
  s = s ? st->Bind(2, after_rowid) : s;
  s = s ? st->Bind(3, limit.value_or(-1)) : s;  // SQLite: a negative LIMIT means none
  if (!s) {
    return s.error();
  }
  std::vector<LegacyEvent> events;
  for (;;) {
    Result<bool> row = st->Step();
    if (!row) {
      return row.error().WithContext("list legacy events of session " + session_id);
    }
    if (!*row) {
      return events;
    }
    events.push_back(LegacyEvent{st->ColumnInt64(0), st->ColumnText(1), st->ColumnText(2),
                                 st->ColumnText(3), st->ColumnText(4), st->ColumnText(5)});
  }
}

Result<std::optional<int64_t>> Ledger::LegacyEventSeq(const std::string& session_id,
                                                      const std::string& event_id) {
  Result<Statement> st = db_.Prepare("SELECT rowid FROM events WHERE session_id = ?1 AND id = ?2");
  if (!st) {
    return st.error();
  }
  Status s = st->Bind(1, session_id);
  s = s ? st->Bind(2, event_id) : s;
  if (!s) {
    return s.error();
  }
  Result<bool> row = st->Step();
  if (!row) {
    return row.error().WithContext("find legacy event " + event_id);
  }
  if (!*row) {
    return std::optional<int64_t>();
  }
  return std::optional<int64_t>(st->ColumnInt64(0));
}

Status Ledger::InsertLegacyEventForTesting(const LegacyEvent& event) {
  Result<Statement> st = db_.Prepare(
      "INSERT INTO events (rowid, id, session_id, kind, payload_json, created_at)"
      " VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
  if (!st) {
    return st.error();
  }
  // A NULL rowid lets SQLite choose the next one, as the reference's inserts did.
  Status s = event.seq > 0 ? st->Bind(1, event.seq) : st->Bind(1, std::nullopt);
  s = s ? st->Bind(2, event.id) : s;
  s = s ? st->Bind(3, event.session_id) : s;
  s = s ? st->Bind(4, event.kind) : s;
  s = s ? st->Bind(5, event.payload_json) : s;
  s = s ? st->Bind(6, event.created_at) : s;
  s = s ? st->Run() : s;
  if (!s) {
    return s.error().WithContext("insert legacy event " + event.id);
  }
  return core::Ok();
}

Result<std::string> Ledger::IntegrityCheck() {
  Result<Statement> st = db_.Prepare("PRAGMA quick_check");
  if (!st) {
    return st.error();
  }
  std::string findings;
  for (;;) {
    Result<bool> row = st->Step();
    if (!row) {
      return row.error().WithContext("integrity check");
    }
    if (!*row) {
      return findings;
    }
    if (!findings.empty()) {
      findings += '\n';
    }
    findings += st->ColumnText(0);
  }
}

}  // namespace coven::store
