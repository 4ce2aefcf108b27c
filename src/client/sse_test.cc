#include "client/sse.h"

#include <gtest/gtest.h>

namespace coven::client {
namespace {

// Given the daemon's framing fed in one piece, every event should come out with its id,
// kind and data, and the keepalive comment should be skipped.
TEST(SseParserTest, WholeEvents) {
  SseParser p;
  std::vector<SseEvent> out;
  p.Feed("id: 1\nevent: output\ndata: {\"a\":1}\n\n: keepalive\n\nid: 2\nevent: exit\ndata: x\n\n",
         out);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].id, "1");
  EXPECT_EQ(out[0].event, "output");
  EXPECT_EQ(out[0].data, "{\"a\":1}");
  EXPECT_EQ(out[1].event, "exit");
  EXPECT_EQ(out[1].data, "x");
}

// Given the same bytes split at every possible point (CRLF line ends included), the
// parser should produce the same events as when fed whole.
TEST(SseParserTest, AnySplitGivesTheSameEvents) {
  const std::string stream =
      "id: 7\r\nevent: output\r\ndata: one\r\ndata:two\r\n\r\nid: 8\r\ndata: three\r\n\r\n";
  for (size_t cut = 0; cut <= stream.size(); ++cut) {
    SseParser p;
    std::vector<SseEvent> out;
    p.Feed(stream.substr(0, cut), out);
    p.Feed(stream.substr(cut), out);
    ASSERT_EQ(out.size(), 2u) << "cut at " << cut;
    EXPECT_EQ(out[0].id, "7");
    EXPECT_EQ(out[0].data, "one\ntwo") << "cut at " << cut;
    EXPECT_EQ(out[1].event, "message");
    EXPECT_EQ(out[1].data, "three");
  }
}

// Given an event with no data lines, or an unfinished one, nothing should be dispatched.
TEST(SseParserTest, NoDataOrUnfinishedIsNotDispatched) {
  SseParser p;
  std::vector<SseEvent> out;
  p.Feed("id: 1\nevent: output\n\ndata: half", out);
  EXPECT_TRUE(out.empty());
  p.Feed("\n\n", out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].data, "half");
  EXPECT_EQ(out[0].id, "");  // fields do not leak from the event that was not dispatched
}

}  // namespace
}  // namespace coven::client
