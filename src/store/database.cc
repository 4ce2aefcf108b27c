#include "store/database.h"

#include <climits>
#include <utility>

#include <sqlite3.h>

namespace coven::store {
namespace {

core::ErrorCode CodeFor(int rc) {
  switch (rc & 0xff) {  // primary result code
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return core::ErrorCode::kCorrupt;
    case SQLITE_CONSTRAINT:
      return core::ErrorCode::kConflict;
    case SQLITE_FULL:  // the disk or quota is full; SQLite has rolled the statement back
      return core::ErrorCode::kStorageFull;
    default:
      return core::ErrorCode::kIo;
  }
}

// The connection's message describes the latest failure better than sqlite3_errstr(rc),
// which only names the code; use it when there is a connection.
core::Error SqliteError(sqlite3* db, int rc, std::string_view context) {
  std::string message(context);
  message += ": ";
  message += db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  return {CodeFor(rc), std::move(message)};
}

}  // namespace

// ---- Database ----

core::Result<Database> Database::Open(const std::string& path) {
  sqlite3* db = nullptr;
  // EXRESCODE: extended codes in errors. NOFOLLOW: the ledger path is ours, never a link.
  int flags =
      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOFOLLOW | SQLITE_OPEN_EXRESCODE;
  int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
  if (rc != SQLITE_OK) {
    core::Error error = SqliteError(db, rc, "open " + path);
    sqlite3_close_v2(db);  // a handle is returned even on failure (or null: a no-op)
    return error;
  }
  return Database(db);
}

core::Result<Database> Database::OpenReadOnly(const std::string& path) {
  sqlite3* db = nullptr;
  int flags = SQLITE_OPEN_READONLY | SQLITE_OPEN_NOFOLLOW | SQLITE_OPEN_EXRESCODE;
  int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
  if (rc != SQLITE_OK) {
    core::Error error = SqliteError(db, rc, "open " + path);
    sqlite3_close_v2(db);
    return error;
  }
  return Database(db);
}

Database::Database(Database&& other) noexcept : db_(std::exchange(other.db_, nullptr)) {}

Database& Database::operator=(Database&& other) noexcept {
  if (this != &other) {
    Close();
    db_ = std::exchange(other.db_, nullptr);
  }
  return *this;
}

Database::~Database() {
  Close();
}

void Database::Close() noexcept {
  // close_v2 defers the real close until every statement is finalized, so an outstanding
  // Statement cannot make this fail.
  if (db_ != nullptr) {
    sqlite3_close_v2(db_);
    db_ = nullptr;
  }
}

core::Status Database::Exec(std::string_view sql) {
  std::string text(sql);  // sqlite3_exec needs a terminated string
  int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) {
    return SqliteError(db_, rc, "sqlite exec");
  }
  return core::Ok();
}

core::Result<Statement> Database::Prepare(std::string_view sql) {
  if (sql.size() > INT_MAX) {
    return core::Error(core::ErrorCode::kInternal, "sqlite prepare: statement too long");
  }
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &stmt, nullptr);
  if (rc != SQLITE_OK) {
    return SqliteError(db_, rc, "sqlite prepare");
  }
  if (stmt == nullptr) {  // the text held only whitespace or comments
    return core::Error(core::ErrorCode::kInternal, "sqlite prepare: empty statement");
  }
  return Statement(stmt);
}

core::Status Database::SetBusyTimeout(int milliseconds) {
  int rc = sqlite3_busy_timeout(db_, milliseconds);
  if (rc != SQLITE_OK) {
    return SqliteError(db_, rc, "sqlite busy_timeout");
  }
  return core::Ok();
}

int64_t Database::changes() const {
  return sqlite3_changes64(db_);
}

int64_t Database::last_insert_rowid() const {
  return sqlite3_last_insert_rowid(db_);
}

// ---- Statement ----

Statement::Statement(Statement&& other) noexcept : stmt_(std::exchange(other.stmt_, nullptr)) {}

Statement& Statement::operator=(Statement&& other) noexcept {
  if (this != &other) {
    sqlite3_finalize(stmt_);
    stmt_ = std::exchange(other.stmt_, nullptr);
  }
  return *this;
}

Statement::~Statement() {
  sqlite3_finalize(stmt_);  // a no-op for a moved-from (null) statement
}

