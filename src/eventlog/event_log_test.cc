#include "eventlog/event_log.h"

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <cstring>
#include <filesystem>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "core/clock.h"
#include "support/temp_dir.h"

namespace coven::eventlog {
namespace {

using coven::testing::TempDir;

namespace fs = std::filesystem;
using core::ErrorCode;

constexpr size_t kHeaderBytes = 64;
constexpr size_t kFrameBytes = 32;
constexpr size_t kNoLimit = ~size_t{0};

constexpr const char* kSessionId = "6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b";

LogWriter MustCreate(const std::string& path) {
  auto w = LogWriter::Create(path, kSessionId);
  EXPECT_TRUE(w) << (w ? "" : w.error().message);
  return std::move(*w);
}

LogReader MustOpen(const std::string& path) {
  auto r = LogReader::Open(path);
  EXPECT_TRUE(r) << (r ? "" : r.error().message);
  return std::move(*r);
}

std::string PayloadFor(uint64_t seq, size_t len) {
  std::string p(len, '\0');
  for (size_t i = 0; i < len; ++i) {
    p[i] = static_cast<char>((seq * 131 + i * 7) & 0xFF);
  }
  return p;
}

// Appends `n` events whose payload sizes cycle through 0..max_len; returns the file offset
// where each record ends (ends[i] is the end of seq i + 1).
std::vector<uint64_t> AppendMany(LogWriter& w, size_t n, size_t max_len) {
  std::vector<uint64_t> ends;
  uint64_t end = kHeaderBytes;
  for (size_t i = 0; i < n; ++i) {
    uint64_t seq = w.last_seq() + 1;
    std::string p = PayloadFor(seq, seq % (max_len + 1));
    auto got = w.Append(EventKind::kOutput, p, static_cast<int64_t>(seq) * 1000);
    EXPECT_TRUE(got);
    EXPECT_EQ(*got, seq);
    end += kFrameBytes + p.size();
    ends.push_back(end);
  }
  return ends;
}

std::vector<Event> ReadAll(LogReader& r) {
  auto page = r.ReadAfter(0, kNoLimit, kNoLimit);
  EXPECT_TRUE(page);
  EXPECT_FALSE(page->has_more);
  return page->events;
}

uint64_t FileSize(const std::string& path) {
  return fs::file_size(path);
}

void FlipByte(const std::string& path, uint64_t offset) {
  int fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  unsigned char b = 0;
  ASSERT_EQ(::pread(fd, &b, 1, static_cast<off_t>(offset)), 1);
  b ^= 0x5A;
  ASSERT_EQ(::pwrite(fd, &b, 1, static_cast<off_t>(offset)), 1);
  ::close(fd);
}

// Every kind has a wire name that maps back to it; unknown names do not.
TEST(EventLogTest, KindNamesRoundTrip) {
  const std::pair<EventKind, const char*> table[] = {
      {EventKind::kOutput, "output"}, {EventKind::kInput, "input"},   {EventKind::kExit, "exit"},
      {EventKind::kKill, "kill"},     {EventKind::kResize, "resize"}, {EventKind::kStart, "start"},
      {EventKind::kNote, "note"}};
  for (const auto& [kind, name] : table) {
    EXPECT_STREQ(KindName(kind), name);
    EXPECT_EQ(KindFromName(name), kind);
  }
  EXPECT_EQ(KindFromName("Output"), std::nullopt);
  EXPECT_EQ(KindFromName("patch_metadata"), std::nullopt);
  EXPECT_EQ(KindFromName(""), std::nullopt);
}

// Given events of every kind, including binary and empty payloads, a reader returns them
// byte for byte with consecutive seqs starting at 1.
TEST(EventLogTest, RoundTripsAllKindsAndBinaryPayloads) {
  TempDir dir;
  std::string path = (dir / "s.log");
  LogWriter w = MustCreate(path);
  EXPECT_EQ(w.last_seq(), 0u);
  EXPECT_EQ(w.header().session_id, kSessionId);
  std::vector<Event> want = {
      {1, 100, EventKind::kStart, R"({"argv":["codex"]})"},
      {2, 200, EventKind::kOutput, std::string("a\0b\xff\x1b[0m\r\n", 9)},
      {3, -5, EventKind::kInput, std::string(1, '\0')},
      {4, 400, EventKind::kResize, R"({"cols":80,"rows":24})"},
      {5, 500, EventKind::kNote, ""},
      {6, 600, EventKind::kKill, R"({"status":"killed"})"},
      {7, 700, EventKind::kExit, R"({"exitCode":0,"status":"completed"})"},
  };
  for (const Event& e : want) {
    auto seq = w.Append(e.kind, e.payload, e.time_ns);
    ASSERT_TRUE(seq);
    EXPECT_EQ(*seq, e.seq);
    EXPECT_EQ(w.last_seq(), e.seq);
  }
  ASSERT_TRUE(w.Sync());
  LogReader r = MustOpen(path);
  EXPECT_EQ(r.header().session_id, kSessionId);
  EXPECT_EQ(r.header().id_prefix, w.header().id_prefix);
  std::vector<Event> got = ReadAll(r);
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(got[i].seq, want[i].seq);
    EXPECT_EQ(got[i].time_ns, want[i].time_ns);
    EXPECT_EQ(got[i].kind, want[i].kind);
    EXPECT_EQ(got[i].payload, want[i].payload);
  }
  EXPECT_EQ(*r.LastSeq(), 7u);
}

// Given a new log, Create refuses to overwrite it, the file is private, and a second
// writer is refused while the first holds it.
TEST(EventLogTest, CreateIsExclusiveAndPrivate) {
  TempDir dir;
  std::string path = (dir / "s.log");
  LogWriter w = MustCreate(path);
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto again = LogWriter::Create(path, kSessionId);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().sys_errno, EEXIST);
  auto second = LogWriter::OpenForAppend(path);
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().code, ErrorCode::kConflict);
  auto bad = LogWriter::Create((dir / "t.log"), "not-a-uuid");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, ErrorCode::kInvalidRequest);
  EXPECT_FALSE(fs::exists((dir / "t.log")));
}

