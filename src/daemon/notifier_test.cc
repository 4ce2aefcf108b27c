#include "daemon/notifier.h"

#include <gtest/gtest.h>

#include "daemon/notify_config.h"

namespace coven::daemon {
namespace {

using core::ActivityState;
constexpr int64_t kSecond = 1'000'000'000;

sessions::ActivityTransition Transition(ActivityState from, int64_t from_since, ActivityState to,
                                        int64_t to_since, bool attached = false) {
  sessions::ActivityTransition t;
  t.row.id = "s";
  t.change.before.state = from;
  t.change.before.since_nanos = from_since;
  t.change.after.state = to;
  t.change.after.since_nanos = to_since;
  t.attached = attached;
  return t;
}

// A full config parses; each field has its rule, named in the error.
TEST(NotifyConfigTest, ParsesAndNamesBadFields) {
  auto ok = ParseNotifyConfig(
      R"({"other":1,"notify":{"command":["/bin/echo","hi"],"desktop":false,"minWorkSeconds":0,"minIntervalSeconds":5,"timeoutSeconds":2}})");
  ASSERT_TRUE(ok.has_value()) << ok.error().message;
  EXPECT_EQ(ok->command, (std::vector<std::string>{"/bin/echo", "hi"}));
  EXPECT_FALSE(ok->desktop);
  EXPECT_EQ(ok->min_work.count(), 0);
  EXPECT_EQ(ok->min_interval.count(), 5);
  EXPECT_EQ(ok->timeout.count(), 2);
  EXPECT_TRUE(ParseNotifyConfig("{}").has_value());
  struct Bad {
    const char* text;
    const char* field;
  };
  const Bad bad[] = {
      {R"({"notify":{"command":"echo hi"}})", "`notify.command`"},
      {R"({"notify":{"command":[]}})", "`notify.command`"},
      {R"({"notify":{"command":["echo"]}})", "`notify.command`"},
      {R"({"notify":{"desktop":"yes"}})", "`notify.desktop`"},
      {R"({"notify":{"timeoutSeconds":-1}})", "`notify.timeoutSeconds`"},
      {R"({"notify":[]})", "`notify`"},
      {"nope", "not a JSON object"},
  };
  for (const Bad& b : bad) {
    auto r = ParseNotifyConfig(b.text);
    ASSERT_FALSE(r.has_value()) << b.text;
    EXPECT_NE(r.error().message.find(b.field), std::string::npos) << r.error().message;
  }
}

// The policy: into asking/waiting after enough work, not attached, not too often.
TEST(NotifierTest, Policy) {
  NotifyConfig c;
  c.min_work = std::chrono::seconds(3);
  c.min_interval = std::chrono::seconds(10);
  using S = ActivityState;
  EXPECT_TRUE(ShouldNotify(Transition(S::kWorking, 0, S::kWaiting, 5 * kSecond), c, {}));
  EXPECT_TRUE(ShouldNotify(Transition(S::kWorking, 0, S::kAsking, 5 * kSecond), c, {}));
  EXPECT_TRUE(ShouldNotify(Transition(S::kUnknown, 0, S::kWaiting, 5 * kSecond), c, {}));
  // A quick exchange stays quiet.
  EXPECT_FALSE(ShouldNotify(Transition(S::kWorking, 0, S::kWaiting, 1 * kSecond), c, {}));
  // Never while attached.
  EXPECT_FALSE(ShouldNotify(Transition(S::kWorking, 0, S::kWaiting, 5 * kSecond, true), c, {}));
  // Not into working, not between asking and waiting.
  EXPECT_FALSE(ShouldNotify(Transition(S::kWaiting, 0, S::kWorking, 5 * kSecond), c, {}));
  EXPECT_FALSE(ShouldNotify(Transition(S::kAsking, 0, S::kWaiting, 5 * kSecond), c, {}));
  // Rate limit per session.
  EXPECT_FALSE(ShouldNotify(Transition(S::kWorking, 20 * kSecond, S::kWaiting, 25 * kSecond), c,
                            20 * kSecond));
  EXPECT_TRUE(ShouldNotify(Transition(S::kWorking, 20 * kSecond, S::kWaiting, 25 * kSecond), c,
                           10 * kSecond));
}

}  // namespace
}  // namespace coven::daemon
