// pty/process_spawn.h: starting a helper process that does not need a PTY (posix_spawn):
// the detached `coven daemon serve`, or a `coven` child sharing the user's terminal. Kept
// here so that every fork/exec of the project lives in one module (STYLE.md section 6).
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "core/result.h"

namespace coven::pty {

struct ProcessOptions {
  std::vector<std::string> argv;                // argv[0] is the file executed (a path)
  std::optional<std::vector<std::string>> env;  // "K=V" strings; nullopt inherits ours
  bool new_session = false;                     // setsid: no controlling terminal, its own group
  bool stdio_to_null = false;                   // stdin, stdout and stderr on /dev/null
  int fd3 = -1;                     // when >= 0, becomes the child's fd 3 (open across exec)
  bool default_interrupts = false;  // SIGINT and SIGQUIT back to default (we may ignore them)
};

// Starts the process (its signal mask cleared; only fds 0-2 and `fd3` are meant to be
// inherited, the rest being close-on-exec as the project opens them). Returns its pid; the
// caller reaps it. The error names argv[0].
core::Result<pid_t> SpawnProcess(const ProcessOptions& options);

}  // namespace coven::pty
