// daemon/home_dir.h: creating and checking the private Coven home (SPEC 1.3, 7.2).
#pragma once

#include <string>

#include "core/result.h"
#include "core/unique_fd.h"

namespace coven::daemon {

// Makes sure `home` is a real directory owned by us with mode 0700: creates it (and missing
// parents) when absent, and tightens its mode when it is ours but wider. Refuses, changing
// nothing, when `home` is a symlink, not a directory, or owned by another user.
core::Status EnsureHome(const std::string& home);

// `home` made absolute against the current directory (COVEN_HOME may be relative, SPEC 1.1;
// the daemon runs from `/`, so it needs the absolute form).
std::string AbsoluteHome(const std::string& home);

// Takes `<home>/daemon.lock` (flock, exclusive, non-blocking): the lock `daemon serve` holds
// for its whole life and `doctor --repair` holds while it replaces the ledger. kConflict when
// someone else holds it (the caller words what that means), else a SysError. The lock lasts
// as long as the returned fd.
core::Result<core::UniqueFd> LockDaemonHome(const std::string& lock_path);

}  // namespace coven::daemon
