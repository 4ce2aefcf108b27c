// shim/internal/terminal_activity.h: what the terminal tells about a session's activity
// (docs/attention.md): terminal signals (BEL, OSC 9/777 notifications, a spinner in the
// title) and adapter screen patterns matched on the settled screen. Pure functions; the
// shim calls them and sends the reports to its subscribers (kActivity frames).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/activity.h"
#include "core/result.h"
#include "core/screen_pattern.h"
#include "screen/screen_model.h"

namespace coven::shim::internal {

struct ActivityReport {
  core::ActivityState state = core::ActivityState::kUnknown;
  core::ActivitySource source = core::ActivitySource::kNone;
  std::string detail;
  bool operator==(const ActivityReport&) const = default;
};

// The report for the signals of one read, nullopt when they say nothing: a notification
// asks when its text speaks of a permission or an approval and waits otherwise; a bell
// waits; a title that starts spinning (IsSpinnerTitle now, not before: a spinner redraws
// the title ten times a second, and only its start is news) means working. The last
// notification wins over a bell, both over a title.
std::optional<ActivityReport> FromTerminalSignals(const screen::TerminalSignals& signals,
                                                  std::string_view title, bool was_spinning);
// True when the title's first character is a braille spinner (U+2800-U+28FF), as Claude
// Code animates its title while it works.
bool IsSpinnerTitle(std::string_view title);

using core::ParseScreenPattern;
using core::ScreenPattern;

// The first pattern (in order) that matches a row of `lines`, as a kScreen report whose
// detail is the matching row; a kUnknown kScreen report ("no pattern matches") otherwise.
ActivityReport MatchScreen(const std::vector<ScreenPattern>& patterns,
                           const std::vector<std::string>& lines);

// kActivity frame payload: u8 state, u8 source, then the detail text.
std::string EncodeActivity(const ActivityReport& report);
std::optional<ActivityReport> DecodeActivity(std::string_view payload);

}  // namespace coven::shim::internal
