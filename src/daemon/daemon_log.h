// daemon/daemon_log.h: the daemon's bounded log file (`<home>/daemon.log`). When the file
// passes `max_bytes` it is renamed to `daemon.log.1` (replacing the previous one) and a new
// file is started, so the log never holds more than about twice `max_bytes`.
#pragma once

#include <string>

#include "core/mutex.h"
#include "core/unique_fd.h"

namespace coven::daemon {

class DaemonLog {
 public:
  explicit DaemonLog(std::string path, size_t max_bytes = 1024 * 1024);
  // Appends one timestamped line. Thread-safe. Failures are ignored: logging never stops
  // the daemon.
  void Write(const std::string& line) EXCLUDES(mu_);

 private:
  void OpenLocked() REQUIRES(mu_);

  const std::string path_;
  const size_t max_bytes_;
  // A leaf lock: nothing else is taken while it is held.
  core::Mutex mu_;
  core::UniqueFd fd_ GUARDED_BY(mu_);
  size_t size_ GUARDED_BY(mu_) = 0;
};

}  // namespace coven::daemon
