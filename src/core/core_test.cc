#include <dirent.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "core/clock.h"
#include "core/home.h"
#include "core/path_search.h"
#include "core/result.h"
#include "core/session_status.h"
#include "core/strings.h"
#include "core/unique_fd.h"
#include "core/unix_socket.h"
#include "support/temp_dir.h"

namespace coven::core {
namespace {

// Given nanoseconds since the epoch, we should print RFC 3339 with nine digits and Z.
TEST(ClockTest, FormatsNineFractionDigits) {
  EXPECT_EQ(FormatTimestamp(0), "1970-01-01T00:00:00.000000000Z");
  EXPECT_EQ(FormatTimestamp(1'747'265'061'123'456'789), "2025-05-14T23:24:21.123456789Z");
  EXPECT_EQ(NowTimestamp().size(), 30u);
}

// Given RFC 3339 text with and without fractions and offsets, ParseTimestamp should give
// the instant, and round-trip what FormatTimestamp writes.
TEST(ClockTest, ParsesRfc3339) {
  EXPECT_EQ(ParseTimestamp("2025-05-14T23:24:21.123456789Z"), 1'747'265'061'123'456'789);
  EXPECT_EQ(ParseTimestamp(FormatTimestamp(42)), 42);
  EXPECT_EQ(ParseTimestamp("2025-05-14T23:24:21Z"), 1'747'265'061'000'000'000);
  EXPECT_EQ(ParseTimestamp("2025-05-14T23:24:21.5"), 1'747'265'061'500'000'000);
  EXPECT_EQ(ParseTimestamp("2025-05-15T01:24:21+02:00"), 1'747'265'061'000'000'000);
  EXPECT_EQ(ParseTimestamp("2025-05-14T22:24:21-01:00"), 1'747'265'061'000'000'000);
  EXPECT_EQ(ParseTimestamp("yesterday"), std::nullopt);
  EXPECT_EQ(ParseTimestamp(""), std::nullopt);
}

// Given many fresh ids, each should be a distinct lowercase v4 UUID.
TEST(ClockTest, UuidsAreVersion4AndDistinct) {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    std::string id = NewUuid();
    ASSERT_EQ(id.size(), 36u);
    EXPECT_EQ(id[14], '4');
    EXPECT_TRUE(id[19] == '8' || id[19] == '9' || id[19] == 'a' || id[19] == 'b');
    EXPECT_EQ(id.find_first_not_of("0123456789abcdef-"), std::string::npos);
    seen.insert(id);
  }
  EXPECT_EQ(seen.size(), 1000u);
}

TEST(StringsTest, ParseInt64FollowsSpecRules) {
  struct Case {
    const char* text;
    std::optional<int64_t> want;
  };
  const Case cases[] = {{"0", 0},
                        {"42", 42},
                        {"+7", 7},
                        {"-3", -3},
                        {"", std::nullopt},
                        {" 1", std::nullopt},
                        {"1 ", std::nullopt},
                        {"foo", std::nullopt},
                        {"+-1", std::nullopt},
                        {"9223372036854775807", INT64_MAX},
                        {"9223372036854775808", std::nullopt},
                        {"1.5", std::nullopt}};
  for (const Case& c : cases) {
    EXPECT_EQ(ParseInt64(c.text), c.want) << c.text;
  }
}

TEST(StringsTest, Utf8Helpers) {
  EXPECT_TRUE(IsValidUtf8("héllo ✓ 😀"));
  EXPECT_FALSE(IsValidUtf8("\xff"));
  EXPECT_FALSE(IsValidUtf8("\xc3"));
  EXPECT_FALSE(IsValidUtf8("\xed\xa0\x80"));  // surrogate
  EXPECT_EQ(IncompleteUtf8Tail("abc"), 0u);
  EXPECT_EQ(IncompleteUtf8Tail("ab\xc3"), 1u);
  EXPECT_EQ(IncompleteUtf8Tail("ab\xf0\x9f\x98"), 3u);
  EXPECT_EQ(IncompleteUtf8Tail("ab\xf0\x9f\x98\x80"), 0u);
  EXPECT_EQ(SanitizeUtf8("a\xffz"), "a\xEF\xBF\xBDz");
  EXPECT_EQ(Trim("  x y \n"), "x y");
}

// Given hostile titles (an OSC 52 clipboard write, a screen clear, an 8-bit CSI, a bidi
// override, invalid bytes), TerminalSafe should show every control visibly and keep
// ordinary text, wide characters and emoji exactly.
TEST(StringsTest, TerminalSafeEscapesControls) {
  EXPECT_EQ(TerminalSafe("fix the tests"), "fix the tests");
  EXPECT_EQ(TerminalSafe("h\xC3\xA9 \xE6\xBC\xA2\xE5\xAD\x97 \xF0\x9F\x98\x80"),
            "h\xC3\xA9 \xE6\xBC\xA2\xE5\xAD\x97 \xF0\x9F\x98\x80");
  EXPECT_EQ(TerminalSafe("\x1b]52;c;aGk=\x07"), "\\e]52;c;aGk=\\a");
  EXPECT_EQ(TerminalSafe("a\x1b[2Jb"), "a\\e[2Jb");
  EXPECT_EQ(TerminalSafe("t\tn\nr\rb\bz\x7f\x01"), "t\\tn\\nr\\rb\\bz\\x7f\\x01");
  EXPECT_EQ(TerminalSafe(std::string("nul\0x", 5)), "nul\\x00x");
  EXPECT_EQ(TerminalSafe("\xC2\x9B"
                         "2J"),
            "\\u{009b}2J");  // C1 CSI
  EXPECT_EQ(TerminalSafe("abc\xE2\x80\xAE"
                         "cba"),
            "abc\\u{202e}cba");                                                 // RLO
  EXPECT_EQ(TerminalSafe("\xE2\x81\xA6x\xE2\x81\xA9"), "\\u{2066}x\\u{2069}");  // isolates
  EXPECT_EQ(TerminalSafe("bad\xff\xC3"), "bad\xEF\xBF\xBD\xEF\xBF\xBD");
  // Whatever the input, the result holds no C0/DEL byte and is valid UTF-8.
  uint32_t state = 777;
  for (int round = 0; round < 2000; ++round) {
    std::string in;
    for (int i = 0, n = round % 40; i < n; ++i) {
      state = state * 1103515245u + 12345u;
      in += static_cast<char>((state >> 16) & 0xFF);
    }
    std::string out = TerminalSafe(in);
    ASSERT_TRUE(IsValidUtf8(out)) << round;
    for (char c : out) {
      auto b = static_cast<unsigned char>(c);
      ASSERT_TRUE(b >= 0x20 && b != 0x7f) << round;
    }
    EXPECT_EQ(out.find("\xC2\x9B"), std::string::npos) << round;
  }
}

// Given valid text, SanitizeUtf8 should return it unchanged; given any bytes, its output
// should be valid UTF-8, keep every valid character in order, and be a fixed point. Checked
// on fixed cases and on 2,000 pseudo-random byte strings (fixed seed, so reproducible).
TEST(StringsTest, SanitizeUtf8KeepsValidAndReplacesInvalid) {
  EXPECT_EQ(SanitizeUtf8("h\xC3\xA9llo \xE2\x9C\x93 \xF0\x9F\x98\x80"),
            "h\xC3\xA9llo \xE2\x9C\x93 \xF0\x9F\x98\x80");
  EXPECT_EQ(SanitizeUtf8("\xED\xA0\x80x"), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBDx");    // surrogate
  EXPECT_EQ(SanitizeUtf8("ab\xF0\x9F\x98"), "ab\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");  // cut short
  EXPECT_EQ(SanitizeUtf8("\xC0\xAF"), "\xEF\xBF\xBD\xEF\xBF\xBD");  // overlong '/'
  EXPECT_EQ(SanitizeUtf8(""), "");
  uint32_t state = 12345;
  auto next = [&state] {
    state = state * 1103515245u + 12345u;
    return static_cast<char>((state >> 16) & 0xFF);
  };
  for (int round = 0; round < 2000; ++round) {
    std::string in;
    for (int i = 0, n = round % 40; i < n; ++i) {
      in += next();
    }
    std::string out = SanitizeUtf8(in);
    ASSERT_TRUE(IsValidUtf8(out)) << round;
    EXPECT_EQ(SanitizeUtf8(out), out) << round;
    if (IsValidUtf8(in)) {
      EXPECT_EQ(out, in) << round;
    }
  }
}

// Given COVEN_HOME, it wins over HOME; without it, HOME/.coven; with neither, an error.
TEST(HomeTest, ResolvesLikeSpec) {
  ::setenv("COVEN_HOME", "/tmp/custom-coven-home", 1);
  ::setenv("HOME", "/tmp/user-home", 1);
  EXPECT_EQ(*ResolveCovenHome(), "/tmp/custom-coven-home");
  ::unsetenv("COVEN_HOME");
  EXPECT_EQ(*ResolveCovenHome(), "/tmp/user-home/.coven");
  ::unsetenv("HOME");
  auto r = ResolveCovenHome();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "HOME is not set; set COVEN_HOME to choose a store path");
}

TEST(ResultTest, CarriesValueOrError) {
  Result<int> ok = 3;
  ASSERT_TRUE(ok);
  EXPECT_EQ(*ok, 3);
  Result<int> bad = Error(ErrorCode::kIo, "disk");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().WithContext("open").message, "open: disk");
  Status s = Ok();
  EXPECT_TRUE(s);
}

}  // namespace
}  // namespace coven::core

