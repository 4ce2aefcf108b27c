// eventlog/event_log.h: the append-only, checksummed event log of one session.
//
// What this module is for
// -----------------------
// Every session has one log file, written only by that session's shim (LogWriter) and read
// by the daemon (LogReader) to answer `/events`, streams and orphan recovery (DESIGN.md
// "Storage", SPEC.md Part A decision 4). The module frames and checks records; it does not
// interpret payloads (the shim stores raw PTY bytes for output/input and compact JSON for
// the other kinds), does not redact, coalesce or encode JSON, and knows nothing about
// sessions beyond the id written in the file header.
//
// File format (all integers little-endian)
// ----------------------------------------
// File header, 64 bytes, written once by LogWriter::Create in a single write():
//
//   off len  field
//     0   8  magic "COVENLG1"
//     8   4  u32 format version, 1
//    12  36  session id, ASCII UUID (8-4-4-4-12 hex digits)
//    48  10  event-id prefix: random bytes, with the UUID version and variant bits already
//            set in bytes 6 and 8 (see "Event ids")
//    58   2  zero padding
//    60   4  u32 crc32 (zlib) of bytes 0..59
//
// Then records, back to back, each a 32-byte frame followed by its payload:
//
//     0   4  u32 magic 0xC07E4E01
//     4   4  u32 payload_len, at most kMaxPayloadBytes (4 MiB); larger is corruption
//     8   8  u64 seq: 1 for the first record, then exactly +1 per record
//    16   8  i64 time_ns, nanoseconds since the Unix epoch (writer's clock)
//    24   1  u8 kind (EventKind, 1..7)
//    25   3  reserved, zero
//    28   4  u32 crc32 of frame bytes 0..27 followed by the payload
//    32   n  payload bytes
//
// A record is valid only if its magic, length, kind, reserved bytes, checksum and seq (the
// previous record's seq + 1) all check out. The writer emits each record with one write(),
// so a reader sees a partial record only at the tail, while an append is in flight or after
// a crash. The first invalid record ends the log for readers: nothing after it is returned,
// and it is never misread as data. Readers never modify the file; a torn tail may later
// turn valid when the write completes, so readers re-check it on every call.
// LogWriter::OpenForAppend (a shim resuming after a crash) cuts an invalid tail, with
// ftruncate(), before appending again, so seq values are never skipped. A batch that a
// failed write (EIO, EFBIG) cut short is also truncated back, and its seqs are written
// again with what comes next: a reader may have seen its first records, so each read first
// checks that the last record it validated is still in place, and validates the log again
// from its start when it is not (the events it served before cannot be taken back).
//
// Event ids
// ---------
// The wire wants a UUID per event. Instead of storing one, an id is derived: bytes 0..9 are
// the header's prefix, bytes 10..15 the seq as 6 bytes big-endian, and bytes 6 and 8 carry
// the RFC 4122 version-4 and variant bits, so ids look like random v4 UUIDs, differ between
// logs, and map back to a seq without an index (SeqFromEventId).
//
// Reading fast
// ------------
// LogReader keeps a sparse in-memory index (the file offset of every 64th record), extended
// incrementally as the file grows, so a page after a cursor costs one lookup plus a scan of
// at most 63 skipped records, read with large pread() calls.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "core/unique_fd.h"

namespace coven::eventlog {

using core::Result;
using core::Status;

// The largest payload a record may carry; a frame claiming more is corrupt.
inline constexpr size_t kMaxPayloadBytes = 4u << 20;
// Largest seq an event id can carry (6 bytes).
inline constexpr uint64_t kMaxSeq = (uint64_t{1} << 48) - 1;

enum class EventKind : uint8_t {
  kOutput = 1,
  kInput = 2,
  kExit = 3,
  kKill = 4,
  kResize = 5,
  kStart = 6,
  kNote = 7,
};

// The wire name of `kind`: "output", "input", "exit", "kill", "resize", "start", "note"
// ("unknown" for a value outside the enum).
const char* KindName(EventKind kind);
// The kind named `name` (exact, lowercase), or nullopt.
std::optional<EventKind> KindFromName(std::string_view name);

// The fixed facts of one log, from its file header.
struct LogHeader {
  std::string session_id;                     // 36-character UUID
  std::array<unsigned char, 10> id_prefix{};  // bytes 0..9 of every event id
};

// The UUID string (lowercase, 36 characters) of event `seq` in the log with `header`.
// `seq` must be in [1, kMaxSeq].
std::string EventId(const LogHeader& header, uint64_t seq);
// The seq of `id` if it is an id of this log (hex digits in either case), else nullopt.
std::optional<uint64_t> SeqFromEventId(const LogHeader& header, std::string_view id);

// One record. `payload` holds the bytes exactly as appended.
struct Event {
  uint64_t seq = 0;
  int64_t time_ns = 0;
  EventKind kind = EventKind::kNote;
  std::string payload;
};

// Appends records to one log. Owns its fd, which also holds an exclusive flock() so two
// writers cannot interleave. Not thread-safe; only the session's shim writes.
class LogWriter {
 public:
  // Creates a new log at `path` (O_EXCL, mode 0600) and writes its header with a fresh
  // random id prefix. kInvalidRequest if `session_id` is not a 36-character UUID; kIo
  // (errno EEXIST) if the file exists. Readers that open the file before the header is
  // written get kCorrupt, so announce a session only after this returns.
  static Result<LogWriter> Create(const std::string& path, const std::string& session_id);

