// End-to-end: the daemon's Server-Sent Events routes over the real socket: a session's
// event stream (GET /api/v1/sessions/<id>/stream) and the session list stream
// (GET /api/v1/sessions?watch=true). Every read has a deadline.
#include <poll.h>
#include <unistd.h>

#include <chrono>
#include <string>

#include <gtest/gtest.h>

#include "e2e/session_helpers.h"
#include "support/testing.h"

namespace coven::testing::sess {
namespace {

// Prints "ready", echoes each line as "got:<line>", exits on "quit".
constexpr const char* kEcho = R"SH(#!/bin/sh
echo ready
while read -r line; do
  [ "$line" = quit ] && exit 0
  echo "got:$line"
done
)SH";

// An open stream: sends the GET, then collects what arrives.
class StreamReader {
 public:
  StreamReader(const std::string& socket, const std::string& target) : conn_(socket) {
    EXPECT_TRUE(conn_.connected());
    conn_.Send("GET " + target + " HTTP/1.1\r\nHost: coven\r\n\r\n");
  }
  // Reads until `text` has arrived (after `from`); returns its offset, or npos at the
  // deadline or at the end of the stream.
  size_t WaitFor(const std::string& text, size_t from = 0) {
    auto end = std::chrono::steady_clock::now() + kHangGuard;
    for (;;) {
      size_t at = seen_.find(text, from);
      if (at != std::string::npos) {
        return at;
      }
      if (closed_ || !ReadSome(end)) {
        ADD_FAILURE() << "never saw [" << text << "]; got:\n" << seen_;
        return std::string::npos;
      }
    }
  }
  // Reads until the daemon closes the stream; false at the deadline.
  bool WaitClosed() {
    auto end = std::chrono::steady_clock::now() + kHangGuard;
    while (!closed_ && ReadSome(end)) {
    }
    return closed_;
  }
  const std::string& seen() const { return seen_; }

 private:
  // Waits (until `end`) for bytes and appends them; notes the end of the stream. False
  // once `end` has passed.
  bool ReadSome(std::chrono::steady_clock::time_point end) {
    auto left = std::chrono::duration_cast<milliseconds>(end - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      return false;
    }
    pollfd p{conn_.fd(), POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) > 0) {
      char buf[8192];
      ssize_t n = ::read(conn_.fd(), buf, sizeof(buf));
      if (n <= 0) {
        closed_ = true;
      } else {
        seen_.append(buf, static_cast<size_t>(n));
      }
    }
    return true;
  }

  UnixConn conn_;
  std::string seen_;
  bool closed_ = false;
};

class StreamsTest : public SessionTest {};

// Given a live session, its event stream should answer text/event-stream, replay what was
// logged (start, output) with `id:` = seq and `event:` = kind, deliver new output as it
// happens, and end with the exit event, after which the daemon closes it.
TEST_F(StreamsTest, SessionStreamFollowsUntilExit) {
  home_.AddScript("codex", kEcho);
  std::string id = LaunchId("codex", "stream me");
  WaitOutput(id, "ready");
  StreamReader s(home_.socket(), "/api/v1/sessions/" + id + "/stream");
  ASSERT_NE(s.WaitFor("HTTP/1.1 200"), std::string::npos);
  EXPECT_NE(s.seen().find("text/event-stream"), std::string::npos) << s.seen();
  ASSERT_NE(s.WaitFor("ready"), std::string::npos);
  EXPECT_NE(s.seen().find("id: 1\nevent: start\ndata: {"), std::string::npos) << s.seen();
  size_t before = s.seen().size();
  ASSERT_EQ(SendInput(id, "live-line\n").status, 202);
  ASSERT_NE(s.WaitFor("got:live-line", before), std::string::npos);
  ASSERT_EQ(SendInput(id, "quit\n").status, 202);
  ASSERT_NE(s.WaitFor("event: exit\ndata: {"), std::string::npos);
  EXPECT_TRUE(s.WaitClosed()) << "the stream stayed open after the exit event";
}

