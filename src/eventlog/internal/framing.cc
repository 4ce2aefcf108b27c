#include "eventlog/internal/framing.h"

#include <errno.h>
#include <libdeflate.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstring>

#include "core/error.h"

namespace coven::eventlog::internal {
namespace {

constexpr char kHeaderMagic[8] = {'C', 'O', 'V', 'E', 'N', 'L', 'G', '1'};
constexpr size_t kHeaderCrcOffset = 60;
constexpr size_t kFrameCrcOffset = 28;
// One pread fills this much when it can: a page of small events in one syscall.
constexpr size_t kReadChunk = size_t{256} * 1024;

void PutU32(char* p, uint32_t v) {
  for (int i = 0; i < 4; ++i) {
    p[i] = static_cast<char>((v >> (8 * i)) & 0xFF);
  }
}

void PutU64(char* p, uint64_t v) {
  for (int i = 0; i < 8; ++i) {
    p[i] = static_cast<char>((v >> (8 * i)) & 0xFF);
  }
}

uint32_t GetU32(const char* p) {
  uint32_t v = 0;
  for (int i = 3; i >= 0; --i) {
    v = (v << 8) | static_cast<unsigned char>(p[i]);
  }
  return v;
}

uint64_t GetU64(const char* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) {
    v = (v << 8) | static_cast<unsigned char>(p[i]);
  }
  return v;
}

// zlib's CRC-32 (the one the format names), from libdeflate: the same sums about three times
// as fast (carry-less multiplication), and every output byte is summed once when it is
// logged and again whenever it is read.
uint32_t Crc(uint32_t crc, const char* data, size_t n) {
  return libdeflate_crc32(crc, data, n);
}

core::Error Corrupt(const std::string& what) {
  return core::Error(core::ErrorCode::kCorrupt, "event log header: " + what);
}

}  // namespace

bool IsUuidShape(std::string_view s) {
  if (s.size() != 36) {
    return false;
  }
  for (size_t i = 0; i < s.size(); ++i) {
    bool want_hyphen = i == 8 || i == 13 || i == 18 || i == 23;
    bool is_hex = std::isxdigit(static_cast<unsigned char>(s[i])) != 0;
    if (want_hyphen ? s[i] != '-' : !is_hex) {
      return false;
    }
  }
  return true;
}

bool IsKnownKind(uint8_t kind) {
  return kind >= static_cast<uint8_t>(EventKind::kOutput) &&
         kind <= static_cast<uint8_t>(EventKind::kNote);
}

std::string EncodeHeader(const LogHeader& header) {
  COVEN_CHECK(header.session_id.size() == 36);
  std::string out(kHeaderSize, '\0');
  std::memcpy(out.data(), kHeaderMagic, sizeof(kHeaderMagic));
  PutU32(out.data() + 8, kFormatVersion);
  std::memcpy(out.data() + 12, header.session_id.data(), 36);
  std::memcpy(out.data() + 48, header.id_prefix.data(), header.id_prefix.size());
  PutU32(out.data() + kHeaderCrcOffset, Crc(0, out.data(), kHeaderCrcOffset));
  return out;
}

void EncodeFrame(uint64_t seq, int64_t time_ns, EventKind kind, std::string_view payload,
                 char* frame) {
  PutU32(frame, kRecordMagic);
  PutU32(frame + 4, static_cast<uint32_t>(payload.size()));
  PutU64(frame + 8, seq);
  PutU64(frame + 16, static_cast<uint64_t>(time_ns));
  frame[24] = static_cast<char>(kind);
  frame[25] = frame[26] = frame[27] = 0;
  uint32_t crc = Crc(0, frame, kFrameCrcOffset);
  if (!payload.empty()) {
    crc = Crc(crc, payload.data(), payload.size());
  }
  PutU32(frame + kFrameCrcOffset, crc);
}

