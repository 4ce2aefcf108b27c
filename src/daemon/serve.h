// daemon/serve.h: `coven daemon serve`, the daemon process itself and the composition root:
// it takes the serve lock, opens the ledger, builds the control plane, the session manager,
// the API and the HTTP server, writes daemon.json, tells the starter it is ready, and
// serves until SIGTERM/SIGINT (SIGHUP re-reads config.json), then removes its socket and
// daemon.json.
#pragma once

#include <string>

namespace coven::daemon {

struct ServeOptions {
  std::string home;   // Coven home (made absolute here)
  int ready_fd = -1;  // when >= 0: receives "ok\n" once serving, or the error text
};

// Returns the process exit code: 0 after a clean stop, 1 when it could not start.
int Serve(const ServeOptions& options);

}  // namespace coven::daemon