core::Status Statement::CheckBind(int rc, int idx) {
  if (rc != SQLITE_OK) {
    return SqliteError(sqlite3_db_handle(stmt_), rc, "sqlite bind " + std::to_string(idx));
  }
  return core::Ok();
}

core::Status Statement::Bind(int idx, std::string_view value) {
  // A null data pointer would bind NULL; an empty view must still bind ''.
  const char* data = value.data() != nullptr ? value.data() : "";
  return CheckBind(
      sqlite3_bind_text64(stmt_, idx, data, value.size(), SQLITE_TRANSIENT, SQLITE_UTF8), idx);
}

core::Status Statement::Bind(int idx, int64_t value) {
  return CheckBind(sqlite3_bind_int64(stmt_, idx, value), idx);
}

core::Status Statement::Bind(int idx, std::nullopt_t) {
  return CheckBind(sqlite3_bind_null(stmt_, idx), idx);
}

core::Status Statement::Bind(int idx, const std::optional<int64_t>& value) {
  return value ? Bind(idx, *value) : Bind(idx, std::nullopt);
}

core::Status Statement::Bind(int idx, const std::optional<std::string>& value) {
  return value ? Bind(idx, std::string_view(*value)) : Bind(idx, std::nullopt);
}

core::Result<bool> Statement::Step() {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) {
    return true;
  }
  if (rc == SQLITE_DONE) {
    return false;
  }
  return SqliteError(sqlite3_db_handle(stmt_), rc, "sqlite step");
}

core::Status Statement::Run() {
  for (;;) {
    core::Result<bool> row = Step();
    if (!row) {
      return row.error();
    }
    if (!*row) {
      return core::Ok();
    }
  }
}

void Statement::Reset() noexcept {
  sqlite3_reset(stmt_);
}

void Statement::ClearBindings() noexcept {
  sqlite3_clear_bindings(stmt_);
}

int Statement::ColumnCount() const {
  return sqlite3_column_count(stmt_);
}

bool Statement::ColumnIsNull(int col) const {
  return sqlite3_column_type(stmt_, col) == SQLITE_NULL;
}

std::string Statement::ColumnText(int col) const {
  // Call text before bytes, as SQLite documents, so the length matches the UTF-8 form.
  const unsigned char* text = sqlite3_column_text(stmt_, col);
  int size = sqlite3_column_bytes(stmt_, col);
  if (text == nullptr || size <= 0) {
    return {};
  }
  return {reinterpret_cast<const char*>(text), static_cast<size_t>(size)};
}

int64_t Statement::ColumnInt64(int col) const {
  return sqlite3_column_int64(stmt_, col);
}

std::optional<std::string> Statement::ColumnOptionalText(int col) const {
  if (ColumnIsNull(col)) {
    return std::nullopt;
  }
  return ColumnText(col);
}

std::optional<int64_t> Statement::ColumnOptionalInt64(int col) const {
  if (ColumnIsNull(col)) {
    return std::nullopt;
  }
  return ColumnInt64(col);
}

// ---- Transaction ----

core::Result<Transaction> Transaction::Begin(Database& db) {
  if (core::Status s = db.Exec("BEGIN IMMEDIATE"); !s) {
    return s.error().WithContext("begin transaction");
  }
  return Transaction(&db);
}

Transaction::Transaction(Transaction&& other) noexcept : db_(std::exchange(other.db_, nullptr)) {}

Transaction& Transaction::operator=(Transaction&& other) noexcept {
  if (this != &other) {
    Rollback();
    db_ = std::exchange(other.db_, nullptr);
  }
  return *this;
}

Transaction::~Transaction() {
  Rollback();
}

core::Status Transaction::Commit() {
  COVEN_CHECK(db_ != nullptr);
  if (core::Status s = db_->Exec("COMMIT"); !s) {
    return s.error().WithContext("commit transaction");
  }
  db_ = nullptr;
  return core::Ok();
}

void Transaction::Rollback() noexcept {
  if (db_ == nullptr) {
    return;
  }
  // SQLite may already have rolled back on its own (after SQLITE_FULL, SQLITE_IOERR, ...);
  // only roll back while a transaction is still open, and ignore the result: there is
  // nothing more a destructor can do.
  if (sqlite3_get_autocommit(db_->handle()) == 0) {
    sqlite3_exec(db_->handle(), "ROLLBACK", nullptr, nullptr, nullptr);
  }
  db_ = nullptr;
}

}  // namespace coven::store
