// cli/output.h: how the CLI prints: colour only on a terminal and never with NO_COLOR
// (https://no-color.org) or TERM=dumb; one place for every output mode.
#pragma once

#include <string>

namespace coven::cli {

// True when text written to `fd` may carry colour escape sequences.
bool UseColor(int fd);

// `text` wrapped in the SGR `code` (e.g. "1" bold, "32" green) when `color`.
std::string Styled(const std::string& text, const char* code, bool color);

// `text` padded with spaces to `width` bytes (never cut).
std::string Pad(const std::string& text, size_t width);

}  // namespace coven::cli
