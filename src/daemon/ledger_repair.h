// daemon/ledger_repair.h: a damaged ledger (issue 13, item 7). The daemon refuses to start
// on one, `coven doctor` reports it, and `coven doctor --repair` rebuilds it from the session
// folders, keeping the damaged file aside. Nothing under sessions/ is ever changed.
#pragma once

#include <string>

#include "core/home.h"
#include "core/result.h"
#include "sessions/ledger_rebuild.h"

namespace coven::daemon {

struct LedgerHealth {
  bool exists = false;
  bool is_ok = true;     // false: damaged (findings says how)
  std::string findings;  // "ok", sqlite's quick_check findings, or why it cannot be read
};

// PRAGMA quick_check of <home>/coven.sqlite3, opened read-only. A missing file is healthy
// (it is created on first use). Thread-safe.
LedgerHealth CheckLedger(const core::HomePaths& paths);

// "the ledger <path> is damaged (<findings>); run `coven doctor --repair` ..." for the
// daemon's refusal and doctor.
std::string DamagedLedgerMessage(const core::HomePaths& paths, const std::string& findings);

struct RepairOutcome {
  std::string kept_as;  // where the damaged file now is
  sessions::RebuildReport report;
};

// Holds daemon.lock (kConflict naming `coven daemon stop` when a daemon holds it), renames
// the damaged ledger (and its -wal/-shm) to <ledger>.damaged-<timestamp>, creates a fresh
// ledger and fills it from the session folders, salvaging what the damaged file still
// gives. Call only when CheckLedger found damage.
core::Result<RepairOutcome> RepairLedger(const core::HomePaths& paths);

}  // namespace coven::daemon
