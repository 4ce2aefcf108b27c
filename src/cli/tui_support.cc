#include "cli/tui_support.h"

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <iostream>

#include "daemon/lifecycle.h"

extern char** environ;  // NOLINT(readability-redundant-declaration)

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

// Owns a posix_spawnattr_t whose child gets default SIGINT/SIGQUIT handling back.
class SpawnAttr {
 public:
  SpawnAttr() {
    ::posix_spawnattr_init(&attr_);
    sigset_t defaults;
    sigemptyset(&defaults);
    sigaddset(&defaults, SIGINT);
    sigaddset(&defaults, SIGQUIT);
    ::posix_spawnattr_setsigdefault(&attr_, &defaults);
    ::posix_spawnattr_setflags(&attr_, POSIX_SPAWN_SETSIGDEF);
  }
  ~SpawnAttr() { ::posix_spawnattr_destroy(&attr_); }
  SpawnAttr(const SpawnAttr&) = delete;
  SpawnAttr& operator=(const SpawnAttr&) = delete;
  SpawnAttr(SpawnAttr&&) = delete;
  SpawnAttr& operator=(SpawnAttr&&) = delete;
  const posix_spawnattr_t* get() const { return &attr_; }

 private:
  posix_spawnattr_t attr_{};
};

}  // namespace

int RunCovenChild(const std::vector<std::string>& args) {
  std::string self = daemon::SelfExecutable();
  std::vector<std::string> argv_storage = {self};
  argv_storage.insert(argv_storage.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& a : argv_storage) {
    argv.push_back(a.data());
  }
  argv.push_back(nullptr);
  std::fflush(stdout);
  std::fflush(stderr);
  IgnoreInterrupts ignore;
  SpawnAttr attr;
  pid_t pid = 0;
  int rc = ::posix_spawn(&pid, self.c_str(), nullptr, attr.get(), argv.data(), environ);
  if (rc != 0) {
    std::fprintf(stderr, "Error: could not run %s: %s\n", self.c_str(), std::strerror(rc));
    return 1;
  }
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

tui::BrowserSession ToBrowserSession(const SessionInfo& info) {
  tui::BrowserSession s;
  s.id = info.id;
  s.title = info.title;
  s.status = info.status;
  s.harness = info.harness;
  s.project_root = info.project_root;
  s.updated_at = info.updated_at;
  s.archived = info.archived_at.has_value();
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
