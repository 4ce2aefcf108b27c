// tui/text.h: text helpers for the terminal renderers: column counting, fitting text to a
// width with `…`, and turning a harness's raw terminal output into plain preview lines.
// Columns are what a terminal shows (widths from utf8proc's Unicode tables): East Asian wide
// characters and most emoji take 2, combining marks and zero-width characters 0, everything
// else 1. An invalid byte and a control character count 1 each (the frames show them as
// U+FFFD). Ambiguous-width characters count 1, as in most terminals.
// Pure functions; thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace coven::tui {

// One character of UTF-8 text as a terminal shows it.
struct Glyph {
  size_t bytes = 1;       // length of its encoding (1 for an invalid byte)
  int width = 1;          // columns: 0, 1 or 2
  bool printable = true;  // false for an invalid byte or a control character
};

// The character that starts at byte `pos` of `text`; `pos` must be < text.size().
Glyph NextGlyph(std::string_view text, size_t pos);

// Number of columns `text` takes.
size_t Columns(std::string_view text);

// The longest prefix of `text` that takes at most `columns` columns, with the zero-width
// characters that follow it; never splits a UTF-8 sequence, and a wide character that
// would straddle the limit is left out (so the result may be one column short).
std::string TakeColumns(std::string_view text, size_t columns);

// `text` cut to at most `columns` columns, ending in `…` (1 column) when it was cut.
std::string Fit(std::string_view text, size_t columns);

// `Fit(text, columns)` padded with spaces to exactly `columns` columns.
std::string FitPad(std::string_view text, size_t columns);

// `text` with terminal control sequences removed (CSI, OSC, DCS and two-byte ESC
// sequences) and other C0 controls except `\n`, `\r` and `\t` dropped; invalid UTF-8 is
// replaced. An incomplete sequence at the end is dropped.
std::string StripEscapes(std::string_view text);

// The last `count` non-blank lines of the output `text` as a screen would show them:
// escapes stripped, `\r` returns to the line start (later text overwrites earlier, and a
// wide character partly overwritten is erased), tabs expanded to 8-column stops.
std::vector<std::string> TailLines(std::string_view text, size_t count);

// `path` with the leading `home` directory replaced by `~` (when `home` is not empty).
std::string AbbreviateHome(const std::string& path, const std::string& home);

}  // namespace coven::tui