namespace coven::core {
namespace {

// Given a PATH with empty, relative, slash-ended and root entries, SearchPath should try
// only the absolute directories, in order, joined without doubled slashes, and stop at the
// first candidate accepted.
TEST(SearchPathTest, TriesAbsoluteDirectoriesInOrder) {
  std::vector<std::string> tried;
  auto none = SearchPath("tool", ":rel/bin:/a/:/:/b//:.", [&](const std::string& c) {
    tried.push_back(c);
    return false;
  });
  EXPECT_FALSE(none.has_value());
  EXPECT_EQ(tried, (std::vector<std::string>{"/a/tool", "/tool", "/b/tool"}));
  auto found = SearchPath("tool", "/x:/y:/z", [](const std::string& c) { return c != "/x/tool"; });
  EXPECT_EQ(found, std::optional<std::string>("/y/tool"));
}

// Given every status SPEC 3.2 names, name and parse should round-trip, and a value this
// build does not know should parse to nullopt rather than to a guess.
TEST(SessionStatusTest, NamesRoundTrip) {
  for (SessionStatus st :
       {SessionStatus::kCreated, SessionStatus::kRunning, SessionStatus::kCompleted,
        SessionStatus::kFailed, SessionStatus::kKilled, SessionStatus::kOrphaned}) {
    EXPECT_EQ(StatusFromName(StatusName(st)), st) << StatusName(st);
    EXPECT_TRUE(IsStatus(StatusText(st), st));
  }
  EXPECT_EQ(StatusName(SessionStatus::kRunning), "running");
  EXPECT_EQ(StatusFromName("active"), std::nullopt);
  EXPECT_EQ(StatusFromName("Running"), std::nullopt);
  EXPECT_FALSE(IsStatus("running ", SessionStatus::kRunning));
}

// Given a listening socket, a connect should reach it as our own user, the probe should
// see it, a second listen on the path should fail, and once the listener is gone the
// stale socket file should be replaced by the next listen (mode 0600).
TEST(UnixSocketTest, ListenConnectProbeAndReplaceStale) {
  coven::testing::TempDir dir;
  std::string path = dir / "s.sock";
  EXPECT_FALSE(SomeoneListens(path));
  auto listener = ListenUnix(path);
  ASSERT_TRUE(listener) << listener.error().message;
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto conn = ConnectUnix(path, std::chrono::seconds(5));
  ASSERT_TRUE(conn) << conn.error().message;
  EXPECT_TRUE(PeerIsOwner(conn->fd()));
  EXPECT_TRUE(SomeoneListens(path));
  auto second = ListenUnix(path);
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().sys_errno, EADDRINUSE);
  listener->Reset();  // the file stays behind, as after a crash
  EXPECT_FALSE(SomeoneListens(path));
  auto again = ListenUnix(path);
  EXPECT_TRUE(again) << again.error().message;
}

// Given a path longer than sun_path, every entry point should refuse it with kIo.
TEST(UnixSocketTest, TooLongPathIsRefused) {
  std::string path = "/tmp/" + std::string(120, 'x');
  EXPECT_EQ(CheckUnixSocketPath(path).error().code, ErrorCode::kIo);
  EXPECT_FALSE(ListenUnix(path));
  EXPECT_FALSE(ConnectUnix(path, std::chrono::seconds(1)));
  EXPECT_FALSE(SomeoneListens(path));
}

// Given a file replaced with and without the sync before the rename, and then synced by
// path, we should read the new contents with the asked mode each time and leave no temp
// file behind; syncing a missing file should say so (kIo, ENOENT) rather than create it.
TEST(FileTest, WriteFileAtomicEitherWayThenSyncFile) {
  coven::testing::TempDir dir;
  std::string path = dir / "screen.final";
  ASSERT_TRUE(WriteFileAtomic(path, "first", 0600));
  ASSERT_TRUE(WriteFileAtomic(path, "second", 0640, FileSync::kByCaller));
  auto read = ReadFile(path);
  ASSERT_TRUE(read);
  EXPECT_EQ(*read, "second");
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0640u);
  EXPECT_TRUE(SyncFile(path));
  std::set<std::string> names;
  if (DIR* d = ::opendir(dir.path().c_str())) {
    while (dirent* e = ::readdir(d)) {
      names.insert(e->d_name);
    }
    ::closedir(d);
  }
  EXPECT_EQ(names, (std::set<std::string>{".", "..", "screen.final"}));
  auto missing = SyncFile(dir / "missing");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::kIo);
  EXPECT_EQ(missing.error().sys_errno, ENOENT);
  EXPECT_FALSE(ReadFile(dir / "missing"));
}

