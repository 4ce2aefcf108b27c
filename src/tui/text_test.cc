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

TEST(TextTest, AbbreviateHome) {
  EXPECT_EQ(AbbreviateHome("/home/me/.coven", "/home/me"), "~/.coven");
  EXPECT_EQ(AbbreviateHome("/home/me", "/home/me/"), "~");
  EXPECT_EQ(AbbreviateHome("/home/meow/.coven", "/home/me"), "/home/meow/.coven");
  EXPECT_EQ(AbbreviateHome("/tmp/x", ""), "/tmp/x");
}

}  // namespace
}  // namespace coven::tui
