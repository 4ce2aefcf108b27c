#include "tui/text.h"

#include <gtest/gtest.h>

namespace coven::tui {
namespace {

// Given ASCII and multi-byte text, we should count code points and cut with an ellipsis.
TEST(TextTest, FitCutsWithEllipsis) {
  EXPECT_EQ(Columns("abc"), 3u);
  EXPECT_EQ(Columns("a\xE2\x86\x92"
                    "b"),
            3u);
  EXPECT_EQ(Fit("abcdef", 6), "abcdef");
  EXPECT_EQ(Fit("abcdefg", 6), "abcde\xE2\x80\xA6");
  EXPECT_EQ(Fit("\xE2\x86\x92\xE2\x86\x92\xE2\x86\x92", 2), "\xE2\x86\x92\xE2\x80\xA6");
  EXPECT_EQ(FitPad("ab", 4), "ab  ");
  EXPECT_EQ(Columns(FitPad("abcdefgh", 4)), 4u);
  EXPECT_EQ(TakeColumns("h\xC3\xA9llo", 2), "h\xC3\xA9");
}

// Given colourful harness output with OSC titles and cursor moves, we should keep only the
// text a screen shows.
TEST(TextTest, StripEscapesKeepsText) {
  EXPECT_EQ(StripEscapes("\x1b[1;32mok\x1b[0m done"), "ok done");
  EXPECT_EQ(StripEscapes("\x1b]0;title\x07hi"), "hi");
  EXPECT_EQ(StripEscapes("\x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\"), "link");
  EXPECT_EQ(StripEscapes("a\x1b(Bb\x07"
                         "c"),
            "abc");
  EXPECT_EQ(StripEscapes("tail\x1b["), "tail");
  EXPECT_EQ(StripEscapes("bad\xff"), "bad\xEF\xBF\xBD");
}

// Given output with carriage-return progress lines and blank lines, we should return the
// last non-blank lines as the screen shows them.
TEST(TextTest, TailLinesOverwritesOnCarriageReturn) {
  std::string out = "one\r\ntwo\r\n\r\n10%\r50%\r100%\r\n\x1b[2Kthree\ttab\r\n";
  std::vector<std::string> lines = TailLines(out, 3);
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0], "two");
  EXPECT_EQ(lines[1], "100%");
  EXPECT_EQ(lines[2], "three   tab");
  EXPECT_EQ(TailLines("", 3).size(), 0u);
  EXPECT_EQ(TailLines("abc\rX", 3), std::vector<std::string>{"Xbc"});
}

// Given CJK, emoji, combining marks and invalid bytes, we should count the columns a
// terminal shows.
TEST(TextTest, ColumnsCountsWideAndZeroWidth) {
  EXPECT_EQ(Columns("\u65e5\u672c\u8a9e"), 6u);  // 日本語
  EXPECT_EQ(Columns("\U0001F525"), 2u);          // 🔥
  EXPECT_EQ(Columns("e\u0301"), 1u);             // é as e + combining acute
  EXPECT_EQ(Columns("a\u65e5b\U0001F525c"), 7u);
  EXPECT_EQ(Columns("a\u200bb"), 2u);  // zero-width space
  EXPECT_EQ(Columns("\xff\xfe"), 2u);  // invalid bytes: one column each
  EXPECT_EQ(Columns("\xE2\x86"
                    "b"),
            3u);                       // truncated sequence, then b
  EXPECT_EQ(Columns("a\tb\x7f"), 4u);  // controls: one column each
  EXPECT_EQ(Columns(""), 0u);
}

// Given a wide character straddling the limit, TakeColumns should leave it out rather than
// return more columns than asked for; zero-width marks stay with their character.
TEST(TextTest, TakeColumnsNeverSplitsWideCharacters) {
  const std::string jp = "\u65e5\u672c\u8a9e";
  EXPECT_EQ(TakeColumns(jp, 0), "");
  EXPECT_EQ(TakeColumns(jp, 1), "");
  EXPECT_EQ(TakeColumns(jp, 2), "\u65e5");
  EXPECT_EQ(TakeColumns(jp, 3), "\u65e5");
  EXPECT_EQ(TakeColumns(jp, 4), "\u65e5\u672c");
  EXPECT_EQ(TakeColumns(jp, 9), jp);
  EXPECT_EQ(TakeColumns("a\U0001F525b", 2), "a");
  EXPECT_EQ(TakeColumns("a\U0001F525b", 3), "a\U0001F525");
  EXPECT_EQ(TakeColumns("e\u0301x", 1), "e\u0301");
  EXPECT_EQ(TakeColumns("e\u0301x", 2), "e\u0301x");
}

// Given wide text and odd widths, Fit should never exceed the width (the ellipsis is one
// column) and FitPad should always fill it exactly.
TEST(TextTest, FitAndFitPadCountWideCharacters) {
  const std::string jp = "\u65e5\u672c\u8a9e";
  EXPECT_EQ(Fit(jp, 6), jp);
  EXPECT_EQ(Fit(jp, 5), "\u65e5\u672c\u2026");
  EXPECT_EQ(Fit(jp, 4), "\u65e5\u2026");  // 本 would straddle: 3 columns
  EXPECT_EQ(Fit(jp, 1), "\u2026");
  EXPECT_EQ(Fit("\U0001F525\U0001F525", 3), "\U0001F525\u2026");
  EXPECT_EQ(Fit("ab\u65e5", 3), "ab\u2026");
  EXPECT_EQ(Fit("cafe\u0301", 4), "cafe\u0301");
  EXPECT_EQ(FitPad(jp, 4), "\u65e5\u2026 ");
  EXPECT_EQ(FitPad("\u65e5", 3), "\u65e5 ");
  EXPECT_EQ(FitPad("e\u0301", 3), "e\u0301  ");
  const std::string mixed = "a\u65e5b\U0001F525c\u0301\u8a9e d";
  for (size_t width = 0; width <= 12; ++width) {
    EXPECT_LE(Columns(Fit(mixed, width)), width) << width;
    EXPECT_EQ(Columns(FitPad(mixed, width)), width) << width;
    EXPECT_EQ(Columns(FitPad(jp, width)), width) << width;
  }
}

// Given wide characters before tabs and under carriage-return overwrites, TailLines should
// place tab stops and overwrites by column, erasing a partly overwritten wide character.
TEST(TextTest, TailLinesCountsColumnsForWideCharacters) {
  EXPECT_EQ(TailLines("\u65e5\tx", 1), std::vector<std::string>{"\u65e5      x"});
  EXPECT_EQ(TailLines("a\u65e5\tx", 1), std::vector<std::string>{"a\u65e5     x"});
  EXPECT_EQ(TailLines("e\u0301\tx", 1), std::vector<std::string>{"e\u0301       x"});
  // X lands on the first half of 日: the second half becomes a space.
  EXPECT_EQ(TailLines("\u65e5\u672c\rX", 1), std::vector<std::string>{"X \u672c"});
  // 語 lands on the second half of 日 and the first of 本: both are erased.
  EXPECT_EQ(TailLines("\u65e5\u672cz\rx\u8a9e", 1), std::vector<std::string>{"x\u8a9e z"});
  // A tab moves over a wide character without erasing it.
  EXPECT_EQ(TailLines("\u65e5\u672c\r\tb", 1), std::vector<std::string>{"\u65e5\u672c    b"});
  // A combining mark after a wide character joins it.
  EXPECT_EQ(TailLines("\u65e5\u0301x", 1), std::vector<std::string>{"\u65e5\u0301x"});
}

TEST(TextTest, AbbreviateHome) {
  EXPECT_EQ(AbbreviateHome("/home/me/.coven", "/home/me"), "~/.coven");
  EXPECT_EQ(AbbreviateHome("/home/me", "/home/me/"), "~");
  EXPECT_EQ(AbbreviateHome("/home/meow/.coven", "/home/me"), "/home/meow/.coven");
  EXPECT_EQ(AbbreviateHome("/tmp/x", ""), "/tmp/x");
}

}  // namespace
}  // namespace coven::tui
