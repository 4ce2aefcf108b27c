#include "tui/frame.h"

#include <gtest/gtest.h>

namespace coven::tui {
namespace {

std::vector<Line> Lines(std::initializer_list<const char*> texts) {
  std::vector<Line> out;
  for (const char* t : texts) {
    out.emplace_back(t);
  }
  return out;
}

// Given lines longer and more numerous than the frame, we should clip both ways.
TEST(FrameTest, FromLinesClips) {
  Frame f = Frame::FromLines(Lines({"hello world", "x", "dropped"}), 2, 5, true);
  EXPECT_EQ(f.RowText(0), "hello");
  EXPECT_EQ(f.RowText(1), "x");
  EXPECT_EQ(f.at(1, 4).ch, " ");
}

// Given a full redraw, rows should be joined by CRLF only (raw mode has no output
// processing), never by a bare LF.
TEST(FrameTest, FullRedrawUsesCrlfOnly) {
  Frame f = Frame::FromLines(Lines({"ab", "", "cd"}), 3, 4, false);
  std::string bytes = FullRedraw(f);
  EXPECT_NE(bytes.find("ab\r\n\r\ncd"), std::string::npos) << bytes;
  for (size_t i = 0; i < bytes.size(); ++i) {
    if (bytes[i] == '\n') {
      ASSERT_GT(i, 0u);
      EXPECT_EQ(bytes[i - 1], '\r') << "bare LF at " << i;
    }
  }
  EXPECT_NE(bytes.find("\x1b[2J"), std::string::npos);
}

// Given two frames that differ in one run of cells, the diff should position the cursor
// there and write only the changed cells.
TEST(FrameTest, DiffWritesOnlyChangedCells) {
  Frame a = Frame::FromLines(Lines({"hello", "world"}), 2, 8, false);
  Frame b = Frame::FromLines(Lines({"hello", "wORLd"}), 2, 8, false);
  std::string d = Diff(a, b);
  EXPECT_NE(d.find("\x1b[2;2H"), std::string::npos) << d;
  EXPECT_NE(d.find("ORL"), std::string::npos) << d;
  EXPECT_EQ(d.find("hello"), std::string::npos) << d;
  EXPECT_EQ(d.find("w"), std::string::npos) << d;
  EXPECT_EQ(d.find("\x1b[2J"), std::string::npos) << d;
  // Identical frames need no bytes at all.
  EXPECT_EQ(Diff(a, a), "");
}

// Given a style change only, the diff should rewrite those cells with the new SGR.
TEST(FrameTest, DiffNoticesStyleChanges) {
  std::vector<Line> plain = {Line("ab")};
  std::vector<Line> bold = {Line("ab", Style::kReverse)};
  Frame a = Frame::FromLines(plain, 1, 4, true);
  Frame b = Frame::FromLines(bold, 1, 4, true);
  std::string d = Diff(a, b);
  EXPECT_NE(d.find("\x1b[0;7mab"), std::string::npos) << d;
  // Without colour the styles vanish and the frames are equal.
  EXPECT_EQ(Diff(Frame::FromLines(plain, 1, 4, false), Frame::FromLines(bold, 1, 4, false)), "");
}

// Given a resize, the diff falls back to a full redraw.
TEST(FrameTest, DiffAfterResizeRedraws) {
  Frame a(2, 4);
  Frame b(3, 4);
  EXPECT_NE(Diff(a, b).find("\x1b[2J"), std::string::npos);
}

TEST(FrameTest, CursorPlacement) {
  Frame a(2, 4);
  Frame b(2, 4);
  b.SetCursor(1, 2);
  EXPECT_EQ(Diff(a, b), "\x1b[2;3H\x1b[?25h");
}

// Given CJK, emoji and combining marks, FromLines should give a wide character two cells
// (the second a continuation) so later text lands in the right column.
TEST(FrameTest, FromLinesAlignsWideCharacters) {
  std::vector<Line> lines = {Line("\u65e5\u672c").Add("x", Style::kBold), Line("\U0001F525!"),
                             Line("e\u0301x")};
  Frame f = Frame::FromLines(lines, 3, 8, true);
  EXPECT_EQ(f.at(0, 0).ch, "\u65e5");
  EXPECT_TRUE(f.at(0, 1).is_continuation());
  EXPECT_EQ(f.at(0, 2).ch, "\u672c");
  EXPECT_TRUE(f.at(0, 3).is_continuation());
  EXPECT_EQ(f.at(0, 4).ch, "x");
  EXPECT_EQ(f.at(0, 4).style, Style::kBold);
  EXPECT_EQ(f.RowText(0), "\u65e5\u672cx");
  EXPECT_EQ(f.at(1, 0).ch, "\U0001F525");
  EXPECT_TRUE(f.at(1, 1).is_continuation());
  EXPECT_EQ(f.at(1, 2).ch, "!");
  EXPECT_EQ(f.at(2, 0).ch, "e\u0301");
  EXPECT_EQ(f.at(2, 1).ch, "x");
  EXPECT_EQ(f.RowText(2), "e\u0301x");
}

// Given a wide character that would straddle the last column, FromLines should leave a
// space there (styled like its span) and drop the rest of the row.
TEST(FrameTest, FromLinesClipsWideCharacterAtLastColumn) {
  Frame f = Frame::FromLines({Line("ab\u65e5c", Style::kReverse)}, 1, 3, true);
  EXPECT_EQ(f.RowText(0), "ab");
  EXPECT_EQ(f.at(0, 2), (Cell{" ", Style::kReverse}));
  Frame g = Frame::FromLines({Line("a\u65e5c\u0301")}, 1, 3, false);
  EXPECT_EQ(g.RowText(0), "a\u65e5");
  // Marks after the last column still join the character they follow.
  Frame h = Frame::FromLines({Line("abe\u0301")}, 1, 3, false);
  EXPECT_EQ(h.at(0, 2).ch, "e\u0301");
}

// Given invalid UTF-8 and control characters, FromLines should show U+FFFD, never write
// them to the terminal.
TEST(FrameTest, FromLinesReplacesInvalidBytesAndControls) {
  Frame f = Frame::FromLines({Line("a\xff\x1b[b")}, 1, 6, false);
  EXPECT_EQ(f.RowText(0), "a\uFFFD\uFFFD[b");
  // A C1 CSI and a bidi override (a title from an API client) are controls too.
  Frame g = Frame::FromLines({Line("x\u009b2J\u202eyz")}, 1, 8, false);
  EXPECT_EQ(g.RowText(0), "x\uFFFD2J\uFFFDyz");
}

// Given frames with and without a wide character, Diff's bytes should be exactly what a
// terminal needs: a wide character written once from its first column (the cursor moves
// two), and both narrow characters written when they replace it.
TEST(FrameTest, DiffWritesWideCharactersWhole) {
  Frame narrow = Frame::FromLines({Line("xab")}, 1, 6, false);
  Frame wide = Frame::FromLines({Line("x\u65e5")}, 1, 6, false);
  EXPECT_EQ(Diff(narrow, wide), "\x1b[1;2H\x1b[0m\u65e5\x1b[?25l");
  EXPECT_EQ(Diff(wide, narrow), "\x1b[1;2H\x1b[0mab\x1b[?25l");
  // 本 lands on the second half of 日 and the space after it.
  Frame shifted = Frame::FromLines({Line("xa\u672c")}, 1, 6, false);
  EXPECT_EQ(Diff(wide, shifted), "\x1b[1;2H\x1b[0ma\u672c\x1b[?25l");
}

// Given a change to only the second half of a wide character, Diff should rewrite the
// character from its first half; and a wide character overwriting two narrow ones in the
// middle of a row ends in the right column for the next run.
TEST(FrameTest, DiffRewritesFromFirstHalf) {
  Frame a = Frame::FromLines({Line("\u65e5\u672c")}, 1, 6, true);
  Frame b = a;
  b.Set(0, 3, Cell{"", Style::kBold});  // second half of 本 restyled
  EXPECT_EQ(Diff(a, b), "\x1b[1;3H\x1b[0m\u672c\x1b[?25l");
  Frame c = Frame::FromLines({Line("ab cd")}, 1, 6, false);
  Frame d = Frame::FromLines({Line("\U0001F525 cD")}, 1, 6, false);
  EXPECT_EQ(Diff(c, d), "\x1b[1;1H\x1b[0m\U0001F525\x1b[1;5HD\x1b[?25l");
}

// Given a row with wide characters, a full redraw writes each once and the continuation
// cells not at all.
TEST(FrameTest, FullRedrawSkipsContinuationCells) {
  Frame f = Frame::FromLines({Line("\u65e5\u672cx"), Line("\U0001F525")}, 2, 6, false);
  EXPECT_EQ(FullRedraw(f), "\x1b[0m\x1b[H\x1b[2J\u65e5\u672cx\r\n\U0001F525\x1b[0m\x1b[?25l");
}

TEST(FrameTest, PlainTextHasNoEscapes) {
  std::vector<Line> lines = {Line("a", Style::kBold), Line("b").Add("c", Style::kError)};
  EXPECT_EQ(PlainText(lines), "a\nbc\n");
}

}  // namespace
}  // namespace coven::tui
