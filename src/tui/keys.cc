#include "tui/keys.h"

#include <cctype>

#include "core/strings.h"

namespace coven::tui {

namespace {

Key Simple(KeyKind kind) {
  Key k;
  k.kind = kind;
  return k;
}

// Parses `ESC [ < b ; x ; y (M|m)` starting at `s[0] == ESC`. Returns bytes used, 0 when
// incomplete; sets `key` to kMouse for a press, kOther for a release or a malformed report.
size_t ParseSgrMouse(std::string_view s, Key& key) {
  size_t i = 3;
  int values[3] = {0, 0, 0};
  int index = 0;
  while (i < s.size()) {
    char c = s[i];
    if (std::isdigit(static_cast<unsigned char>(c)) != 0) {
      values[index] = values[index] * 10 + (c - '0');
      if (values[index] > 100000) {
        values[index] = 100000;
      }
    } else if (c == ';' && index < 2) {
      ++index;
    } else if ((c == 'M' || c == 'm') && index == 2) {
      key = Simple(KeyKind::kOther);
      // Button numbers 0-2 are presses of left/middle/right; 32+ motion, 64+ wheel.
      if (c == 'M' && values[0] < 3) {
        key.kind = KeyKind::kMouse;
        key.button = values[0];
        key.x = values[1];
        key.y = values[2];
      }
      return i + 1;
    } else {
      key = Simple(KeyKind::kOther);
      return i + 1;
    }
    ++i;
  }
  return 0;
}

KeyKind CsiFinal(char final_byte) {
  switch (final_byte) {
    case 'A':
      return KeyKind::kUp;
    case 'B':
      return KeyKind::kDown;
    case 'C':
      return KeyKind::kRight;
    case 'D':
      return KeyKind::kLeft;
    case 'Z':
      return KeyKind::kBackTab;
    default:
      return KeyKind::kOther;
  }
}

}  // namespace

size_t KeyParser::ParseOne(Key& key) const {
  std::string_view s = buffer_;
  auto c = static_cast<unsigned char>(s[0]);
  if (c == 0x1b) {
    if (s.size() < 2) {
      return 0;
    }
    if (s[1] == '[') {
      if (s.size() < 3) {
        return 0;
      }
      if (s[2] == '<') {
        return ParseSgrMouse(s, key);
      }
      size_t i = 2;
      while (i < s.size() &&
             (static_cast<unsigned char>(s[i]) < 0x40 || static_cast<unsigned char>(s[i]) > 0x7e)) {
        ++i;
      }
      if (i >= s.size()) {
        return 0;
      }
      key = Simple(CsiFinal(s[i]));
      return i + 1;
    }
    if (s[1] == 'O') {  // SS3: arrows in application cursor mode
      if (s.size() < 3) {
        return 0;
      }
      key = Simple(CsiFinal(s[2]));
      return 3;
    }
    // ESC followed by anything else: the Esc key, then that byte on its own.
    key = Simple(KeyKind::kEscape);
    return 1;
  }
  switch (c) {
    case '\r':
    case '\n':
      key = Simple(KeyKind::kEnter);
      // A CRLF pair (some terminals, pasted text) is one Enter.
      return c == '\r' && s.size() > 1 && s[1] == '\n' ? 2 : 1;
    case '\t':
      key = Simple(KeyKind::kTab);
      return 1;
    case 0x7f:
    case 0x08:
      key = Simple(KeyKind::kBackspace);
      return 1;
    case 0x03:
      key = Simple(KeyKind::kCtrlC);
      return 1;
    case 0x04:
      key = Simple(KeyKind::kCtrlD);
      return 1;
    default:
      break;
  }
  if (c < 0x20) {
    key = Simple(KeyKind::kOther);
    return 1;
  }
  size_t len = 1;
  if ((c & 0xE0) == 0xC0) {
    len = 2;
  } else if ((c & 0xF0) == 0xE0) {
    len = 3;
  } else if ((c & 0xF8) == 0xF0) {
    len = 4;
  }
  if (len > s.size()) {
    return 0;  // the rest of the character is still on its way
  }
  key = Simple(KeyKind::kText);
  key.text = core::SanitizeUtf8(s.substr(0, len));
  return len;
}

std::vector<Key> KeyParser::Feed(std::string_view bytes) {
  buffer_.append(bytes);
  std::vector<Key> keys;
  while (!buffer_.empty()) {
    Key key;
    size_t used = ParseOne(key);
    if (used == 0) {
      break;
    }
    buffer_.erase(0, used);
    keys.push_back(std::move(key));
  }
  return keys;
}

std::vector<Key> KeyParser::Flush() {
  std::vector<Key> keys;
  if (!buffer_.empty() && buffer_[0] == 0x1b) {
    keys.push_back(Simple(KeyKind::kEscape));
    buffer_.erase(0, 1);
    // Whatever followed the ESC (an unfinished sequence) is parsed as plain input.
    std::vector<Key> rest = Feed("");
    keys.insert(keys.end(), rest.begin(), rest.end());
  }
  buffer_.clear();
  return keys;
}

}  // namespace coven::tui
