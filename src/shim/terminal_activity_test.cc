#include "shim/internal/terminal_activity.h"

#include <gtest/gtest.h>

#include "screen/screen_model.h"

namespace coven::shim::internal {
namespace {

using core::ActivitySource;
using core::ActivityState;

screen::TerminalSignals Feed(std::string_view bytes) {
  screen::ScreenModel model(24, 80);
  model.Feed(bytes);
  return model.TakeSignals();
}

// The screen model sees BEL, OSC 9 and OSC 777 notifications and title changes.
TEST(TerminalActivityTest, ScreenModelCollectsSignals) {
  auto bell = Feed("done\a");
  EXPECT_EQ(bell.bells, 1);
  auto osc9 = Feed("\x1b]9;Claude needs your permission to use Bash\x07");
  ASSERT_EQ(osc9.notifications.size(), 1u);
  EXPECT_EQ(osc9.notifications[0], "Claude needs your permission to use Bash");
  EXPECT_EQ(osc9.bells, 0);  // the BEL ending the OSC is no bell
  auto osc777 = Feed("\x1b]777;notify;Codex;Turn complete\x1b\\");
  ASSERT_EQ(osc777.notifications.size(), 1u);
  EXPECT_EQ(osc777.notifications[0], "Codex;Turn complete");
  auto title = Feed("\x1b]2;\xE2\xA0\x8B working\x07");
  EXPECT_TRUE(title.title_changed);
  EXPECT_TRUE(Feed("plain text").empty());
}

// Taking the signals forgets them.
TEST(TerminalActivityTest, TakeSignalsResets) {
  screen::ScreenModel model(24, 80);
  model.Feed("\a");
  EXPECT_EQ(model.TakeSignals().bells, 1);
  EXPECT_TRUE(model.TakeSignals().empty());
}

// Table: which signals mean which state.
TEST(TerminalActivityTest, SignalsToReports) {
  struct Case {
    screen::TerminalSignals signals;
    std::string title;
    bool was_spinning;
    std::optional<ActivityState> want;
  };
  screen::TerminalSignals bell;
  bell.bells = 1;
  screen::TerminalSignals ask;
  ask.notifications = {"Approval requested: rm -rf build"};
  screen::TerminalSignals done;
  done.notifications = {"Agent turn complete"};
  screen::TerminalSignals title;
  title.title_changed = true;
  const Case cases[] = {
      {bell, "", false, ActivityState::kWaiting},
      {ask, "", false, ActivityState::kAsking},
      {done, "", false, ActivityState::kWaiting},
      {title, "\xE2\xA0\x8B Working", false, ActivityState::kWorking},
      {title, "\xE2\xA0\x99 Working", true, std::nullopt},  // still spinning: no news
      {title, "my shell", false, std::nullopt},
      {screen::TerminalSignals{}, "", false, std::nullopt},
  };
  for (const Case& c : cases) {
    auto report = FromTerminalSignals(c.signals, c.title, c.was_spinning);
    ASSERT_EQ(report.has_value(), c.want.has_value()) << c.title;
    if (report) {
      EXPECT_EQ(report->state, *c.want);
      EXPECT_EQ(report->source, ActivitySource::kTerminal);
    }
  }
}

// Patterns match a screen row; no match is an unknown screen report.
TEST(TerminalActivityTest, ScreenPatterns) {
  auto p = ParseScreenPattern("asking=Do you want to proceed\\?");
  ASSERT_TRUE(p.has_value());
  std::vector<ScreenPattern> patterns;
  patterns.push_back(std::move(*p));
  auto hit = MatchScreen(patterns, {"", "   Do you want to proceed?", " 1. Yes"});
  EXPECT_EQ(hit.state, ActivityState::kAsking);
  EXPECT_EQ(hit.source, ActivitySource::kScreen);
  EXPECT_EQ(hit.detail, "Do you want to proceed?");
  auto miss = MatchScreen(patterns, {"$ ls"});
  EXPECT_EQ(miss.state, ActivityState::kUnknown);
  EXPECT_FALSE(ParseScreenPattern("working=x").has_value());
  EXPECT_FALSE(ParseScreenPattern("asking=(").has_value());
  EXPECT_FALSE(ParseScreenPattern("asking").has_value());
}

// The kActivity frame payload round-trips and rejects junk.
TEST(TerminalActivityTest, FramePayloadRoundTrips) {
  ActivityReport r{ActivityState::kAsking, ActivitySource::kScreen, "Allow?"};
  EXPECT_EQ(DecodeActivity(EncodeActivity(r)), r);
  EXPECT_FALSE(DecodeActivity("").has_value());
  EXPECT_FALSE(DecodeActivity(std::string("\x09\x01", 2)).has_value());
}

}  // namespace
}  // namespace coven::shim::internal