// Payloads up to 4 MiB are stored; larger ones are refused without consuming a seq.
TEST(EventLogTest, PayloadSizeLimit) {
  TempDir dir;
  std::string path = (dir / "s.log");
  LogWriter w = MustCreate(path);
  auto too_big = w.Append(EventKind::kOutput, std::string(kMaxPayloadBytes + 1, 'x'), 1);
  ASSERT_FALSE(too_big);
  EXPECT_EQ(too_big.error().code, ErrorCode::kInvalidRequest);
  std::string big = PayloadFor(1, kMaxPayloadBytes);
  ASSERT_EQ(*w.Append(EventKind::kOutput, big, 1), 1u);
  ASSERT_EQ(*w.Append(EventKind::kNote, "after", 2), 2u);
  LogReader r = MustOpen(path);
  std::vector<Event> got = ReadAll(r);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].payload, big);
  EXPECT_EQ(got[1].payload, "after");
}

// Given a batch of payloads, AppendBatch writes them as consecutive records (one write),
// refuses a batch with one oversized payload whole, and leaves nothing of a batch the file
// could not take (here a file size limit cuts the write short) while later appends work.
TEST(EventLogTest, AppendBatchIsAllOrNothing) {
  TempDir dir;
  std::string path = (dir / "s.log");
  LogWriter w = MustCreate(path);
  ASSERT_EQ(*w.Append(EventKind::kStart, "{}", 1), 1u);
  std::vector<std::string> payloads = {"one", "", PayloadFor(3, 5000), "four"};
  std::vector<std::string_view> views(payloads.begin(), payloads.end());
  auto last = w.AppendBatch(EventKind::kOutput, views, 42);
  ASSERT_TRUE(last) << last.error().message;
  EXPECT_EQ(*last, 5u);
  EXPECT_EQ(*w.AppendBatch(EventKind::kOutput, {}, 43), 5u);  // nothing to write
  std::string big(kMaxPayloadBytes + 1, 'x');
  auto refused = w.AppendBatch(EventKind::kOutput, {"ok", big}, 44);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kInvalidRequest);
  uint64_t size = FileSize(path);

  // A write that stops part way: the file may grow by 100 bytes, the batch needs more.
  struct rlimit old_limit {};
  ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &old_limit), 0);
  auto old_handler = ::signal(SIGXFSZ, SIG_IGN);  // EFBIG instead of the signal
  struct rlimit tight = old_limit;
  tight.rlim_cur = size + 100;
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &tight), 0);
  std::string part(60, 'p');
  auto cut = w.AppendBatch(EventKind::kOutput, {part, part, part}, 45);
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &old_limit), 0);
  ::signal(SIGXFSZ, old_handler);
  ASSERT_FALSE(cut);
  EXPECT_EQ(cut.error().sys_errno, EFBIG);
  EXPECT_EQ(FileSize(path), size);
  EXPECT_EQ(w.last_seq(), 5u);

  ASSERT_EQ(*w.AppendBatch(EventKind::kOutput, {"after"}, 46), 6u);
  LogReader r = MustOpen(path);
  std::vector<Event> got = ReadAll(r);
  ASSERT_EQ(got.size(), 6u);
  for (size_t i = 0; i < payloads.size(); ++i) {
    EXPECT_EQ(got[i + 1].seq, i + 2);
    EXPECT_EQ(got[i + 1].time_ns, 42);
    EXPECT_EQ(got[i + 1].payload, payloads[i]);
  }
  EXPECT_EQ(got[5].payload, "after");
}

