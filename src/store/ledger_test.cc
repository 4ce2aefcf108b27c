#include "store/ledger.h"

#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <future>
#include <iterator>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "store/database.h"
#include "support/temp_dir.h"

namespace coven::store {
namespace {

using coven::testing::TempDir;

using ::testing::TestWithParam;

SessionRow MakeRow(const std::string& id, const std::string& created_at,
                   const std::string& status = "running") {
  SessionRow row;
  row.id = id;
  row.project_root = "/repo";
  row.harness = "codex";
  row.title = "title " + id;
  row.status = status;
  row.created_at = created_at;
  row.updated_at = created_at;
  return row;
}

std::vector<std::string> Ids(const std::vector<SessionRow>& rows) {
  std::vector<std::string> ids;
  for (const SessionRow& r : rows) {
    ids.push_back(r.id);
  }
  return ids;
}

std::string ReadBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Runs one query on a separate raw connection and returns the first column of its first row.
std::string RawQuery(const std::string& path, const std::string& sql) {
  auto db = Database::Open(path);
  EXPECT_TRUE(db) << db.error().message;
  if (!db) {
    return {};
  }
  auto st = db->Prepare(sql);
  EXPECT_TRUE(st) << st.error().message;
  if (!st) {
    return {};
  }
  auto row = st->Step();
  EXPECT_TRUE(row && *row) << sql;
  return row && *row ? st->ColumnText(0) : std::string();
}

class LedgerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = (dir_ / "coven.sqlite3");
    auto ledger = Ledger::Open(path_);
    ASSERT_TRUE(ledger) << ledger.error().message;
    ledger_.emplace(std::move(*ledger));
  }

  void Insert(const SessionRow& row) {
    core::Status s = ledger_->InsertSession(row);
    ASSERT_TRUE(s) << s.error().message;
  }

  SessionRow Get(const std::string& id) {
    auto row = ledger_->GetSession(id);
    EXPECT_TRUE(row) << row.error().message;
    EXPECT_TRUE(row && row->has_value()) << id;
    return row && row->has_value() ? **row : SessionRow();
  }

  TempDir dir_;
  std::string path_;
  std::optional<Ledger> ledger_;
};

// Given a row with every field set, we should list and get back the identical record.
TEST_F(LedgerTest, InsertThenListReturnsIdenticalRecord) {
  SessionRow row = MakeRow("0b8f6c9e-1111-4abc-8def-000000000001", "2026-05-14T23:24:21.1Z");
  row.exit_code = 3;
  row.archived_at = "2026-05-15T00:00:00.0Z";
  row.updated_at = "2026-05-15T00:00:00.0Z";
  row.cwd = "/repo/sub";
  row.shim_pid = 1234;
  row.harness_pid = 1235;
  row.exit_signal = "SIGKILL";
  Insert(row);

  auto all = ledger_->ListSessions(true);
  ASSERT_TRUE(all) << all.error().message;
  ASSERT_EQ(all->size(), 1u);
  EXPECT_EQ(all->front(), row);
  EXPECT_EQ(Get(row.id), row);
  auto active = ledger_->ListSessions(false);
  ASSERT_TRUE(active);
  EXPECT_TRUE(active->empty());
}

// Given a missing id, GetSession should answer nullopt rather than an error.
TEST_F(LedgerTest, GetMissingIsNullopt) {
  auto row = ledger_->GetSession("nope");
  ASSERT_TRUE(row);
  EXPECT_FALSE(row->has_value());
}

// Given an id that already exists, a second insert should fail with kConflict.
TEST_F(LedgerTest, DuplicateInsertConflicts) {
  Insert(MakeRow("a", "t1"));
  core::Status s = ledger_->InsertSession(MakeRow("a", "t2"));
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, core::ErrorCode::kConflict);
}

