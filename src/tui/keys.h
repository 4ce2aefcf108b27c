// tui/keys.h: turns the bytes a terminal sends in raw mode into keys: printable text,
// arrows, Tab/BackTab, Enter, Backspace, Esc, Ctrl-C, and SGR mouse reports
// (`ESC [ < b ; x ; y M`, enabled by modes 1000 and 1006). Pure; not thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace coven::tui {

enum class KeyKind {
  kText,  // `text` holds one printable code point
  kUp,
  kDown,
  kLeft,
  kRight,
  kTab,
  kBackTab,
  kEnter,
  kBackspace,
  kEscape,
  kCtrlC,
  kCtrlD,
  kMouse,  // a button press: `button`, 1-based `x` (column) and `y` (row)
  kOther,  // a recognised sequence nobody handles (Home, F1, ...)
};

struct Key {
  KeyKind kind = KeyKind::kOther;
  std::string text;
  int button = 0;
  int x = 0;
  int y = 0;
  bool operator==(const Key& other) const = default;
};

// Incremental parser: bytes may arrive split anywhere. A lone ESC stays pending until more
// bytes arrive or Flush() is called (the caller flushes after a short quiet period, which
// is how terminals tell Esc from the start of an escape sequence).
class KeyParser {
 public:
  std::vector<Key> Feed(std::string_view bytes);
  // Ends any pending sequence: a lone ESC becomes kEscape; other partial input is dropped.
  std::vector<Key> Flush();
  bool pending() const { return !buffer_.empty(); }

 private:
  // Parses one key at the start of buffer_; returns the bytes used, or 0 when incomplete.
  size_t ParseOne(Key& key) const;
  std::string buffer_;
};

}  // namespace coven::tui
