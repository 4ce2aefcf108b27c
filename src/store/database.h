// store/database.h: thin RAII owners for a SQLite connection, a prepared statement and a
// write transaction.
//
// These types hide <sqlite3.h> from the rest of the program and turn SQLite result codes
// into core::Error values (SQLITE_CORRUPT/NOTADB -> kCorrupt, SQLITE_CONSTRAINT ->
// kConflict, anything else -> kIo, with sqlite's own message). They know nothing about
// Coven's tables; store/ledger.h does.
//
// Lifetimes: a Statement or Transaction observes the Database it came from, which must
// outlive it. None of these types is thread-safe; one thread at a time may use a Database
// and everything made from it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.h"

struct sqlite3;
struct sqlite3_stmt;

namespace coven::store {

class Statement;

// Owns one sqlite3 connection; the destructor closes it. Move-only.
class Database {
 public:
  // Opens (creating if missing) the database file at `path`, refusing to follow a symlink
  // as the final component. Sets no pragmas. kIo/kCorrupt on failure.
  static core::Result<Database> Open(const std::string& path);
  // Opens an existing database file read-only (nothing is created or written), for
  // checking or salvaging a ledger that may be damaged. kIo/kCorrupt on failure.
  static core::Result<Database> OpenReadOnly(const std::string& path);

  Database(Database&& other) noexcept;
  Database& operator=(Database&& other) noexcept;
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;
  ~Database();

  // Runs one or more SQL statements that return no rows of interest.
  core::Status Exec(std::string_view sql);
  // Compiles one SQL statement. The Statement must not outlive this Database.
  core::Result<Statement> Prepare(std::string_view sql);
  // How long a statement waits for another connection's lock before failing with busy.
  core::Status SetBusyTimeout(int milliseconds);

  // Rows changed by the last INSERT/UPDATE/DELETE on this connection.
  int64_t changes() const;
  // rowid of the last successful INSERT on this connection.
  int64_t last_insert_rowid() const;
  // The raw handle, still owned by this object (null after a move).
  sqlite3* handle() const { return db_; }

 private:
  explicit Database(sqlite3* db) noexcept : db_(db) {}
  void Close() noexcept;

  sqlite3* db_ = nullptr;
};

// Owns one prepared statement; the destructor finalizes it. Move-only. Parameter and
// column indexes follow SQLite: parameters count from 1, columns from 0.
class Statement {
 public:
  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&& other) noexcept;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement();

  // Bind a parameter. Text is copied by SQLite. kIo when `idx` is out of range.
  core::Status Bind(int idx, std::string_view value);
  core::Status Bind(int idx, const std::string& value) {
    return Bind(idx, std::string_view(value));
  }
  core::Status Bind(int idx, const char* value) { return Bind(idx, std::string_view(value)); }
  core::Status Bind(int idx, int64_t value);
  core::Status Bind(int idx, std::nullopt_t);
  // NULL when empty, else the value.
  core::Status Bind(int idx, const std::optional<int64_t>& value);
  core::Status Bind(int idx, const std::optional<std::string>& value);

  // Runs the statement one step: true when a row is available to read with the Column
  // accessors, false when the statement has finished. An error (busy after the timeout,
  // constraint, I/O) leaves the statement needing Reset() before reuse.
  core::Result<bool> Step();
  // Runs the statement to completion, discarding any rows.
  core::Status Run();
  // Rewinds so the statement can run again; bindings are kept.
  void Reset() noexcept;
  // Sets every parameter back to NULL.
  void ClearBindings() noexcept;

  // Column accessors, valid only after Step() returned true. NULL reads as "" / 0.
  int ColumnCount() const;
  bool ColumnIsNull(int col) const;
  std::string ColumnText(int col) const;
  int64_t ColumnInt64(int col) const;
  std::optional<std::string> ColumnOptionalText(int col) const;
  std::optional<int64_t> ColumnOptionalInt64(int col) const;

 private:
  friend class Database;
  explicit Statement(sqlite3_stmt* stmt) noexcept : stmt_(stmt) {}
  core::Status CheckBind(int rc, int idx);

  sqlite3_stmt* stmt_ = nullptr;
};

// A write transaction started with BEGIN IMMEDIATE, so it takes the write lock up front
// (waiting up to the busy timeout) and never fails later with a lock upgrade. The
// destructor rolls back unless Commit() succeeded. Move-only; `db` must outlive it.
class Transaction {
 public:
  static core::Result<Transaction> Begin(Database& db);

  Transaction(Transaction&& other) noexcept;
  Transaction& operator=(Transaction&& other) noexcept;
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  ~Transaction();

  // Commits. On failure the transaction is still open and the destructor rolls it back.
  core::Status Commit();

 private:
  explicit Transaction(Database* db) noexcept : db_(db) {}
  void Rollback() noexcept;

  Database* db_ = nullptr;  // null once committed, rolled back or moved from
};

}  // namespace coven::store
