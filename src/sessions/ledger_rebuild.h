// sessions/ledger_rebuild.h: rebuilds the ledger's rows from the session folders, for
// `coven doctor --repair` after the ledger file was found damaged (issue 13, item 7).
//
// The session folders are the ground truth for what ran: each holds its event log, whose
// `start` event has the harness argv, cwd and pid, and whose `exit` event (if any) has the
// outcome. What only the ledger knew (project root, title, archived_at) is salvaged from the
// damaged file where its pages still read, else inferred (project root = cwd, title = the
// prompt, the last argv element). The folders are only read, never changed.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "core/result.h"
#include "store/ledger.h"

namespace coven::sessions {

struct RebuildReport {
  int sessions = 0;                     // rows written to the new ledger
  int salvaged = 0;                     // of which the damaged ledger still had the row
  std::map<std::string, int> statuses;  // status -> count
  std::vector<std::string> skipped;     // folders left out, each with the reason
};

// Inserts into `fresh` one row per folder under `sessions_dir` that is named by a session id
// and holds a readable event log. Status comes from the log: an exit event gives
// completed/failed with its code and signal (killed when a kill event came first); without
// one the session is `running` when its shim still answers (the daemon re-adopts it), else
// `orphaned`. `salvage` (may be null) is the damaged ledger opened with OpenForSalvage.
// Errors only when `fresh` cannot be written; unreadable folders are reported as skipped.
core::Result<RebuildReport> RebuildLedger(const std::string& sessions_dir, store::Ledger& fresh,
                                          store::Ledger* salvage);

}  // namespace coven::sessions
