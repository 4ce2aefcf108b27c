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

// Appends cells [from, to) of `row`, switching SGR only when the style changes.
void AppendCells(const Frame& frame, int row, int from, int to, Style& current, std::string& out) {
  for (int c = from; c < to; ++c) {
    const Cell& cell = frame.at(row, c);
    if (cell.style != current) {
      out += SgrFor(cell.style);
      current = cell.style;
    }
    out += cell.ch;
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
    int c = 0;
    for (const Span& span : lines[static_cast<size_t>(r)].spans) {
      std::string_view rest = span.text;
      while (!rest.empty() && c < frame.cols()) {
        std::string one = TakeColumns(rest, 1);
        rest.remove_prefix(one.size());
        frame.Set(r, c++, Cell{one, color ? span.style : Style::kPlain});
      }
    }
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
      out += MoveTo(r, c);
      if (!styled) {
        out += "\x1b[0m";
        styled = true;
      }
      AppendCells(new_frame, r, c, end, current, out);
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
