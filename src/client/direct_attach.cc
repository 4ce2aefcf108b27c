#include "client/internal/direct_attach.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <atomic>

#include <boost/json.hpp>

#include "core/unique_fd.h"

namespace coven::client::internal {
namespace {

// SIGWINCH as a readable pipe for the poll loop. The handler only write()s, which is
// async-signal-safe; the previous disposition comes back on destruction.
std::atomic<int> g_winch_fd{-1};

void OnWinch(int) {
  int saved = errno;
  int fd = g_winch_fd.load();
  if (fd >= 0) {
    (void)!::write(fd, "w", 1);  // a full pipe already says "resized"
  }
  errno = saved;
}

class WinchPipe {
 public:
  core::Status Install() {
    auto pipe = core::MakePipe();
    if (!pipe) {
      return pipe.error();
    }
    pipe_ = std::move(*pipe);
    for (int fd : {pipe_.read.fd(), pipe_.write.fd()}) {
      if (::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK) < 0) {
        return core::SysError("attach: SIGWINCH pipe", errno);
      }
    }
    g_winch_fd.store(pipe_.write.fd());
    struct sigaction sa {};
    sa.sa_handler = OnWinch;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    if (::sigaction(SIGWINCH, &sa, &saved_) < 0) {
      g_winch_fd.store(-1);
      return core::SysError("attach: watch SIGWINCH", errno);
    }
    installed_ = true;
    return core::Ok();
  }
  ~WinchPipe() {
    if (installed_) {
      ::sigaction(SIGWINCH, &saved_, nullptr);
      g_winch_fd.store(-1);
    }
  }
  WinchPipe() = default;
  WinchPipe(const WinchPipe&) = delete;
  WinchPipe& operator=(const WinchPipe&) = delete;
  WinchPipe(WinchPipe&&) = delete;
  WinchPipe& operator=(WinchPipe&&) = delete;

  int fd() const { return pipe_.read.fd(); }
  void Drain() {
    char buf[64];
    while (::read(pipe_.read.fd(), buf, sizeof(buf)) > 0) {
    }
  }

 private:
  core::Pipe pipe_;
  struct sigaction saved_ {};
  bool installed_ = false;
};

void ParseExit(const std::string& exit_json, AttachOutcome* outcome) {
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(exit_json, ec);
  if (ec || !v.is_object()) {
    outcome->status = "unknown";
    return;
  }
  const auto& o = v.as_object();
  const auto* s = o.if_contains("status");
  outcome->status = s && s->is_string() ? std::string(s->as_string()) : "unknown";
  if (const auto* c = o.if_contains("exitCode"); c && c->is_int64()) {
    outcome->exit_code = c->as_int64();
  }
}

void SendSize(const AttachOptions& opts, shim::AttachLink& link) {
  if (!opts.window_size) {
    return;
  }
  if (auto size = opts.window_size()) {
    link.QueueResize(size->first, size->second);
  }
}

}  // namespace

core::UniqueFd OpenOwnTerminal(const AttachOptions& opts) {
  if (opts.in_fd < 0 || ::isatty(opts.in_fd) != 1 || ::isatty(opts.out_fd) != 1) {
    return core::UniqueFd();
  }
  struct stat in {};
  struct stat out {};
  if (::fstat(opts.in_fd, &in) != 0 || ::fstat(opts.out_fd, &out) != 0 ||
      in.st_rdev != out.st_rdev) {
    return core::UniqueFd();
  }
  std::array<char, 256> name{};
  if (::ttyname_r(opts.out_fd, name.data(), name.size()) != 0) {
    return core::UniqueFd();
  }
  core::UniqueFd fd(::open(name.data(), O_RDWR | O_NOCTTY | O_CLOEXEC));
  struct stat opened {};
  if (!fd.valid() || ::fstat(fd.fd(), &opened) != 0 || opened.st_rdev != out.st_rdev) {
    return core::UniqueFd();  // not the same terminal after all (a stale name in a container)
  }
  return fd;
}

core::Result<AttachOutcome> RunDirectAttach(const AttachOptions& opts, shim::AttachLink link) {
  AttachOutcome outcome;
  WinchPipe winch;
  bool forward = opts.in_fd >= 0;
  if (forward) {
    if (core::Status s = winch.Install(); !s) {
      return s.error();
    }
    // The newest client's size wins (tmux's `latest`): attaching resizes the session.
    SendSize(opts, link);
  }
  // With the terminal handed over, the shim reads the keys and writes the output itself;
  // this loop only sends resizes and waits for the end.
  bool read_keys = forward && !link.owns_terminal();
  (void)core::WriteAll(opts.out_fd, link.paint());
  std::string output;
  for (;;) {
    if (!link.Flush()) {
      outcome.status = "disconnected";
      return outcome;
    }
    std::array<pollfd, 3> fds{
        {{link.fd(), static_cast<short>(POLLIN | (link.wants_write() ? POLLOUT : 0)), 0},
         {read_keys ? opts.in_fd : -1, POLLIN, 0},
         {forward ? winch.fd() : -1, POLLIN, 0}}};
    if (::poll(fds.data(), fds.size(), -1) < 0) {
      if (errno == EINTR) {
        continue;
      }
      return core::SysError("attach: poll", errno);
    }
    if (fds[2].revents != 0) {
      winch.Drain();
      SendSize(opts, link);
    }
    if (fds[1].revents != 0) {
      std::array<char, 4096> buf{};
      // Readable, so this read does not block; stdin stays blocking (on a terminal it
      // shares its open file with stdout, whose writes must not fail with EAGAIN).
      ssize_t n = ::read(opts.in_fd, buf.data(), buf.size());
      if (n < 0 && errno != EINTR && errno != EAGAIN) {
        read_keys = false;
      } else if (n == 0) {
        read_keys = false;  // end of input: keep showing output
      } else if (n > 0) {
        std::string_view bytes(buf.data(), static_cast<size_t>(n));
        size_t key = bytes.find(static_cast<char>(opts.detach_key));
        link.QueueInput(bytes.substr(0, key));
        if (key != std::string_view::npos) {
          (void)link.Flush();  // what was typed before the detach key still counts
          outcome.detached = true;
          return outcome;
        }
      }
    }
    if ((fds[0].revents & (POLLIN | POLLHUP | POLLERR)) != 0) {
      output.clear();
      auto read = link.Read(&output);
      if (!read) {
        return read.error();
      }
      (void)core::WriteAll(opts.out_fd, output);
      if (read->detached) {
        outcome.detached = true;
        return outcome;
      }
      if (read->ended) {
        if (read->exit_json.empty()) {
          outcome.status = "disconnected";
        } else {
          ParseExit(read->exit_json, &outcome);
        }
        return outcome;
      }
    }
  }
}

}  // namespace coven::client::internal