// Given data written and the ledger closed, reopening the same file should keep the data
// and re-running the (idempotent) migrations should change nothing.
TEST_F(LedgerTest, ReopenKeepsData) {
  Insert(MakeRow("a", "t1"));
  ledger_.reset();
  for (int i = 0; i < 2; ++i) {
    auto again = Ledger::Open(path_);
    ASSERT_TRUE(again) << again.error().message;
    EXPECT_EQ(again->schema_version(), Ledger::kSchemaVersion);
    auto rows = again->ListSessions(true);
    ASSERT_TRUE(rows);
    EXPECT_EQ(Ids(*rows), std::vector<std::string>{"a"});
  }
}

// Given rows created at different times (two at the same instant), we should list newest
// first, ties broken by id descending.
TEST_F(LedgerTest, ListsNewestFirst) {
  Insert(MakeRow("b", "2026-01-01T00:00:02Z"));
  Insert(MakeRow("a", "2026-01-01T00:00:03Z"));
  Insert(MakeRow("c", "2026-01-01T00:00:01Z"));
  Insert(MakeRow("d", "2026-01-01T00:00:03Z"));
  auto rows = ledger_->ListSessions(false);
  ASSERT_TRUE(rows);
  EXPECT_EQ(Ids(*rows), (std::vector<std::string>{"d", "a", "b", "c"}));
}

// Given an update, we should persist status, exit code, signal and updated_at, overwrite
// them with NULL when asked, and report an unknown id.
TEST_F(LedgerTest, UpdateStatusSetsAllFields) {
  Insert(MakeRow("a", "t1"));
  ASSERT_TRUE(ledger_->UpdateStatus("a", core::SessionStatus::kFailed, 1, "SIGKILL", "t2"));
  SessionRow row = Get("a");
  EXPECT_EQ(row.status, "failed");
  EXPECT_EQ(row.exit_code, 1);
  EXPECT_EQ(row.exit_signal, "SIGKILL");
  EXPECT_EQ(row.updated_at, "t2");
  EXPECT_EQ(row.created_at, "t1");

  ASSERT_TRUE(
      ledger_->UpdateStatus("a", core::SessionStatus::kFailed, std::nullopt, std::nullopt, "t3"));
  row = Get("a");
  EXPECT_EQ(row.exit_code, std::nullopt);
  EXPECT_EQ(row.exit_signal, std::nullopt);
  EXPECT_EQ(row.updated_at, "t3");

  core::Status missing =
      ledger_->UpdateStatus("zzz", core::SessionStatus::kFailed, 1, std::nullopt, "t4");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, core::ErrorCode::kSessionNotFound);
}

// Given a killed session, the exit recorder's conditional update should leave it killed;
// a running one should be updated.
TEST_F(LedgerTest, UpdateStatusIfRunningKeepsKilled) {
  Insert(MakeRow("live", "t1", "running"));
  Insert(MakeRow("dead", "t1", "killed"));
  auto changed =
      ledger_->UpdateStatusIfRunning("dead", core::SessionStatus::kFailed, 1, "SIGTERM", "t2");
  ASSERT_TRUE(changed);
  EXPECT_FALSE(*changed);
  SessionRow dead = Get("dead");
  EXPECT_EQ(dead.status, "killed");
  EXPECT_EQ(dead.exit_code, std::nullopt);
  EXPECT_EQ(dead.updated_at, "t1");

  changed = ledger_->UpdateStatusIfRunning("live", core::SessionStatus::kCompleted, 0, std::nullopt,
                                           "t2");
  ASSERT_TRUE(changed);
  EXPECT_TRUE(*changed);
  EXPECT_EQ(Get("live").status, "completed");
  EXPECT_EQ(Get("live").exit_code, 0);

  changed =
      ledger_->UpdateStatusIfRunning("zzz", core::SessionStatus::kCompleted, 0, std::nullopt, "t2");
  ASSERT_TRUE(changed);
  EXPECT_FALSE(*changed);
}

