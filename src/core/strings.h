// core/strings.h: small string helpers shared by several modules.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace coven::core {

// Removes leading and trailing ASCII whitespace.
std::string_view Trim(std::string_view s);

// Parses a signed 64-bit decimal integer: optional leading '+' or '-', digits only, no
// spaces (SPEC 2.13). nullopt on anything else or on overflow.
std::optional<int64_t> ParseInt64(std::string_view s);

// True when `s` is well-formed UTF-8.
bool IsValidUtf8(std::string_view s);

// Number of bytes at the end of `s` that form an incomplete (but so far valid) UTF-8
// sequence, 0 to 3. Used to avoid splitting a character between output events.
size_t IncompleteUtf8Tail(std::string_view s);

// Replaces invalid UTF-8 sequences with U+FFFD.
std::string SanitizeUtf8(std::string_view s);

}  // namespace coven::core
