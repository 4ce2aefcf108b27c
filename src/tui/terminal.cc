#include "tui/terminal.h"

#include <errno.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include <cstring>

#include "core/error.h"

namespace coven::tui {

static_assert(sizeof(termios) <= 64, "saved_ must hold a struct termios");

bool IsTerminal(int fd) {
  return ::isatty(fd) == 1;
}

std::optional<std::pair<uint16_t, uint16_t>> WindowSize(int fd) {
  winsize ws{};
  if (::ioctl(fd, TIOCGWINSZ, &ws) != 0 || ws.ws_row == 0 || ws.ws_col == 0) {
    return std::nullopt;
  }
  return std::make_pair(static_cast<uint16_t>(ws.ws_row), static_cast<uint16_t>(ws.ws_col));
}

std::string EnterScreenBytes(const ScreenOptions& options) {
  std::string out;
  if (options.alt_screen) {
    out += "\x1b[?1049h\x1b[?25l";
  }
  if (options.mouse) {
    out += "\x1b[?1000h\x1b[?1006h";
  }
  return out;
}

std::string LeaveScreenBytes(const ScreenOptions& options) {
  std::string out;
  if (options.mouse) {
    out += "\x1b[?1006l\x1b[?1000l";
  }
  if (options.alt_screen) {
    out += "\x1b[0m\x1b[?25h\x1b[?1049l";
  }
  return out;
}

TerminalModeGuard::TerminalModeGuard(int fd) : TerminalModeGuard(fd, ScreenOptions{}) {}

TerminalModeGuard::TerminalModeGuard(int fd, ScreenOptions screen) : fd_(fd), screen_(screen) {
  termios saved{};
  if (!IsTerminal(fd) || ::tcgetattr(fd, &saved) != 0) {
    return;
  }
  std::memcpy(saved_, &saved, sizeof(saved));
  termios raw = saved;
  ::cfmakeraw(&raw);
  if (::tcsetattr(fd, TCSANOW, &raw) == 0) {
    active_ = true;
    // Best effort: a screen that cannot be switched still works in raw mode.
    (void)WriteString(screen_.out_fd, EnterScreenBytes(screen_));
  }
}

TerminalModeGuard::~TerminalModeGuard() {
  if (active_) {
    (void)WriteString(screen_.out_fd, LeaveScreenBytes(screen_));
    termios saved{};
    std::memcpy(&saved, saved_, sizeof(saved));
    // With mouse reporting on, TCSAFLUSH drops unread input (a late button-release report)
    // so it does not reach the shell as text.
    ::tcsetattr(fd_, screen_.mouse ? TCSAFLUSH : TCSANOW, &saved);
  }
}

core::Result<bool> WaitReadable(int fd, int timeout_ms) {
  pollfd p{};
  p.fd = fd;
  p.events = POLLIN;
  int n = ::poll(&p, 1, timeout_ms);
  if (n < 0) {
    int err = errno;
    if (err == EINTR) {
      return false;
    }
    return core::SysError("poll terminal input", err);
  }
  return n > 0;
}

core::Result<std::string> ReadSome(int fd) {
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof(buf));
    if (n >= 0) {
      return std::string(buf, static_cast<size_t>(n));
    }
    int err = errno;
    if (err == EAGAIN || err == EWOULDBLOCK) {
      // Someone left the terminal non-blocking (it is shared with other processes):
      // wait for input rather than mistake this for an error.
      pollfd p{};
      p.fd = fd;
      p.events = POLLIN;
      ::poll(&p, 1, 100);
      continue;
    }
    if (err != EINTR) {
      return core::SysError("read terminal input", err);
    }
  }
}

core::Status WriteString(int fd, const std::string& bytes) {
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0) {
      int err = errno;
      if (err == EINTR) {
        continue;
      }
      return core::SysError("write to the terminal", err);
    }
    done += static_cast<size_t>(n);
  }
  return {};
}

}  // namespace coven::tui