// Given pids, SetPids should store them without touching updated_at.
TEST_F(LedgerTest, SetPidsPersists) {
  Insert(MakeRow("a", "t1"));
  ASSERT_TRUE(ledger_->SetPids("a", 10, 11));
  SessionRow row = Get("a");
  EXPECT_EQ(row.shim_pid, 10);
  EXPECT_EQ(row.harness_pid, 11);
  EXPECT_EQ(row.updated_at, "t1");
  ASSERT_TRUE(ledger_->SetPids("a", 10, std::nullopt));
  EXPECT_EQ(Get("a").harness_pid, std::nullopt);
  EXPECT_FALSE(ledger_->SetPids("zzz", 1, 2));
}

// Given rows in several states, the orphan sweep should change only running ones (archived
// included), set their updated_at, and return how many it changed.
TEST_F(LedgerTest, OrphanSweepOnlyTouchesRunning) {
  Insert(MakeRow("run", "t1", "running"));
  SessionRow archived_run = MakeRow("run-archived", "t1", "running");
  archived_run.archived_at = "t1";
  Insert(archived_run);
  Insert(MakeRow("killed", "t1", "killed"));
  Insert(MakeRow("done", "t1", "completed"));

  auto swept = ledger_->OrphanSweep("t9");
  ASSERT_TRUE(swept) << swept.error().message;
  EXPECT_EQ(*swept, 2);
  for (const char* id : {"run", "run-archived"}) {
    EXPECT_EQ(Get(id).status, "orphaned") << id;
    EXPECT_EQ(Get(id).updated_at, "t9") << id;
  }
  EXPECT_EQ(Get("killed").status, "killed");
  EXPECT_EQ(Get("killed").updated_at, "t1");
  EXPECT_EQ(Get("done").status, "completed");

  swept = ledger_->OrphanSweep("t10");
  ASSERT_TRUE(swept);
  EXPECT_EQ(*swept, 0);
}

// Given ListByStatus, we should get every row with that status, archived included.
TEST_F(LedgerTest, ListByStatusIncludesArchived) {
  Insert(MakeRow("a", "t1", "running"));
  SessionRow b = MakeRow("b", "t2", "running");
  b.archived_at = "t3";
  Insert(b);
  Insert(MakeRow("c", "t3", "killed"));
  auto rows = ledger_->ListByStatus(core::SessionStatus::kRunning);
  ASSERT_TRUE(rows);
  EXPECT_EQ(Ids(*rows), (std::vector<std::string>{"b", "a"}));
}

// Given an archived session, it should leave the active list but stay in the full list
// with status unchanged; summoning should bring it back and set updated_at.
TEST_F(LedgerTest, ArchiveAndSummon) {
  Insert(MakeRow("a", "t1", "completed"));
  Insert(MakeRow("b", "t2", "completed"));
  auto archived = ledger_->Archive("a", "t5");
  ASSERT_TRUE(archived);
  EXPECT_TRUE(*archived);

  auto active = ledger_->ListSessions(false);
  ASSERT_TRUE(active);
  EXPECT_EQ(Ids(*active), std::vector<std::string>{"b"});
  auto all = ledger_->ListSessions(true);
  ASSERT_TRUE(all);
  EXPECT_EQ(Ids(*all), (std::vector<std::string>{"b", "a"}));
  SessionRow a = Get("a");
  EXPECT_EQ(a.archived_at, "t5");
  EXPECT_EQ(a.updated_at, "t5");
  EXPECT_EQ(a.status, "completed");

  auto summoned = ledger_->Summon("a", "t6");
  ASSERT_TRUE(summoned);
  EXPECT_TRUE(*summoned);
  a = Get("a");
  EXPECT_EQ(a.archived_at, std::nullopt);
  EXPECT_EQ(a.updated_at, "t6");
  active = ledger_->ListSessions(false);
  ASSERT_TRUE(active);
  EXPECT_EQ(active->size(), 2u);

  auto missing = ledger_->Archive("zzz", "t7");
  ASSERT_TRUE(missing);
  EXPECT_FALSE(*missing);
  missing = ledger_->Summon("zzz", "t7");
  ASSERT_TRUE(missing);
  EXPECT_FALSE(*missing);
}

