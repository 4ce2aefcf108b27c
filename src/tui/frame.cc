#include "tui/frame.h"

#include <string_view>

#include "tui/text.h"

namespace coven::tui {

namespace {

const char* SgrFor(Style style) {
  switch (style) {
    case Style::kPlain:
      return "\x1b[0m";
    case Style::kBold:
      return "\x1b[0;1m";
    case Style::kReverse:
      return "\x1b[0;7m";
    case Style::kDim:
      return "\x1b[0;2m";
    case Style::kAccent:
      return "\x1b[0;36m";
    case Style::kError:
      return "\x1b[0;31m";
  }
  return "\x1b[0m";
}

std::string MoveTo(int row, int col) {
  return "\x1b[" + std::to_string(row + 1) + ";" + std::to_string(col + 1) + "H";
}

std::string CursorBytes(const Frame& frame) {
  if (frame.cursor_row() < 0) {
    return "\x1b[?25l";
  }
  return MoveTo(frame.cursor_row(), frame.cursor_col()) + "\x1b[?25h";
}

// Appends cells [from, to) of `row`, switching SGR only when the style changes. A
// continuation cell after a written wide character is skipped (the terminal cursor already
// moved two columns); one without its first half (a broken frame) is written as a space so
// the cursor stays in step.
void AppendCells(const Frame& frame, int row, int from, int to, Style& current, std::string& out) {
  for (int c = from; c < to; ++c) {
    const Cell& cell = frame.at(row, c);
    bool orphan = cell.is_continuation() && (c == from || frame.at(row, c - 1).is_continuation());
    if (cell.is_continuation() && !orphan) {
      continue;
    }
    if (cell.style != current) {
      out += SgrFor(cell.style);
      current = cell.style;
    }
    out += orphan ? " " : cell.ch;
  }
}

// Fills row `row` of `frame` from `line`; see Frame::FromLines.
void FillRow(Frame& frame, int row, const Line& line, bool color) {
  static constexpr std::string_view kReplacement = "\xEF\xBF\xBD";
  int c = 0;
  for (const Span& span : line.spans) {
    Style style = color ? span.style : Style::kPlain;
    std::string_view text = span.text;
    for (size_t i = 0; i < text.size();) {
      Glyph g = NextGlyph(text, i);
      std::string ch(g.printable ? text.substr(i, g.bytes) : kReplacement);
      i += g.bytes;
      if (g.width == 0) {
        int lead = c - 1;
        while (lead > 0 && frame.at(row, lead).is_continuation()) {
          --lead;
        }
        if (lead >= 0) {
          Cell cell = frame.at(row, lead);
          cell.ch += ch;
          frame.Set(row, lead, std::move(cell));
        }
        continue;
      }
      if (c + g.width > frame.cols()) {
        if (c < frame.cols()) {
          frame.Set(row, c, Cell{" ", style});
        }
        return;
      }
      frame.Set(row, c, Cell{std::move(ch), style});
      if (g.width == 2) {
        frame.Set(row, c + 1, Cell{"", style});
      }
      c += g.width;
    }
  }
}

}  // namespace

Line::Line(std::string text, Style style) {
  spans.push_back({std::move(text), style});
}

Line& Line::Add(std::string text, Style style) {
  spans.push_back({std::move(text), style});
  return *this;
}

std::string Line::Text() const {
  std::string out;
  for (const Span& s : spans) {
    out += s.text;
  }
  return out;
}

Frame::Frame(int rows, int cols)
    : rows_(rows < 0 ? 0 : rows),
      cols_(cols < 0 ? 0 : cols),
      cells_(static_cast<size_t>(rows_) * static_cast<size_t>(cols_)) {}

Frame Frame::FromLines(const std::vector<Line>& lines, int rows, int cols, bool color) {
  Frame frame(rows, cols);
  for (int r = 0; r < frame.rows() && static_cast<size_t>(r) < lines.size(); ++r) {
    FillRow(frame, r, lines[static_cast<size_t>(r)], color);
  }
  return frame;
}

std::string Frame::RowText(int row) const {
  std::string out;
  for (int c = 0; c < cols_; ++c) {
    out += at(row, c).ch;
  }
  while (!out.empty() && out.back() == ' ') {
    out.pop_back();
  }
  return out;
}

std::string FullRedraw(const Frame& frame) {
  std::string out = "\x1b[0m\x1b[H\x1b[2J";
  Style current = Style::kPlain;
  for (int r = 0; r < frame.rows(); ++r) {
    // Trailing plain blanks are already blank after the clear; skipping them also keeps
    // the last column unwritten, so no terminal wraps early.
    int end = frame.cols();
    while (end > 0 && frame.at(r, end - 1) == Cell{}) {
      --end;
    }
    AppendCells(frame, r, 0, end, current, out);
    if (r + 1 < frame.rows()) {
      out += "\r\n";
    }
  }
  out += "\x1b[0m";
  return out + CursorBytes(frame);
}

std::string Diff(const Frame& old_frame, const Frame& new_frame) {
  if (old_frame.rows() != new_frame.rows() || old_frame.cols() != new_frame.cols()) {
    return FullRedraw(new_frame);
  }
  std::string out;
  Style current = Style::kPlain;
  bool styled = false;
  for (int r = 0; r < new_frame.rows(); ++r) {
    int c = 0;
    while (c < new_frame.cols()) {
      if (old_frame.at(r, c) == new_frame.at(r, c)) {
        ++c;
        continue;
      }
      int end = c;
      while (end < new_frame.cols() && !(old_frame.at(r, end) == new_frame.at(r, end))) {
        ++end;
      }
      // A changed second half means rewriting the character from its first half; and on
      // the screen, writing over the second half of an old wide character erases its first.
      int start = c;
      if (start > 0 &&
          (old_frame.at(r, start).is_continuation() || new_frame.at(r, start).is_continuation())) {
        --start;
      }
      out += MoveTo(r, start);
      if (!styled) {
        out += "\x1b[0m";
        styled = true;
      }
      AppendCells(new_frame, r, start, end, current, out);
      c = end;
    }
  }
  if (styled && current != Style::kPlain) {
    out += "\x1b[0m";
  }
  bool cursor_moved = old_frame.cursor_row() != new_frame.cursor_row() ||
                      old_frame.cursor_col() != new_frame.cursor_col();
  if (!out.empty() || cursor_moved) {
    out += CursorBytes(new_frame);
  }
  return out;
}

std::string PlainText(const std::vector<Line>& lines) {
  std::string out;
  for (const Line& line : lines) {
    out += line.Text();
    out += "\n";
  }
  return out;
}

}  // namespace coven::tui
