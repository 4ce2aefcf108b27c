// RunCaptured: a short-lived program (`git`) run to completion with its output collected.
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>
#include <utility>
#include <vector>

#include "core/error.h"
#include "core/unique_fd.h"
#include "pty/process_spawn.h"

namespace coven::pty {
namespace {

// Reads `fd` until EOF or the deadline; true at EOF, false when the deadline passed first.
bool ReadUntilEof(int fd, std::chrono::steady_clock::time_point deadline, std::string& out) {
  char buf[4096];
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      return false;
    }
    pollfd pfd{fd, POLLIN, 0};
    int ready = ::poll(&pfd, 1, static_cast<int>(left.count()));
    if (ready < 0 && errno == EINTR) {
      continue;
    }
    if (ready <= 0) {
      return ready == 0 ? false : true;  // a poll error: treat as the end of output
    }
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      return true;
    }
    out.append(buf, static_cast<size_t>(n));
  }
}

}  // namespace

core::Result<CapturedRun> RunCaptured(const std::vector<std::string>& argv,
                                      std::chrono::milliseconds timeout,
                                      std::optional<std::vector<std::string>> env) {
  auto pipe = core::MakePipe();
  if (!pipe) {
    return pipe.error();
  }
  ProcessOptions options;
  options.argv = argv;
  options.env = std::move(env);
  options.output_fd = pipe->write.fd();
  options.default_signals = true;
  auto pid = SpawnProcess(options);
  if (!pid) {
    return pid.error();
  }
  pipe->write.Reset();  // EOF once the program (and anything it left behind) closed it
  CapturedRun run;
  run.timed_out =
      !ReadUntilEof(pipe->read.fd(), std::chrono::steady_clock::now() + timeout, run.output);
  if (run.timed_out) {
    ::kill(*pid, SIGKILL);
  }
  int status = 0;
  pid_t r;
  do {
    r = ::waitpid(*pid, &status, 0);
  } while (r < 0 && errno == EINTR);
  if (r == *pid && WIFEXITED(status)) {
    run.exit_code = WEXITSTATUS(status);
  }
  return run;
}

}  // namespace coven::pty
