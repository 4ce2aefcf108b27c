// tui/browser.h: the session browser of `coven sessions` on a terminal (SPEC 6.4) as a
// model, a key handler and a renderer. The loop that fetches sessions and output from the
// daemon and carries out actions is cli/browser_cmd.cc. Pure; not thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "tui/frame.h"
#include "tui/keys.h"

namespace coven::tui {

// What the browser shows of a session (decoupled from the CLI's record type).
struct BrowserSession {
  std::string id, title, status, harness, project_root, updated_at;
  bool archived = false;
  std::string conversation_id;  // the harness's conversation, when Coven knows it
  std::string worktree_path, worktree_branch;
  // The live session's activity word (docs/attention.md: "working", "waiting", "asking",
  // "unknown"); empty when it is not live or the daemon does not say.
  std::string activity;
};

enum class BrowserAction { kAttach, kSummon, kArchive, kSacrifice, kKill, kResume, kBack };

struct ActionItem {
  BrowserAction action;
  char key;           // the letter that runs it
  std::string label;  // "Rejoin", "View Log", ...
};

// The contextual actions, in display order: [a] Rejoin (running) or View Log; [c] Resume
// (not running, with a conversation id: a new session continuing that conversation);
// [s] Summon (archived) or [r] Archive (not running); [x] Sacrifice (not running); [K] Kill
// (running); [q] Back. (Kill is capital K because k moves up, as in vi.)
std::vector<ActionItem> ActionsFor(const BrowserSession& session);

// The state a person reads: "archived", the activity word of a live session that has one,
// "live" (running), "done" (completed), "queued" (created), else the raw status.
std::string DisplayState(const BrowserSession& session);

inline constexpr size_t kBrowserVisibleSessions = 8;
inline constexpr const char* kBrowserClosed = "Closed session browser. Nothing changed.";
inline constexpr const char* kSacrificeCancelled = "Sacrifice cancelled. Nothing changed.";
inline constexpr const char* kNoSessions = "No Coven sessions to manage yet.";
inline constexpr const char* kStartHint =
    "Start one with `coven run codex \"explain this repo\"` (or `coven run demo hello "
    "--detach`), then run `coven sessions` again.";

struct BrowserModel {
  std::vector<BrowserSession> sessions;
  bool all = false;
  size_t selected = 0;
  size_t action = 0;                 // index into ActionsFor(selected session)
  std::vector<std::string> preview;  // the selected session's last screen lines
  std::string notice;
  bool notice_is_error = false;
  bool confirming = false;  // the sacrifice prompt is open
  std::string confirm_input;
  bool changed = false;  // some action changed the store
  int64_t now_unix = 0;  // for the AGE column; 0 leaves it blank
  // `n` toggles it: sessions asking, then waiting, come first (in list order otherwise).
  bool attention_first = false;

  // The selected session, or nullptr when there is none.
  const BrowserSession* Selected() const;
  // Replaces the session list, keeping the selection on the same id when it is still there.
  void SetSessions(std::vector<BrowserSession> list);
};

// How long ago `rfc3339` (e.g. "2026-05-14T07:00:01Z", fractions and offsets allowed) was,
// from `now_unix`, in at most 4 columns: "now" (under a minute), "12m", "5h", "3d", "40w";
// "" when the time cannot be read.
std::string AgeLabel(std::string_view rfc3339, int64_t now_unix);

// Where things landed on screen, for mouse clicks (0-based rows).
struct BrowserLayout {
  int first_session_row = 4;  // terminal row 5
  size_t first_session = 0;   // index of the session shown on first_session_row
  size_t shown_sessions = 0;
  int first_action_row = -1;
  size_t shown_actions = 0;
};

struct RenderedBrowser {
  std::vector<Line> lines;
  BrowserLayout layout;
};

// The browser `width` columns wide and at most `max_rows` high (0: no limit; the preview
// shrinks first). Titles are fitted to 30 columns, harnesses to 8, ids shown by prefix.
RenderedBrowser RenderBrowser(const BrowserModel& model, int width, int max_rows);

enum class BrowserSignal { kNone, kClose, kRun };

struct BrowserStep {
  BrowserSignal signal = BrowserSignal::kNone;
  BrowserAction action = BrowserAction::kBack;  // with kRun
};

// Applies one key or click (SPEC 6.4 keys): Up/k and Down/j move (wrapping, resetting the
// action), Left/BackTab and Right/Tab choose the action, Enter or an action letter runs it
// (Sacrifice first opens the confirmation prompt, which runs only on the exact word
// `sacrifice`), n puts the sessions that need the user first (or back), q/Q/Esc/Ctrl-C
// close. `layout` is the last rendered one, for clicks.
BrowserStep ApplyBrowserKey(BrowserModel& model, const Key& key, const BrowserLayout& layout);

}  // namespace coven::tui
