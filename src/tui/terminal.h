// tui/terminal.h: the terminal as a resource: raw mode with guaranteed restore, window
// size, and whether an fd is a terminal. Only the outer loops of the CLI touch these.
#pragma once

#include <cstdint>
#include <optional>
#include <utility>

namespace coven::tui {

bool IsTerminal(int fd);

// Rows and columns of the terminal on `fd`, or nullopt when it is not a terminal.
std::optional<std::pair<uint16_t, uint16_t>> WindowSize(int fd);

// Puts the terminal on `fd` into raw mode (no echo, no line discipline, no signals from
// keys: Ctrl-C is a byte for the harness) and restores the saved mode on destruction, on
// every path. Does nothing when `fd` is not a terminal. Not copyable or movable.
class TerminalModeGuard {
 public:
  explicit TerminalModeGuard(int fd);
  ~TerminalModeGuard();
  TerminalModeGuard(const TerminalModeGuard&) = delete;
  TerminalModeGuard& operator=(const TerminalModeGuard&) = delete;
  TerminalModeGuard(TerminalModeGuard&&) = delete;
  TerminalModeGuard& operator=(TerminalModeGuard&&) = delete;
  bool active() const { return active_; }

 private:
  int fd_;
  bool active_ = false;
  unsigned char saved_[64] = {};  // struct termios, kept opaque to callers
};

}  // namespace coven::tui