// Given batches of several records (their space is reserved ahead of the writes, see
// AppendBatch), Sync() should give back what was reserved past the end: the file then
// holds no more disk blocks than its size needs.
TEST(EventLogTest, SyncGivesBackReservedSpace) {
  TempDir dir;
  std::string path = (dir / "s.log");
  LogWriter w = MustCreate(path);
  std::string part(30000, 'x');
  for (int i = 0; i < 50; ++i) {
    ASSERT_TRUE(w.AppendBatch(EventKind::kOutput, {part, part}, i));
  }
  ASSERT_TRUE(w.Sync());
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(static_cast<uint64_t>(st.st_size), kHeaderBytes + 100 * (kFrameBytes + 30000));
  EXPECT_LE(static_cast<uint64_t>(st.st_blocks) * 512, static_cast<uint64_t>(st.st_size) + 65536)
      << "blocks reserved past the end were kept";
  ASSERT_EQ(*w.Append(EventKind::kNote, "after", 99), 101u);
}

// Writeback waits for the writer's owner to say output paused: appends start none until a
// stream leaves more than the bound without it, then one step at a time keeps what waits
// near the bound; each idle call starts one step; a reopened log owes none.
TEST(EventLogTest, WritebackWaitsForAPauseOrTheStreamBound) {
  TempDir dir;
  std::string path = (dir / "s.log");
  constexpr uint64_t kStep = 4096;
  constexpr uint64_t kBound = 5 * kStep;
  std::optional<LogWriter> writer(MustCreate(path));
  LogWriter& w = *writer;
  w.set_writeback_sizes(kStep, kBound);
  EXPECT_EQ(w.bytes_not_written_back(), 0u) << "the header is not the writer's output";
  EXPECT_FALSE(w.StartIdleWriteback());
  std::string part(1000 - kFrameBytes, 'x');  // 1,000 bytes a record
  ASSERT_TRUE(w.AppendBatch(EventKind::kOutput, {part, part, part}, 1));
  EXPECT_EQ(w.bytes_not_written_back(), 3000u);
  EXPECT_FALSE(w.wants_writeback()) << "less than a step waits";
  for (int i = 0; i < 20; ++i) {  // 23,000 bytes: past the bound but not by a step
    ASSERT_TRUE(w.Append(EventKind::kOutput, part, 2));
  }
  EXPECT_EQ(w.bytes_not_written_back(), 23000u) << "a stream below bound + step starts none";
  EXPECT_TRUE(w.wants_writeback());
  for (int i = 0; i < 2; ++i) {  // 25,000 >= bound + step (24,576): one step starts
    ASSERT_TRUE(w.Append(EventKind::kOutput, part, 3));
  }
  EXPECT_EQ(w.bytes_not_written_back(), 25000u - kStep);
  for (int i = 0; i < 40; ++i) {
    ASSERT_TRUE(w.Append(EventKind::kOutput, part, 4));
    EXPECT_LT(w.bytes_not_written_back(), kBound + kStep) << "held near the bound, append " << i;
  }
  // The pause: one step per call until less than a step waits.
  uint64_t waiting = w.bytes_not_written_back();
  int calls = 0;
  while (w.StartIdleWriteback()) {
    ++calls;
    waiting -= kStep;
    ASSERT_EQ(w.bytes_not_written_back(), waiting);
    ASSERT_LT(calls, 100);
  }
  EXPECT_EQ(w.bytes_not_written_back(), waiting - kStep);
  EXPECT_LT(w.bytes_not_written_back(), kStep);
  EXPECT_FALSE(w.wants_writeback());
  ASSERT_TRUE(w.Sync());
  writer.reset();  // gives up its lock

  auto again = LogWriter::OpenForAppend(path);
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_EQ(again->bytes_not_written_back(), 0u) << "a reopened log's records are not owed";
  ASSERT_TRUE(again->Append(EventKind::kNote, "more", 5));
  EXPECT_EQ(again->bytes_not_written_back(), kFrameBytes + 4);
}

