// tui/terminal.h: the terminal as a resource: raw mode with guaranteed restore, the
// alternate screen and mouse reporting, window size, reading keys with a timeout, and
// whether an fd is a terminal. Only the outer loops of the CLI touch these.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>

#include "core/result.h"

namespace coven::tui {

bool IsTerminal(int fd);

// Rows and columns of the terminal on `fd`, or nullopt when it is not a terminal.
std::optional<std::pair<uint16_t, uint16_t>> WindowSize(int fd);

struct ScreenOptions {
  int out_fd = 1;           // where the screen sequences go
  bool alt_screen = false;  // switch to the alternate screen (1049) and hide the cursor
  bool mouse = false;       // SGR mouse reporting of clicks (1000 + 1006)
};

// Puts the terminal on `fd` into raw mode (no echo, no line discipline, no signals from
// keys: Ctrl-C is a byte for the harness) and restores the saved mode on destruction, on
// every path. With ScreenOptions it also enters the alternate screen and/or enables mouse
// reporting on `out_fd`, and undoes both (showing the cursor again) before restoring the
// mode. Does nothing when `fd` is not a terminal. Not copyable or movable.
class TerminalModeGuard {
 public:
  explicit TerminalModeGuard(int fd);
  TerminalModeGuard(int fd, ScreenOptions screen);
  ~TerminalModeGuard();
  TerminalModeGuard(const TerminalModeGuard&) = delete;
  TerminalModeGuard& operator=(const TerminalModeGuard&) = delete;
  TerminalModeGuard(TerminalModeGuard&&) = delete;
  TerminalModeGuard& operator=(TerminalModeGuard&&) = delete;
  bool active() const { return active_; }

 private:
  int fd_;
  bool active_ = false;
  ScreenOptions screen_;
  unsigned char saved_[64] = {};  // struct termios, kept opaque to callers
};

// The bytes that enter (and leave) the screen modes of `options`; exposed for tests.
std::string EnterScreenBytes(const ScreenOptions& options);
std::string LeaveScreenBytes(const ScreenOptions& options);

// Waits up to `timeout_ms` (negative: forever) for `fd` to be readable; false on timeout.
// EINTR counts as a timeout so callers re-check the window size.
core::Result<bool> WaitReadable(int fd, int timeout_ms);

// Reads what is available on `fd` (at most 4 KiB). An empty string means end of input.
core::Result<std::string> ReadSome(int fd);

// Writes all of `bytes` to `fd` (retrying on EINTR and short writes).
core::Status WriteString(int fd, const std::string& bytes);

}  // namespace coven::tui
