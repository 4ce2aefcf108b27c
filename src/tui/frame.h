// tui/frame.h: what a screen shows, as data. Renderers build `Line`s (styled spans of
// text); `Frame` is the grid of cells a terminal shows; `Diff` turns an old and a new
// frame into the bytes that change one into the other (mosh's Display::new_frame idea), so
// rendering is testable and only the outer loop writes to the terminal.
// Plain data; not thread-safe (use one per thread).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace coven::tui {

enum class Style : uint8_t { kPlain, kBold, kReverse, kDim, kAccent, kError };

struct Span {
  std::string text;
  Style style = Style::kPlain;
};

// One row of a rendered screen.
struct Line {
  std::vector<Span> spans;

  Line() = default;
  Line(std::string text, Style style = Style::kPlain);  // NOLINT(google-explicit-constructor)
  Line& Add(std::string text, Style style = Style::kPlain);
  // The text of every span, without styles.
  std::string Text() const;
};

// One column of a frame. A wide (2-column) character sits in two cells: the first holds it,
// the second is a continuation cell with an empty `ch` (and the same style). Combining
// marks and other zero-width characters are part of the `ch` before them.
struct Cell {
  std::string ch = " ";  // one character and its zero-width marks; empty: continuation
  Style style = Style::kPlain;
  bool operator==(const Cell& other) const = default;
  bool is_continuation() const { return ch.empty(); }
};

// A rows x cols grid of cells plus where the cursor should be (hidden when row < 0).
// Invariant (kept by FromLines; callers of Set must keep it too): a cell followed by a
// continuation cell holds a 2-column character, any other non-empty cell a 1-column one,
// and a continuation cell follows such a 2-column character.
class Frame {
 public:
  Frame(int rows, int cols);
  // Lines beyond `rows` and text beyond `cols` are dropped (a wide character that does not
  // fit in the last column becomes a space); invalid UTF-8 bytes and control characters
  // become U+FFFD; when `color` is false every cell is plain.
  static Frame FromLines(const std::vector<Line>& lines, int rows, int cols, bool color);

  int rows() const { return rows_; }
  int cols() const { return cols_; }
  const Cell& at(int row, int col) const { return cells_[Index(row, col)]; }
  void Set(int row, int col, Cell cell) { cells_[Index(row, col)] = std::move(cell); }
  void SetCursor(int row, int col) {
    cursor_row_ = row;
    cursor_col_ = col;
  }
  int cursor_row() const { return cursor_row_; }
  int cursor_col() const { return cursor_col_; }
  // Row `row` as text, trailing spaces removed.
  std::string RowText(int row) const;

 private:
  size_t Index(int row, int col) const {
    return static_cast<size_t>(row) * static_cast<size_t>(cols_) + static_cast<size_t>(col);
  }
  int rows_;
  int cols_;
  int cursor_row_ = -1;
  int cursor_col_ = 0;
  std::vector<Cell> cells_;
};

// Bytes that clear the screen and draw all of `frame` (rows joined with CRLF), then place
// or hide the cursor.
std::string FullRedraw(const Frame& frame);

// Bytes that turn a screen showing `old_frame` into `new_frame`: only changed cells are
// written (with cursor positioning), except that a wide character is always written whole,
// from its first column, and a continuation cell is never written on its own; a size change
// falls back to FullRedraw.
std::string Diff(const Frame& old_frame, const Frame& new_frame);

// `lines` as plain text for a pipe: spans joined, rows joined with "\n", no escapes.
std::string PlainText(const std::vector<Line>& lines);

}  // namespace coven::tui
