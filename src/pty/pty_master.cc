#include <errno.h>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include "pty/pty.h"

namespace coven::pty {

core::Status PtyMaster::Resize(WindowSize size) {
  struct winsize ws = {};
  ws.ws_row = size.rows;
  ws.ws_col = size.cols;
  if (::ioctl(fd_.fd(), TIOCSWINSZ, &ws) != 0) {
    return core::SysError("resize pty (TIOCSWINSZ)", errno);
  }
  return core::Ok();
}

core::Result<WindowSize> PtyMaster::Size() const {
  struct winsize ws = {};
  if (::ioctl(fd_.fd(), TIOCGWINSZ, &ws) != 0) {
    return core::SysError("read pty size (TIOCGWINSZ)", errno);
  }
  return WindowSize{ws.ws_row, ws.ws_col};
}

core::Status PtyMaster::SetNonBlocking(bool non_blocking) {
  int flags = ::fcntl(fd_.fd(), F_GETFL);
  if (flags < 0) {
    return core::SysError("fcntl(F_GETFL) on pty master", errno);
  }
  int wanted = non_blocking ? (flags | O_NONBLOCK) : (flags & ~O_NONBLOCK);
  if (wanted != flags && ::fcntl(fd_.fd(), F_SETFL, wanted) != 0) {
    return core::SysError("fcntl(F_SETFL) on pty master", errno);
  }
  return core::Ok();
}

MasterReadResult ReadMaster(int master_fd, char* buf, size_t len) {
  bool saw_eio = false;
  for (;;) {
    ssize_t n = ::read(master_fd, buf, len);
    if (n > 0) {
      return {MasterRead::kData, static_cast<size_t>(n)};
    }
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n < 0 && errno == EAGAIN) {
      return {MasterRead::kWouldBlock, 0};
    }
    if (n < 0 && errno == EIO && !saw_eio) {
      saw_eio = true;  // maybe early: read once more (see pty.h)
      continue;
    }
    return {MasterRead::kClosed, 0};
  }
}

}  // namespace coven::pty
