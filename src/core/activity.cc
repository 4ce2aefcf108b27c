#include "core/activity.h"

namespace coven::core {
namespace {

struct StateEntry {
  ActivityState state;
  std::string_view name;
};
constexpr StateEntry kStates[] = {
    {ActivityState::kUnknown, "unknown"},
    {ActivityState::kWorking, "working"},
    {ActivityState::kWaiting, "waiting"},
    {ActivityState::kAsking, "asking"},
};

struct SourceEntry {
  ActivitySource source;
  std::string_view name;
};
constexpr SourceEntry kSources[] = {
    {ActivitySource::kNone, "none"},
    {ActivitySource::kHook, "hook"},
    {ActivitySource::kTerminal, "terminal"},
    {ActivitySource::kScreen, "screen"},
};

}  // namespace

std::string_view ActivityName(ActivityState state) {
  for (const StateEntry& e : kStates) {
    if (e.state == state) {
      return e.name;
    }
  }
  return "unknown";
}

std::string_view ActivitySourceName(ActivitySource source) {
  for (const SourceEntry& e : kSources) {
    if (e.source == source) {
      return e.name;
    }
  }
  return "none";
}

std::optional<ActivityState> ActivityFromName(std::string_view name) {
  for (const StateEntry& e : kStates) {
    if (e.name == name) {
      return e.state;
    }
  }
  return std::nullopt;
}

std::optional<ActivitySource> ActivitySourceFromName(std::string_view name) {
  for (const SourceEntry& e : kSources) {
    if (e.name == name) {
      return e.source;
    }
  }
  return std::nullopt;
}

std::string ActivityNameList() {
  std::string out;
  for (const StateEntry& e : kStates) {
    out += out.empty() ? "" : ", ";
    out += e.name;
  }
  return out;
}

}  // namespace coven::core