// Event ids look like v4 UUIDs, are distinct, map back to their seq (in either case), and
// ids of another log or malformed strings map to nothing.
TEST(EventLogTest, EventIdsMapBackToSeq) {
  TempDir dir;
  LogWriter a = MustCreate((dir / "a.log"));
  LogWriter b = MustCreate((dir / "b.log"));
  const uint64_t seqs[] = {1, 2, 63, 64, 65, 255, 256, 1000000, kMaxSeq};
  std::vector<std::string> ids;
  for (uint64_t seq : seqs) {
    std::string id = EventId(a.header(), seq);
    ASSERT_EQ(id.size(), 36u);
    EXPECT_EQ(id[8], '-');
    EXPECT_EQ(id[14], '4') << id;
    EXPECT_NE(std::string("89ab").find(id[19]), std::string::npos) << id;
    EXPECT_EQ(SeqFromEventId(a.header(), id), seq);
    std::string upper = id;
    for (char& c : upper) {
      c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
    EXPECT_EQ(SeqFromEventId(a.header(), upper), seq);
    EXPECT_EQ(SeqFromEventId(b.header(), id), std::nullopt);
    ids.push_back(id);
  }
  std::sort(ids.begin(), ids.end());
  EXPECT_EQ(std::adjacent_find(ids.begin(), ids.end()), ids.end());
  EXPECT_EQ(SeqFromEventId(a.header(), ""), std::nullopt);
  EXPECT_EQ(SeqFromEventId(a.header(), core::NewUuid()), std::nullopt);
  std::string id = EventId(a.header(), 7);
  EXPECT_EQ(SeqFromEventId(a.header(), id.substr(1)), std::nullopt);
  std::string bad = id;
  bad[8] = 'x';
  EXPECT_EQ(SeqFromEventId(a.header(), bad), std::nullopt);
  bad = id;
  bad[35] = 'g';
  EXPECT_EQ(SeqFromEventId(a.header(), bad), std::nullopt);
  // Seq 0 is never an event.
  std::string zero = id.substr(0, 24) + "000000000000";
  EXPECT_EQ(SeqFromEventId(a.header(), zero), std::nullopt);
}

// Pages respect after_seq, max_events and max_payload_bytes, and has_more is exact.
TEST(EventLogTest, PagingAndExactHasMore) {
  TempDir dir;
  std::string path = (dir / "s.log");
  LogWriter w = MustCreate(path);
  for (int i = 1; i <= 200; ++i) {
    ASSERT_TRUE(w.Append(EventKind::kOutput, std::string(10, 'x'), i));
  }
  LogReader r = MustOpen(path);
  struct Case {
    uint64_t after;
    size_t max_events;
    size_t max_bytes;
    uint64_t first;
    size_t count;
    bool has_more;
  };
  const Case cases[] = {
      {0, 10, kNoLimit, 1, 10, true},     {190, 10, kNoLimit, 191, 10, false},
      {189, 10, kNoLimit, 190, 10, true}, {199, 500, kNoLimit, 200, 1, false},
      {200, 500, kNoLimit, 0, 0, false},  {5000, 500, kNoLimit, 0, 0, false},
      {63, 3, kNoLimit, 64, 3, true},     {64, 500, 25, 65, 3, true},
      {64, 500, 30, 66 - 1, 3, true},     {64, 500, 31, 65, 4, true},
      {70, 500, 0, 71, 1, true},          {70, 0, kNoLimit, 71, 1, true},
      {0, 500, kNoLimit, 1, 200, false},  {128, 72, kNoLimit, 129, 72, false},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE("after=" + std::to_string(c.after) + " max=" + std::to_string(c.max_events) +
                 " bytes=" + std::to_string(c.max_bytes));
    auto page = r.ReadAfter(c.after, c.max_events, c.max_bytes);
    ASSERT_TRUE(page);
    ASSERT_EQ(page->events.size(), c.count);
    for (size_t i = 0; i < c.count; ++i) {
      EXPECT_EQ(page->events[i].seq, c.first + i);
    }
    EXPECT_EQ(page->has_more, c.has_more);
  }
}

// Given a reader opened on an empty log, records appended later (across index blocks)
// show up in later calls.
TEST(EventLogTest, ReaderSeesLaterAppends) {
  TempDir dir;
  std::string path = (dir / "s.log");
  LogWriter w = MustCreate(path);
  LogReader r = MustOpen(path);
  EXPECT_EQ(*r.LastSeq(), 0u);
  EXPECT_TRUE(r.ReadAfter(0, 10, kNoLimit)->events.empty());
  EXPECT_EQ(*r.FindLast(EventKind::kExit), std::nullopt);
  uint64_t cursor = 0;
  for (int round = 0; round < 5; ++round) {
    AppendMany(w, 50, 40);
    auto page = r.ReadAfter(cursor, 1000, kNoLimit);
    ASSERT_TRUE(page);
    ASSERT_EQ(page->events.size(), 50u);
    EXPECT_EQ(page->events.front().seq, cursor + 1);
    EXPECT_FALSE(page->has_more);
    cursor = page->events.back().seq;
  }
  EXPECT_EQ(*r.LastSeq(), 250u);
}

// Given a reader that has validated records a writer then cut (a batch a failed write cut
// short is truncated back) and wrote again with other contents, once shorter than before
// and once longer, we should read the new records after the cut, not the old ones and not
// nothing (it used to wait past its old end for ever, or stop at the first changed record).
TEST(EventLogTest, ReaderForgetsRecordsCutAndWrittenAgain) {
  TempDir dir;
  std::string path = (dir / "s.log");
  uint64_t cut = 0;
  {
    LogWriter w = MustCreate(path);
    for (int i = 1; i <= 150; ++i) {  // past two index points (seqs 65 and 129)
      ASSERT_TRUE(w.Append(EventKind::kOutput, "old-" + std::to_string(i), i));
      if (i == 100) {
        cut = FileSize(path);
      }
    }
  }
  LogReader r = MustOpen(path);
  ASSERT_EQ(r.ReadAfter(0, 1000, kNoLimit)->events.size(), 150u);
  LogReader follower = MustOpen(path);  // reads again only at the end, from seq 150
  ASSERT_EQ(follower.ReadAfter(0, 1000, kNoLimit)->events.size(), 150u);
  auto rewrite = [&](const std::string& tag, int count) {
    ASSERT_EQ(::truncate(path.c_str(), static_cast<off_t>(cut)), 0);
    auto w = LogWriter::OpenForAppend(path);
    ASSERT_TRUE(w) << w.error().message;
    ASSERT_EQ(w->last_seq(), 100u);
    for (int i = 101; i <= 100 + count; ++i) {
      ASSERT_TRUE(w->Append(EventKind::kOutput, tag + std::to_string(i), i));
    }
  };
  for (auto [tag, count] : {std::pair<std::string, int>{"new-", 20}, {"again-", 90}}) {
    SCOPED_TRACE(tag);
    rewrite(tag, count);
    auto page = r.ReadAfter(100, 1000, kNoLimit);
    ASSERT_TRUE(page) << page.error().message;
    ASSERT_EQ(page->events.size(), static_cast<size_t>(count));
    EXPECT_FALSE(page->has_more);
    for (size_t k = 0; k < page->events.size(); ++k) {
      EXPECT_EQ(page->events[k].seq, 101 + k);
      EXPECT_EQ(page->events[k].payload, tag + std::to_string(101 + k));
    }
    EXPECT_EQ(*r.LastSeq(), 100u + static_cast<uint64_t>(count));
    EXPECT_EQ(r.ReadAfter(0, 1000, kNoLimit)->events.size(), 100u + static_cast<size_t>(count));
  }
  // A follower that had read to seq 150 before both rewrites gets the new 151..190.
  auto tail = follower.ReadAfter(150, 1000, kNoLimit);
  ASSERT_TRUE(tail);
  ASSERT_EQ(tail->events.size(), 40u);
  EXPECT_EQ(tail->events.front().payload, "again-151");
}

// FindLast returns the newest event of a kind, even when it lies many blocks back.
TEST(EventLogTest, FindLastFindsNewestOfKind) {
  TempDir dir;
  std::string path = (dir / "s.log");
  LogWriter w = MustCreate(path);
  for (int i = 1; i <= 300; ++i) {
    EventKind kind = (i == 3 || i == 150) ? EventKind::kExit : EventKind::kOutput;
    ASSERT_TRUE(w.Append(kind, "e" + std::to_string(i), i));
  }
  LogReader r = MustOpen(path);
  auto exit = r.FindLast(EventKind::kExit);
  ASSERT_TRUE(exit);
  ASSERT_TRUE(exit->has_value());
  EXPECT_EQ((*exit)->seq, 150u);
  EXPECT_EQ((*exit)->payload, "e150");
  EXPECT_EQ((*r.FindLast(EventKind::kOutput))->seq, 300u);
  EXPECT_EQ(*r.FindLast(EventKind::kKill), std::nullopt);
}

// A torn tail (cut mid-payload or mid-frame, or trailing zeros) ends the log for readers
// without changing the file; OpenForAppend cuts it and the next append gets the next seq.
TEST(EventLogTest, TornTailIsIgnoredThenCut) {
  for (uint64_t into_record : {uint64_t{1}, uint64_t{10}, uint64_t{kFrameBytes + 3}}) {
    SCOPED_TRACE("cut " + std::to_string(into_record) + " bytes into record 10");
    TempDir dir;
    std::string path = (dir / "s.log");
    std::vector<uint64_t> ends;
    {
      LogWriter w = MustCreate(path);
      ends = AppendMany(w, 10, 20);
    }
    ASSERT_EQ(FileSize(path), ends[9]);
    fs::resize_file(path, ends[8] + into_record);
    LogReader r = MustOpen(path);
    EXPECT_EQ(*r.LastSeq(), 9u);
    auto page = r.ReadAfter(0, 100, kNoLimit);
    ASSERT_EQ(page->events.size(), 9u);
    EXPECT_FALSE(page->has_more);
    EXPECT_FALSE(r.ReadAfter(8, 100, kNoLimit)->has_more);
    EXPECT_EQ(FileSize(path), ends[8] + into_record);

    auto w = LogWriter::OpenForAppend(path);
    ASSERT_TRUE(w) << w.error().message;
    EXPECT_EQ(w->last_seq(), 9u);
    EXPECT_EQ(w->truncated_bytes(), into_record);
    EXPECT_EQ(FileSize(path), ends[8]);
    ASSERT_EQ(*w->Append(EventKind::kExit, "bye", 1), 10u);
    page = r.ReadAfter(9, 100, kNoLimit);
    ASSERT_EQ(page->events.size(), 1u);
    EXPECT_EQ(page->events[0].seq, 10u);
    EXPECT_EQ(page->events[0].payload, "bye");
  }
}

// Zeros after the last record (a crash after the size grew) are a torn tail too.
TEST(EventLogTest, TrailingZerosAreATornTail) {
  TempDir dir;
  std::string path = (dir / "s.log");
  std::vector<uint64_t> ends;
  {
    LogWriter w = MustCreate(path);
    ends = AppendMany(w, 5, 8);
  }
  fs::resize_file(path, ends[4] + 4096);
  LogReader r = MustOpen(path);
  EXPECT_EQ(ReadAll(r).size(), 5u);
  auto w = LogWriter::OpenForAppend(path);
  ASSERT_TRUE(w);
  EXPECT_EQ(w->truncated_bytes(), 4096u);
  EXPECT_EQ(*w->Append(EventKind::kNote, "x", 1), 6u);
  EXPECT_EQ(ReadAll(r).size(), 6u);
}

// A flipped byte in a middle record's payload fails its checksum: readers stop before it
// and never return its bytes.
TEST(EventLogTest, CorruptMiddleRecordEndsTheLog) {
  TempDir dir;
  std::string path = (dir / "s.log");
  std::vector<uint64_t> ends;
  {
    LogWriter w = MustCreate(path);
    ends = AppendMany(w, 10, 30);
  }
  FlipByte(path, ends[3] + kFrameBytes + 2);  // payload of seq 5
  LogReader r = MustOpen(path);
  auto page = r.ReadAfter(0, 100, kNoLimit);
  ASSERT_TRUE(page);
  ASSERT_EQ(page->events.size(), 4u);
  EXPECT_FALSE(page->has_more);
  EXPECT_EQ(page->events.back().payload, PayloadFor(4, 4));
  EXPECT_EQ(*r.LastSeq(), 4u);
  EXPECT_TRUE(r.ReadAfter(5, 100, kNoLimit)->events.empty());
  auto w = LogWriter::OpenForAppend(path);
  ASSERT_TRUE(w);
  EXPECT_EQ(w->last_seq(), 4u);
  EXPECT_EQ(w->truncated_bytes(), ends[9] - ends[3]);
}

// A damaged or foreign file header is a clear kCorrupt error for readers and writers.
TEST(EventLogTest, BadHeaderIsCorrupt) {
  TempDir dir;
  std::string path = (dir / "s.log");
  {
    LogWriter w = MustCreate(path);
    ASSERT_TRUE(w.Append(EventKind::kNote, "x", 1));
  }
  std::string good = *core::ReadFile(path);
  auto expect_corrupt = [&](const std::string& bytes, const char* what) {
    SCOPED_TRACE(what);
    std::string p = (dir / "bad.log");
    ASSERT_TRUE(core::WriteFileAtomic(p, bytes, 0600));
    auto r = LogReader::Open(p);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, ErrorCode::kCorrupt);
    EXPECT_NE(r.error().message.find("event log header"), std::string::npos);
    auto w = LogWriter::OpenForAppend(p);
    ASSERT_FALSE(w);
    EXPECT_EQ(w.error().code, ErrorCode::kCorrupt);
  };
  expect_corrupt("", "empty");
  expect_corrupt(good.substr(0, 63), "short");
  std::string bytes = good;
  bytes[0] = 'X';
  expect_corrupt(bytes, "magic");
  bytes = good;
  bytes[20] ^= 1;
  expect_corrupt(bytes, "checksum");
  bytes = good;
  bytes[8] = 2;  // version 2 with a valid checksum
  uint32_t crc =
      static_cast<uint32_t>(::crc32(0, reinterpret_cast<const Bytef*>(bytes.data()), 60));
  for (int i = 0; i < 4; ++i) {
    bytes[size_t{60} + static_cast<size_t>(i)] = static_cast<char>((crc >> (8 * i)) & 0xFF);
  }
  expect_corrupt(bytes, "version");
  auto missing = LogReader::Open((dir / "missing.log"));
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().sys_errno, ENOENT);
}

