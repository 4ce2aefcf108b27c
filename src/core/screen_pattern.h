// core/screen_pattern.h: an adapter's screen pattern (docs/attention.md), shared by the
// manifest reader (harness/), which checks them, and the shim, which matches them.
#pragma once

#include <regex>
#include <string>
#include <string_view>

#include "core/activity.h"
#include "core/result.h"

namespace coven::core {

// The state a pattern means and an ECMAScript regular expression searched in each screen
// row.
struct ScreenPattern {
  ActivityState state = ActivityState::kUnknown;
  std::string text;
  std::regex re;
};

// Parses "<state>=<regex>" (state asking or waiting; the regex non-empty, at most 512
// bytes). kInvalidRequest naming what is wrong. Thread-safe.
Result<ScreenPattern> ParseScreenPattern(std::string_view flag);

}  // namespace coven::core
