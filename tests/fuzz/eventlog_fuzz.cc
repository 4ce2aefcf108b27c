// The event log reader and the crash-recovery open (eventlog/): arbitrary file contents.
// The first byte picks what precedes the fuzzed bytes: nothing (a header of its own), a
// valid header, or a valid header and three records (so the fuzzed bytes are a torn or
// corrupt tail). Checks: reading never fails on content (only kCorrupt on a bad header);
// pages come in seq order with no gap; OpenForAppend keeps exactly the valid prefix the
// reader saw, and a record appended after it is read back.
#include <fcntl.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "eventlog/event_log.h"
#include "fuzz/fuzz_support.h"

namespace {
using coven::eventlog::EventKind;
using coven::eventlog::LogReader;
using coven::eventlog::LogWriter;

std::string ReadAll(const std::string& path) {
  std::string out;
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  char buf[65536];
  for (ssize_t n; fd >= 0 && (n = ::read(fd, buf, sizeof(buf))) > 0;) {
    out.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return out;
}

void WriteAll(const std::string& path, const std::string& bytes) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0 || ::write(fd, bytes.data(), bytes.size()) != static_cast<ssize_t>(bytes.size())) {
    std::abort();
  }
  ::close(fd);
}

// The bytes of a fresh log: its header alone, and with three records.
const std::string& Prefix(bool with_records) {
  static const std::string header_only = [] {
    std::string path = std::string(coven::fuzz::FuzzDir()) + "/proto-a.log";
    auto w = LogWriter::Create(path, coven::fuzz::kFuzzSessionId);
    if (!w) {
      std::abort();
    }
    return ReadAll(path);
  }();
  static const std::string with_three = [] {
    std::string path = std::string(coven::fuzz::FuzzDir()) + "/proto-b.log";
    auto w = LogWriter::Create(path, coven::fuzz::kFuzzSessionId);
    if (!w || !w->Append(EventKind::kStart, "{\"rows\":24}", 1) ||
        !w->Append(EventKind::kOutput, "hello\r\n", 2) ||
        !w->Append(EventKind::kOutput, std::string(300, 'x'), 3)) {
      std::abort();
    }
    return ReadAll(path);
  }();
  return with_records ? with_three : header_only;
}

// Reads every event in pages of 2; returns the last seq, or -1 when the log is refused.
int64_t ReadEverything(const std::string& path) {
  auto reader = LogReader::Open(path);
  if (!reader) {
    return -1;
  }
  uint64_t last = 0;
  for (;;) {
    auto page = reader->ReadAfter(last, 2, 1024);
    if (!page) {
      std::abort();  // a regular file's content can end the log, never fail the read
    }
    for (const auto& e : page->events) {
      if (e.seq != last + 1) {
        std::abort();
      }
      last = e.seq;
    }
    if (!page->has_more) {
      break;
    }
    if (page->events.empty()) {
      std::abort();  // has_more with nothing returned would loop forever
    }
  }
  auto last_seq = reader->LastSeq();
  if (!last_seq || *last_seq != last) {
    std::abort();
  }
  (void)reader->FindLast(EventKind::kExit);
  return static_cast<int64_t>(last);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) {
    return 0;
  }
  std::string bytes;
  if (data[0] % 3 != 0) {
    bytes = Prefix(data[0] % 3 == 2);
  }
  bytes.append(reinterpret_cast<const char*>(data) + 1, size - 1);
  std::string path = std::string(coven::fuzz::FuzzDir()) + "/fuzz.log";
  WriteAll(path, bytes);
  int64_t seen = ReadEverything(path);
  {
    auto writer = LogWriter::OpenForAppend(path);
    if (seen < 0) {
      if (writer) {
        std::abort();  // the writer accepted a header the reader refused
      }
      return 0;
    }
    if (!writer || static_cast<int64_t>(writer->last_seq()) != seen) {
      std::abort();
    }
    if (!writer->Append(EventKind::kNote, "after", 9)) {
      std::abort();
    }
  }
  if (ReadEverything(path) != seen + 1) {
    std::abort();
  }
  return 0;
}
