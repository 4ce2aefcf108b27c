#include "pty/process_spawn.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>

#include "core/error.h"

extern char** environ;  // NOLINT(readability-redundant-declaration)

namespace coven::pty {
namespace {

// posix_spawn's two option objects, destroyed on every path.
class SpawnAttributes {
 public:
  SpawnAttributes() {
    ::posix_spawnattr_init(&attr_);
    ::posix_spawn_file_actions_init(&actions_);
  }
  ~SpawnAttributes() {
    ::posix_spawn_file_actions_destroy(&actions_);
    ::posix_spawnattr_destroy(&attr_);
  }
  SpawnAttributes(const SpawnAttributes&) = delete;
  SpawnAttributes& operator=(const SpawnAttributes&) = delete;
  SpawnAttributes(SpawnAttributes&&) = delete;
  SpawnAttributes& operator=(SpawnAttributes&&) = delete;

  posix_spawnattr_t* attr() { return &attr_; }
  posix_spawn_file_actions_t* actions() { return &actions_; }

 private:
  posix_spawnattr_t attr_{};
  posix_spawn_file_actions_t actions_{};
};

std::vector<char*> Pointers(std::vector<std::string>& strings) {
  std::vector<char*> out;
  out.reserve(strings.size() + 1);
  for (std::string& s : strings) {
    out.push_back(s.data());
  }
  out.push_back(nullptr);
  return out;
}

}  // namespace

core::Result<pid_t> SpawnProcess(const ProcessOptions& options) {
  if (options.argv.empty()) {
    return core::Error(core::ErrorCode::kInvalidRequest, "cannot start a process: empty argv");
  }
  SpawnAttributes sa;
  short flags = POSIX_SPAWN_SETSIGMASK;
  sigset_t none;
  sigemptyset(&none);
  ::posix_spawnattr_setsigmask(sa.attr(), &none);
  if (options.new_session) {
    flags |= POSIX_SPAWN_SETSID;
  }
  if (options.default_interrupts || options.default_signals) {
    sigset_t defaults;
    sigemptyset(&defaults);
    if (options.default_signals) {
      sigfillset(&defaults);
    }
    sigaddset(&defaults, SIGINT);
    sigaddset(&defaults, SIGQUIT);
    ::posix_spawnattr_setsigdefault(sa.attr(), &defaults);
    flags |= POSIX_SPAWN_SETSIGDEF;
  }
  ::posix_spawnattr_setflags(sa.attr(), flags);
  if (options.fd3 >= 0) {
    // First, so a source among 0-2 (a daemon started with stdio closed) is copied before
    // /dev/null replaces it. dup2 onto fd 3 clears close-on-exec for the child's copy only.
    ::posix_spawn_file_actions_adddup2(sa.actions(), options.fd3, 3);
  }
  if (options.output_fd >= 0) {
    ::posix_spawn_file_actions_addopen(sa.actions(), 0, "/dev/null", O_RDONLY, 0);
    ::posix_spawn_file_actions_adddup2(sa.actions(), options.output_fd, 1);
    ::posix_spawn_file_actions_adddup2(sa.actions(), options.output_fd, 2);
  }
  if (options.stdio_to_null) {
    ::posix_spawn_file_actions_addopen(sa.actions(), 0, "/dev/null", O_RDONLY, 0);
    ::posix_spawn_file_actions_addopen(sa.actions(), 1, "/dev/null", O_WRONLY, 0);
    ::posix_spawn_file_actions_addopen(sa.actions(), 2, "/dev/null", O_WRONLY, 0);
  }
  if (options.close_other_fds) {
    // Belt and braces for a long-lived child: an fd some library opened without O_CLOEXEC
    // must not stay open in it for its whole life.
    ::posix_spawn_file_actions_addclosefrom_np(sa.actions(), 4);
  }
  std::vector<std::string> argv_strings = options.argv;
  std::vector<char*> argv = Pointers(argv_strings);
  std::vector<std::string> env_strings;
  std::vector<char*> envp;
  if (options.env) {
    env_strings = *options.env;
    envp = Pointers(env_strings);
  }
  pid_t pid = 0;
  int rc = ::posix_spawn(&pid, argv_strings.front().c_str(), sa.actions(), sa.attr(), argv.data(),
                         options.env ? envp.data() : environ);
  if (rc != 0) {
    return core::SysError("start `" + options.argv.front() + "`", rc);
  }
  return pid;
}

}  // namespace coven::pty
