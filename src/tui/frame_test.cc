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

TEST(FrameTest, PlainTextHasNoEscapes) {
  std::vector<Line> lines = {Line("a", Style::kBold), Line("b").Add("c", Style::kError)};
  EXPECT_EQ(PlainText(lines), "a\nbc\n");
}

}  // namespace
}  // namespace coven::tui
