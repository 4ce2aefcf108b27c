// tui/text.h: text helpers for the terminal renderers: column counting, fitting text to a
// width with `…`, and turning a harness's raw terminal output into plain preview lines.
// Every column count treats one Unicode code point as one column (the frames use only
// narrow characters; wide ones in titles are rare and only cost alignment).
// Pure functions; thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace coven::tui {

// Number of columns `text` takes (code points; invalid bytes count one each).
size_t Columns(std::string_view text);

// The first `columns` columns of `text` (never splits a UTF-8 sequence).
std::string TakeColumns(std::string_view text, size_t columns);

// `text` cut to at most `columns` columns, ending in `…` when it was cut.
std::string Fit(std::string_view text, size_t columns);

// `Fit(text, columns)` padded with spaces to exactly `columns` columns.
std::string FitPad(std::string_view text, size_t columns);

// `text` with terminal control sequences removed (CSI, OSC, DCS and two-byte ESC
// sequences) and other C0 controls except `\n`, `\r` and `\t` dropped; invalid UTF-8 is
// replaced. An incomplete sequence at the end is dropped.
std::string StripEscapes(std::string_view text);

// The last `count` non-blank lines of the output `text` as a screen would show them:
// escapes stripped, `\r` returns to the line start (later text overwrites earlier),
// tabs expanded to 8-column stops.
std::vector<std::string> TailLines(std::string_view text, size_t count);

// `path` with the leading `home` directory replaced by `~` (when `home` is not empty).
std::string AbbreviateHome(const std::string& path, const std::string& home);

}  // namespace coven::tui
