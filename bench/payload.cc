#include "payload.h"

namespace coven::bench {

void PayloadGenerator::NextBlock(std::string* block) {
  auto next = [this] {
    x_ ^= x_ << 13;
    x_ ^= x_ >> 7;
    x_ ^= x_ << 17;
    return x_;
  };
  block->clear();
  while (block->size() < (1u << 20)) {
    std::string line;
    while (line.size() < 96) {
      uint64_t r = next();
      if (r % 29 == 0) {
        line += "\xc3\xa9";  // é
      } else if (r % 31 == 0) {
        line += "\xe2\x86\x92";  // →
      } else {
        line.push_back(static_cast<char>(' ' + (r >> 8) % 95));
      }
    }
    line += "\r\n";  // what a terminal gets from a program whose \n the tty turned into CR LF
    *block += line;
  }
}

}  // namespace coven::bench