  // Opens an existing log to keep appending after a crash: validates the header (kCorrupt
  // if bad), scans the records, cuts a torn or corrupt tail with ftruncate() to the end of
  // the last valid record (see truncated_bytes()), and continues from its seq. kConflict if
  // another writer holds the log.
  static Result<LogWriter> OpenForAppend(const std::string& path);

  LogWriter(LogWriter&&) noexcept = default;
  LogWriter& operator=(LogWriter&&) noexcept = default;
  LogWriter(const LogWriter&) = delete;
  LogWriter& operator=(const LogWriter&) = delete;
  ~LogWriter() = default;

  // Appends one record with a single write() and returns its seq. kInvalidRequest if the
  // payload exceeds kMaxPayloadBytes or `kind` is not an EventKind. On an I/O error the
  // partial record is cut off again so the log stays valid and the seq is not consumed; if
  // even that fails, this and every later Append return kIo. kStorageFull (ENOSPC, EDQUOT)
  // is such an error: nothing of the record stays, and the same append may be retried.
  Result<uint64_t> Append(EventKind kind, std::string_view payload, int64_t time_ns);

  // Appends one record per payload, all of `kind` and `time_ns`, with a single write(), and
  // returns the last seq (last_seq() for none). All or nothing: on any error no record of
  // the batch stays, as for Append. One write instead of one per record is what lets the
  // shim log a fast stream at close to the speed it is read (docs/benchmarks.md).
  Result<uint64_t> AppendBatch(EventKind kind, const std::vector<std::string_view>& payloads,
                               int64_t time_ns);

  // fdatasync(): records appended so far survive a machine crash. Also gives back space
  // reserved past the end (a writer syncs once it is done).
  Status Sync();

  // Writeback, started early so that a writer's final Sync() is short and a stream's dirty
  // pages stay bounded, but not in the middle of a burst (there it slowed the shim's capture
  // of a fast stream ~5% on a 2-vCPU machine, docs/benchmarks.md). The owner calls
  // StartIdleWriteback() once its output has paused; Append starts it by itself only when a
  // stream has left more than kWritebackStreamBound bytes without it.
  //
  // Bytes appended that no writeback has been started for yet.
  uint64_t bytes_not_written_back() const { return end_offset_ - writeback_offset_; }
  // True once at least a step (kWritebackStep) waits for writeback: worth an idle call.
  bool wants_writeback() const { return bytes_not_written_back() >= writeback_step_; }
  // Starts writing back (sync_file_range, without waiting) at most one step of what waits,
  // so that one call never holds its caller long; returns wants_writeback() after it (call
  // again, between other work, while it is true). Only a hint to the kernel: an error shows
  // up again at Sync().
  bool StartIdleWriteback();

  static constexpr uint64_t kWritebackStep = 8u << 20;
  static constexpr uint64_t kWritebackStreamBound = 256u << 20;
  // Other sizes than the two above, for tests.
  void set_writeback_sizes(uint64_t step, uint64_t stream_bound) {
    writeback_step_ = step;
    writeback_stream_bound_ = stream_bound;
  }

  uint64_t last_seq() const { return last_seq_; }  // 0 when the log holds no record
  // The log's size: where the next record starts. Each record takes kRecordFrameBytes
  // plus its payload.
  uint64_t end_offset() const { return end_offset_; }
  static constexpr size_t kRecordFrameBytes = 32;
  const LogHeader& header() const { return header_; }
  // Bytes OpenForAppend cut from the tail (0 after Create or for a clean log).
  uint64_t truncated_bytes() const { return truncated_bytes_; }

