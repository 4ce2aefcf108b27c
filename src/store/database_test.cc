#include "store/database.h"

#include <stdlib.h>

#include <filesystem>
#include <string>

#include <gtest/gtest.h>

#include "support/temp_dir.h"

namespace coven::store {
namespace {

class DatabaseTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = Database::Open(dir_ / "test.sqlite3");
    ASSERT_TRUE(db) << db.error().message;
    db_.emplace(std::move(*db));
    ASSERT_TRUE(db_->Exec("CREATE TABLE t (k TEXT PRIMARY KEY, v INTEGER)"));
  }
  void TearDown() override { db_.reset(); }

  int64_t Count() {
    auto st = db_->Prepare("SELECT count(*) FROM t");
    EXPECT_TRUE(st);
    auto row = st->Step();
    EXPECT_TRUE(row && *row);
    return st->ColumnInt64(0);
  }

  coven::testing::TempDir dir_;
  std::optional<Database> db_;
};

// Given bound text, integers and NULLs, we should read back the same values.
TEST_F(DatabaseTest, BindAndReadValues) {
  auto ins = db_->Prepare("INSERT INTO t (k, v) VALUES (?1, ?2)");
  ASSERT_TRUE(ins) << ins.error().message;
  std::string with_nul("a\0b", 3);
  ASSERT_TRUE(ins->Bind(1, with_nul));
  ASSERT_TRUE(ins->Bind(2, int64_t{-9007199254740993}));
  ASSERT_TRUE(ins->Run());
  ins->Reset();
  ASSERT_TRUE(ins->Bind(1, ""));
  ASSERT_TRUE(ins->Bind(2, std::optional<int64_t>()));
  ASSERT_TRUE(ins->Run());

  auto sel = db_->Prepare("SELECT k, v FROM t ORDER BY v IS NULL, k");
  ASSERT_TRUE(sel);
  ASSERT_EQ(sel->ColumnCount(), 2);
  auto row = sel->Step();
  ASSERT_TRUE(row && *row);
  EXPECT_EQ(sel->ColumnText(0), with_nul);
  EXPECT_EQ(sel->ColumnOptionalInt64(1), -9007199254740993);
  row = sel->Step();
  ASSERT_TRUE(row && *row);
  EXPECT_EQ(sel->ColumnOptionalText(0), std::optional<std::string>(""));
  EXPECT_TRUE(sel->ColumnIsNull(1));
  EXPECT_EQ(sel->ColumnOptionalInt64(1), std::nullopt);
  row = sel->Step();
  ASSERT_TRUE(row);
  EXPECT_FALSE(*row);
}

// Given a bad statement, a bad parameter index or a duplicate key, we should get errors
// with sqlite's message and a fitting code.
TEST_F(DatabaseTest, ErrorsCarryCodeAndMessage) {
  auto bad = db_->Prepare("SELEC nonsense");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("syntax error"), std::string::npos);

  auto ins = db_->Prepare("INSERT INTO t (k) VALUES (?1)");
  ASSERT_TRUE(ins);
  EXPECT_FALSE(ins->Bind(2, "x"));
  ASSERT_TRUE(ins->Bind(1, "dup"));
  ASSERT_TRUE(ins->Run());
  ins->Reset();
  core::Status again = ins->Run();
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, core::ErrorCode::kConflict);
}

// Given a transaction that is dropped without Commit(), we should see its writes undone;
// a committed one should stay.
TEST_F(DatabaseTest, TransactionRollsBackUnlessCommitted) {
  {
    auto tx = Transaction::Begin(*db_);
    ASSERT_TRUE(tx) << tx.error().message;
    ASSERT_TRUE(db_->Exec("INSERT INTO t (k) VALUES ('gone')"));
  }
  EXPECT_EQ(Count(), 0);
  {
    auto tx = Transaction::Begin(*db_);
    ASSERT_TRUE(tx);
    Transaction moved = std::move(*tx);  // the moved-from one must not roll back
    ASSERT_TRUE(db_->Exec("INSERT INTO t (k) VALUES ('kept')"));
    ASSERT_TRUE(moved.Commit());
  }
  EXPECT_EQ(Count(), 1);
  EXPECT_EQ(db_->changes(), 1);
}

// Given a moved-from Database, we should be able to destroy it and use the new owner.
TEST_F(DatabaseTest, MoveTransfersOwnership) {
  Database other = std::move(*db_);
  EXPECT_EQ(db_->handle(), nullptr);
  EXPECT_NE(other.handle(), nullptr);
  EXPECT_TRUE(other.Exec("INSERT INTO t (k) VALUES ('x')"));
  EXPECT_EQ(other.last_insert_rowid(), 1);
}

// Given a path whose folder does not exist, Open should fail with an error, not abort.
TEST_F(DatabaseTest, OpenInMissingFolderFails) {
  auto db = Database::Open(dir_ / "missing/x.sqlite3");
  ASSERT_FALSE(db);
  EXPECT_EQ(db.error().code, core::ErrorCode::kIo);
}

}  // namespace
}  // namespace coven::store
