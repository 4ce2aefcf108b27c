// End-to-end: a git worktree per session (issue 10, item 5), in a real git repository: the
// worktree is created on branch coven/<name> and the session runs inside it; the record,
// `coven worktrees` and the list show it; refusals come before any row; sacrifice refuses a
// worktree holding work (409) unless forced and removes a clean one; prune.
#include <filesystem>
#include <string>
#include <vector>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "e2e/session_helpers.h"
#include "support/testing.h"

namespace coven::testing::sess {
namespace {

// Prints where it runs, then exits.
constexpr const char* kPwdHarness =
    "#!/bin/sh\ntouch \"$0.ran\"\nstty -opost\necho \"cwd=$(pwd)\"\n";

class WorktreeTest : public SessionTest {
 protected:
  void SetUp() override {
    home_.AddScript("codex", kPwdHarness);
    SessionTest::SetUp();
    Git({"init", "-q", "-b", "main"});
    Git({"config", "user.email", "t@example.com"});
    Git({"config", "user.name", "T"});
    std::filesystem::create_directories(root_ + "/src");
    WriteFile(root_ + "/src/a.txt", "a\n");
    Git({"add", "."});
    Git({"commit", "-q", "-m", "first"});
  }

  // git in `dir` (default: the project), failing the test on a non-zero exit.
  std::string Git(const std::vector<std::string>& args, const std::string& dir = "") {
    std::vector<std::string> argv = {"git", "-C", dir.empty() ? root_ : dir};
    argv.insert(argv.end(), args.begin(), args.end());
    RunResult r = testing::Run(argv, {}, kHangGuard);
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    return r.out;
  }

  bool Ran() { return Exists(home_.bin_dir() + "/codex.ran"); }

  // Launches codex in a worktree and waits for its end; returns the record.
  json::value LaunchIn(json::object worktree, json::object extra = {}) {
    extra["worktree"] = std::move(worktree);
    std::string id = LaunchId("codex", "go", std::move(extra));
    return id.empty() ? json::value() : WaitFinished(id);
  }

  HttpResult Sacrifice(const std::string& id, bool force = false) {
    return Post("/api/v1/sessions/" + id + "/sacrifice", force ? R"({"force":true})" : "");
  }