 private:
  LogWriter(core::UniqueFd fd, LogHeader header, uint64_t last_seq, uint64_t end_offset,
            uint64_t truncated_bytes);

  core::UniqueFd fd_;
  LogHeader header_;
  uint64_t last_seq_ = 0;
  uint64_t end_offset_ = 0;  // file size after the last good record
  uint64_t truncated_bytes_ = 0;
  // sync_file_range(SYNC_FILE_RANGE_WRITE) of up to `max_bytes` from writeback_offset_.
  void StartWriteback(uint64_t max_bytes);
  // Space for a batch, reserved ahead in steps of kReserveBytes (see AppendBatch); Sync()
  // gives back what is left past the end.
  static constexpr uint64_t kReserveBytes = 4u << 20;
  Status Reserve(size_t bytes);
  void ReleaseReserve();
  uint64_t reserved_end_ = 0;      // the file's space is reserved up to here
  uint64_t writeback_offset_ = 0;  // where the last writeback started stops
  uint64_t writeback_step_ = kWritebackStep;
  uint64_t writeback_stream_bound_ = kWritebackStreamBound;
  bool is_broken_ = false;  // a failed append could not be rolled back
  std::string frames_;      // reused buffer for a batch's record frames
};

// Reads one log, possibly while its writer appends. Owns its fd and never modifies the
// file. Every call picks up records appended since the previous one. Not thread-safe; use
// one reader per thread (readers of the same file are independent).
class LogReader {
 public:
  // Opens `path` and validates its header. kIo (errno ENOENT) if missing, kCorrupt if the
  // header is short, has the wrong magic or version, or fails its checksum.
  static Result<LogReader> Open(const std::string& path);

  LogReader(LogReader&&) noexcept = default;
  LogReader& operator=(LogReader&&) noexcept = default;
  LogReader(const LogReader&) = delete;
  LogReader& operator=(const LogReader&) = delete;
  ~LogReader() = default;

  const LogHeader& header() const { return header_; }

  // One page of events.
  struct Page {
    std::vector<Event> events;
    bool has_more = false;  // exact: another valid event follows the page
  };

  // Events with seq > after_seq in seq order: at most `max_events` (0 counts as 1), and
  // stopping once the sum of payload sizes reaches `max_payload_bytes` (the event that
  // reaches it is included, so a non-empty log always yields at least one event). A torn or
  // corrupt record ends the log. kIo on a read error.
  Result<Page> ReadAfter(uint64_t after_seq, size_t max_events, size_t max_payload_bytes);

  // The last valid seq, 0 when the log is empty. kIo on a read error.
  Result<uint64_t> LastSeq();

  // The last valid event of `kind` (for example the exit record, for recovery), or nullopt.
  // Fast when that event is near the end. kIo on a read error.
  Result<std::optional<Event>> FindLast(EventKind kind);
  // Closes the file but keeps the index, so that a reader kept for a finished session
  // holds no fd; the next read reopens the file (by path) transparently.
  void ReleaseFd();

 private:
  LogReader(core::UniqueFd fd, LogHeader header);
  // A writer whose batch a failed write (EIO, EFBIG) cut short truncates the file back to
  // its last whole batch, and its next records take the place of the cut ones, which this
  // reader may already have validated. Before each read, the last validated record is
  // checked to be still there, unchanged (one fstat and one 32-byte pread); if not, the
  // index is dropped and the log validated again from its start (once; the events served
  // before cannot be taken back). kIo on a read error.
  Status ForgetRewrittenTail();
  // Calls `visit` on each valid record from `offset` (which holds `seq`) on, until it
  // returns false or the log ends; extends the index on the way.
  template <typename Visit>
  Status Scan(uint64_t offset, uint64_t seq, Visit&& visit);
  Status Refresh();  // validates everything appended since the last call

  core::UniqueFd fd_;
  std::string path_;
  LogHeader header_;
  std::vector<char> buffer_;  // pread buffer, reused across calls
  // index_[i] is the file offset of the record with seq i * kIndexStride + 1.
  std::vector<uint64_t> index_;
  uint64_t valid_end_ = 0;          // offset just past the last validated record
  uint64_t valid_last_seq_ = 0;     // seq of that record
  uint64_t valid_last_offset_ = 0;  // that record's offset
  uint32_t valid_last_crc_ = 0;     // and its frame's CRC
};

}  // namespace coven::eventlog
