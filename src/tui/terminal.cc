#include "tui/terminal.h"

#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include <cstring>

namespace coven::tui {

static_assert(sizeof(termios) <= 64, "saved_ must hold a struct termios");

bool IsTerminal(int fd) { return ::isatty(fd) == 1; }

std::optional<std::pair<uint16_t, uint16_t>> WindowSize(int fd) {
  winsize ws{};
  if (::ioctl(fd, TIOCGWINSZ, &ws) != 0 || ws.ws_row == 0 || ws.ws_col == 0) {
    return std::nullopt;
  }
  return std::make_pair(static_cast<uint16_t>(ws.ws_row), static_cast<uint16_t>(ws.ws_col));
}

TerminalModeGuard::TerminalModeGuard(int fd) : fd_(fd) {
  termios saved{};
  if (!IsTerminal(fd) || ::tcgetattr(fd, &saved) != 0) {
    return;
  }
  std::memcpy(saved_, &saved, sizeof(saved));
  termios raw = saved;
  ::cfmakeraw(&raw);
  if (::tcsetattr(fd, TCSANOW, &raw) == 0) {
    active_ = true;
  }
}

TerminalModeGuard::~TerminalModeGuard() {
  if (active_) {
    termios saved{};
    std::memcpy(&saved, saved_, sizeof(saved));
    ::tcsetattr(fd_, TCSANOW, &saved);
  }
}

}  // namespace coven::tui
