// Migration 3 (issue 10): the conversation and worktree columns, and a version-2 ledger
// that keeps working after it.
#include <string>

#include <gtest/gtest.h>

#include "store/database.h"
#include "store/ledger.h"
#include "support/temp_dir.h"

namespace coven::store {
namespace {

using coven::testing::TempDir;

SessionRow MakeRow(const std::string& id, const std::string& created_at) {
  SessionRow row;
  row.id = id;
  row.project_root = "/repo";
  row.harness = "claude";
  row.title = "t";
  row.status = "completed";
  row.created_at = row.updated_at = created_at;
  row.cwd = "/repo";
  return row;
}

// Given a row with a conversation id and a worktree, we should read the same values back,
// and ListWithWorktree should list only rows that have a worktree.
TEST(LedgerColumnsTest, ConversationAndWorktreeRoundTrip) {
  TempDir dir;
  auto ledger = Ledger::Open(dir / "coven.sqlite3");
  ASSERT_TRUE(ledger) << ledger.error().message;
  SessionRow with = MakeRow("a", "t2");
  with.conversation_id = "8f0c2d4e-1b7a-4c3e-9d2f-5a6b7c8d9e0f";
  with.worktree_path = "/repo/.coven/worktrees/a";
  with.worktree_branch = "coven/a";
  ASSERT_TRUE(ledger->InsertSession(with));
  ASSERT_TRUE(ledger->InsertSession(MakeRow("b", "t1")));
  auto got = ledger->GetSession("a");
  ASSERT_TRUE(got && got->has_value());
  EXPECT_EQ(**got, with);
  auto plain = ledger->GetSession("b");
  ASSERT_TRUE(plain && plain->has_value());
  EXPECT_EQ((*plain)->conversation_id, std::nullopt);
  EXPECT_EQ((*plain)->worktree_path, std::nullopt);
  auto listed = ledger->ListWithWorktree();
  ASSERT_TRUE(listed) << listed.error().message;
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ(listed->front().id, "a");
}

// Writes a schema-2 ledger holding one row `old`.
void WriteVersionTwoLedger(const std::string& path) {
  auto db = Database::Open(path);
  ASSERT_TRUE(db);
  ASSERT_TRUE(db->Exec(
      "CREATE TABLE sessions (id TEXT PRIMARY KEY NOT NULL, project_root TEXT NOT NULL,"
      " harness TEXT NOT NULL, title TEXT NOT NULL, status TEXT NOT NULL, exit_code INTEGER,"
      " archived_at TEXT, created_at TEXT NOT NULL, updated_at TEXT NOT NULL, cwd TEXT,"
      " shim_pid INTEGER, harness_pid INTEGER, exit_signal TEXT);"
      "CREATE TABLE events (id TEXT PRIMARY KEY NOT NULL, session_id TEXT NOT NULL,"
      " kind TEXT NOT NULL, payload_json TEXT NOT NULL, created_at TEXT NOT NULL);"
      "INSERT INTO sessions (id, project_root, harness, title, status, created_at,"
      " updated_at, cwd) VALUES ('old', '/repo', 'codex', 'Old', 'completed', 't0', 't0',"
      " '/repo');"
      "PRAGMA user_version = 2"));
}

// Given a damaged schema-2 ledger opened for salvage (never migrated), GetSession should
// still read its rows, the new columns as nullopt (doctor --repair after an upgrade).
TEST(LedgerColumnsTest, SalvageReadsVersionTwoRows) {
  TempDir dir;
  std::string path = dir / "coven.sqlite3";
  ASSERT_NO_FATAL_FAILURE(WriteVersionTwoLedger(path));
  auto salvage = Ledger::OpenForSalvage(path);
  ASSERT_TRUE(salvage) << salvage.error().message;
  auto old = salvage->GetSession("old");
  ASSERT_TRUE(old && old->has_value()) << (old ? "" : old.error().message);
  EXPECT_EQ((*old)->title, "Old");
  EXPECT_EQ((*old)->conversation_id, std::nullopt);
}

// Given a ledger at schema version 2 holding a row, Open should migrate it to 3 in place,
// keep the row (new columns NULL) and accept rows with the new columns.
TEST(LedgerColumnsTest, VersionTwoLedgerMigrates) {
  TempDir dir;
  std::string path = dir / "coven.sqlite3";
  ASSERT_NO_FATAL_FAILURE(WriteVersionTwoLedger(path));
  auto ledger = Ledger::Open(path);
  ASSERT_TRUE(ledger) << ledger.error().message;
  EXPECT_EQ(ledger->schema_version(), 3);
  auto old = ledger->GetSession("old");
  ASSERT_TRUE(old && old->has_value()) << (old ? "" : old.error().message);
  EXPECT_EQ((*old)->title, "Old");
  EXPECT_EQ((*old)->conversation_id, std::nullopt);
  SessionRow fresh = MakeRow("new", "t1");
  fresh.conversation_id = "thread-1";
  ASSERT_TRUE(ledger->InsertSession(fresh));
  auto got = ledger->GetSession("new");
  ASSERT_TRUE(got && got->has_value());
  EXPECT_EQ((*got)->conversation_id, "thread-1");
}

}  // namespace
}  // namespace coven::store
