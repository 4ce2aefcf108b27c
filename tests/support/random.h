// tests/support/random.h: a small deterministic generator for tests that try many inputs.
// Marsaglia's xorshift64: the same seed gives the same sequence on every run and machine,
// so a failing round can be replayed by its number.
#pragma once

#include <cstdint>

namespace coven::testing {

class XorShift64 {
 public:
  explicit XorShift64(uint64_t seed) : x_(seed) {}  // seed must not be 0
  uint64_t Next() {
    x_ ^= x_ << 13;
    x_ ^= x_ >> 7;
    x_ ^= x_ << 17;
    return x_;
  }

 private:
  uint64_t x_;
};

}  // namespace coven::testing