LegacyEvent Event(const std::string& id, const std::string& session, const std::string& kind,
                  const std::string& payload) {
  return LegacyEvent{0, id, session, kind, payload, "t"};
}

// Given a session with legacy events, deleting it should remove its events but not another
// session's; a second delete reports no row.
TEST_F(LedgerTest, DeleteCascadesLegacyEvents) {
  Insert(MakeRow("a", "t1", "completed"));
  Insert(MakeRow("b", "t1", "completed"));
  ASSERT_TRUE(ledger_->InsertLegacyEventForTesting(Event("e1", "a", "output", "{}")));
  ASSERT_TRUE(ledger_->InsertLegacyEventForTesting(Event("e2", "a", "exit", "{}")));
  ASSERT_TRUE(ledger_->InsertLegacyEventForTesting(Event("e3", "b", "output", "{}")));

  auto deleted = ledger_->DeleteSession("a");
  ASSERT_TRUE(deleted) << deleted.error().message;
  EXPECT_TRUE(*deleted);
  auto gone = ledger_->GetSession("a");
  ASSERT_TRUE(gone);
  EXPECT_FALSE(gone->has_value());
  auto a_events = ledger_->ListLegacyEvents("a", std::nullopt, std::nullopt);
  ASSERT_TRUE(a_events);
  EXPECT_TRUE(a_events->empty());
  auto b_events = ledger_->ListLegacyEvents("b", std::nullopt, std::nullopt);
  ASSERT_TRUE(b_events);
  EXPECT_EQ(b_events->size(), 1u);

  deleted = ledger_->DeleteSession("a");
  ASSERT_TRUE(deleted);
  EXPECT_FALSE(*deleted);
}

// Given legacy events, we should keep kind and payload, assign strictly increasing seq > 0,
// and page by afterSeq, afterEventId (via LegacyEventSeq) and limit (SPEC 10.3).
TEST_F(LedgerTest, LegacyEventsPaging) {
  Insert(MakeRow("s", "t1"));
  Insert(MakeRow("other", "t1"));
  const std::vector<std::string> names = {"a", "b", "c", "d", "e"};
  for (size_t i = 0; i < names.size(); ++i) {
    ASSERT_TRUE(ledger_->InsertLegacyEventForTesting(
        Event(names[i], "s", "output", R"({"data":")" + names[i] + R"("})")));
    if (i == 1) {  // interleave another session: seq is global, gaps are normal
      ASSERT_TRUE(ledger_->InsertLegacyEventForTesting(Event("x", "other", "input", "{}")));
    }
  }
  auto all = ledger_->ListLegacyEvents("s", std::nullopt, std::nullopt);
  ASSERT_TRUE(all) << all.error().message;
  ASSERT_EQ(all->size(), 5u);
  int64_t last = 0;
  for (size_t i = 0; i < all->size(); ++i) {
    const LegacyEvent& e = (*all)[i];
    EXPECT_GT(e.seq, last);
    last = e.seq;
    EXPECT_EQ(e.id, names[i]);
    EXPECT_EQ(e.session_id, "s");
    EXPECT_EQ(e.kind, "output");
    EXPECT_EQ(e.payload_json, R"({"data":")" + names[i] + R"("})");
  }

  struct Case {
    std::optional<int64_t> after;
    std::optional<int64_t> limit;
    std::vector<std::string> want;
  };
  const Case cases[] = {
      {(*all)[2].seq, std::nullopt, {"d", "e"}},  // afterSeq: the tail
      {std::nullopt, 3, {"a", "b", "c"}},         // limit 3 of 5
      {(*all)[0].seq, 2, {"b", "c"}},             // both
      {(*all)[4].seq, std::nullopt, {}},          // nothing after the last
      {std::nullopt, 0, {}},
      {std::nullopt, -1, {"a", "b", "c", "d", "e"}},
  };
  for (const Case& c : cases) {
    auto page = ledger_->ListLegacyEvents("s", c.after, c.limit);
    ASSERT_TRUE(page);
    std::vector<std::string> got;
    for (const LegacyEvent& e : *page) {
      got.push_back(e.id);
    }
    EXPECT_EQ(got, c.want) << "after=" << c.after.value_or(-1)
                           << " limit=" << c.limit.value_or(-99);
  }

  // afterEventId "a" -> events following it, limited to 2: b, c.
  auto seq = ledger_->LegacyEventSeq("s", "a");
  ASSERT_TRUE(seq);
  ASSERT_TRUE(seq->has_value());
  EXPECT_EQ(**seq, (*all)[0].seq);
  auto page = ledger_->ListLegacyEvents("s", **seq, 2);
  ASSERT_TRUE(page);
  ASSERT_EQ(page->size(), 2u);
  EXPECT_EQ((*page)[0].id, "b");
  EXPECT_EQ((*page)[1].id, "c");

  for (const auto& [session, event] : {std::pair{"s", "nope"}, std::pair{"other", "a"}}) {
    auto none = ledger_->LegacyEventSeq(session, event);
    ASSERT_TRUE(none);
    EXPECT_FALSE(none->has_value()) << session << "/" << event;
  }
}

