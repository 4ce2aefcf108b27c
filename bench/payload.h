// bench/payload.h: the text the capture benchmarks stream through a terminal.
#pragma once

#include <cstdint>
#include <string>

namespace coven::bench {

// Deterministic text: lines of 96 to 98 bytes of printable ASCII with some 2- and 3-byte
// UTF-8 characters (so the UTF-8-aware chunking is exercised), each ended by CR LF as a
// terminal gets it. The same sequence every time.
class PayloadGenerator {
 public:
  // Replaces `block` with the next ~1 MiB of whole lines.
  void NextBlock(std::string* block);

 private:
  uint64_t x_ = 0x9E3779B97F4A7C15ull;  // xorshift64 state
};

}  // namespace coven::bench
