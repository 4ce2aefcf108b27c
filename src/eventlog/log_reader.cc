// LogReader: pages through a log that may be growing, with a sparse offset index.
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>

#include "eventlog/event_log.h"
#include "eventlog/internal/framing.h"

namespace coven::eventlog {
namespace {

using internal::kIndexStride;
using internal::RecordView;

Event ToEvent(const RecordView& r) {
  return Event{r.seq, r.time_ns, r.kind, std::string(r.payload)};
}

}  // namespace

LogReader::LogReader(core::UniqueFd fd, LogHeader header)
    : fd_(std::move(fd)), header_(std::move(header)), valid_end_(internal::kHeaderSize) {}

Result<LogReader> LogReader::Open(const std::string& path) {
  core::UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) {
    return core::SysError("open event log " + path, errno);
  }
  std::vector<char> buffer;
  internal::ChunkReader reader(fd.fd(), &buffer);
  Result<LogHeader> header = internal::ReadHeader(reader);
  if (!header) {
    return header.error().WithContext(path);
  }
  LogReader out(std::move(fd), std::move(*header));
  out.buffer_ = std::move(buffer);
  out.path_ = path;
  return out;
}

void LogReader::ReleaseFd() {
  fd_.Reset();
  std::vector<char>().swap(buffer_);
}

template <typename Visit>
Status LogReader::Scan(uint64_t offset, uint64_t seq, Visit&& visit) {
  // A fresh ChunkReader per call: bytes past the last valid record may have changed since
  // (a torn write completed, or a resumed writer cut and rewrote the tail).
  if (!fd_.valid()) {
    // Released by ReleaseFd(): the index stays valid, the file is only reopened.
    fd_.Reset(::open(path_.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd_.valid()) {
      return core::SysError("reopen event log " + path_, errno);
    }
  }
  internal::ChunkReader reader(fd_.fd(), &buffer_);
  for (;;) {
    Result<std::optional<RecordView>> rec = internal::ReadRecord(reader, offset, seq);
    if (!rec) {
      return rec.error();
    }
    if (!rec->has_value()) {
      return core::Ok();  // end of log, or a torn/corrupt record that ends it for now
    }
    const RecordView& r = **rec;
    if (r.offset == valid_end_) {
      // First time this record is seen valid: records are contiguous and seqs consecutive,
      // so index_[i] always belongs to seq i * kIndexStride + 1.
      if ((r.seq - 1) % kIndexStride == 0) {
        COVEN_CHECK(index_.size() == (r.seq - 1) / kIndexStride);
        index_.push_back(r.offset);
      }
      valid_end_ = r.end;
      valid_last_seq_ = r.seq;
      valid_last_offset_ = r.offset;
      valid_last_crc_ = r.crc;
    }
    if (!visit(r)) {
      return core::Ok();
    }
    offset = r.end;
    ++seq;
  }
}

Status LogReader::ForgetRewrittenTail() {
  if (valid_last_seq_ == 0 || !fd_.valid()) {
    return core::Ok();  // nothing validated yet, or a finished session's log (released)
  }
  struct stat st {};
  if (::fstat(fd_.fd(), &st) != 0) {
    return core::SysError("stat event log " + path_, errno);
  }
  bool intact = static_cast<uint64_t>(st.st_size) >= valid_end_;
  if (intact) {
    char frame[internal::kFrameSize];
    ssize_t n = ::pread(fd_.fd(), frame, sizeof(frame), static_cast<off_t>(valid_last_offset_));
    if (n < 0) {
      return core::SysError("read event log " + path_, errno);
    }
    // Magic, length, seq and CRC (which covers the payload) as validated.
    intact = static_cast<size_t>(n) == sizeof(frame) &&
             internal::FrameIdentity(frame) ==
                 internal::FrameIdentity(valid_last_seq_,
                                         valid_end_ - valid_last_offset_ - internal::kFrameSize,
                                         valid_last_crc_);
  }
  if (!intact) {
    index_.clear();
    valid_end_ = internal::kHeaderSize;
    valid_last_seq_ = 0;
    valid_last_offset_ = 0;
    valid_last_crc_ = 0;
  }
  return core::Ok();
}

Status LogReader::Refresh() {
  if (Status s = ForgetRewrittenTail(); !s) {
    return s;
  }
  return Scan(valid_end_, valid_last_seq_ + 1, [](const RecordView&) { return true; });
}

Result<LogReader::Page> LogReader::ReadAfter(uint64_t after_seq, size_t max_events,
                                             size_t max_payload_bytes) {
  max_events = std::max<size_t>(max_events, 1);
  if (Status s = ForgetRewrittenTail(); !s) {
    return s.error();
  }
  uint64_t offset = valid_end_;
  uint64_t seq = valid_last_seq_ + 1;
  if (after_seq < valid_last_seq_) {
    // The first wanted record (after_seq + 1) is already indexed: start at its block.
    uint64_t block = after_seq / kIndexStride;
    offset = index_[block];
    seq = block * kIndexStride + 1;
  }
  Page page;
  size_t bytes = 0;
  Status s = Scan(offset, seq, [&](const RecordView& r) {
    if (r.seq <= after_seq) {
      return true;
    }
    if (!page.events.empty() && (page.events.size() >= max_events || bytes >= max_payload_bytes)) {
      page.has_more = true;  // `r` is valid, so has_more is exact
      return false;
    }
    page.events.push_back(ToEvent(r));
    bytes += r.payload.size();
    return true;
  });
  if (!s) {
    return s.error();
  }
  return page;
}

Result<uint64_t> LogReader::LastSeq() {
  if (Status s = Refresh(); !s) {
    return s.error();
  }
  return valid_last_seq_;
}

Result<std::optional<Event>> LogReader::FindLast(EventKind kind) {
  if (Status s = Refresh(); !s) {
    return s.error();
  }
  // Walk the index backwards one block at a time, so a recent match costs one block.
  for (size_t block = index_.size(); block-- > 0;) {
    uint64_t first = block * kIndexStride + 1;
    uint64_t last = std::min(first + kIndexStride - 1, valid_last_seq_);
    std::optional<Event> found;
    Status s = Scan(index_[block], first, [&](const RecordView& r) {
      if (r.kind == kind) {
        found = ToEvent(r);
      }
      return r.seq < last;
    });
    if (!s) {
      return s.error();
    }
    if (found) {
      return found;
    }
  }
  return std::optional<Event>();
}

}  // namespace coven::eventlog
