// tui/terminal.h: the terminal as a resource: raw mode with guaranteed restore, the
// alternate screen and mouse reporting, window size, reading keys with a timeout, and
// whether an fd is a terminal. Only the outer loops of the CLI touch these.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

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

// Turns SIGWINCH into a readable fd (a non-blocking self-pipe) while it lives, so a loop
// waiting for keys wakes the moment the window is resized instead of on a timer. Restores
// the previous SIGWINCH disposition on destruction (handlers do not survive exec, so
// children are unaffected). One per process at a time: a second one stays inactive
// (fd() == -1). Not copyable or movable.
class ResizeSignal {
 public:
  ResizeSignal();
  ~ResizeSignal();
  ResizeSignal(const ResizeSignal&) = delete;
  ResizeSignal& operator=(const ResizeSignal&) = delete;
  ResizeSignal(ResizeSignal&&) = delete;
  ResizeSignal& operator=(ResizeSignal&&) = delete;

  int fd() const { return read_fd_; }
  // Drains the pipe; true when the window changed since the last call.
  bool Consume();

 private:
  int read_fd_ = -1;
  int write_fd_ = -1;
  unsigned char saved_[256] = {};  // struct sigaction, kept opaque to callers
};

// Waits up to `timeout_ms` (negative: forever) until one of `fds` (entries < 0 are
// skipped) is readable or hung up. Returns one flag per entry of `fds`; all false on
// timeout or when a signal interrupted the wait.
core::Result<std::vector<bool>> WaitAny(const std::vector<int>& fds, int timeout_ms);

// Reads what is available on `fd` (at most 4 KiB). An empty string means end of input.
core::Result<std::string> ReadSome(int fd);

// Writes all of `bytes` to `fd` (retrying on EINTR and short writes).
core::Status WriteString(int fd, const std::string& bytes);

}  // namespace coven::tui
