#include "tui/terminal.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "core/unique_fd.h"

namespace coven::tui {
namespace {

// Given a live ResizeSignal, a SIGWINCH should make its fd readable at once (no timer)
// and Consume should report it exactly once.
TEST(ResizeSignalTest, SignalWakesTheWait) {
  ResizeSignal resize;
  ASSERT_GE(resize.fd(), 0);
  EXPECT_FALSE(resize.Consume());
  ASSERT_EQ(::raise(SIGWINCH), 0);
  auto ready = WaitAny({-1, resize.fd()}, 10'000);
  ASSERT_TRUE(ready.has_value()) << ready.error().message;
  EXPECT_FALSE((*ready)[0]);
  EXPECT_TRUE((*ready)[1]);
  EXPECT_TRUE(resize.Consume());
  EXPECT_FALSE(resize.Consume());
}

// Given a ResizeSignal already live, a second should stay inactive; once the first is
// gone, SIGWINCH's previous disposition should be back.
TEST(ResizeSignalTest, OneAtATimeAndRestored) {
  struct sigaction before {};
  ASSERT_EQ(::sigaction(SIGWINCH, nullptr, &before), 0);
  {
    ResizeSignal first;
    ResizeSignal second;
    EXPECT_GE(first.fd(), 0);
    EXPECT_EQ(second.fd(), -1);
    struct sigaction during {};
    ::sigaction(SIGWINCH, nullptr, &during);
    EXPECT_NE(during.sa_handler, before.sa_handler);
  }
  struct sigaction after {};
  ::sigaction(SIGWINCH, nullptr, &after);
  EXPECT_EQ(after.sa_handler, before.sa_handler);
  ResizeSignal again;  // the slot is free again
  EXPECT_GE(again.fd(), 0);
}

// Given two pipes, WaitAny should flag only the one with data, and time out with all
// flags false when none has any.
TEST(WaitAnyTest, FlagsReadyFdsAndTimesOut) {
  int a[2];
  int b[2];
  ASSERT_EQ(::pipe2(a, O_CLOEXEC), 0);
  ASSERT_EQ(::pipe2(b, O_CLOEXEC), 0);
  core::UniqueFd a0(a[0]), a1(a[1]), b0(b[0]), b1(b[1]);
  auto none = WaitAny({a0.fd(), b0.fd()}, 10);
  ASSERT_TRUE(none.has_value());
  EXPECT_EQ(*none, (std::vector<bool>{false, false}));
  ASSERT_EQ(::write(b1.fd(), "x", 1), 1);
  auto one = WaitAny({a0.fd(), b0.fd()}, 10'000);
  ASSERT_TRUE(one.has_value());
  EXPECT_EQ(*one, (std::vector<bool>{false, true}));
  b1.Reset();  // a hang-up counts as readable (the reader sees end of input)
  char c;
  ASSERT_EQ(::read(b0.fd(), &c, 1), 1);
  auto hup = WaitAny({a0.fd(), b0.fd()}, 10'000);
  ASSERT_TRUE(hup.has_value());
  EXPECT_TRUE((*hup)[1]);
}

}  // namespace
}  // namespace coven::tui
