// core/activity.h: what a live session's agent is doing, as types (docs/attention.md).
//
// A session's activity is one of four states, decided by the most trusted signal
// available; `source` says which kind of signal that was. Like SessionStatus, the wire
// carries names and code compares through these enums and their one name table.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace coven::core {

enum class ActivityState : uint8_t {
  kUnknown,  // no signal says anything (silence alone proves nothing)
  kWorking,  // the agent is busy on a turn
  kWaiting,  // its turn is over: it waits for the user's next message
  kAsking,   // mid-turn it needs an answer (a permission or approval prompt, a question)
};

// Most trusted first: harness hooks (the agent itself), terminal signals (BEL, OSC 9/777,
// title), screen patterns (text on the current screen). kNone: no signal yet.
enum class ActivitySource : uint8_t { kNone, kHook, kTerminal, kScreen };

struct Activity {
  ActivityState state = ActivityState::kUnknown;
  int64_t since_nanos = 0;  // when the session entered `state` (Unix epoch nanoseconds)
  ActivitySource source = ActivitySource::kNone;
  std::string detail;  // what the signal said (a tool, a notification text), maybe empty
  bool operator==(const Activity&) const = default;
};

// Wire names ("working", "hook", ...). Thread-safe.
std::string_view ActivityName(ActivityState state);
std::string_view ActivitySourceName(ActivitySource source);
// The state or source named `name` (exact, lowercase), or nullopt.
std::optional<ActivityState> ActivityFromName(std::string_view name);
std::optional<ActivitySource> ActivitySourceFromName(std::string_view name);
// Every state name in table order ("unknown, working, waiting, asking"), for messages.
std::string ActivityNameList();

}  // namespace coven::core
