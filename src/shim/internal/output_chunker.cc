#include "shim/internal/output_chunker.h"

#include <cstdint>
#include <cstring>

namespace coven::shim::internal {

size_t EscapedCost(unsigned char byte) {
  if (byte < 0x20) {
    return 6;
  }
  if (byte == '"' || byte == '\\') {
    return 2;
  }
  return byte >= 0x80 ? 3 : 1;
}

size_t EscapedCost(std::string_view data) {
  size_t cost = 0;
  for (char c : data) {
    cost += EscapedCost(static_cast<unsigned char>(c));
  }
  return cost;
}

namespace {

// EscapedCost of 8 bytes at once (the shim runs this over every output byte): 1 each, plus 2
// for each byte >= 0x80, 1 for each '"' or '\\', 5 for each control byte. Each mask holds
// exactly one high bit per matching byte (no carry crosses a byte), so they can be counted.
size_t WordCost(uint64_t w) {
  constexpr uint64_t kHigh = 0x8080808080808080ull;
  constexpr uint64_t kLow7 = 0x7F7F7F7F7F7F7F7Full;
  constexpr uint64_t kOnes = 0x0101010101010101ull;
  auto zero_bytes = [&](uint64_t x) { return ~(((x & kLow7) + kLow7) | x) & kHigh; };
  uint64_t high = w & kHigh;
  uint64_t control = ~((((w & kLow7) + kOnes * 0x60) | w)) & kHigh;  // below 0x20
  uint64_t quoted = zero_bytes(w ^ (kOnes * '"')) | zero_bytes(w ^ (kOnes * '\\'));
  // The number of marked bytes: one bit per byte, summed into the top byte by the multiply
  // (std::popcount is a libgcc call without -mpopcnt, which the baseline x86-64 lacks).
  auto count = [&](uint64_t marks) { return static_cast<size_t>(((marks >> 7) * kOnes) >> 56); };
  return 8 + 2 * count(high) + count(quoted) + 5 * count(control);
}

// GCC's portable vectors: 16 byte lanes, SSE2 on the baseline x86-64.
using Lanes = uint8_t __attribute__((vector_size(16)));
constexpr size_t kBlock = 256;

// EscapedCost of kBlock bytes at once, the same sums as WordCost in 16 lanes. A lane adds at
// most 6 per step, 96 over the block, so no lane overflows before the final sum.
size_t BlockCost(const char* p) {
  Lanes sum = {};
  for (size_t i = 0; i < kBlock; i += sizeof(Lanes)) {
    Lanes v;
    std::memcpy(&v, p + i, sizeof(v));
    auto control = reinterpret_cast<Lanes>(v < 0x20);  // each lane 0xFF or 0
    auto quoted = reinterpret_cast<Lanes>((v == '"') | (v == '\\'));
    sum += 1 + 2 * (v >> 7) + (quoted & 1) + (control & 5);
  }
  size_t total = 0;
  for (size_t k = 0; k < sizeof(Lanes); ++k) {
    total += sum[k];
  }
  return total;
}

// Where the character that byte `n` of `data` (n < data.size()) belongs to starts: `n` itself
// at a boundary, else back over at most 3 continuation bytes (10xxxxxx), which is all a
// valid sequence has. A run of stray continuation bytes has no boundary to keep: `n`.
size_t CharacterStart(std::string_view data, size_t n) {
  size_t cut = n;
  for (int i = 0; i < 3 && cut > 0 && (static_cast<unsigned char>(data[cut]) & 0xC0) == 0x80; ++i) {
    --cut;
  }
  return (static_cast<unsigned char>(data[cut]) & 0xC0) == 0x80 ? n : cut;
}

}  // namespace

size_t NextChunkLength(std::string_view data) {
  constexpr size_t kBudget = kMaxOutputJsonBytes - 1 - kOutputJsonOverhead;
  constexpr size_t kMaxByteCost = 6;
  if (data.size() <= kBudget / kMaxByteCost) {
    return data.size();  // fits whatever its bytes (a PTY read is 4 KiB): no need to look
  }
  size_t cost = 0;
  size_t n = 0;
  // Whole blocks, then words, while even the costliest one fits, then byte by byte up to
  // the cut.
  while (n + kBlock <= data.size() && cost + kBlock * kMaxByteCost <= kBudget) {
    cost += BlockCost(data.data() + n);
    n += kBlock;
  }
  while (n + 8 <= data.size() && cost + 8 * kMaxByteCost <= kBudget) {
    uint64_t w = 0;
    std::memcpy(&w, data.data() + n, 8);
    cost += WordCost(w);
    n += 8;
  }
  while (n < data.size()) {
    size_t c = EscapedCost(static_cast<unsigned char>(data[n]));
    if (cost + c > kBudget) {
      break;
    }
    cost += c;
    ++n;
  }
  if (n == data.size()) {
    return n;
  }
  size_t cut = CharacterStart(data, n);
  return cut == 0 ? n : cut;  // a character longer than the budget cannot be kept whole
}

size_t ChunkForRoom(std::string_view data, size_t room, size_t frame_bytes,
                    std::vector<std::string_view>* chunks) {
  chunks->clear();
  size_t taken = 0;
  while (taken < data.size() && room > frame_bytes) {
    std::string_view rest = data.substr(taken);
    size_t n = NextChunkLength(rest);
    if (frame_bytes + n > room) {
      n = CharacterStart(rest, room - frame_bytes);
      if (n == 0) {
        break;
      }
    }
    chunks->push_back(rest.substr(0, n));
    taken += n;
    room -= frame_bytes + n;
  }
  return taken;
}

size_t RoomToAlignedEnd(uint64_t end_offset, size_t align) {
  size_t room = align - static_cast<size_t>(end_offset % align);
  return room < 4096 ? room + align : room;
}

}  // namespace coven::shim::internal
