#include "store/ledger.h"

#include <string>
#include <utility>

namespace coven::store {
namespace {

using core::Error;
using core::ErrorCode;
using core::Result;
using core::Status;

// Column order shared by every SELECT of sessions and by ReadRow().
constexpr const char* kSessionColumns =
    "id, project_root, harness, title, status, exit_code, archived_at, created_at, "
    "updated_at, cwd, shim_pid, harness_pid, exit_signal, conversation_id, worktree_path, "
    "worktree_branch";
// The same for a file at schema 2 opened for salvage (never migrated): migration 3's
// columns read as NULL.
constexpr const char* kSessionColumnsV2 =
    "id, project_root, harness, title, status, exit_code, archived_at, created_at, "
    "updated_at, cwd, shim_pid, harness_pid, exit_signal, NULL, NULL, NULL";

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
  row.conversation_id = st.ColumnOptionalText(13);
  row.worktree_path = st.ColumnOptionalText(14);
  row.worktree_branch = st.ColumnOptionalText(15);
  return row;
}

}  // namespace

Status Ledger::InsertSession(const SessionRow& row) {
  Result<Statement> st = db_.Prepare(std::string("INSERT INTO sessions (") + kSessionColumns +
                                     ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, "
                                     "?12, ?13, ?14, ?15, ?16)");
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
  s = s ? st->Bind(14, row.conversation_id) : s;
  s = s ? st->Bind(15, row.worktree_path) : s;
  s = s ? st->Bind(16, row.worktree_branch) : s;
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
  const char* columns = schema_version_ == 2 ? kSessionColumnsV2 : kSessionColumns;
  std::string sql = std::string("SELECT ") + columns + " FROM sessions WHERE id = ?1";
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

Result<std::vector<SessionRow>> Ledger::ListByStatus(core::SessionStatus status) {
  std::string sql = std::string("SELECT ") + kSessionColumns +
                    " FROM sessions WHERE status = ?1 ORDER BY created_at DESC, id DESC";
  Result<std::vector<SessionRow>> rows = QueryRows(sql.c_str(), core::StatusText(status));
  if (!rows) {
    return rows.error().WithContext("list sessions by status");
  }
  return rows;
}

Result<std::vector<SessionRow>> Ledger::ListWithWorktree() {
  std::string sql = std::string("SELECT ") + kSessionColumns +
                    " FROM sessions WHERE worktree_path IS NOT NULL"
                    " ORDER BY created_at DESC, id DESC";
  Result<std::vector<SessionRow>> rows = QueryRows(sql.c_str(), std::nullopt);
  if (!rows) {
    return rows.error().WithContext("list sessions with worktrees");
  }
  return rows;
}

Result<bool> Ledger::UpdateStatusWhere(const char* sql, const std::string& id,
                                       core::SessionStatus status, std::optional<int64_t> exit_code,
                                       const std::optional<std::string>& exit_signal,
                                       const std::string& updated_at) {
  Result<Statement> st = db_.Prepare(sql);
  if (!st) {
    return st.error();
  }
  Status s = st->Bind(1, id);
  s = s ? st->Bind(2, core::StatusText(status)) : s;
  s = s ? st->Bind(3, exit_code) : s;
  s = s ? st->Bind(4, exit_signal) : s;
  s = s ? st->Bind(5, updated_at) : s;
  s = s ? st->Run() : s;
  if (!s) {
    return s.error().WithContext("update session " + id);
  }
  return db_.changes() > 0;
}

Status Ledger::UpdateStatus(const std::string& id, core::SessionStatus status,
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

Result<bool> Ledger::UpdateStatusIfRunning(const std::string& id, core::SessionStatus status,
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
