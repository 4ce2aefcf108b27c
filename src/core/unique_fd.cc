#include "core/unique_fd.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

namespace coven::core {

void UniqueFd::Reset(int fd) noexcept {
  if (fd_ >= 0 && fd_ != fd) {
    // POSIX leaves the fd state unspecified after EINTR; Linux always closes it, so
    // retrying could close someone else's fd.
    ::close(fd_);
  }
  fd_ = fd;
}

Result<Pipe> MakePipe() {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    return SysError("pipe2", errno);
  }
  return Pipe{UniqueFd(fds[0]), UniqueFd(fds[1])};
}

Status WriteAll(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      if (errno == EAGAIN) {
        // Someone made the fd non-blocking (for a terminal, anyone sharing its open file
        // description can): wait until it takes bytes again instead of dropping them.
        pollfd pfd{fd, POLLOUT, 0};
        if (::poll(&pfd, 1, -1) < 0 && errno != EINTR) {
          return SysError("poll", errno);
        }
        continue;
      }
      return SysError("write", errno);
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return Ok();
}

Result<std::string> ReadFile(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) {
    return SysError("open " + path, errno);
  }
  std::string out;
  char buf[8192];
  for (;;) {
    ssize_t n = ::read(fd.fd(), buf, sizeof(buf));
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      return SysError("read " + path, errno);
    }
    if (n == 0) {
      break;
    }
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

Status WriteFileAtomic(const std::string& path, std::string_view data, unsigned mode,
                       FileSync sync) {
  std::string tmp = path + ".tmp." + std::to_string(::getpid());
  UniqueFd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode));
  if (!fd.valid()) {
    return SysError("create " + tmp, errno);
  }
  if (::fchmod(fd.fd(), mode) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    return SysError("chmod " + tmp, err);
  }
  if (Status s = WriteAll(fd.fd(), data); !s) {
    ::unlink(tmp.c_str());
    return s.error().WithContext(tmp);
  }
  if (sync == FileSync::kBeforeRename && ::fsync(fd.fd()) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    return SysError("fsync " + tmp, err);
  }
  fd.Reset();
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    return SysError("rename " + tmp, err);
  }
  return Ok();
}

Status SyncFile(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
  if (!fd.valid()) {
    return SysError("open " + path, errno);
  }
  if (::fsync(fd.fd()) != 0) {
    return SysError("fsync " + path, errno);
  }
  return Ok();
}

namespace {

// Removes what folder `dir_fd` holds, as `rm -r` does: an entry already gone (ENOENT) is
// removed, not an error. Symbolic links are removed, never followed (O_NOFOLLOW).
Status RemoveContents(int dir_fd, const std::string& shown) {
  UniqueFd dup(::dup(dir_fd));
  DIR* d = dup.valid() ? ::fdopendir(dup.fd()) : nullptr;
  if (d == nullptr) {
    return SysError("list " + shown, errno);
  }
  (void)dup.Release();  // closedir closes it
  Status result = Ok();
  while (dirent* e = ::readdir(d)) {
    std::string name = e->d_name;
    if (name == "." || name == "..") {
      continue;
    }
    if (::unlinkat(dir_fd, name.c_str(), 0) == 0 || errno == ENOENT) {
      continue;
    }
    if (errno != EISDIR) {
      result = SysError("remove " + shown + "/" + name, errno);
      break;
    }
    UniqueFd sub(::openat(dir_fd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!sub.valid()) {
      if (errno == ENOENT) {
        continue;
      }
      result = SysError("open " + shown + "/" + name, errno);
      break;
    }
    result = RemoveContents(sub.fd(), shown + "/" + name);
    if (!result) {
      break;
    }
    if (::unlinkat(dir_fd, name.c_str(), AT_REMOVEDIR) != 0 && errno != ENOENT) {
      result = SysError("remove " + shown + "/" + name, errno);
      break;
    }
  }
  ::closedir(d);
  return result;
}

}  // namespace

Status RemoveTree(const std::string& path) {
  // Not std::filesystem::remove_all: libstdc++ 12's stops at the first entry that another
  // process removes meanwhile (ENOENT), and a session's shim unlinks its socket as it ends,
  // while its folder may already be being sacrificed.
  if (::unlink(path.c_str()) == 0 || errno == ENOENT) {
    return Ok();
  }
  if (errno != EISDIR) {
    return SysError("remove " + path, errno);
  }
  UniqueFd dir(::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!dir.valid()) {
    return errno == ENOENT ? Ok() : SysError("open " + path, errno);
  }
  if (Status s = RemoveContents(dir.fd(), path); !s) {
    return s;
  }
  if (::rmdir(path.c_str()) != 0 && errno != ENOENT) {
    return SysError("remove " + path, errno);
  }
  return Ok();
}

}  // namespace coven::core
