// core/home.h: where Coven keeps its state (SPEC 1.1 and 1.2). Pure path logic; creating
// and checking the folder is daemon/home_dir.h's job.
#pragma once

#include <string>

#include "core/result.h"

namespace coven::core {

// COVEN_HOME when set and non-empty (verbatim), else $HOME/.coven. Error when neither is
// set: "HOME is not set; set COVEN_HOME to choose a store path".
Result<std::string> ResolveCovenHome();

// Files inside a Coven home.
struct HomePaths {
  std::string home;
  std::string socket;       // coven.sock
  std::string daemon_json;  // daemon.json
  std::string ledger;       // coven.sqlite3
  std::string lock;         // daemon.lock (held by the serving daemon)
  std::string log;          // daemon.log
  std::string sessions;     // sessions/ (one folder per session: event log, shim socket)
  std::string adapters;     // adapters/ (user-defined harness manifests)

  explicit HomePaths(std::string home_dir);
};

}  // namespace coven::core
