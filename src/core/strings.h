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

// True for a code point a terminal may obey rather than show: C0 controls, DEL, C1 controls
// (U+0080-U+009F) and the bidirectional marks, overrides and isolates.
bool IsTerminalControl(char32_t cp);

// `s` made safe to print on a terminal as one piece of text that came from somewhere else
// (a session title from an API client, an adapter manifest's label, an error message, a
// path): nothing in it can be read by the terminal as a control. C0 controls and DEL become
// visible escapes (`\e` for ESC, `\a`, `\b`, `\t`, `\n`, `\r`, else `\xNN`); C1 controls
// (U+0080-U+009F, which some terminals obey as 8-bit CSI/OSC) and the bidirectional
// overrides and isolates that can make text read other than it is (U+200E, U+200F,
// U+202A-U+202E, U+2066-U+2069) become `\u{NNNN}`; invalid UTF-8 becomes U+FFFD. Any other
// text is unchanged, so the result of an ordinary title is the title itself. Session
// output (logs, attach) is never passed through this: it is the user's own program's.
std::string TerminalSafe(std::string_view s);

}  // namespace coven::core