// A 200,000-event log paged 500 at a time yields every seq exactly once, in order.
TEST(EventLogTest, LargeLogPagesEndToEnd) {
  TempDir dir;
  std::string path = (dir / "s.log");
  constexpr uint64_t kCount = 200000;
  {
    LogWriter w = MustCreate(path);
    std::string payload = "0123456789abcdef0123456789";
    for (uint64_t i = 1; i <= kCount; ++i) {
      ASSERT_EQ(*w.Append(EventKind::kOutput, payload, 0), i);
    }
  }
  LogReader r = MustOpen(path);
  uint64_t cursor = 0;
  size_t pages = 0;
  for (;;) {
    auto page = r.ReadAfter(cursor, 500, size_t{768} * 1024);
    ASSERT_TRUE(page);
    ++pages;
    for (const Event& e : page->events) {
      ASSERT_EQ(e.seq, cursor + 1);
      cursor = e.seq;
    }
    if (!page->has_more) {
      break;
    }
    ASSERT_EQ(page->events.size(), 500u);
  }
  EXPECT_EQ(cursor, kCount);
  EXPECT_EQ(pages, kCount / 500);
  // Random access after the index is built.
  auto page = r.ReadAfter(123456, 2, kNoLimit);
  ASSERT_EQ(page->events.size(), 2u);
  EXPECT_EQ(page->events[0].seq, 123457u);
}

