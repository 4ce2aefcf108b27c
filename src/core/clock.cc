#include "core/clock.h"

#include <sys/random.h>
#include <time.h>

#include <cctype>
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

std::optional<int64_t> ParseTimestamp(std::string_view rfc3339) {
  std::string text(rfc3339);  // sscanf needs a terminator
  tm parts{};
  int consumed = 0;
  if (std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &parts.tm_year, &parts.tm_mon,
                  &parts.tm_mday, &parts.tm_hour, &parts.tm_min, &parts.tm_sec, &consumed) != 6) {
    return std::nullopt;
  }
  parts.tm_year -= 1900;
  parts.tm_mon -= 1;
  int64_t nanos = static_cast<int64_t>(::timegm(&parts)) * 1'000'000'000;
  size_t pos = static_cast<size_t>(consumed);
  if (pos < text.size() && text[pos] == '.') {
    int64_t scale = 100'000'000;
    while (++pos < text.size() && std::isdigit(static_cast<unsigned char>(text[pos])) != 0) {
      nanos += (text[pos] - '0') * scale;
      scale /= 10;
    }
  }
  int oh = 0;
  int om = 0;
  if (pos < text.size() && (text[pos] == '+' || text[pos] == '-') &&
      std::sscanf(text.c_str() + pos + 1, "%2d:%2d", &oh, &om) == 2) {
    int64_t offset = (int64_t{oh} * 3600 + int64_t{om} * 60) * 1'000'000'000;
    nanos -= text[pos] == '+' ? offset : -offset;
  }
  return nanos;
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