// Given an open ledger, the file should be in WAL mode at schema version 3, private to the
// user (its -wal file too), and pass an integrity check.
TEST_F(LedgerTest, FileSettings) {
  Insert(MakeRow("a", "t1"));  // makes sure the -wal file exists
  EXPECT_EQ(RawQuery(path_, "PRAGMA journal_mode"), "wal");
  EXPECT_EQ(RawQuery(path_, "PRAGMA user_version"), "3");
  EXPECT_EQ(ledger_->schema_version(), 3);
  for (const std::string& file : {path_, path_ + "-wal"}) {
    struct stat st {};
    ASSERT_EQ(::stat(file.c_str(), &st), 0) << file;
    EXPECT_EQ(st.st_mode & 0777, 0600u) << file;
  }
  EXPECT_EQ(RawQuery(path_,
                     "SELECT count(*) FROM sqlite_master WHERE name = "
                     "'idx_sessions_status'"),
            "1");
  auto check = ledger_->IntegrityCheck();
  ASSERT_TRUE(check) << check.error().message;
  EXPECT_EQ(*check, "ok");
}

// Given a file whose user_version is newer than ours, Open should refuse with a clear error
// and leave the file byte for byte as it was (no WAL switch, no migration).
TEST(LedgerOpenTest, RefusesNewerSchemaAndLeavesFileUntouched) {
  TempDir dir;
  std::string path = (dir / "coven.sqlite3");
  {
    auto db = Database::Open(path);
    ASSERT_TRUE(db);
    ASSERT_TRUE(db->Exec("CREATE TABLE future (x); PRAGMA user_version = 7"));
  }
  std::string before = ReadBytes(path);
  ASSERT_FALSE(before.empty());

  auto ledger = Ledger::Open(path);
  ASSERT_FALSE(ledger);
  EXPECT_EQ(ledger.error().code, core::ErrorCode::kConflict);
  EXPECT_NE(ledger.error().message.find(
                "ledger schema version 7 is newer than this coven supports (3); upgrade coven"),
            std::string::npos)
      << ledger.error().message;
  EXPECT_EQ(ReadBytes(path), before);
  EXPECT_EQ(RawQuery(path, "PRAGMA journal_mode"), "delete");
}

// Given a folder that does not exist, Open should fail with kIo (the caller makes it).
TEST(LedgerOpenTest, MissingFolderFails) {
  TempDir dir;
  auto ledger = Ledger::Open((dir / "no/such/coven.sqlite3"));
  ASSERT_FALSE(ledger);
  EXPECT_EQ(ledger.error().code, core::ErrorCode::kIo);
}

