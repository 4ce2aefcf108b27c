#include "core/clock.h"

#include <sys/random.h>
#include <time.h>

#include <cerrno>
#include <cstdio>

#include "core/result.h"

namespace coven::core {

int64_t NowNanos() {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

std::string FormatTimestamp(int64_t nanos_since_epoch) {
  time_t secs = static_cast<time_t>(nanos_since_epoch / 1'000'000'000);
  long frac = static_cast<long>(nanos_since_epoch % 1'000'000'000);
  if (frac < 0) {
    frac += 1'000'000'000;
    secs -= 1;
  }
  tm utc{};
  gmtime_r(&secs, &utc);
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%09ldZ", utc.tm_year + 1900,
                utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec, frac);
  return buf;
}

void RandomBytes(unsigned char* out, size_t n) {
  while (n > 0) {
    ssize_t got = getrandom(out, n, 0);
    if (got < 0) {
      COVEN_CHECK(errno == EINTR);
      continue;
    }
    out += got;
    n -= static_cast<size_t>(got);
  }
}

std::string FormatUuid(const unsigned char bytes[16]) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(36);
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) {
      out.push_back('-');
    }
    out.push_back(kHex[bytes[i] >> 4]);
    out.push_back(kHex[bytes[i] & 0xf]);
  }
  return out;
}

std::string NewUuid() {
  unsigned char b[16];
  RandomBytes(b, sizeof(b));
  b[6] = static_cast<unsigned char>((b[6] & 0x0f) | 0x40);  // version 4
  b[8] = static_cast<unsigned char>((b[8] & 0x3f) | 0x80);  // RFC 4122 variant
  return FormatUuid(b);
}

}  // namespace coven::core
