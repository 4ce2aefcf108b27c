#include "cli/tui_support.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <iostream>

#include "core/activity.h"
#include "core/strings.h"
#include "daemon/lifecycle.h"
#include "pty/process_spawn.h"

namespace coven::cli {

namespace {

// Sets SIGINT and SIGQUIT to be ignored for the life of the object, then restores them.
class IgnoreInterrupts {
 public:
  IgnoreInterrupts() {
    struct sigaction ignore {};
    ignore.sa_handler = SIG_IGN;
    sigemptyset(&ignore.sa_mask);
    ::sigaction(SIGINT, &ignore, &saved_int_);
    ::sigaction(SIGQUIT, &ignore, &saved_quit_);
  }
  ~IgnoreInterrupts() {
    ::sigaction(SIGINT, &saved_int_, nullptr);
    ::sigaction(SIGQUIT, &saved_quit_, nullptr);
  }
  IgnoreInterrupts(const IgnoreInterrupts&) = delete;
  IgnoreInterrupts& operator=(const IgnoreInterrupts&) = delete;
  IgnoreInterrupts(IgnoreInterrupts&&) = delete;
  IgnoreInterrupts& operator=(IgnoreInterrupts&&) = delete;

 private:
  struct sigaction saved_int_ {};
  struct sigaction saved_quit_ {};
};

}  // namespace

int RunCovenChild(const std::vector<std::string>& args) {
  std::string self = daemon::SelfExecutable();
  std::vector<std::string> argv = {self};
  argv.insert(argv.end(), args.begin(), args.end());
  std::fflush(stdout);
  std::fflush(stderr);
  IgnoreInterrupts ignore;
  pty::ProcessOptions options;
  options.argv = std::move(argv);
  options.default_interrupts = true;  // Ctrl-C reaches only the child, as with system(3)
  auto spawned = pty::SpawnProcess(options);
  if (!spawned) {
    std::fprintf(stderr, "Error: could not run %s: %s\n", core::TerminalSafe(self).c_str(),
                 core::TerminalSafe(spawned.error().message).c_str());
    return 1;
  }
  pid_t pid = *spawned;
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) {
      return 1;
    }
  }
  if (WIFEXITED(status)) {
    return WEXITSTATUS(status);
  }
  return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : 1;
}

tui::BrowserSession ToBrowserSession(const client::SessionRecord& info) {
  tui::BrowserSession s;
  s.id = info.id;
  s.title = info.title;
  s.status = info.status;
  s.harness = info.harness;
  s.project_root = info.project_root;
  s.updated_at = info.updated_at;
  s.archived = info.archived_at.has_value();
  s.conversation_id = info.conversation_id.value_or("");
  s.worktree_path = info.worktree_path.value_or("");
  s.worktree_branch = info.worktree_branch.value_or("");
  if (info.activity) {
    s.activity = std::string(core::ActivityName(info.activity->state));
  }
  return s;
}

std::string AskLine(const std::string& prompt) {
  std::fputs(prompt.c_str(), stdout);
  std::fflush(stdout);
  std::string line;
  if (!std::getline(std::cin, line)) {
    return "";
  }
  return line;
}

}  // namespace coven::cli
