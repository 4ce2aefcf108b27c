#include "core/error.h"

#include <errno.h>
#include <string.h>

namespace coven::core {

const char* ErrorCodeName(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidRequest:
      return "invalid_request";
    case ErrorCode::kNotFound:
      return "not_found";
    case ErrorCode::kSessionNotFound:
      return "session_not_found";
    case ErrorCode::kSessionNotLive:
      return "session_not_live";
    case ErrorCode::kProjectRootViolation:
      return "project_root_violation";
    case ErrorCode::kPtySpawnFailed:
      return "pty_spawn_failed";
    case ErrorCode::kRuntimeUnavailable:
      return "runtime_unavailable";
    case ErrorCode::kStorageFull:
      return "storage_full";
    case ErrorCode::kWorktreeNotClean:
      return "worktree_not_clean";
    case ErrorCode::kServerBusy:
      return "server_busy";
    case ErrorCode::kInternal:
    case ErrorCode::kIo:
    case ErrorCode::kCorrupt:
    case ErrorCode::kConflict:
      return "internal_error";
  }
  return "internal_error";
}

Error Error::WithContext(const std::string& context) const {
  Error copy = *this;
  copy.message = context + ": " + message;
  return copy;
}

Error Error::WithDetail(std::string key, std::string value) const {
  Error copy = *this;
  copy.details.emplace_back(std::move(key), std::move(value));
  return copy;
}

Error SysError(const std::string& context, int err) {
  char buf[256];
  // GNU strerror_r returns a pointer that may or may not be `buf`.
  const char* text = strerror_r(err, buf, sizeof(buf));
  bool is_full = err == ENOSPC || err == EDQUOT;
  Error e(is_full ? ErrorCode::kStorageFull : ErrorCode::kIo, context + ": " + text);
  e.sys_errno = err;
  return e;
}

}  // namespace coven::core
