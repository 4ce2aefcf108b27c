// core/clock.h: timestamps in Coven's wire format and UUID v4 ids.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace coven::core {

// Nanoseconds since the Unix epoch, from the real-time clock.
int64_t NowNanos();

// RFC 3339 UTC with exactly nine fractional digits and `Z`
// (e.g. `2026-05-14T23:24:21.123456789Z`), SPEC 2.2.
std::string FormatTimestamp(int64_t nanos_since_epoch);
inline std::string NowTimestamp() {
  return FormatTimestamp(NowNanos());
}

// The one RFC 3339 reader: "YYYY-MM-DDTHH:MM:SS", then optional fraction digits (the
// first nine count), then `Z`, `+hh:mm`/`-hh:mm` or nothing (UTC). Lenient about what
// follows, as clients show ages of timestamps other programs wrote. Returns nanoseconds
// since the epoch, or nullopt when the date and time are not there.
std::optional<int64_t> ParseTimestamp(std::string_view rfc3339);

// A random UUID v4, lowercase and hyphenated (36 characters). Thread-safe.
std::string NewUuid();

// Formats 16 bytes as a UUID string (no version bits are changed).
std::string FormatUuid(const unsigned char bytes[16]);

// Fills `out` with `n` bytes from the kernel's random source. Thread-safe.
void RandomBytes(unsigned char* out, size_t n);

}  // namespace coven::core
