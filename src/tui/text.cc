#include "tui/text.h"

#include <utf8proc.h>

#include <algorithm>
#include <utility>

#include "core/strings.h"

namespace coven::tui {

namespace {

// Bidirectional overrides count too: shown raw they would reorder the rest of a row.
bool IsControl(utf8proc_int32_t cp) {
  return cp >= 0 && core::IsTerminalControl(static_cast<char32_t>(cp));
}

bool IsBlank(const std::string& line) {
  return line.find_first_not_of(' ') == std::string::npos;
}

// One line of a screen for TailLines: a cell per column, where the second column of a wide
// character is an empty continuation cell (as in Frame), and a cursor.
class ScreenLine {
 public:
  // Writes `ch` (`width` columns) at the cursor and moves past it; a zero-width character
  // joins the character before the cursor (and is dropped at the line start).
  void Put(std::string_view ch, int width) {
    if (width == 0) {
      size_t target = cursor_;
      while (target > 0 && cells_[target - 1].empty()) {
        --target;
      }
      if (target > 0) {
        cells_[target - 1] += ch;
      }
      return;
    }
    auto w = static_cast<size_t>(width);
    for (size_t c = cursor_; c < cursor_ + w; ++c) {
      Erase(c);
    }
    if (cells_.size() < cursor_ + w) {
      cells_.resize(cursor_ + w, " ");
    }
    cells_[cursor_] = ch;
    if (w == 2) {
      cells_[cursor_ + 1].clear();
    }
    cursor_ += w;
  }

  // Moves to the next 8-column tab stop without erasing anything, as terminals do.
  void Tab() {
    do {
      if (cursor_ >= cells_.size()) {
        cells_.emplace_back(" ");
      }
      ++cursor_;
    } while (cursor_ % 8 != 0);
  }

  void CarriageReturn() { cursor_ = 0; }
  bool empty() const { return cells_.empty(); }

  // The line's text without trailing spaces; starts a new empty line.
  std::string Finish() {
    std::string line;
    for (const std::string& c : cells_) {
      line += c;
    }
    while (!line.empty() && line.back() == ' ') {
      line.pop_back();
    }
    cells_.clear();
    cursor_ = 0;
    return line;
  }

 private:
  // Blanks column `col` before it is overwritten. Overwriting either half of a wide
  // character erases the whole character on a terminal, so its other half becomes a space.
  void Erase(size_t col) {
    if (col >= cells_.size()) {
      return;
    }
    if (cells_[col].empty() && col > 0) {
      cells_[col - 1] = " ";
    }
    if (col + 1 < cells_.size() && cells_[col + 1].empty()) {
      cells_[col + 1] = " ";
    }
    cells_[col] = " ";
  }

  std::vector<std::string> cells_;
  size_t cursor_ = 0;
};

}  // namespace

Glyph NextGlyph(std::string_view text, size_t pos) {
  utf8proc_int32_t cp = 0;
  utf8proc_ssize_t n =
      utf8proc_iterate(reinterpret_cast<const utf8proc_uint8_t*>(text.data() + pos),
                       static_cast<utf8proc_ssize_t>(text.size() - pos), &cp);
  if (n <= 0) {
    return Glyph{1, 1, false};
  }
  if (IsControl(cp)) {
    return Glyph{static_cast<size_t>(n), 1, false};
  }
  return Glyph{static_cast<size_t>(n), utf8proc_charwidth(cp), true};
}

size_t Columns(std::string_view text) {
  size_t n = 0;
  for (size_t i = 0; i < text.size();) {
    Glyph g = NextGlyph(text, i);
    n += static_cast<size_t>(g.width);
    i += g.bytes;
  }
  return n;
}

std::string TakeColumns(std::string_view text, size_t columns) {
  size_t i = 0;
  size_t n = 0;
  while (i < text.size()) {
    Glyph g = NextGlyph(text, i);
    if (n + static_cast<size_t>(g.width) > columns) {
      break;
    }
    n += static_cast<size_t>(g.width);
    i += g.bytes;
  }
  return std::string(text.substr(0, i));
}

std::string Fit(std::string_view text, size_t columns) {
  if (Columns(text) <= columns) {
    return std::string(text);
  }
  if (columns == 0) {
    return "";
  }
  return TakeColumns(text, columns - 1) + "\xE2\x80\xA6";
}

std::string FitPad(std::string_view text, size_t columns) {
  std::string out = Fit(text, columns);
  size_t used = Columns(out);
  out.append(columns > used ? columns - used : 0, ' ');
  return out;
}

std::string StripEscapes(std::string_view text) {
  std::string out;
  size_t i = 0;
  while (i < text.size()) {
    auto c = static_cast<unsigned char>(text[i]);
    if (c != 0x1b) {
      if (c >= 0x20 || c == '\n' || c == '\r' || c == '\t') {
        out.push_back(static_cast<char>(c));
      }
      ++i;
      continue;
    }
    if (i + 1 >= text.size()) {
      break;
    }
    char kind = text[i + 1];
    size_t j = i + 2;
    if (kind == '[') {  // CSI: parameters and intermediates, then a final byte 0x40-0x7e
      while (j < text.size() && (static_cast<unsigned char>(text[j]) < 0x40 ||
                                 static_cast<unsigned char>(text[j]) > 0x7e)) {
        ++j;
      }
      i = j + 1;
    } else if (kind == ']' || kind == 'P' || kind == '_' || kind == '^') {
      // OSC/DCS/APC/PM: up to BEL or ST (ESC \).
      while (j < text.size() && text[j] != '\a' &&
             !(text[j] == 0x1b && j + 1 < text.size() && text[j + 1] == '\\')) {
        ++j;
      }
      i = j < text.size() && text[j] == '\a' ? j + 1 : j + 2;
    } else if (kind == '(' || kind == ')' || kind == '#' || kind == '%') {
      i += 3;  // charset designation: ESC ( B
    } else {
      i += 2;
    }
  }
  return core::SanitizeUtf8(out);
}

std::vector<std::string> TailLines(std::string_view text, size_t count) {
  std::string plain = StripEscapes(text);  // valid UTF-8, no C0 controls but \n \r \t
  std::vector<std::string> lines;
  ScreenLine line;
  for (size_t i = 0; i < plain.size();) {
    Glyph g = NextGlyph(plain, i);
    std::string_view ch = std::string_view(plain).substr(i, g.bytes);
    i += g.bytes;
    if (ch == "\n") {
      lines.push_back(line.Finish());
    } else if (ch == "\r") {
      line.CarriageReturn();
    } else if (ch == "\t") {
      line.Tab();
    } else {
      line.Put(ch, g.width);
    }
  }
  if (!line.empty()) {
    lines.push_back(line.Finish());
  }
  // Taken from the end, then put back in order (inserting at the front was quadratic).
  std::vector<std::string> out;
  for (auto it = lines.rbegin(); it != lines.rend() && out.size() < count; ++it) {
    if (!IsBlank(*it)) {
      out.push_back(std::move(*it));
    }
  }
  std::reverse(out.begin(), out.end());
  return out;
}

std::string AbbreviateHome(const std::string& path, const std::string& home) {
  if (home.empty() || home == "/") {
    return path;
  }
  std::string h = home.back() == '/' ? home.substr(0, home.size() - 1) : home;
  if (path == h) {
    return "~";
  }
  if (path.size() > h.size() && path.compare(0, h.size(), h) == 0 && path[h.size()] == '/') {
    return "~" + path.substr(h.size());
  }
  return path;
}

}  // namespace coven::tui
