#include "sessions/activity_board.h"

#include <gtest/gtest.h>

namespace coven::sessions {
namespace {

using core::ActivitySource;
using core::ActivityState;

ActivitySignal Sig(ActivityState state, ActivitySource source, int64_t at,
                   std::string detail = "") {
  return ActivitySignal{state, source, std::move(detail), at};
}

// Given a tracked session, a first signal is a transition whose since is the signal's time.
TEST(ActivityBoardTest, FirstSignalIsATransition) {
  ActivityBoard board;
  board.Track("s", 100);
  ASSERT_EQ(board.Get("s")->state, ActivityState::kUnknown);
  EXPECT_EQ(board.Get("s")->since_nanos, 100);
  auto change = board.Apply("s", Sig(ActivityState::kWorking, ActivitySource::kTerminal, 200));
  ASSERT_TRUE(change.has_value());
  EXPECT_TRUE(change->is_transition());
  EXPECT_EQ(change->before.state, ActivityState::kUnknown);
  EXPECT_EQ(change->after.since_nanos, 200);
  EXPECT_EQ(change->after.source, ActivitySource::kTerminal);
}

// The same state again with a new detail updates the detail but keeps since.
TEST(ActivityBoardTest, SameStateKeepsSince) {
  ActivityBoard board;
  board.Track("s", 0);
  (void)board.Apply("s", Sig(ActivityState::kWorking, ActivitySource::kHook, 10, "Bash"));
  auto change = board.Apply("s", Sig(ActivityState::kWorking, ActivitySource::kHook, 20, "Edit"));
  ASSERT_TRUE(change.has_value());
  EXPECT_FALSE(change->is_transition());
  EXPECT_EQ(change->after.since_nanos, 10);
  EXPECT_EQ(change->after.detail, "Edit");
  EXPECT_FALSE(board.Apply("s", Sig(ActivityState::kWorking, ActivitySource::kHook, 30, "Edit")));
}

// Once hooks reported working they cover whole turns: terminal and screen are ignored.
TEST(ActivityBoardTest, TurnHooksLockOutLowerSources) {
  ActivityBoard board;
  board.Track("s", 0);
  (void)board.Apply("s", Sig(ActivityState::kWorking, ActivitySource::kHook, 10));
  EXPECT_FALSE(board.Apply("s", Sig(ActivityState::kWaiting, ActivitySource::kTerminal, 20)));
  EXPECT_FALSE(board.Apply("s", Sig(ActivityState::kAsking, ActivitySource::kScreen, 30)));
  EXPECT_EQ(board.Get("s")->state, ActivityState::kWorking);
  auto stop = board.Apply("s", Sig(ActivityState::kWaiting, ActivitySource::kHook, 40));
  ASSERT_TRUE(stop.has_value());
  EXPECT_EQ(stop->after.state, ActivityState::kWaiting);
}

// Hooks that only say "turn over" (Codex notify) leave the other sources in charge.
TEST(ActivityBoardTest, EndOfTurnHooksDoNotLockOut) {
  ActivityBoard board;
  board.Track("s", 0);
  (void)board.Apply("s", Sig(ActivityState::kWaiting, ActivitySource::kHook, 10));
  auto ask = board.Apply("s", Sig(ActivityState::kAsking, ActivitySource::kScreen, 20));
  ASSERT_TRUE(ask.has_value());
  EXPECT_EQ(ask->after.source, ActivitySource::kScreen);
}

// "No pattern matches" clears only what the screen decided.
TEST(ActivityBoardTest, ScreenClearsOnlyItsOwnState) {
  ActivityBoard board;
  board.Track("s", 0);
  (void)board.Apply("s", Sig(ActivityState::kWaiting, ActivitySource::kTerminal, 10));
  EXPECT_FALSE(board.Apply("s", Sig(ActivityState::kUnknown, ActivitySource::kScreen, 20)));
  (void)board.Apply("s", Sig(ActivityState::kAsking, ActivitySource::kScreen, 30));
  auto cleared = board.Apply("s", Sig(ActivityState::kUnknown, ActivitySource::kScreen, 40));
  ASSERT_TRUE(cleared.has_value());
  EXPECT_EQ(cleared->after.state, ActivityState::kUnknown);
  EXPECT_EQ(cleared->after.source, ActivitySource::kNone);
}

// Untracked and forgotten sessions take no signals.
TEST(ActivityBoardTest, UntrackedSessionsIgnoreSignals) {
  ActivityBoard board;
  EXPECT_FALSE(board.Apply("x", Sig(ActivityState::kWorking, ActivitySource::kHook, 1)));
  board.Track("x", 0);
  board.Forget("x");
  EXPECT_FALSE(board.Get("x").has_value());
}

}  // namespace
}  // namespace coven::sessions
