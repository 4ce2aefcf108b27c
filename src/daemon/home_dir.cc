#include "daemon/home_dir.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <system_error>

namespace coven::daemon {
using core::Error;
using core::ErrorCode;

std::string AbsoluteHome(const std::string& home) {
  std::error_code ec;
  std::filesystem::path abs = std::filesystem::absolute(home, ec);
  if (ec) {
    return home;
  }
  return abs.lexically_normal().string();
}

core::Status EnsureHome(const std::string& home) {
  struct stat st {};
  if (::lstat(home.c_str(), &st) != 0) {
    if (errno != ENOENT) {
      return core::SysError("inspect Coven home " + home, errno);
    }
    std::error_code ec;
    std::filesystem::path parent = std::filesystem::path(home).parent_path();
    if (!parent.empty()) {
      std::filesystem::create_directories(parent, ec);
      if (ec) {
        return Error(ErrorCode::kIo, "create " + parent.string() + ": " + ec.message());
      }
    }
    if (::mkdir(home.c_str(), 0700) != 0 && errno != EEXIST) {
      return core::SysError("create Coven home " + home, errno);
    }
    if (::lstat(home.c_str(), &st) != 0) {
      return core::SysError("inspect Coven home " + home, errno);
    }
  }
  if (S_ISLNK(st.st_mode)) {
    return Error(ErrorCode::kInvalidRequest,
                 "Coven home `" + home +
                     "` is a symlink; refusing to use it. Point COVEN_HOME at the real folder.");
  }
  if (!S_ISDIR(st.st_mode)) {
    return Error(ErrorCode::kInvalidRequest, "Coven home `" + home + "` is not a directory");
  }
  if (st.st_uid != ::geteuid()) {
    return Error(ErrorCode::kInvalidRequest,
                 "Coven home `" + home + "` is owned by uid " + std::to_string(st.st_uid) +
                     ", not by you (uid " + std::to_string(::geteuid()) +
                     "); refusing to use it. Set COVEN_HOME to a folder of your own.");
  }
  if ((st.st_mode & 07777) != 0700 && ::chmod(home.c_str(), 0700) != 0) {
    return core::SysError("chmod 0700 " + home, errno);
  }
  return core::Ok();
}

core::Result<core::UniqueFd> LockDaemonHome(const std::string& lock_path) {
  core::UniqueFd fd(::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600));
  if (!fd.valid()) {
    return core::SysError("open " + lock_path, errno);
  }
  if (::flock(fd.fd(), LOCK_EX | LOCK_NB) != 0) {
    if (errno == EWOULDBLOCK) {
      return core::Error(core::ErrorCode::kConflict, lock_path + " is locked");
    }
    return core::SysError("lock " + lock_path, errno);
  }
  return fd;
}

}  // namespace coven::daemon
