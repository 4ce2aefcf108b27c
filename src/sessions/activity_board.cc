#include "sessions/activity_board.h"

namespace coven::sessions {

using core::ActivitySource;
using core::ActivityState;

namespace {

bool Ignored(const core::Activity& current, bool hooks_cover_turns, const ActivitySignal& s) {
  if (s.source == ActivitySource::kHook) {
    return false;
  }
  if (hooks_cover_turns) {
    return true;
  }
  // "Nothing on screen any more" only undoes what the screen said.
  return s.source == ActivitySource::kScreen && s.state == ActivityState::kUnknown &&
         current.source != ActivitySource::kScreen;
}

}  // namespace

void ActivityBoard::Track(const std::string& id, int64_t at_nanos) {
  core::MutexLock lock(&mu_);
  Entry& e = entries_[id];
  e = Entry{};
  e.activity.since_nanos = at_nanos;
}

void ActivityBoard::Forget(const std::string& id) {
  core::MutexLock lock(&mu_);
  entries_.erase(id);
}

std::optional<ActivityChange> ActivityBoard::Apply(const std::string& id,
                                                   const ActivitySignal& signal) {
  core::MutexLock lock(&mu_);
  auto it = entries_.find(id);
  if (it == entries_.end()) {
    return std::nullopt;
  }
  Entry& e = it->second;
  if (Ignored(e.activity, e.hooks_cover_turns, signal)) {
    return std::nullopt;
  }
  if (signal.source == ActivitySource::kHook && signal.state == ActivityState::kWorking) {
    e.hooks_cover_turns = true;
  }
  core::Activity next = e.activity;
  next.source = signal.state == ActivityState::kUnknown ? ActivitySource::kNone : signal.source;
  next.detail = signal.detail;
  if (next.state != signal.state) {
    next.state = signal.state;
    next.since_nanos = signal.at_nanos;
  }
  if (next == e.activity) {
    return std::nullopt;
  }
  ActivityChange change{e.activity, next};
  e.activity = next;
  return change;
}

std::optional<core::Activity> ActivityBoard::Get(const std::string& id) const {
  core::MutexLock lock(&mu_);
  auto it = entries_.find(id);
  if (it == entries_.end()) {
    return std::nullopt;
  }
  return it->second.activity;
}

}  // namespace coven::sessions
