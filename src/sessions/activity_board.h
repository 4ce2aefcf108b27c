// sessions/activity_board.h: the activity of every live session, and the rule that picks
// which signal decides it (docs/attention.md).
//
// Signals come from three kinds of source, most trusted first: the harness's own hooks
// (`coven __hook`, reported over the API), terminal signals and screen patterns (both
// reported by the session's shim). The rule, in order:
//   1. A hook signal always applies.
//   2. Once a session's hooks have reported `working`, they cover whole turns (Claude
//      Code's do: submit, tool use, notification, stop), so the lower sources are ignored
//      for it from then on. Hooks that only report the end of a turn (Codex's `notify`)
//      never lock the others out.
//   3. A screen signal saying "no pattern matches any more" (state kUnknown from kScreen)
//      only clears a state the screen itself decided: a dialog that went away says nothing
//      about what a hook or the terminal said.
//   4. Otherwise the newest signal wins.
// `since` changes only when the state does; a new detail or source with the same state
// is an update, not a transition. Nothing here looks at time passing: silence never
// changes a state.
//
// Thread-safe: every method may be called from any thread.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "core/activity.h"
#include "core/mutex.h"

namespace coven::sessions {

struct ActivitySignal {
  core::ActivityState state = core::ActivityState::kUnknown;
  core::ActivitySource source = core::ActivitySource::kNone;
  std::string detail;
  int64_t at_nanos = 0;
};

// What applying a signal did.
struct ActivityChange {
  core::Activity before;
  core::Activity after;
  bool is_transition() const { return before.state != after.state; }
};

class ActivityBoard {
 public:
  // Starts tracking `id` as unknown since `at_nanos` (a launch or an adoption).
  void Track(const std::string& id, int64_t at_nanos) EXCLUDES(mu_);
  // Forgets `id` (its shim ended).
  void Forget(const std::string& id) EXCLUDES(mu_);
  // Applies `signal` by the rule above. nullopt when `id` is not tracked or nothing
  // changed (ignored, or the same state, source and detail).
  std::optional<ActivityChange> Apply(const std::string& id, const ActivitySignal& signal)
      EXCLUDES(mu_);
  // The current activity, nullopt when `id` is not tracked.
  std::optional<core::Activity> Get(const std::string& id) const EXCLUDES(mu_);

 private:
  struct Entry {
    core::Activity activity;
    bool hooks_cover_turns = false;
  };
  mutable core::Mutex mu_;
  std::map<std::string, Entry> entries_ GUARDED_BY(mu_);
};

}  // namespace coven::sessions
