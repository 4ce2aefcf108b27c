#include "daemon/ledger_repair.h"

#include <fcntl.h>
#include <stdio.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <optional>

#include "core/clock.h"
#include "core/unique_fd.h"
#include "daemon/home_dir.h"
#include "store/ledger.h"

namespace coven::daemon {
using core::Error;
using core::ErrorCode;

namespace {

// The same lock `daemon serve` holds for its whole life: while we hold it no daemon can
// start on the ledger we are replacing, and if a daemon holds it we must not touch it.
core::Result<core::UniqueFd> HoldDaemonLock(const std::string& path) {
  auto fd = LockDaemonHome(path);
  if (!fd && fd.error().code == ErrorCode::kConflict) {
    return Error(ErrorCode::kConflict, "a coven daemon is running on this ledger (" + path +
                                           " is locked); stop it first with `coven daemon stop`");
  }
  return fd;
}

// Moves `from` to `to` when it exists.
core::Status MoveIfPresent(const std::string& from, const std::string& to) {
  if (::rename(from.c_str(), to.c_str()) != 0 && errno != ENOENT) {
    return core::SysError("rename " + from + " to " + to, errno);
  }
  return core::Ok();
}

// <ledger>.damaged-<UTC time>, ':' spelled '-' so the name is portable; the -wal/-shm
// suffixes keep SQLite's convention, so the kept file opens with its journal.
core::Result<std::string> SetAside(const std::string& ledger) {
  std::string stamp = core::NowTimestamp();
  std::replace(stamp.begin(), stamp.end(), ':', '-');
  std::string kept = ledger + ".damaged-" + stamp;
  if (core::Status s = MoveIfPresent(ledger, kept); !s) {
    return s.error();
  }
  for (const char* suffix : {"-wal", "-shm"}) {
    if (core::Status s = MoveIfPresent(ledger + suffix, kept + suffix); !s) {
      return s.error();
    }
  }
  return kept;
}

}  // namespace

LedgerHealth CheckLedger(const core::HomePaths& paths) {
  LedgerHealth health;
  auto findings = store::Ledger::CheckFile(paths.ledger);
  if (!findings && findings.error().sys_errno == ENOENT) {
    health.findings = "ok";
    return health;
  }
  health.exists = true;
  health.findings = findings ? *findings : findings.error().message;
  // A read-only open can fail for reasons other than damage (a journal it may not
  // recover); only SQLite's verdict or "not a database" count as damage.
  health.is_ok = findings ? *findings == "ok" : findings.error().code != ErrorCode::kCorrupt;
  return health;
}

std::string DamagedLedgerMessage(const core::HomePaths& paths, const std::string& findings) {
  std::string first_line = findings.substr(0, findings.find('\n'));
  return "the ledger " + paths.ledger + " is damaged (" + first_line +
         "); run `coven doctor --repair` to rebuild it from the session logs (the damaged "
         "file is kept aside; nothing under " +
         paths.sessions + " is changed)";
}

core::Result<RepairOutcome> RepairLedger(const core::HomePaths& paths) {
  auto lock = HoldDaemonLock(paths.lock);
  if (!lock) {
    return lock.error();
  }
  auto kept = SetAside(paths.ledger);
  if (!kept) {
    return kept.error();
  }
  auto fresh = store::Ledger::Open(paths.ledger);
  if (!fresh) {
    return fresh.error().WithContext("the damaged ledger is kept as " + *kept);
  }
  std::optional<store::Ledger> salvage;
  if (auto old = store::Ledger::OpenForSalvage(*kept)) {
    salvage.emplace(std::move(*old));
  }
  auto report = sessions::RebuildLedger(paths.sessions, *fresh, salvage ? &*salvage : nullptr);
  if (!report) {
    return report.error().WithContext("rebuild " + paths.ledger +
                                      " (the damaged ledger is kept as " + *kept + ")");
  }
  return RepairOutcome{*kept, std::move(*report)};
}

}  // namespace coven::daemon