Result<const char*> ChunkReader::Get(uint64_t offset, size_t n) {
  std::vector<char>& buf = *buffer_;
  if (offset >= buffer_offset_ && offset + n <= buffer_offset_ + buffer_len_) {
    return buf.data() + (offset - buffer_offset_);
  }
  // Keep the bytes we already have from `offset` on; drop the rest.
  if (offset >= buffer_offset_ && offset < buffer_offset_ + buffer_len_) {
    size_t skip = offset - buffer_offset_;
    std::memmove(buf.data(), buf.data() + skip, buffer_len_ - skip);
    buffer_len_ -= skip;
  } else {
    buffer_len_ = 0;
  }
  buffer_offset_ = offset;
  buf.resize(std::max({buf.size(), n, kReadChunk}));
  while (buffer_len_ < n) {
    ssize_t got = ::pread(fd_, buf.data() + buffer_len_, buf.size() - buffer_len_,
                          static_cast<off_t>(buffer_offset_ + buffer_len_));
    if (got < 0) {
      if (errno == EINTR) {
        continue;
      }
      return core::SysError("read event log", errno);
    }
    if (got == 0) {
      return static_cast<const char*>(nullptr);
    }
    buffer_len_ += static_cast<size_t>(got);
  }
  return buf.data();
}

Result<LogHeader> ReadHeader(ChunkReader& reader) {
  Result<const char*> bytes = reader.Get(0, kHeaderSize);
  if (!bytes) {
    return bytes.error();
  }
  const char* p = *bytes;
  if (p == nullptr) {
    return Corrupt("file is shorter than the header");
  }
  if (std::memcmp(p, kHeaderMagic, sizeof(kHeaderMagic)) != 0) {
    return Corrupt("bad magic (not a Coven event log)");
  }
  if (GetU32(p + kHeaderCrcOffset) != Crc(0, p, kHeaderCrcOffset)) {
    return Corrupt("checksum mismatch");
  }
  if (uint32_t version = GetU32(p + 8); version != kFormatVersion) {
    return Corrupt("unsupported format version " + std::to_string(version));
  }
  LogHeader header;
  header.session_id.assign(p + 12, 36);
  if (!IsUuidShape(header.session_id)) {
    return Corrupt("session id is not a UUID");
  }
  std::memcpy(header.id_prefix.data(), p + 48, header.id_prefix.size());
  if (p[58] != 0 || p[59] != 0) {
    return Corrupt("nonzero padding");
  }
  return header;
}

FrameId FrameIdentity(const char* frame) {
  return FrameId{GetU32(frame), GetU32(frame + 4), GetU64(frame + 8),
                 GetU32(frame + kFrameCrcOffset)};
}

FrameId FrameIdentity(uint64_t seq, uint64_t payload_length, uint32_t crc) {
  return FrameId{kRecordMagic, static_cast<uint32_t>(payload_length), seq, crc};
}

Result<std::optional<RecordView>> ReadRecord(ChunkReader& reader, uint64_t offset,
                                             uint64_t expected_seq) {
  Result<const char*> frame = reader.Get(offset, kFrameSize);
  if (!frame) {
    return frame.error();
  }
  const char* p = *frame;
  if (p == nullptr || GetU32(p) != kRecordMagic) {
    return std::optional<RecordView>();
  }
  RecordView rec;
  uint32_t len = GetU32(p + 4);
  rec.seq = GetU64(p + 8);
  rec.time_ns = static_cast<int64_t>(GetU64(p + 16));
  auto kind = static_cast<uint8_t>(p[24]);
  if (len > kMaxPayloadBytes || rec.seq != expected_seq || !IsKnownKind(kind) || p[25] != 0 ||
      p[26] != 0 || p[27] != 0) {
    return std::optional<RecordView>();
  }
  rec.kind = static_cast<EventKind>(kind);
  // The frame pointer may move when the buffer is refilled, so fetch both together.
  Result<const char*> whole = reader.Get(offset, kFrameSize + len);
  if (!whole) {
    return whole.error();
  }
  p = *whole;
  if (p == nullptr) {
    return std::optional<RecordView>();  // torn: the payload is not all there (yet)
  }
  uint32_t crc = Crc(Crc(0, p, kFrameCrcOffset), p + kFrameSize, len);
  if (crc != GetU32(p + kFrameCrcOffset)) {
    return std::optional<RecordView>();
  }
  rec.offset = offset;
  rec.end = offset + kFrameSize + len;
  rec.crc = crc;
  rec.payload = std::string_view(p + kFrameSize, len);
  return std::optional<RecordView>(rec);
}

}  // namespace coven::eventlog::internal