// Given a symlink in place of the ledger file, Open should refuse to follow it.
TEST(LedgerOpenTest, RefusesSymlink) {
  TempDir dir;
  std::string target = (dir / "elsewhere.sqlite3");
  std::string link = (dir / "coven.sqlite3");
  ASSERT_EQ(::symlink(target.c_str(), link.c_str()), 0);
  auto ledger = Ledger::Open(link);
  EXPECT_FALSE(ledger);
  EXPECT_FALSE(std::filesystem::exists(target));
}

// Legacy stores as the reference implementation left them at various ages (SPEC 3.3).
struct LegacyCase {
  const char* name;
  const char* sessions_ddl;
  bool has_events;
};

class LegacyMigrationTest : public TestWithParam<LegacyCase> {};

// Given an old reference store (user_version 0), Open should migrate it in place, keep its
// rows and legacy events, and let a status update with exit code 0 persist.
TEST_P(LegacyMigrationTest, MigratesAndKeepsRows) {
  const LegacyCase& c = GetParam();
  TempDir dir;
  std::string path = (dir / "coven.sqlite3");
  {
    auto db = Database::Open(path);
    ASSERT_TRUE(db);
    ASSERT_TRUE(db->Exec(c.sessions_ddl));
    ASSERT_TRUE(
        db->Exec("INSERT INTO sessions (id, project_root, harness, title, status, created_at, "
                 "updated_at) VALUES ('old', '/repo', 'codex', 'Old', 'running', 't0', 't0')"));
    if (c.has_events) {
      ASSERT_TRUE(
          db->Exec("CREATE TABLE events (id TEXT PRIMARY KEY NOT NULL, session_id TEXT NOT NULL,"
                   " kind TEXT NOT NULL, payload_json TEXT NOT NULL, created_at TEXT NOT NULL,"
                   " FOREIGN KEY (session_id) REFERENCES sessions(id) ON DELETE CASCADE);"
                   "INSERT INTO events (id, session_id, kind, payload_json, created_at)"
                   " VALUES ('e1', 'old', 'output', '{\"data\":\"hi\"}', 't0')"));
    }
  }

  auto ledger = Ledger::Open(path);
  ASSERT_TRUE(ledger) << ledger.error().message;
  EXPECT_EQ(ledger->schema_version(), 3);
  EXPECT_EQ(RawQuery(path, "PRAGMA user_version"), "3");

  auto row = ledger->GetSession("old");
  ASSERT_TRUE(row) << row.error().message;
  ASSERT_TRUE(row->has_value());
  EXPECT_EQ((*row)->title, "Old");
  EXPECT_EQ((*row)->status, "running");
  EXPECT_EQ((*row)->exit_code, std::nullopt);
  EXPECT_EQ((*row)->archived_at, std::nullopt);
  EXPECT_EQ((*row)->cwd, "");
  EXPECT_EQ((*row)->shim_pid, std::nullopt);

  ASSERT_TRUE(ledger->UpdateStatus("old", core::SessionStatus::kCompleted, 0, std::nullopt, "t1"));
  auto events = ledger->ListLegacyEvents("old", std::nullopt, std::nullopt);
  ASSERT_TRUE(events) << events.error().message;
  EXPECT_EQ(events->size(), c.has_events ? 1u : 0u);
  ledger = core::Error();  // close before reopening

  auto reopened = Ledger::Open(path);
  ASSERT_TRUE(reopened) << reopened.error().message;
  auto after = reopened->GetSession("old");
  ASSERT_TRUE(after && after->has_value());
  EXPECT_EQ((*after)->status, "completed");
  EXPECT_EQ((*after)->exit_code, 0);
  EXPECT_EQ((*after)->updated_at, "t1");
  auto check = reopened->IntegrityCheck();
  ASSERT_TRUE(check);
  EXPECT_EQ(*check, "ok");
}

