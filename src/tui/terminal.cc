#include "tui/terminal.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include <atomic>
#include <cstring>

#include "core/error.h"

namespace coven::tui {

static_assert(sizeof(termios) <= 64, "saved_ must hold a struct termios");
static_assert(sizeof(struct sigaction) <= 256, "saved_ must hold a struct sigaction");

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

namespace {
// The write end of the live ResizeSignal's pipe (-1: none); read by the signal handler.
std::atomic<int> g_resize_write_fd{-1};

void OnResize(int /*signo*/) {
  int saved_errno = errno;
  int fd = g_resize_write_fd.load(std::memory_order_relaxed);
  if (fd >= 0) {
    char one = 1;
    (void)!::write(fd, &one, 1);  // a full pipe already says "resized"
  }
  errno = saved_errno;
}
}  // namespace

ResizeSignal::ResizeSignal() {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC | O_NONBLOCK) != 0) {
    return;
  }
  int expected = -1;
  if (!g_resize_write_fd.compare_exchange_strong(expected, fds[1])) {
    ::close(fds[0]);
    ::close(fds[1]);
    return;
  }
  read_fd_ = fds[0];
  write_fd_ = fds[1];
  struct sigaction action {};
  action.sa_handler = OnResize;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;
  struct sigaction saved {};
  ::sigaction(SIGWINCH, &action, &saved);
  std::memcpy(saved_, &saved, sizeof(saved));
}

ResizeSignal::~ResizeSignal() {
  if (read_fd_ < 0) {
    return;
  }
  struct sigaction saved {};
  std::memcpy(&saved, saved_, sizeof(saved));
  ::sigaction(SIGWINCH, &saved, nullptr);
  g_resize_write_fd.store(-1);
  ::close(read_fd_);
  ::close(write_fd_);
}

bool ResizeSignal::Consume() {
  bool resized = false;
  char buf[64];
  while (read_fd_ >= 0 && ::read(read_fd_, buf, sizeof(buf)) > 0) {
    resized = true;
  }
  return resized;
}

core::Result<std::vector<bool>> WaitAny(const std::vector<int>& fds, int timeout_ms) {
  std::vector<pollfd> polled;
  polled.reserve(fds.size());
  for (int fd : fds) {
    pollfd p{};
    p.fd = fd;  // poll ignores negative fds
    p.events = POLLIN;
    polled.push_back(p);
  }
  std::vector<bool> ready(fds.size(), false);
  int n = ::poll(polled.data(), polled.size(), timeout_ms);
  if (n < 0) {
    int err = errno;
    if (err == EINTR) {
      return ready;
    }
    return core::SysError("wait for terminal input", err);
  }
  for (size_t i = 0; i < polled.size(); ++i) {
    ready[i] = fds[i] >= 0 && (polled[i].revents & (POLLIN | POLLHUP | POLLERR)) != 0;
  }
  return ready;
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
