// Tests for client/sessions: the wire shapes of records, launch bodies and event pages.
#include "client/sessions.h"

#include <gtest/gtest.h>

namespace coven::client {
namespace {

// Given a record as the daemon sends it, every field should land, and null or missing
// optional fields should stay empty.
TEST(ClientSessionsTest, ParsesRecords) {
  std::string text =
      R"({"id":"6f1c","project_root":"/p","harness":"codex","title":"Demo","status":"failed",)"
      R"("exit_code":3,"archived_at":null,"created_at":"t1","updated_at":"t2"})";
  auto r = ParseSessionRecord(text);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->id, "6f1c");
  EXPECT_EQ(r->project_root, "/p");
  EXPECT_EQ(r->status, "failed");
  EXPECT_EQ(r->exit_code, 3);
  EXPECT_EQ(r->archived_at, std::nullopt);
  EXPECT_EQ(r->updated_at, "t2");
  EXPECT_EQ(r->json, text);
  EXPECT_FALSE(ParseSessionRecord("[1]"));
}

// Given a list and a project, only sessions at or under the project should remain, and a
// sibling whose path merely starts with the same text should not.
TEST(ClientSessionsTest, ListFiltersByProject) {
  std::string list = R"([{"id":"a","project_root":"/w/p"},{"id":"b","project_root":"/w/p/sub"},)"
                     R"({"id":"c","project_root":"/w/px"},7])";
  auto all = ParseSessionList(list);
  ASSERT_TRUE(all);
  EXPECT_EQ(all->size(), 3u);
  auto mine = ParseSessionList(list, "/w/p");
  ASSERT_TRUE(mine);
  ASSERT_EQ(mine->size(), 2u);
  EXPECT_EQ((*mine)[0].id, "a");
  EXPECT_EQ((*mine)[1].id, "b");
  EXPECT_FALSE(ParseSessionList("{}"));
}

// Given a launch request, the body should carry the wire names, leave out what is unset
// and keep harness arguments in order.
TEST(ClientSessionsTest, LaunchBodyUsesWireNames) {
  LaunchRequest req;
  req.project_root = "/p";
  req.harness = "codex";
  req.prompt = "fix it";
  req.title = "fix it";
  EXPECT_EQ(LaunchBody(req),
            R"({"projectRoot":"/p","harness":"codex","prompt":"fix it","title":"fix it",)"
            R"("launchMode":"interactive"})");
  req.cwd = "/p/sub";
  req.harness_args = {"--model", "o3"};
  req.rows = 30;
  req.cols = 100;
  EXPECT_EQ(LaunchBody(req),
            R"({"projectRoot":"/p","cwd":"/p/sub","harness":"codex","prompt":"fix it",)"
            R"("title":"fix it","harnessArgs":["--model","o3"],"rows":30,"cols":100,)"
            R"("launchMode":"interactive"})");
  req.mode = LaunchMode::kNonInteractive;
  req.model = "o3";
  req.harness_args.clear();
  req.rows.reset();
  req.cols.reset();
  EXPECT_EQ(LaunchBody(req),
            R"({"projectRoot":"/p","cwd":"/p/sub","harness":"codex","prompt":"fix it",)"
            R"("title":"fix it","launchMode":"nonInteractive","model":"o3"})");
}

// Given an events page, output data should be decoded from payload_json once, events
// without data should keep their kind and seq, and a body that is not a page should fail.
TEST(ClientSessionsTest, ParsesEventPages) {
  auto page = ParseEventPage(
      R"({"events":[{"seq":1,"kind":"output","payload_json":"{\"data\":\"hi\\n\"}"},)"
      R"({"seq":2,"kind":"exit","payload_json":"{\"exitCode\":0}"},"junk"],"hasMore":true})");
  ASSERT_TRUE(page) << page.error().message;
  ASSERT_EQ(page->events.size(), 2u);
  EXPECT_EQ(page->events[0].seq, 1);
  EXPECT_EQ(page->events[0].kind, "output");
  EXPECT_EQ(page->events[0].data, "hi\n");
  EXPECT_EQ(page->events[1].kind, "exit");
  EXPECT_EQ(page->events[1].data, std::nullopt);
  EXPECT_TRUE(page->has_more);
  EXPECT_FALSE(ParseEventPage("[]"));
  EXPECT_FALSE(ParseEventRecord("nope"));
  auto record = ParseEventRecord(R"({"seq":5,"kind":"input","payload_json":"{\"data\":\"x\"}"})");
  ASSERT_TRUE(record);
  EXPECT_EQ(record->data, "x");
}

}  // namespace
}  // namespace coven::client