  json::value Worktrees() { return Field(ParseJson(Get("/api/v1/worktrees").body), "worktrees"); }
};

// Created on coven/<name> from HEAD, `.coven/` excluded, the session runs in it (its relative
// cwd kept), and the record and GET /worktrees show path, branch and state.
TEST_F(WorktreeTest, CreatedAndSessionRunsInside) {
  json::value rec = LaunchIn({{"name", "fix"}}, {{"cwd", "src"}});
  const std::string path = root_ + "/.coven/worktrees/fix";
  EXPECT_EQ(Str(Field(rec, "worktree_path")), path);
  EXPECT_EQ(Str(Field(rec, "worktree_branch")), "coven/fix");
  EXPECT_EQ(Str(Field(rec, "cwd")), path + "/src");
  EXPECT_EQ(Output(Str(Field(rec, "id"))), "cwd=" + path + "/src\n");
  EXPECT_TRUE(Exists(path + "/src/a.txt"));
  EXPECT_EQ(Git({"rev-parse", "coven/fix"}), Git({"rev-parse", "HEAD"}));
  EXPECT_NE(ReadFileOrEmpty(root_ + "/.git/info/exclude").find("\n.coven/\n"), std::string::npos);
  EXPECT_EQ(Git({"status", "--porcelain"}), "");  // the worktree is not untracked noise
  json::value list = Worktrees();
  ASSERT_TRUE(list.is_array());
  ASSERT_EQ(list.as_array().size(), 1U);
  EXPECT_EQ(Str(Field(list.as_array()[0], "state")), "clean");
  EXPECT_EQ(Str(Field(list.as_array()[0], "branch")), "coven/fix");
  // The default name is the session's short id; a base other than HEAD is honoured.
  Git({"commit", "-q", "--allow-empty", "-m", "second"});
  json::value dflt = LaunchIn(json::object{{"base", "HEAD~1"}});
  std::string short_id = Str(Field(dflt, "id")).substr(0, 8);
  EXPECT_EQ(Str(Field(dflt, "worktree_branch")), "coven/" + short_id);
  EXPECT_EQ(Git({"rev-parse", "coven/" + short_id}), Git({"rev-parse", "HEAD~1"}));
}

// Each refusal answers 400 naming the field before any row, folder or process exists.
TEST_F(WorktreeTest, RefusalsCreateNothing) {
  LaunchIn({{"name", "taken"}});
  const std::string before = Get("/api/v1/sessions?all=true").body;
  std::filesystem::remove(home_.bin_dir() + "/codex.ran");
  TempDir plain;
  struct Case {
    json::object body;
    const char* field;
    const char* message;
  };
  const std::vector<Case> cases = {
      {{{"projectRoot", Canonical(plain.path())}, {"worktree", json::object{}}},
       "worktree",
       "is not in a git repository"},
      {{{"worktree", json::object{{"name", "taken"}}}},
       "worktree.name",
       "worktree name `taken` is taken"},
      {{{"worktree", json::object{{"name", "../up"}}}},
       "worktree.name",
       "`worktree.name` `../up` must be"},
      {{{"worktree", json::object{{"name", "x.lock"}}}},
       "worktree.name",
       "`worktree.name` `x.lock`"},
      {{{"worktree", json::object{{"base", "no-such-rev"}}}},
       "worktree.base",
       "`worktree.base` `no-such-rev` does not resolve to a commit"},
      {{{"worktree", json::object{{"base", "--all"}}}}, "worktree.base", "`worktree.base` `--all`"},
      {{{"worktree", json::object{{"path", "/tmp"}}}}, "worktree.path", "`worktree.path` is not"},
      {{{"worktree", "yes"}}, "worktree", "`worktree` must be an object"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(json::serialize(c.body));
    json::object body = c.body;
    if (!body.contains("projectRoot")) {
      body["projectRoot"] = root_;
    }
    body["harness"] = "codex";
    body["prompt"] = "go";
    HttpResult r = LaunchRaw(json::serialize(body));
    ExpectError(r, 400, "invalid_request");
    json::value error = Field(ParseJson(r.body), "error");
    EXPECT_NE(Str(Field(error, "message")).find(c.message), std::string::npos) << r.body;
    EXPECT_EQ(Str(Field(Field(error, "details"), "field")), c.field) << r.body;
  }
  EXPECT_EQ(Get("/api/v1/sessions?all=true").body, before);
  EXPECT_EQ(SessionFolders(home_).size(), 1U);
  EXPECT_FALSE(Ran());
  EXPECT_FALSE(Exists(Canonical(plain.path()) + "/.coven"));
}

// Sacrifice refuses a dirty worktree and one with commits no other branch has (409, the row
// stays), removes it with force, and removes a clean one (folder and branch) at once.
TEST_F(WorktreeTest, SacrificeGuardsWork) {
  std::string dirty = Str(Field(LaunchIn({{"name", "dirty"}}), "id"));
  WriteFile(root_ + "/.coven/worktrees/dirty/new.txt", "work\n");
  HttpResult r = Sacrifice(dirty);
  ExpectError(r, 409, "worktree_not_clean");
  EXPECT_NE(r.body.find("uncommitted changes"), std::string::npos) << r.body;
  EXPECT_EQ(Get("/api/v1/sessions/" + dirty).status, 200);
  EXPECT_TRUE(Exists(root_ + "/.coven/worktrees/dirty/new.txt"));

  std::string ahead = Str(Field(LaunchIn({{"name", "ahead"}}), "id"));
  const std::string ahead_dir = root_ + "/.coven/worktrees/ahead";
  WriteFile(ahead_dir + "/b.txt", "b\n");
  Git({"add", "b.txt"}, ahead_dir);
  Git({"commit", "-q", "-m", "work"}, ahead_dir);
  r = Sacrifice(ahead);
  ExpectError(r, 409, "worktree_not_clean");
  EXPECT_NE(r.body.find("1 commit(s) that no other branch has"), std::string::npos) << r.body;
  json::value list = Worktrees();
  ASSERT_EQ(list.as_array().size(), 2U);
  EXPECT_EQ(Str(Field(list.as_array()[0], "state")), "unmerged");
  EXPECT_EQ(Str(Field(list.as_array()[1], "state")), "dirty");

  EXPECT_EQ(Sacrifice(ahead, true).status, 200);
  EXPECT_FALSE(Exists(ahead_dir));
  EXPECT_EQ(testing::Run({"git", "-C", root_, "rev-parse", "--verify", "--quiet", "coven/ahead"},
                         {}, kHangGuard)
                .exit_code,
            1);
  EXPECT_EQ(Get("/api/v1/sessions/" + ahead).status, 404);

  std::string clean = Str(Field(LaunchIn({{"name", "clean"}}), "id"));
  EXPECT_EQ(Sacrifice(clean).status, 200);
  EXPECT_FALSE(Exists(root_ + "/.coven/worktrees/clean"));
}

// `coven run --worktree=NAME`, `coven worktrees`, `coven worktrees prune` (clean and ended
// only) and `coven sacrifice --yes --force` through the CLI.
TEST_F(WorktreeTest, CliCommands) {
  RunResult run = home_.Coven({"run", "--worktree=cli", "codex", "go"}, kHangGuard, root_);
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.out, "cwd=" + root_ + "/.coven/worktrees/cli\n");
  std::string kept = Str(Field(LaunchIn({{"name", "keep"}}), "id"));
  WriteFile(root_ + "/.coven/worktrees/keep/x.txt", "x\n");
  RunResult list = home_.Coven({"worktrees"}, kHangGuard, root_);
  EXPECT_EQ(list.exit_code, 0) << list.err;
  EXPECT_NE(list.out.find("coven/cli"), std::string::npos) << list.out;
  EXPECT_NE(list.out.find("dirty"), std::string::npos) << list.out;
  RunResult pruned = home_.Coven({"worktrees", "prune"}, kHangGuard, root_);
  EXPECT_EQ(pruned.exit_code, 0) << pruned.err;
  EXPECT_NE(pruned.out.find("removed 1 worktree(s), kept 1"), std::string::npos) << pruned.out;
  EXPECT_FALSE(Exists(root_ + "/.coven/worktrees/cli"));
  EXPECT_TRUE(Exists(root_ + "/.coven/worktrees/keep/x.txt"));
  RunResult refused = home_.Coven({"sacrifice", kept, "--yes"}, kHangGuard, root_);
  EXPECT_NE(refused.exit_code, 0);
  EXPECT_NE(refused.err.find("uncommitted changes"), std::string::npos) << refused.err;
  RunResult forced = home_.Coven({"sacrifice", kept, "--yes", "--force"}, kHangGuard, root_);
  EXPECT_EQ(forced.exit_code, 0) << forced.err;
  EXPECT_FALSE(Exists(root_ + "/.coven/worktrees/keep"));
  RunResult json_list = home_.Coven({"worktrees", "--json"}, kHangGuard, root_);
  EXPECT_NE(json_list.out.find("\"state\":\"removed\""), std::string::npos) << json_list.out;
}

}  // namespace
}  // namespace coven::testing::sess
