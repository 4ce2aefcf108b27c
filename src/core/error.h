// core/error.h: the error value that crosses module boundaries.
//
// An Error carries a code (mirroring SPEC.md's wire codes plus internal ones), a human
// message, an optional errno and optional string details. It never throws. The mapping
// from ErrorCode to HTTP status lives in api/, the mapping to exit codes in cli/.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace coven::core {

enum class ErrorCode {
  kInvalidRequest,        // 400 invalid_request
  kNotFound,              // 404 not_found (routes)
  kSessionNotFound,       // 404 session_not_found
  kSessionNotLive,        // 409 session_not_live
  kProjectRootViolation,  // 400 project_root_violation (reserved; we answer invalid_request)
  kPtySpawnFailed,        // 500 pty_spawn_failed
  kRuntimeUnavailable,    // 503 runtime_unavailable
  kStorageFull,           // 507 storage_full: the disk (or quota) holding COVEN_HOME is full
  kServerBusy,            // 503 server_busy: the daemon's connection or stream limit is reached
  kInternal,              // 500 internal_error
  kIo,                    // internal: a system call or file operation failed
  kCorrupt,               // internal: data on disk is not what we wrote
  kConflict,              // internal: the operation conflicts with current state
  kWorktreeNotClean,      // 409 worktree_not_clean: removing it would lose work (issue 10)
};

// Returns the wire spelling of `code` ("invalid_request", ...). Internal codes map to
// "internal_error".
const char* ErrorCodeName(ErrorCode code);

struct Error {
  ErrorCode code = ErrorCode::kInternal;
  std::string message;
  int sys_errno = 0;
  // Ordered key/value pairs surfaced as `error.details` on the wire.
  std::vector<std::pair<std::string, std::string>> details;

  Error() = default;
  Error(ErrorCode c, std::string msg) : code(c), message(std::move(msg)) {}

  // Returns a copy whose message is "<context>: <message>".
  Error WithContext(const std::string& context) const;
  // Returns a copy with one more detail.
  Error WithDetail(std::string key, std::string value) const;
};

// Builds an error from an errno value copied right after the failing call:
// "<context>: <strerror(err)>". kStorageFull for ENOSPC and EDQUOT (so a full disk is told
// apart wherever it surfaces), kIo for everything else.
Error SysError(const std::string& context, int err);

}  // namespace coven::core
