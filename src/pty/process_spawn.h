// pty/process_spawn.h: starting a process that does not need a PTY (posix_spawn): the
// detached `coven daemon serve`, each session's `coven shim`, or a `coven` child sharing
// the user's terminal. Kept here so that every fork/exec of the project lives in one
// module, behind two entry points: this one and SpawnInPty (STYLE.md sections 5 and 6).
#pragma once

#include <sys/types.h>

#include <chrono>
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
  bool default_signals = false;     // every disposition back to default (SIG_IGN survives exec)
  bool close_other_fds = false;     // closes every fd above 3 in the child, close-on-exec or not
  // When >= 0: the child's stdout and stderr (stdin on /dev/null), for capturing its output.
  int output_fd = -1;
};

// Starts the process (its signal mask cleared; only fds 0-2 and `fd3` are meant to be
// inherited, the rest being close-on-exec as the project opens them, or closed outright
// with `close_other_fds`). Returns its pid; the caller reaps it. When the program cannot
// be executed, no child is left behind and the error (kIo, with sys_errno) names argv[0].
// Thread-safe.
core::Result<pid_t> SpawnProcess(const ProcessOptions& options);

// What a program run to completion by RunCaptured printed and how it ended.
struct CapturedRun {
  std::optional<int> exit_code;  // nullopt: killed by a signal (or by the timeout)
  std::string output;            // stdout and stderr, interleaved as written
  bool timed_out = false;
};

// Runs `argv` (argv[0] an absolute path; `env` as in ProcessOptions) with stdin on
// /dev/null, collects its stdout and stderr, and reaps it. A program still running after
// `timeout` is killed (SIGKILL) and reported timed_out. Errors only when it could not be
// started (kIo). The caller must not reap children with waitpid(-1) meanwhile (the daemon
// reaps only its shims). Blocks; thread-safe.
core::Result<CapturedRun> RunCaptured(const std::vector<std::string>& argv,
                                      std::chrono::milliseconds timeout,
                                      std::optional<std::vector<std::string>> env = std::nullopt);

}  // namespace coven::pty
