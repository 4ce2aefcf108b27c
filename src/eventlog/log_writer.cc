// LogWriter: creates a log, resumes one after a crash, and appends framed records.
#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <climits>
#include <vector>

#include "core/clock.h"
#include "eventlog/event_log.h"
#include "eventlog/internal/framing.h"

namespace coven::eventlog {
static_assert(LogWriter::kRecordFrameBytes == internal::kFrameSize);
namespace {

using core::Error;
using core::ErrorCode;
using core::UniqueFd;

// One writer per log: a second shim (or a confused restart) must not interleave records.
// The lock belongs to the open file description and goes away with the fd.
Status LockExclusive(int fd, const std::string& path) {
  while (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    int err = errno;
    if (err == EINTR) {
      continue;
    }
    if (err == EWOULDBLOCK) {
      return Error(ErrorCode::kConflict, "event log " + path + " already has a writer");
    }
    return core::SysError("lock " + path, err);
  }
  return core::Ok();
}

// Writes everything `iov` points at, in order, retrying on EINTR and short writes (a file
// system near full may take part of a batch before it fails). Consumes `iov`.
Status WriteAllVec(int fd, std::vector<iovec>& iov) {
  size_t first = 0;
  while (first < iov.size()) {
    int count = static_cast<int>(std::min<size_t>(iov.size() - first, IOV_MAX));
    ssize_t n = ::writev(fd, iov.data() + first, count);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {  // 0 cannot happen with bytes left; never loop on it
      return core::SysError("write", n < 0 ? errno : EIO);
    }
    auto left = static_cast<size_t>(n);
    while (first < iov.size() && left >= iov[first].iov_len) {
      left -= iov[first].iov_len;
      ++first;
    }
    if (left > 0) {
      iov[first].iov_base = static_cast<char*>(iov[first].iov_base) + left;
      iov[first].iov_len -= left;
    }
  }
  return core::Ok();
}

}  // namespace

LogWriter::LogWriter(UniqueFd fd, LogHeader header, uint64_t last_seq, uint64_t end_offset,
                     uint64_t truncated_bytes)
    : fd_(std::move(fd)),
      header_(std::move(header)),
      last_seq_(last_seq),
      end_offset_(end_offset),
      truncated_bytes_(truncated_bytes),
      // What a log already holds is not this writer's to write back (a reopened log's
      // records were written, if not synced, by the writer before).
      writeback_offset_(end_offset) {}

Result<LogWriter> LogWriter::Create(const std::string& path, const std::string& session_id) {
  if (!internal::IsUuidShape(session_id)) {
    return Error(ErrorCode::kInvalidRequest, "session id is not a UUID: " + session_id);
  }
  UniqueFd fd(::open(path.c_str(), O_RDWR | O_APPEND | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
  if (!fd.valid()) {
    return core::SysError("create event log " + path, errno);
  }
  if (Status s = LockExclusive(fd.fd(), path); !s) {
    return s.error();
  }
  LogHeader header;
  header.session_id = session_id;
  core::RandomBytes(header.id_prefix.data(), header.id_prefix.size());
  // Store the prefix with the UUID version/variant bits already applied (see EventId).
  header.id_prefix[6] = static_cast<unsigned char>((header.id_prefix[6] & 0x0F) | 0x40);
  header.id_prefix[8] = static_cast<unsigned char>((header.id_prefix[8] & 0x3F) | 0x80);
  if (Status s = core::WriteAll(fd.fd(), internal::EncodeHeader(header)); !s) {
    ::unlink(path.c_str());
    return s.error().WithContext("write event log header " + path);
  }
  return LogWriter(std::move(fd), std::move(header), 0, internal::kHeaderSize, 0);
}

Result<LogWriter> LogWriter::OpenForAppend(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_RDWR | O_APPEND | O_CLOEXEC));
  if (!fd.valid()) {
    return core::SysError("open event log " + path, errno);
  }
  if (Status s = LockExclusive(fd.fd(), path); !s) {
    return s.error();
  }
  std::vector<char> buffer;
  internal::ChunkReader reader(fd.fd(), &buffer);
  Result<LogHeader> header = internal::ReadHeader(reader);
  if (!header) {
    return header.error().WithContext(path);
  }
  uint64_t end = internal::kHeaderSize;
  uint64_t seq = 0;
  for (;;) {
    auto rec = internal::ReadRecord(reader, end, seq + 1);
    if (!rec) {
      return rec.error().WithContext(path);
    }
    if (!rec->has_value()) {
      break;
    }
    end = (*rec)->end;
    seq = (*rec)->seq;
  }
  struct stat st {};
  if (::fstat(fd.fd(), &st) != 0) {
    return core::SysError("stat event log " + path, errno);
  }
  uint64_t size = static_cast<uint64_t>(st.st_size);
  uint64_t cut = size > end ? size - end : 0;
  // Everything after the last valid record is a torn write or damage: readers already
  // treat it as the end, and appending after it would hide the new records from them.
  if (cut > 0 && ::ftruncate(fd.fd(), static_cast<off_t>(end)) != 0) {
    return core::SysError("truncate torn tail of event log " + path, errno);
  }
  return LogWriter(std::move(fd), std::move(*header), seq, end, cut);
}

Result<uint64_t> LogWriter::Append(EventKind kind, std::string_view payload, int64_t time_ns) {
  return AppendBatch(kind, {payload}, time_ns);
}

Result<uint64_t> LogWriter::AppendBatch(EventKind kind,
                                        const std::vector<std::string_view>& payloads,
                                        int64_t time_ns) {
  if (is_broken_) {
    return Error(ErrorCode::kIo, "event log writer is broken by an earlier failed append");
  }
  if (!internal::IsKnownKind(static_cast<uint8_t>(kind))) {
    return Error(ErrorCode::kInvalidRequest, "unknown event kind");
  }
  for (std::string_view payload : payloads) {
    if (payload.size() > kMaxPayloadBytes) {
      return Error(ErrorCode::kInvalidRequest,
                   "event payload of " + std::to_string(payload.size()) + " bytes exceeds 4 MiB");
    }
  }
  if (payloads.size() > kMaxSeq - last_seq_) {
    return Error(ErrorCode::kConflict, "event log is full");
  }
  // The frames are built here and the payloads written from where they lie (writev): a
  // copy of every output byte less.
  frames_.resize(payloads.size() * internal::kFrameSize);
  std::vector<iovec> iov;
  iov.reserve(2 * payloads.size());
  size_t bytes = frames_.size();
  uint64_t seq = last_seq_;
  for (size_t i = 0; i < payloads.size(); ++i) {
    char* frame = frames_.data() + i * internal::kFrameSize;
    internal::EncodeFrame(++seq, time_ns, kind, payloads[i], frame);
    iov.push_back({frame, internal::kFrameSize});
    if (!payloads[i].empty()) {
      // writev takes a non-const base but only reads from it.
      iov.push_back({const_cast<char*>(payloads[i].data()), payloads[i].size()});
      bytes += payloads[i].size();
    }
  }
  if (payloads.size() > 1) {
    if (Status s = Reserve(bytes); !s) {
      return s.error();
    }
  }
  // One writev() for the batch, so readers only ever see a partial record at the tail.
  if (Status s = WriteAllVec(fd_.fd(), iov); !s) {
    // A short write (ENOSPC, EIO) leaves partial records; cut them so later appends stay
    // reachable, or refuse to append again if we cannot.
    if (::ftruncate(fd_.fd(), static_cast<off_t>(end_offset_)) != 0) {
      is_broken_ = true;
    }
    return s.error().WithContext("append to event log");
  }
  end_offset_ += bytes;
  last_seq_ = seq;
  if (bytes_not_written_back() >= writeback_stream_bound_ + writeback_step_) {
    // A stream that never pauses: its oldest step, keeping what waits near the bound.
    StartWriteback(writeback_step_);
  }
  return seq;
}

// Readers take every complete record they see, so a batch that a full disk cut short would
// show its first records and then take them back. A batch's space is therefore reserved
// before it is written (a single record cut short is only a torn tail, never shown):
// kReserveBytes at a time, as one fallocate() per 64 KiB batch cost ~15% of a fast
// stream's capture, or just the batch on a nearly full disk. kStorageFull when not even
// that fits (nothing written). A file system without fallocate goes on without it.
Status LogWriter::Reserve(size_t bytes) {
  if (end_offset_ + bytes <= reserved_end_) {
    return core::Ok();
  }
  for (uint64_t want : {std::max<uint64_t>(bytes, kReserveBytes), uint64_t{bytes}}) {
    if (::fallocate(fd_.fd(), FALLOC_FL_KEEP_SIZE, static_cast<off_t>(end_offset_),
                    static_cast<off_t>(want)) == 0) {
      reserved_end_ = end_offset_ + want;
      return core::Ok();
    }
    int err = errno;
    if (err != ENOSPC && err != EDQUOT) {
      return core::Ok();  // EOPNOTSUPP and the like: no reservation, the write decides
    }
  }
  return core::SysError("reserve space in event log", ENOSPC);
}

void LogWriter::ReleaseReserve() {
  if (reserved_end_ > end_offset_) {
    // Best effort: space reserved past the end is given back (a log reopened after a crash
    // keeps it until its writer ends). ext4 frees it on a truncate to the same size and
    // ignores a hole punched past the end; tmpfs does the opposite.
    (void)::ftruncate(fd_.fd(), static_cast<off_t>(end_offset_));
    (void)::fallocate(fd_.fd(), FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
                      static_cast<off_t>(end_offset_),
                      static_cast<off_t>(reserved_end_ - end_offset_));
  }
  reserved_end_ = 0;
}

bool LogWriter::StartIdleWriteback() {
  if (wants_writeback()) {
    StartWriteback(writeback_step_);
  }
  return wants_writeback();
}

void LogWriter::StartWriteback(uint64_t max_bytes) {
  uint64_t bytes = std::min(max_bytes, bytes_not_written_back());
  if (bytes == 0) {
    return;
  }
  // Starts writing without waiting for it; the submission itself takes the caller's time
  // (ext4's writepages runs here), which is why it waits for a pause. An error here shows
  // up again at Sync().
  (void)::sync_file_range(fd_.fd(), static_cast<off_t>(writeback_offset_),
                          static_cast<off_t>(bytes), SYNC_FILE_RANGE_WRITE);
  writeback_offset_ += bytes;
}

Status LogWriter::Sync() {
  ReleaseReserve();
  if (::fdatasync(fd_.fd()) != 0) {
    return core::SysError("fdatasync event log", errno);
  }
  return core::Ok();
}

}  // namespace coven::eventlog
