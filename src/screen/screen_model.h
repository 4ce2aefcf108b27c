// screen/screen_model.h: a terminal screen model, the state a client needs to show a
// session's terminal as it is now.
//
// What this module is for
// -----------------------
// Agents are full-screen programs whose logs grow to hundreds of MB of repaints. To rejoin
// (or preview) such a session at its current screen in constant time, something must have
// interpreted every output byte as a terminal would. ScreenModel is that something: a
// terminal emulator (libvterm, Debian's `libvterm-dev`; no hand-written VT parser) fed with
// every output byte and every resize, from which a Snapshot can be taken at any moment:
// the text of each row, the cursor, the title, whether the alternate screen is on, the input
// modes a client's terminal must be put in (bracketed paste, mouse reporting, application
// cursor keys and keypad, focus events), and a paintable ANSI form (`ansi`) that brings a
// blank terminal of the same size to the same picture and modes.
//
// Who uses it: the shim keeps one model per live session (shim.h explains why there), and
// a finished session's final screen can be rebuilt by feeding its log. This module knows
// nothing about sessions, logs or sockets; libvterm's types do not leave the .cc.
//
// Limits (documented in docs/screen.md): no scrollback (only the visible screen), the
// scroll region and origin mode are not part of the paint (the program's next full repaint
// sets them again), and a character cell holds at most 6 code points (libvterm's limit).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace coven::screen {

// Mouse reporting the program asked for (DECSET 1000 / 1002 / 1003).
enum class MouseMode : uint8_t { kNone = 0, kClick = 1, kDrag = 2, kMove = 3 };

// The input modes a rejoining client must restore in its own terminal.
struct Modes {
  bool app_cursor_keys = false;  // DECCKM (CSI ? 1 h)
  bool app_keypad = false;       // DECKPAM (ESC =)
  bool bracketed_paste = false;  // CSI ? 2004 h
  bool focus_events = false;     // CSI ? 1004 h
  bool mouse_sgr = false;        // CSI ? 1006 h (SGR mouse encoding)
  MouseMode mouse = MouseMode::kNone;
  bool operator==(const Modes&) const = default;
};

struct Snapshot {
  uint16_t rows = 0;
  uint16_t cols = 0;
  // One entry per row: its text in UTF-8, trailing blanks removed (as `tmux capture-pane
  // -p` prints it); a wide character appears once.
  std::vector<std::string> lines;
  uint16_t cursor_row = 0;  // 0-based
  uint16_t cursor_col = 0;
  bool cursor_visible = true;
  bool alt_screen = false;
  std::string title;  // the last OSC 0/2 title, verbatim
  Modes modes;
  // Bytes that paint this screen on a terminal of `rows` x `cols`: reset attributes, switch
  // to the right screen, clear, every non-blank cell with its SGR attributes, the title,
  // the modes, the program's current pen, then the cursor position and visibility.
  std::string ansi;
};

// Attention signals a program sent to its terminal (docs/attention.md).
struct TerminalSignals {
  int bells = 0;                           // BEL outside any escape sequence
  std::vector<std::string> notifications;  // OSC 9 text, or OSC 777 "notify;title;body" part
  bool title_changed = false;              // OSC 0/2 set a title different from the last
  bool empty() const { return bells == 0 && notifications.empty() && !title_changed; }
};

// One terminal. Not thread-safe; movable, not copyable.
class ScreenModel {
 public:
  // A blank screen of `rows` x `cols` (each at least 1; 0 is taken as 1).
  ScreenModel(uint16_t rows, uint16_t cols);
  ~ScreenModel();
  ScreenModel(ScreenModel&&) noexcept;
  ScreenModel& operator=(ScreenModel&&) noexcept;
  ScreenModel(const ScreenModel&) = delete;
  ScreenModel& operator=(const ScreenModel&) = delete;

  // Interprets `bytes` as terminal output. Chunks may split escape sequences and UTF-8
  // characters anywhere; the model carries the partial state over.
  void Feed(std::string_view bytes);
  // The terminal changed size (as TIOCSWINSZ on the PTY): the screen reflows as xterm's
  // does in libvterm (rows are cut or added at the bottom, columns at the right).
  void Resize(uint16_t rows, uint16_t cols);
  uint16_t rows() const;
  uint16_t cols() const;

  Snapshot Capture() const;
  // The last OSC 0/2 title (as Snapshot::title).
  const std::string& title() const;
  // The text of each row (as Snapshot::lines), without the rest of a capture.
  std::vector<std::string> Lines() const;
  // The signals seen since the last call (at most 16 notifications of 512 bytes each are
  // kept per interval), and forgets them.
  TerminalSignals TakeSignals();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// A compact binary form of a Snapshot (for the shim's socket and files). Parse returns
// kCorrupt on malformed input.
std::string SerializeSnapshot(const Snapshot& snapshot);
core::Result<Snapshot> ParseSnapshot(std::string_view bytes);

}  // namespace coven::screen
