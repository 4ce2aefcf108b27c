// core/unique_fd.h: move-only owner of one file descriptor, and small fd helpers.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.h"

namespace coven::core {

// Owns one fd. Not thread-safe. The destructor closes the fd (no EINTR retry).
class UniqueFd {
 public:
  explicit UniqueFd(int fd = -1) noexcept : fd_(fd) {}
  UniqueFd(UniqueFd&& other) noexcept : fd_(other.Release()) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept {
    if (this != &other) {
      Reset(other.Release());
    }
    return *this;
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd() { Reset(); }

  int fd() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  // The caller now owns the fd.
  int Release() noexcept {
    int fd = fd_;
    fd_ = -1;
    return fd;
  }
  // Closes the old fd and takes ownership of `fd`.
  void Reset(int fd = -1) noexcept;

 private:
  int fd_;
};

// A pipe whose both ends are close-on-exec.
struct Pipe {
  UniqueFd read;
  UniqueFd write;
};
Result<Pipe> MakePipe();

// Writes all of `data` to `fd`, retrying on EINTR and short writes, and waiting in poll()
// when the fd is non-blocking and full (EAGAIN), so no byte is ever dropped.
Status WriteAll(int fd, std::string_view data);

// Reads a whole (small) file. kIo with errno ENOENT when it does not exist.
Result<std::string> ReadFile(const std::string& path);

// Whether WriteFileAtomic makes the data durable before the rename, or leaves that to the
// caller (SyncFile): readers still see the whole old file or the whole new one, but after a
// machine crash the file may be empty. An fsync on ext4 also waits for the writeback of
// other files' fresh data (data=ordered), which after a big stream takes a while.
enum class FileSync : uint8_t { kBeforeRename, kByCaller };

// Writes `data` to `path` atomically (temp file in the same folder, fsync, rename) with
// permission bits `mode`.
Status WriteFileAtomic(const std::string& path, std::string_view data, unsigned mode,
                       FileSync sync = FileSync::kBeforeRename);

// fsync() of the file at `path`.
Status SyncFile(const std::string& path);

// Removes `path` and everything under it, as `rm -r` does; Ok when it is gone (or never
// was). An entry that another process removes meanwhile is not an error. Symbolic links are
// removed, never followed.
Status RemoveTree(const std::string& path);

}  // namespace coven::core
