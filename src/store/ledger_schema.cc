// Ledger::Open and the schema migrations (SPEC 3.3, DESIGN "Storage"): the versioned steps
// that bring a ledger of any supported age to kSchemaVersion.
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>

#include <iterator>
#include <string>
#include <string_view>
#include <utility>

#include "core/unique_fd.h"
#include "store/ledger.h"

namespace coven::store {

using core::Error;
using core::ErrorCode;
using core::Result;
using core::Status;

namespace {

constexpr int kBusyTimeoutMs = 5000;

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

// Migration 3: conversation resume and worktrees (issue 10). Nullable, as in migration 2.
Status MigrateAddConversationAndWorktree(Database& db) {
  static constexpr std::pair<const char*, const char*> kColumns[] = {
      {"conversation_id", "TEXT"},
      {"worktree_path", "TEXT"},
      {"worktree_branch", "TEXT"},
  };
  for (const auto& [name, type] : kColumns) {
    if (Status s = AddColumnIfMissing(db, "sessions", name, type); !s) {
      return s;
    }
  }
  return core::Ok();
}

struct Migration {
  int version;
  Status (*apply)(Database&);
};

constexpr Migration kMigrations[] = {
    {1, MigrateToReferenceSchema},
    {2, MigrateAddRuntimeColumns},
    {3, MigrateAddConversationAndWorktree},
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

}  // namespace coven::store