INSTANTIATE_TEST_SUITE_P(
    Ages, LegacyMigrationTest,
    ::testing::Values(
        LegacyCase{"NoExitCodeNoArchivedAt",
                   "CREATE TABLE sessions (id TEXT PRIMARY KEY NOT NULL, project_root TEXT NOT "
                   "NULL, harness TEXT NOT NULL, title TEXT NOT NULL, status TEXT NOT NULL, "
                   "created_at TEXT NOT NULL, updated_at TEXT NOT NULL)",
                   false},
        LegacyCase{"NoArchivedAt",
                   "CREATE TABLE sessions (id TEXT PRIMARY KEY NOT NULL, project_root TEXT NOT "
                   "NULL, harness TEXT NOT NULL, title TEXT NOT NULL, status TEXT NOT NULL, "
                   "exit_code INTEGER, created_at TEXT NOT NULL, updated_at TEXT NOT NULL)",
                   true},
        LegacyCase{"FullReferenceSchema",
                   "CREATE TABLE sessions (id TEXT PRIMARY KEY NOT NULL, project_root TEXT NOT "
                   "NULL, harness TEXT NOT NULL, title TEXT NOT NULL, status TEXT NOT NULL, "
                   "exit_code INTEGER, archived_at TEXT, created_at TEXT NOT NULL, updated_at "
                   "TEXT NOT NULL); CREATE INDEX idx_sessions_created_at ON "
                   "sessions(created_at DESC)",
                   true}),
    [](const ::testing::TestParamInfo<LegacyCase>& param_info) { return param_info.param.name; });

// Given two Ledger objects on the same file, each should see the other's committed writes.
TEST_F(LedgerTest, TwoLedgersShareTheFile) {
  auto second = Ledger::Open(path_);
  ASSERT_TRUE(second) << second.error().message;
  Insert(MakeRow("a", "t1"));
  auto seen = second->GetSession("a");
  ASSERT_TRUE(seen && seen->has_value());
  ASSERT_TRUE(
      second->UpdateStatus("a", core::SessionStatus::kKilled, std::nullopt, std::nullopt, "t2"));
  EXPECT_EQ(Get("a").status, "killed");
}

// Given another connection holding the write lock, a ledger write should wait for it (busy
// timeout) and succeed once the lock is released, instead of failing at once with "busy".
TEST_F(LedgerTest, WriteWaitsForAnotherWriter) {
  auto other = Database::Open(path_);
  ASSERT_TRUE(other);
  ASSERT_TRUE(other->SetBusyTimeout(5000));
  std::optional<Transaction> tx;
  {
    auto begun = Transaction::Begin(*other);
    ASSERT_TRUE(begun) << begun.error().message;
    tx.emplace(std::move(*begun));
  }
  ASSERT_TRUE(
      other->Exec("INSERT INTO sessions (id, project_root, harness, title, status, "
                  "created_at, updated_at) VALUES ('held', '/r', 'h', 't', 'running',"
                  " 't0', 't0')"));
  auto second = Ledger::Open(path_);  // reads only while another connection writes
  ASSERT_TRUE(second) << second.error().message;
  std::future<core::Status> write = std::async(
      std::launch::async, [&second] { return second->InsertSession(MakeRow("waiting", "t1")); });
  // Give the writer a moment to start waiting; if it has not, the test still passes.
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  ASSERT_TRUE(tx->Commit());
  ASSERT_EQ(write.wait_for(std::chrono::seconds(30)), std::future_status::ready);
  core::Status s = write.get();
  ASSERT_TRUE(s) << s.error().message;
  auto rows = ledger_->ListSessions(/*include_archived=*/true);
  ASSERT_TRUE(rows);
  EXPECT_EQ(Ids(*rows), (std::vector<std::string>{"waiting", "held"}));  // newest first
}

}  // namespace
}  // namespace coven::store