// Given a finished session and afterSeq, the stream should hold only later events and
// close at once after the exit; an unknown session should answer 404.
TEST_F(StreamsTest, SessionStreamAfterSeqAndUnknown) {
  home_.AddScript("codex", "#!/bin/sh\necho one\n");
  std::string id = LaunchId("codex", "short");
  WaitFinished(id);
  StreamReader s(home_.socket(), "/api/v1/sessions/" + id + "/stream?afterSeq=1");
  EXPECT_TRUE(s.WaitClosed());
  EXPECT_EQ(s.seen().find("event: start"), std::string::npos) << s.seen();
  EXPECT_NE(s.seen().find("event: exit"), std::string::npos) << s.seen();

  HttpResult missing = Get("/api/v1/sessions/00000000-0000-4000-8000-000000000000/stream");
  EXPECT_EQ(missing.status, 404) << missing.body;
}

// Given a finished session, tail=N should start N events before its end (only the last N
// events are sent), tail=0 only closes, and a negative tail is refused.
TEST_F(StreamsTest, SessionStreamTail) {
  home_.AddScript("codex", "#!/bin/sh\necho one\n");
  std::string id = LaunchId("codex", "tail me");
  WaitFinished(id);
  HttpResult all = Get("/api/v1/events?sessionId=" + id + "&limit=1000");
  json::value events = Field(ParseJson(all.body), "events");
  ASSERT_TRUE(events.is_array()) << all.body;
  int64_t last = Field(events.as_array().back(), "seq").as_int64();
  ASSERT_GE(last, 3) << all.body;  // start, output, exit at least

  StreamReader two(home_.socket(), "/api/v1/sessions/" + id + "/stream?tail=2");
  EXPECT_TRUE(two.WaitClosed());
  EXPECT_NE(two.seen().find("id: " + std::to_string(last - 1) + "\n"), std::string::npos)
      << two.seen();
  EXPECT_NE(two.seen().find("id: " + std::to_string(last) + "\nevent: exit"), std::string::npos)
      << two.seen();
  EXPECT_EQ(two.seen().find("id: " + std::to_string(last - 2) + "\n"), std::string::npos)
      << two.seen();

  StreamReader none(home_.socket(), "/api/v1/sessions/" + id + "/stream?tail=0");
  EXPECT_TRUE(none.WaitClosed());
  EXPECT_EQ(none.seen().find("\nid: "), std::string::npos) << none.seen();

  EXPECT_EQ(Get("/api/v1/sessions/" + id + "/stream?tail=-1").status, 400);
}

// Given a watch of the active list, it should send the list at once, then again after a
// launch (running), a kill (killed) and an archive (gone from the active list), without
// being asked; health should announce it.
TEST_F(StreamsTest, SessionListWatchFollowsChanges) {
  EXPECT_NE(Get("/api/v1/health").body.find("\"sessionWatch\":true"), std::string::npos);
  home_.AddScript("codex", kEcho);
  StreamReader s(home_.socket(), "/api/v1/sessions?watch=true");
  ASSERT_NE(s.WaitFor("event: sessions\ndata: []\n\n"), std::string::npos);

  std::string id = LaunchId("codex", "watched");
  size_t launched = s.WaitFor("\"id\":\"" + id + "\"");
  ASSERT_NE(launched, std::string::npos);
  ASSERT_EQ(Post("/api/v1/sessions/" + id + "/kill", "").status, 202);
  size_t killed = s.WaitFor("\"status\":\"killed\"", launched);
  ASSERT_NE(killed, std::string::npos);
  WaitFinished(id);
  ASSERT_EQ(Post("/api/v1/sessions/" + id + "/archive", "").status, 200);
  EXPECT_NE(s.WaitFor("event: sessions\ndata: []\n\n", killed), std::string::npos);
}

// Given a watch with all=true, an archived session should stay listed, with archived_at.
TEST_F(StreamsTest, SessionListWatchAllKeepsArchived) {
  home_.AddScript("codex", "#!/bin/sh\necho done\n");
  std::string id = LaunchId("codex", "to archive");
  WaitFinished(id);
  StreamReader s(home_.socket(), "/api/v1/sessions?watch=true&all=true");
  size_t first = s.WaitFor("\"archived_at\":null");
  ASSERT_NE(first, std::string::npos);
  ASSERT_EQ(Post("/api/v1/sessions/" + id + "/archive", "").status, 200);
  EXPECT_NE(s.WaitFor("\"archived_at\":\"", first), std::string::npos);
}

}  // namespace
}  // namespace coven::testing::sess
