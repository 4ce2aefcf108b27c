// cli/session_client.h: what the session commands share: a daemon that is running (started
// when needed) and id-prefix resolution; the typed records are client/sessions.h.
// Internal to cli/.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "client/daemon_client.h"
#include "client/sessions.h"
#include "core/home.h"
#include "core/result.h"

namespace coven::cli {

// Starts the daemon when it is not running (printing nothing on success) and returns a
// client for it.
core::Result<client::DaemonClient> EnsureDaemon(const core::HomePaths& paths);

// `path` made absolute and canonical for --project filters. Error (naming the path) when
// it does not exist.
core::Result<std::string> CanonicalProject(const std::string& path);

// The one session whose id is `id_or_prefix` or starts with it. Errors: `session `<x>` not
// found`, or an ambiguity listing the candidates.
core::Result<client::SessionRecord> ResolveSession(const client::DaemonClient& c,
                                                   const std::string& id_or_prefix);

// What most session commands start from: the home, a running daemon, and the one session
// `id_or_prefix` names. Prints the error (via ctx) and returns nullopt on failure.
struct SessionTarget {
  core::HomePaths home;
  client::DaemonClient daemon;
  client::SessionRecord session;
};
struct Context;
std::optional<SessionTarget> OpenSession(Context& ctx, const std::string& id_or_prefix);

}  // namespace coven::cli