// Given a folder whose files another thread removes at the same time (as a shim unlinks its
// socket while its sacrificed folder is being removed), RemoveTree should still remove it
// all, every round; a path that does not exist is already removed, and a symbolic link is
// removed, not followed.
TEST(FileTest, RemoveTreeWhileEntriesVanish) {
  coven::testing::TempDir dir;
  for (int round = 0; round < 20; ++round) {
    std::string root = dir / ("s" + std::to_string(round));
    ASSERT_EQ(::mkdir(root.c_str(), 0700), 0);
    ASSERT_EQ(::mkdir((root + "/sub").c_str(), 0700), 0);
    std::vector<std::string> files;
    for (int i = 0; i < 300; ++i) {
      files.push_back(root + (i % 2 == 0 ? "/f" : "/sub/f") + std::to_string(i));
      ASSERT_TRUE(WriteFileAtomic(files.back(), "x", 0600, FileSync::kByCaller));
    }
    std::thread other([&files] {
      for (const std::string& f : files) {
        ::unlink(f.c_str());
      }
    });
    Status removed = RemoveTree(root);
    other.join();
    EXPECT_TRUE(removed) << "round " << round << ": " << removed.error().message;
    struct stat st {};
    EXPECT_NE(::stat(root.c_str(), &st), 0) << root;
  }
  EXPECT_TRUE(RemoveTree(dir / "never-was"));
  // A link inside is removed, what it points at is not.
  std::string outside = dir / "outside";
  std::string root = dir / "linked";
  ASSERT_EQ(::mkdir(outside.c_str(), 0700), 0);
  ASSERT_TRUE(WriteFileAtomic(outside + "/keep", "x", 0600));
  ASSERT_EQ(::mkdir(root.c_str(), 0700), 0);
  ASSERT_EQ(::symlink(outside.c_str(), (root + "/link").c_str()), 0);
  EXPECT_TRUE(RemoveTree(root));
  struct stat st {};
  EXPECT_NE(::lstat(root.c_str(), &st), 0);
  EXPECT_TRUE(ReadFile(outside + "/keep"));
}

}  // namespace
}  // namespace coven::core
