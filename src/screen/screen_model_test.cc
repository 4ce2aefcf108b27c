#include "screen/screen_model.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "support/random.h"

namespace coven::screen {
namespace {

std::string Feed(ScreenModel& m, const std::string& bytes) {
  m.Feed(bytes);
  return bytes;
}

// Given plain text with newlines, we should show it row by row with trailing blanks
// trimmed, and the cursor after the last character.
TEST(ScreenModelTest, TextAndCursor) {
  ScreenModel m(5, 20);
  Feed(m, "hello\r\nworld   ");
  Snapshot s = m.Capture();
  EXPECT_EQ(s.rows, 5);
  EXPECT_EQ(s.cols, 20);
  ASSERT_EQ(s.lines.size(), 5u);
  EXPECT_EQ(s.lines[0], "hello");
  EXPECT_EQ(s.lines[1], "world");
  EXPECT_EQ(s.lines[2], "");
  EXPECT_EQ(s.cursor_row, 1);
  EXPECT_EQ(s.cursor_col, 8);
  EXPECT_TRUE(s.cursor_visible);
  EXPECT_FALSE(s.alt_screen);
}

// Given wide characters (two cells each) and combining marks, we should show each once and
// place the cursor by cells.
TEST(ScreenModelTest, WideAndCombiningCharacters) {
  ScreenModel m(3, 10);
  Feed(m, "\xe6\x97\xa5\xe6\x9c\xac|e\xcc\x81|");  // 日本|é (e + U+0301)|
  Snapshot s = m.Capture();
  EXPECT_EQ(s.lines[0], "\xe6\x97\xa5\xe6\x9c\xac|e\xcc\x81|");
  EXPECT_EQ(s.cursor_col, 7);  // 2 + 2 + 1 + 1 + 1 cells
}

// Given bytes split at every possible point (inside escapes and UTF-8), we should end with
// the same screen as when fed at once.
TEST(ScreenModelTest, SplitFeedingEqualsWhole) {
  std::string stream =
      "\x1b[2J\x1b[H\x1b[1;31mred\x1b[0m \xe6\x97\xa5\x1b]2;my title\x07\x1b[3;4Hthere\x1b[?25l";
  ScreenModel whole(4, 12);
  whole.Feed(stream);
  ScreenModel bytewise(4, 12);
  for (char c : stream) {
    bytewise.Feed(std::string(1, c));
  }
  Snapshot a = whole.Capture();
  Snapshot b = bytewise.Capture();
  EXPECT_EQ(a.lines, b.lines);
  EXPECT_EQ(a.ansi, b.ansi);
  EXPECT_EQ(b.title, "my title");
  EXPECT_FALSE(b.cursor_visible);
  EXPECT_EQ(b.lines[2], "   there");
}

// Given text with a control byte (BS, CR, DEL, BEL) or a character >= 0x80 at every offset
// of a word-sized scan, we should end with the screen of the same bytes fed one at a time
// (where the text scan cannot look ahead).
TEST(ScreenModelTest, ControlBytesAnywhereInTextEqualBytewise) {
  const std::string base = "abcdefghijklmnopqrstuvwx";
  for (std::string_view special : {"\b", "\r", "\x7f", "\x07", "\xc3\xa9", "\x1f"}) {
    for (size_t at = 0; at <= 17; ++at) {
      std::string stream = base.substr(0, at) + std::string(special) + base.substr(at) + "\r\n" +
                           base + std::string(special);
      ScreenModel whole(3, 40);
      whole.Feed(stream);
      ScreenModel bytewise(3, 40);
      for (char c : stream) {
        bytewise.Feed(std::string(1, c));
      }
      EXPECT_EQ(whole.Capture().lines, bytewise.Capture().lines) << at;
      EXPECT_EQ(whole.Capture().cursor_col, bytewise.Capture().cursor_col) << at;
    }
  }
}

// Given scrolling text long enough for the skip, with a control byte, an escape or a C1
// character at every offset of a word-sized scan in some of its lines, we should end with
// the screen (and pen) of the same bytes fed in pieces too small to skip: the text scan
// that finds plain runs (CR and LF included) must not pass over any of them.
TEST(ScreenModelTest, ControlBytesInScrollingTextEqualSlowFeeding) {
  const std::string base = "abcdefghijklmnopqrstuvwxyz0123";
  for (std::string_view special : {"\n", "\r", "\x0b", "\x0c", "\x0e", "\t", "\b", "\x7f",
                                   "\x1b[1m", "\xc2\x8d", "\xc2\x8a", "\x8d\x8a"}) {
    for (size_t at = 0; at <= 17; ++at) {
      std::string stream;
      for (int line = 0; line < 300; ++line) {
        // In lines that scroll off again, where a byte the scan missed would be skipped.
        stream += line % 7 == 3 && line < 200
                      ? base.substr(0, at) + std::string(special) + base.substr(at)
                      : base;
        stream += "\r\n";
      }
      ScreenModel fast(24, 80);
      fast.Feed(stream);
      ScreenModel slow(24, 80);
      for (size_t i = 0; i < stream.size(); i += 512) {
        slow.Feed(stream.substr(i, 512));
      }
      Snapshot a = fast.Capture();
      Snapshot b = slow.Capture();
      EXPECT_EQ(a.lines, b.lines) << at;
      EXPECT_EQ(a.cursor_row, b.cursor_row) << at;
      EXPECT_EQ(a.cursor_col, b.cursor_col) << at;
      EXPECT_EQ(a.ansi, b.ansi) << at;  // the pen too
    }
  }
}

// Given OSC 0 and OSC 2 titles, we should keep the last one, whichever two writes its
// bytes came in (libvterm 0.1.4 alone loses a split one).
TEST(ScreenModelTest, Title) {
  ScreenModel m(2, 10);
  Feed(m, "\x1b]0;first\x07");
  EXPECT_EQ(m.Capture().title, "first");
  Feed(m, "\x1b]2;second\x1b\\");
  EXPECT_EQ(m.Capture().title, "second");
  const std::string osc =
      "ab\x1b]2;my title\x07"
      "cd";
  const std::string st =
      "ab\x1b]2;my title\x1b\\"
      "cd";
  // An earlier OSC cut short by a CSI does not hold back what follows; a later one is held.
  const std::string cut_short = "\x1b]2;lost\x1b[1mx\x1b]2;kept";
  for (size_t cut = 0; cut <= cut_short.size(); ++cut) {
    ScreenModel m2(2, 10);
    m2.Feed(cut_short.substr(0, cut));
    m2.Feed(cut_short.substr(cut));
    m2.Feed("\x07");
    EXPECT_EQ(m2.Capture().title, "kept") << cut;
    EXPECT_EQ(m2.Capture().lines[0], "x") << cut;
  }
  for (size_t cut = 0; cut <= osc.size(); ++cut) {
    ScreenModel split_st(2, 10);
    split_st.Feed(st.substr(0, cut));
    split_st.Feed(st.substr(cut));
    EXPECT_EQ(split_st.Capture().title, "my title") << cut;
    ScreenModel split(2, 10);
    split.Feed(osc.substr(0, cut));
    split.Feed(osc.substr(cut));
    Snapshot s = split.Capture();
    EXPECT_EQ(s.title, "my title") << cut;
    EXPECT_EQ(s.lines[0], "abcd") << cut;
  }
}

// Given a program that enters the alternate screen, draws, and leaves, we should show the
// alternate screen while it is on and the untouched main screen afterwards.
TEST(ScreenModelTest, AlternateScreen) {
  ScreenModel m(3, 10);
  Feed(m, "main");
  Feed(m, "\x1b[?1049h\x1b[H\x1b[2Jfull");
  Snapshot on = m.Capture();
  EXPECT_TRUE(on.alt_screen);
  EXPECT_EQ(on.lines[0], "full");
  Feed(m, "\x1b[?1049l");
  Snapshot off = m.Capture();
  EXPECT_FALSE(off.alt_screen);
  EXPECT_EQ(off.lines[0], "main");
  EXPECT_EQ(off.cursor_col, 4);
}

// Given the input modes a full-screen program sets, we should report each, and a reset
// (RIS) should clear them.
TEST(ScreenModelTest, InputModes) {
  ScreenModel m(3, 10);
  Feed(m, "\x1b[?1h\x1b=\x1b[?2004h\x1b[?1004h\x1b[?1002h\x1b[?1006h");
  Modes want;
  want.app_cursor_keys = true;
  want.app_keypad = true;
  want.bracketed_paste = true;
  want.focus_events = true;
  want.mouse_sgr = true;
  want.mouse = MouseMode::kDrag;
  EXPECT_EQ(m.Capture().modes, want);
  Feed(m, "\x1b[?2004l\x1b>\x1b[?1002l");
  want.bracketed_paste = false;
  want.app_keypad = false;
  want.mouse = MouseMode::kNone;
  EXPECT_EQ(m.Capture().modes, want);
  Feed(m,
       "\x1b"
       "c");
  EXPECT_EQ(m.Capture().modes, Modes{});
}

// Given a scroll region, we should scroll only inside it.
TEST(ScreenModelTest, ScrollRegion) {
  ScreenModel m(5, 10);
  Feed(m, "top\r\n1\r\n2\r\n3\r\nbottom");
  Feed(m, "\x1b[2;4r\x1b[4;1H\nnew");
  Snapshot s = m.Capture();
  EXPECT_EQ(s.lines, (std::vector<std::string>{"top", "2", "3", "new", "bottom"}));
}

// Given a resize, we should report the new size and keep what fits.
TEST(ScreenModelTest, Resize) {
  ScreenModel m(3, 10);
  Feed(m, "abcdefghij\r\nsecond");
  m.Resize(4, 5);
  Snapshot s = m.Capture();
  EXPECT_EQ(s.rows, 4);
  EXPECT_EQ(s.cols, 5);
  ASSERT_EQ(s.lines.size(), 4u);
  EXPECT_EQ(s.lines[0], "abcde");
  m.Resize(0, 0);  // nonsense sizes are taken as 1x1, never a crash
  EXPECT_EQ(m.Capture().rows, 1);
}

// Given any screen, painting its `ansi` form on a blank terminal of the same size should
// give the same text, cursor, title, alternate-screen flag and modes (the rejoin contract).
TEST(ScreenModelTest, PaintReproducesTheScreen) {
  const std::vector<std::string> streams = {
      "plain\r\ntext",
      "\x1b[?1049h\x1b[H\x1b[44;1mblue bold\x1b[0m\x1b[5;3H\xe6\x97\xa5x\x1b[?25l\x1b[?2004h",
      "\x1b]2;t\x07\x1b[38;2;1;2;3mrgb\x1b[48;5;200m idx \x1b[7mrev\x1b[2;1H\x1b[?1h\x1b=",
      "\x1b[?1003h\x1b[?1006hmouse\x1b[31m",                 // ends with a red pen
      std::string(30, 'w') + "\r\n" + std::string(29, 'z'),  // full rows (wrap pending)
  };
  for (const std::string& stream : streams) {
    ScreenModel original(6, 30);
    original.Feed(stream);
    Snapshot want = original.Capture();
    ScreenModel painted(6, 30);
    painted.Feed(want.ansi);
    Snapshot got = painted.Capture();
    EXPECT_EQ(got.lines, want.lines) << stream;
    EXPECT_EQ(got.cursor_row, want.cursor_row) << stream;
    EXPECT_EQ(got.cursor_col, want.cursor_col) << stream;
    EXPECT_EQ(got.cursor_visible, want.cursor_visible) << stream;
    EXPECT_EQ(got.alt_screen, want.alt_screen) << stream;
    EXPECT_EQ(got.title, want.title) << stream;
    EXPECT_EQ(got.modes, want.modes) << stream;
    // Same cells and pen: painting the painted screen gives the very same bytes.
    EXPECT_EQ(got.ansi, want.ansi) << stream;
  }
}

// Given a snapshot, serializing and parsing should give it back; truncated or altered bytes
// should be refused as corrupt.
TEST(ScreenModelTest, SerializeRoundTrip) {
  ScreenModel m(3, 8);
  m.Feed(
      "\x1b]2;ti\x07"
      "ab\x1b[?2004h\x1b[?1000h\x1b[?1049h");
  Snapshot s = m.Capture();
  std::string bytes = SerializeSnapshot(s);
  auto back = ParseSnapshot(bytes);
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->lines, s.lines);
  EXPECT_EQ(back->ansi, s.ansi);
  EXPECT_EQ(back->title, "ti");
  EXPECT_EQ(back->modes, s.modes);
  EXPECT_TRUE(back->alt_screen);
  EXPECT_EQ(back->rows, 3);
  for (size_t cut = 0; cut < bytes.size(); ++cut) {
    EXPECT_FALSE(ParseSnapshot(bytes.substr(0, cut)).has_value()) << cut;
  }
  EXPECT_FALSE(ParseSnapshot(bytes + "x").has_value());
  EXPECT_FALSE(ParseSnapshot("XXXX" + bytes.substr(4)).has_value());
}

// Lines of plain text, `count` of them, each ended by `eol`.
std::string TextLines(int count, const std::string& eol, int width = 30) {
  std::string out;
  for (int i = 0; i < count; ++i) {
    std::string line = "line " + std::to_string(i) + " ";
    int want = width / 2 + (i * 7) % width;  // lengths vary, so an overwrite leaves remnants
    while (static_cast<int>(line.size()) < want) {
      line += static_cast<char>('a' + (i + static_cast<int>(line.size())) % 26);
    }
    out += line + eol;
  }
  return out;
}

struct ScrollCase {
  std::string name;
  std::string before;  // fed first, on its own
  std::string stream;  // fed whole or in large pieces (fast path), or in 512-byte pieces
};

std::vector<ScrollCase> ScrollCases() {
  std::vector<ScrollCase> cases = {
      {"crlf", "", TextLines(500, "\r\n")},
      {"cleared, coloured pen", "\x1b[2J\x1b[H\x1b[42;30m", TextLines(400, "\r\n") + "tail"},
      {"bare lf", "", TextLines(400, "\n")},
      {"wrapping", "", TextLines(300, "\r\n", 130)},
      {"region 5-10", "\x1b[5;10r", TextLines(400, "\r\n")},
      {"region 3-24", "\x1b[3;24r", TextLines(400, "\r\n")},
      {"cursor below region", "\x1b[1;10r\x1b[24;1H",
       TextLines(30, "\r\n", 8) + TextLines(200, "\r\n", 70) + TextLines(100, "\r\n", 8)},
      {"long lines in the middle", "",
       TextLines(30, "\r\n", 8) + TextLines(200, "\r\n", 70) + TextLines(100, "\r\n", 8)},
      {"region in the stream", "", TextLines(100, "\r\n") + "\x1b[2;8r" + TextLines(300, "\r\n")},
      {"escapes between runs", "",
       TextLines(200, "\r\n") + "\x1b[1mbold\x1b[0m\x1b]2;t\x07" + TextLines(200, "\r\n") +
           "\x1b[5;5Hx"},
      {"reset then text", "\x1b[4;9r",
       "\x1b"
       "c" +
           TextLines(400, "\r\n")},
      {"utf-8, wide and combining", "",
       TextLines(100, " \xe6\x97\xa5\xc3\xa9\r\n", 40) + TextLines(200, "\r\n\xcc\x81", 77) +
           TextLines(100, " \xe2\x86\x92\r\n", 60)},
  };
  return cases;
}

// The screen of `before` then `stream` fed in pieces too small for the fast path.
Snapshot SlowCapture(uint16_t rows, uint16_t cols, const std::string& before,
                     const std::string& stream) {
  ScreenModel slow(rows, cols);
  slow.Feed(before);
  for (size_t at = 0; at < stream.size(); at += 512) {
    slow.Feed(stream.substr(at, 512));
  }
  return slow.Capture();
}

void ExpectSameScreen(const Snapshot& a, const Snapshot& b) {
  EXPECT_EQ(a.lines, b.lines);
  EXPECT_EQ(a.cursor_row, b.cursor_row);
  EXPECT_EQ(a.cursor_col, b.cursor_col);
  EXPECT_EQ(a.title, b.title);
  EXPECT_EQ(a.ansi, b.ansi);  // the pen too
}

// Given streams of scrolling text (the fast path skips the lines scrolled off again) fed in
// one piece, we should end with exactly the screen of the same bytes fed in pieces too
// small for it: text, pen, cursor, title and paint, whatever came before the text (a
// cleared screen, a coloured pen, scroll regions anchored anywhere, the cursor below a
// region, bare LFs, wrapping lines, escapes between runs).
TEST(ScreenModelTest, ScrollingTextFastPathEqualsSlowFeeding) {
  for (const ScrollCase& c : ScrollCases()) {
    SCOPED_TRACE(c.name);
    ScreenModel fast(24, 80);
    fast.Feed(c.before);
    fast.Feed(c.stream);
    ExpectSameScreen(fast.Capture(), SlowCapture(24, 80, c.before, c.stream));
  }
}

// Given the same streams and random plain ones fed in pieces large enough for the fast path
// (each may end inside a line, a CR LF or a character; the model holds a piece's last lines
// back until the next one shows whether they scroll off), we should have the screen of the
// same bytes fed slowly after every piece we look at, and at the end, whether or not we
// looked in between (looking gives the held lines to libvterm early).
TEST(ScreenModelTest, FastPathInPiecesEqualsSlowFeeding) {
  std::vector<ScrollCase> cases = ScrollCases();
  coven::testing::XorShift64 random(0x9E3779B97F4A7C15ull);
  for (int i = 0; i < 20; ++i) {
    std::string s;
    while (s.size() < 40000) {
      size_t width = random.Next() % 170;
      s += std::string(width, static_cast<char>('a' + random.Next() % 26));
      uint64_t r = random.Next() % 8;
      s += r == 0 ? "\n" : (r == 1 ? "\x1b[1mB\x1b[0m\r\n" : "\r\n");
    }
    cases.push_back({"random " + std::to_string(i), "", s});
  }
  for (const ScrollCase& c : cases) {
    for (size_t piece : {4096, 4097, 6000, 16383, 40000}) {
      for (bool look : {false, true}) {
        SCOPED_TRACE(c.name + " in pieces of " + std::to_string(piece) +
                     (look ? ", looked at" : ""));
        ScreenModel fast(24, 80);
        fast.Feed(c.before);
        for (size_t at = 0; at < c.stream.size(); at += piece) {
          fast.Feed(c.stream.substr(at, piece));
          if (look && (at / piece) % 3 == 1) {
            ExpectSameScreen(fast.Capture(),
                             SlowCapture(24, 80, c.before, c.stream.substr(0, at + piece)));
          }
        }
        ExpectSameScreen(fast.Capture(), SlowCapture(24, 80, c.before, c.stream));
      }
    }
  }
}

// Given a line exactly as wide as the screen followed by a bare LF in the text the skip
// keeps (the LF scrolls on the bottom row, so the line's pending wrap survives it), we
// should end with the screen of the same bytes fed in small pieces; and so for random
// plain streams of CR LF and bare LF lines of every width around the screen's, at small
// sizes.
TEST(ScreenModelTest, SkipKeepsAPendingWrapAcrossABareLf) {
  auto same_as_slow = [](uint16_t rows, uint16_t cols, const std::string& stream) {
    ScreenModel fast(rows, cols);
    ScreenModel slow(rows, cols);
    fast.Feed(stream);
    for (size_t at = 0; at < stream.size(); at += 512) {
      slow.Feed(stream.substr(at, 512));
    }
    Snapshot a = fast.Capture();
    Snapshot b = slow.Capture();
    return a.lines == b.lines && a.cursor_row == b.cursor_row && a.cursor_col == b.cursor_col;
  };
  std::string stream;
  for (int i = 0; i < 1200; ++i) {
    stream += "abc\r\n";
  }
  EXPECT_TRUE(same_as_slow(4, 7, stream + "1234567\nX\r\nb\r\nc\r\nd"));
  coven::testing::XorShift64 random(0x2545F4914F6CDD1Dull);
  auto next = [&random] { return random.Next(); };
  for (int round = 0; round < 300; ++round) {
    auto rows = static_cast<uint16_t>(2 + next() % 5);
    auto cols = static_cast<uint16_t>(4 + next() % 6);
    std::string s;
    while (s.size() < 6000) {
      size_t width = next() % (2 * cols + 2);
      s += std::string(width, static_cast<char>('a' + next() % 26));
      s += next() % 3 == 0 ? "\n" : "\r\n";
    }
    EXPECT_TRUE(same_as_slow(rows, cols, s)) << round << " " << rows << "x" << cols;
  }
}

}  // namespace
}  // namespace coven::screen
