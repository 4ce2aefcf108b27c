// eventlog/internal/framing.h: byte layout of the log file (see eventlog/event_log.h for
// the format essay), shared by LogWriter and LogReader. Private to the eventlog module.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "eventlog/event_log.h"

namespace coven::eventlog::internal {

inline constexpr size_t kHeaderSize = 64;
inline constexpr size_t kFrameSize = 32;
inline constexpr uint32_t kFormatVersion = 1;
inline constexpr uint32_t kRecordMagic = 0xC07E4E01;
inline constexpr uint64_t kIndexStride = 64;

// True if `s` looks like a UUID: 36 characters, 8-4-4-4-12 hex digits.
bool IsUuidShape(std::string_view s);

// True if `kind` is one of the EventKind enumerators.
bool IsKnownKind(uint8_t kind);

// The 64 header bytes for `header`.
std::string EncodeHeader(const LogHeader& header);

// Writes the kFrameSize frame of one record (its CRC covers `payload`, which follows the
// frame in the file) to `frame`.
void EncodeFrame(uint64_t seq, int64_t time_ns, EventKind kind, std::string_view payload,
                 char* frame);

// Buffered positional reads of a file that may be growing. A fresh ChunkReader forgets
// what it read before, so bytes past a torn tail are always read again. `buffer` (storage
// reused across calls) and the fd must outlive it. Not thread-safe.
class ChunkReader {
 public:
  ChunkReader(int fd, std::vector<char>* buffer) : fd_(fd), buffer_(buffer) {}

  // Makes bytes [offset, offset + n) available and returns a pointer to them, valid until
  // the next call; nullptr if the file ends first. kIo on a read error.
  Result<const char*> Get(uint64_t offset, size_t n);

 private:
  int fd_;
  std::vector<char>* buffer_;
  uint64_t buffer_offset_ = 0;  // file offset of (*buffer_)[0]
  size_t buffer_len_ = 0;       // valid bytes in *buffer_
};

// Reads and validates the file header. kCorrupt when it is short or malformed.
Result<LogHeader> ReadHeader(ChunkReader& reader);

// A record that passed every check. `payload` points into the ChunkReader's buffer and is
// valid until its next Get().
struct RecordView {
  uint64_t seq = 0;
  int64_t time_ns = 0;
  EventKind kind = EventKind::kNote;
  uint64_t offset = 0;  // of the frame
  uint64_t end = 0;     // offset just past the payload
  uint32_t crc = 0;     // the frame's, over the frame and the payload
  std::string_view payload;
};

// What identifies a record by its frame alone: magic, payload length, seq and the CRC
// (which covers the payload), to tell whether a validated record is still in place.
struct FrameId {
  uint32_t magic = 0;
  uint32_t length = 0;
  uint64_t seq = 0;
  uint32_t crc = 0;
  bool operator==(const FrameId&) const = default;
};
FrameId FrameIdentity(const char* frame);  // from kFrameSize bytes of a file
FrameId FrameIdentity(uint64_t seq, uint64_t payload_length, uint32_t crc);  // as validated

// The record at `offset` if it is complete and valid with seq `expected_seq`; nullopt if it
// is torn, corrupt or absent (the end of the log). kIo on a read error.
Result<std::optional<RecordView>> ReadRecord(ChunkReader& reader, uint64_t offset,
                                             uint64_t expected_seq);

}  // namespace coven::eventlog::internal
