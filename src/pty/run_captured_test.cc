// pty::RunCaptured: a short program run to completion, its output and exit collected.
#include <chrono>
#include <string>

#include <gtest/gtest.h>

#include "pty/process_spawn.h"

namespace coven::pty {
namespace {

using std::chrono::milliseconds;

// Given a program writing to stdout and stderr and exiting 3, we should get both outputs
// and the code.
TEST(RunCapturedTest, OutputAndExitCode) {
  auto run = RunCaptured({"/bin/sh", "-c", "echo out; echo err >&2; exit 3"}, milliseconds(10'000));
  ASSERT_TRUE(run) << run.error().message;
  EXPECT_EQ(run->exit_code, 3);
  EXPECT_EQ(run->output, "out\nerr\n");
  EXPECT_FALSE(run->timed_out);
}

// Given a program that reads stdin, it should see end of input at once (/dev/null).
TEST(RunCapturedTest, StdinIsEmpty) {
  auto run = RunCaptured({"/bin/cat"}, milliseconds(10'000));
  ASSERT_TRUE(run) << run.error().message;
  EXPECT_EQ(run->exit_code, 0);
  EXPECT_EQ(run->output, "");
}

// Given a program that outlives the timeout, we should kill it and say so.
TEST(RunCapturedTest, TimeoutKills) {
  auto start = std::chrono::steady_clock::now();
  auto run = RunCaptured({"/bin/sleep", "30"}, milliseconds(200));
  ASSERT_TRUE(run) << run.error().message;
  EXPECT_TRUE(run->timed_out);
  EXPECT_EQ(run->exit_code, std::nullopt);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
}

// Given a program that does not exist, we should get an error naming it.
TEST(RunCapturedTest, MissingProgram) {
  auto run = RunCaptured({"/no/such/program"}, milliseconds(1000));
  ASSERT_FALSE(run);
  EXPECT_NE(run.error().message.find("/no/such/program"), std::string::npos);
}

}  // namespace
}  // namespace coven::pty
