#include "shim/internal/output_chunker.h"

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

size_t NextChunkLength(std::string_view data) {
  constexpr size_t kBudget = kMaxOutputJsonBytes - 1 - kOutputJsonOverhead;
  constexpr size_t kMaxByteCost = 6;
  if (data.size() <= kBudget / kMaxByteCost) {
    return data.size();  // fits whatever its bytes (a PTY read is 4 KiB): no need to look
  }
  size_t cost = 0;
  size_t n = 0;
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
  // Back off to the start of the character that straddles the cut: at most 3 continuation
  // bytes (10xxxxxx) precede the next byte of a valid sequence.
  size_t cut = n;
  for (int i = 0; i < 3 && cut > 0; ++i) {
    if ((static_cast<unsigned char>(data[cut]) & 0xC0) != 0x80) {
      break;
    }
    --cut;
  }
  if ((static_cast<unsigned char>(data[cut]) & 0xC0) == 0x80 || cut == 0) {
    return n;  // not a valid character boundary anyway
  }
  return cut;
}

}  // namespace coven::shim::internal
