// Event kinds and event ids (see the format essay in event_log.h).
#include "eventlog/event_log.h"

#include <cctype>

#include "core/clock.h"

namespace coven::eventlog {
namespace {

struct KindEntry {
  EventKind kind;
  const char* name;
};

constexpr KindEntry kKinds[] = {
    {EventKind::kOutput, "output"}, {EventKind::kInput, "input"},   {EventKind::kExit, "exit"},
    {EventKind::kKill, "kill"},     {EventKind::kResize, "resize"}, {EventKind::kStart, "start"},
    {EventKind::kNote, "note"},
};

// The 16 id bytes shared by every event of the log, with the v4 version nibble and the
// RFC 4122 variant bits forced so ids pass as random UUIDs.
std::array<unsigned char, 16> IdBase(const LogHeader& header) {
  std::array<unsigned char, 16> b{};
  for (size_t i = 0; i < header.id_prefix.size(); ++i) {
    b[i] = header.id_prefix[i];
  }
  b[6] = static_cast<unsigned char>((b[6] & 0x0F) | 0x40);
  b[8] = static_cast<unsigned char>((b[8] & 0x3F) | 0x80);
  return b;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  int lower = std::tolower(static_cast<unsigned char>(c));
  if (lower >= 'a' && lower <= 'f') {
    return lower - 'a' + 10;
  }
  return -1;
}

}  // namespace

const char* KindName(EventKind kind) {
  for (const KindEntry& e : kKinds) {
    if (e.kind == kind) {
      return e.name;
    }
  }
  return "unknown";
}

std::optional<EventKind> KindFromName(std::string_view name) {
  for (const KindEntry& e : kKinds) {
    if (name == e.name) {
      return e.kind;
    }
  }
  return std::nullopt;
}

std::string EventId(const LogHeader& header, uint64_t seq) {
  COVEN_CHECK(seq >= 1 && seq <= kMaxSeq);
  std::array<unsigned char, 16> b = IdBase(header);
  for (int i = 0; i < 6; ++i) {
    b[static_cast<size_t>(15 - i)] = static_cast<unsigned char>((seq >> (8 * i)) & 0xFF);
  }
  return core::FormatUuid(b.data());
}

std::optional<uint64_t> SeqFromEventId(const LogHeader& header, std::string_view id) {
  if (id.size() != 36) {
    return std::nullopt;
  }
  std::array<unsigned char, 16> b{};
  size_t n = 0;
  for (size_t i = 0; i < id.size(); ++i) {
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (id[i] != '-') {
        return std::nullopt;
      }
      continue;
    }
    int v = HexValue(id[i]);
    if (v < 0) {
      return std::nullopt;
    }
    b[n / 2] = static_cast<unsigned char>((b[n / 2] << 4) | v);
    ++n;
  }
  std::array<unsigned char, 16> base = IdBase(header);
  for (size_t i = 0; i < 10; ++i) {
    if (b[i] != base[i]) {
      return std::nullopt;
    }
  }
  uint64_t seq = 0;
  for (size_t i = 10; i < 16; ++i) {
    seq = (seq << 8) | b[i];
  }
  if (seq == 0) {
    return std::nullopt;
  }
  return seq;
}

}  // namespace coven::eventlog
