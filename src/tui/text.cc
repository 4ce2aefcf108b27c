#include "tui/text.h"

#include <algorithm>

#include "core/strings.h"

namespace coven::tui {

namespace {

// Length of the UTF-8 sequence that starts with `lead` (1 for invalid lead bytes).
size_t SequenceLength(unsigned char lead) {
  if (lead < 0x80) {
    return 1;
  }
  if ((lead & 0xE0) == 0xC0) {
    return 2;
  }
  if ((lead & 0xF0) == 0xE0) {
    return 3;
  }
  if ((lead & 0xF8) == 0xF0) {
    return 4;
  }
  return 1;
}

// Splits `text` into code points (each a std::string of 1..4 bytes).
std::vector<std::string> CodePoints(std::string_view text) {
  std::vector<std::string> out;
  for (size_t i = 0; i < text.size();) {
    size_t n = SequenceLength(static_cast<unsigned char>(text[i]));
    n = std::min(n, text.size() - i);
    out.emplace_back(text.substr(i, n));
    i += n;
  }
  return out;
}

bool IsBlank(const std::string& line) {
  return line.find_first_not_of(' ') == std::string::npos;
}

}  // namespace

size_t Columns(std::string_view text) {
  size_t n = 0;
  for (size_t i = 0; i < text.size(); ++n) {
    i += SequenceLength(static_cast<unsigned char>(text[i]));
  }
  return n;
}

std::string TakeColumns(std::string_view text, size_t columns) {
  size_t i = 0;
  for (size_t n = 0; i < text.size() && n < columns; ++n) {
    i += SequenceLength(static_cast<unsigned char>(text[i]));
  }
  return std::string(text.substr(0, std::min(i, text.size())));
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
  std::string plain = StripEscapes(text);
  std::vector<std::string> lines;
  std::vector<std::string> cells;
  size_t cursor = 0;
  auto finish = [&] {
    std::string line;
    for (const std::string& c : cells) {
      line += c;
    }
    while (!line.empty() && line.back() == ' ') {
      line.pop_back();
    }
    lines.push_back(std::move(line));
    cells.clear();
    cursor = 0;
  };
  for (std::string& cp : CodePoints(plain)) {
    if (cp == "\n") {
      finish();
    } else if (cp == "\r") {
      cursor = 0;
    } else if (cp == "\t") {
      do {
        if (cursor >= cells.size()) {
          cells.emplace_back(" ");
        }
        ++cursor;
      } while (cursor % 8 != 0);
    } else {
      if (cursor >= cells.size()) {
        cells.resize(cursor + 1, " ");
      }
      cells[cursor++] = std::move(cp);
    }
  }
  if (!cells.empty()) {
    finish();
  }
  std::vector<std::string> out;
  for (auto it = lines.rbegin(); it != lines.rend() && out.size() < count; ++it) {
    if (!IsBlank(*it)) {
      out.insert(out.begin(), *it);
    }
  }
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
