#include "tui/keys.h"

#include <gtest/gtest.h>

namespace coven::tui {
namespace {

std::vector<KeyKind> Kinds(const std::vector<Key>& keys) {
  std::vector<KeyKind> out;
  for (const Key& k : keys) {
    out.push_back(k.kind);
  }
  return out;
}

struct KeyCase {
  const char* bytes;
  KeyKind kind;
};

// Given each key's byte sequence (as xterm, tmux and the Linux console send them), we
// should parse exactly one key of the right kind.
TEST(KeyParserTest, Table) {
  const KeyCase cases[] = {
      {"\x1b[A", KeyKind::kUp},      {"\x1b[B", KeyKind::kDown},   {"\x1b[C", KeyKind::kRight},
      {"\x1b[D", KeyKind::kLeft},    {"\x1bOA", KeyKind::kUp},     {"\x1bOB", KeyKind::kDown},
      {"\x1b[Z", KeyKind::kBackTab}, {"\t", KeyKind::kTab},        {"\r", KeyKind::kEnter},
      {"\n", KeyKind::kEnter},       {"\r\n", KeyKind::kEnter},    {"\x7f", KeyKind::kBackspace},
      {"\x08", KeyKind::kBackspace}, {"\x03", KeyKind::kCtrlC},    {"\x04", KeyKind::kCtrlD},
      {"\x1b[1;5A", KeyKind::kUp},   {"\x1b[3~", KeyKind::kOther}, {"\x1b[200~", KeyKind::kOther},
      {"x", KeyKind::kText},         {"\xC3\xA9", KeyKind::kText},
  };
  for (const KeyCase& c : cases) {
    KeyParser p;
    std::vector<Key> keys = p.Feed(c.bytes);
    ASSERT_EQ(keys.size(), 1u) << "bytes: " << c.bytes;
    EXPECT_EQ(keys[0].kind, c.kind) << "bytes: " << c.bytes;
    EXPECT_FALSE(p.pending());
  }
}

// Given a lone ESC, we should wait (it may start a sequence) and report Esc on Flush.
TEST(KeyParserTest, LoneEscapeNeedsFlush) {
  KeyParser p;
  EXPECT_TRUE(p.Feed("\x1b").empty());
  EXPECT_TRUE(p.pending());
  EXPECT_EQ(Kinds(p.Flush()), std::vector<KeyKind>{KeyKind::kEscape});
  EXPECT_FALSE(p.pending());
  // ESC followed by a letter (Alt-x) is Esc then the letter.
  EXPECT_EQ(Kinds(p.Feed("\x1bx")), (std::vector<KeyKind>{KeyKind::kEscape, KeyKind::kText}));
}

// Given a sequence split across reads, we should parse it once it is complete.
TEST(KeyParserTest, SplitSequences) {
  KeyParser p;
  EXPECT_TRUE(p.Feed("\x1b[").empty());
  EXPECT_EQ(Kinds(p.Feed("Aab")),
            (std::vector<KeyKind>{KeyKind::kUp, KeyKind::kText, KeyKind::kText}));
  EXPECT_TRUE(p.Feed("\xE2\x86").empty());
  std::vector<Key> keys = p.Feed("\x92");
  ASSERT_EQ(keys.size(), 1u);
  EXPECT_EQ(keys[0].text, "\xE2\x86\x92");
}

// Given SGR mouse reports, presses should carry button and 1-based position; releases,
// motion and wheel are ignored.
TEST(KeyParserTest, SgrMouse) {
  KeyParser p;
  std::vector<Key> keys = p.Feed("\x1b[<0;12;5M");
  ASSERT_EQ(keys.size(), 1u);
  EXPECT_EQ(keys[0].kind, KeyKind::kMouse);
  EXPECT_EQ(keys[0].button, 0);
  EXPECT_EQ(keys[0].x, 12);
  EXPECT_EQ(keys[0].y, 5);
  EXPECT_EQ(Kinds(p.Feed("\x1b[<0;12;5m")), std::vector<KeyKind>{KeyKind::kOther});
  EXPECT_EQ(Kinds(p.Feed("\x1b[<64;1;1M")), std::vector<KeyKind>{KeyKind::kOther});
  EXPECT_TRUE(p.Feed("\x1b[<2;3").empty());
  keys = p.Feed(";40M");
  ASSERT_EQ(keys.size(), 1u);
  EXPECT_EQ(keys[0].button, 2);
  EXPECT_EQ(keys[0].y, 40);
  // Malformed reports are consumed rather than leaking digits into the input.
  EXPECT_EQ(Kinds(p.Feed("\x1b[<1;xq")), (std::vector<KeyKind>{KeyKind::kOther, KeyKind::kText}));
}

}  // namespace
}  // namespace coven::tui
