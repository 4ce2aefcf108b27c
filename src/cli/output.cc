#include "cli/output.h"

#include <cstdlib>

#include "tui/terminal.h"

namespace coven::cli {

bool UseColor(int fd) {
  const char* no_color = std::getenv("NO_COLOR");  // NOLINT(concurrency-mt-unsafe)
  const char* term = std::getenv("TERM");          // NOLINT(concurrency-mt-unsafe)
  if (no_color != nullptr && no_color[0] != '\0') {
    return false;
  }
  if (term != nullptr && std::string(term) == "dumb") {
    return false;
  }
  return tui::IsTerminal(fd);
}

std::string Styled(const std::string& text, const char* code, bool color) {
  if (!color) {
    return text;
  }
  return std::string("\033[") + code + "m" + text + "\033[0m";
}

std::string Pad(const std::string& text, size_t width) {
  return text.size() >= width ? text : text + std::string(width - text.size(), ' ');
}

}  // namespace coven::cli
