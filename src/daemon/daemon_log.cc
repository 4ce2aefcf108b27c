#include "daemon/daemon_log.h"

#include <fcntl.h>
#include <sys/stat.h>

#include <cstdio>

#include "core/clock.h"

namespace coven::daemon {

DaemonLog::DaemonLog(std::string path, size_t max_bytes)
    : path_(std::move(path)), max_bytes_(max_bytes) {
  core::MutexLock lock(&mu_);
  OpenLocked();
}

void DaemonLog::OpenLocked() {
  fd_.Reset(::open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600));
  struct stat st {};
  size_ = (fd_.valid() && ::fstat(fd_.fd(), &st) == 0) ? static_cast<size_t>(st.st_size) : 0;
}

void DaemonLog::Write(const std::string& line) {
  std::string text = core::NowTimestamp() + " " + line + "\n";
  core::MutexLock lock(&mu_);
  if (size_ + text.size() > max_bytes_) {
    std::string old = path_ + ".1";
    std::rename(path_.c_str(), old.c_str());
    OpenLocked();
  }
  if (fd_.valid() && core::WriteAll(fd_.fd(), text)) {
    size_ += text.size();
  }
}

}  // namespace coven::daemon