// Random truncations and byte flips past the header: readers return exactly the records
// that lie wholly before the damage, and a resumed writer continues right after them.
TEST(EventLogTest, RandomDamageNeverYieldsGarbage) {
  std::mt19937_64 rng(20260514);
  for (int iter = 0; iter < 60; ++iter) {
    SCOPED_TRACE("iteration " + std::to_string(iter));
    TempDir dir;
    std::string path = (dir / "s.log");
    std::vector<uint64_t> ends;
    {
      LogWriter w = MustCreate(path);
      ends = AppendMany(w, 150, 90);
    }
    uint64_t size = FileSize(path);
    uint64_t at = kHeaderBytes + rng() % (size - kHeaderBytes);
    bool truncate = iter % 2 == 0;
    if (truncate) {
      fs::resize_file(path, at);
    } else {
      FlipByte(path, at);
    }
    size_t intact =
        static_cast<size_t>(std::upper_bound(ends.begin(), ends.end(), at) - ends.begin());
    LogReader r = MustOpen(path);
    std::vector<Event> got = ReadAll(r);
    ASSERT_EQ(got.size(), intact);
    for (size_t i = 0; i < got.size(); ++i) {
      ASSERT_EQ(got[i].seq, i + 1);
      ASSERT_EQ(got[i].payload, PayloadFor(i + 1, (i + 1) % 91));
    }
    auto w = LogWriter::OpenForAppend(path);
    ASSERT_TRUE(w);
    ASSERT_EQ(w->last_seq(), intact);
    ASSERT_EQ(*w->Append(EventKind::kNote, "resumed", 1), intact + 1);
    EXPECT_EQ(ReadAll(r).size(), intact + 1);
  }
}

}  // namespace
}  // namespace coven::eventlog
