// cli/session_client.h: what the session commands share: a daemon that is running (started
// when needed), typed session records, and id-prefix resolution. Internal to cli/.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "client/daemon_client.h"
#include "core/home.h"
#include "core/result.h"

namespace coven::cli {

struct SessionInfo {
  std::string id, project_root, harness, title, status, created_at, updated_at;
  std::optional<int64_t> exit_code;
  std::optional<std::string> archived_at;
  std::string json;  // the record as the daemon sent it (compact JSON)
};

// Starts the daemon when it is not running (printing nothing on success) and returns a
// client for it.
core::Result<client::DaemonClient> EnsureDaemon(const core::HomePaths& paths);

// Sends a request and turns a non-2xx reply into an Error carrying the daemon's message
// and code.
core::Result<std::string> Call(const client::DaemonClient& c, const std::string& method,
                               const std::string& target, const std::string& body = "");

core::Result<SessionInfo> ParseSession(const std::string& json_text);
// The daemon's session list (archived ones too when `all`), newest first. With `project`
// (an absolute, canonical path) only sessions whose project root is it or lies inside it.
core::Result<std::vector<SessionInfo>> ListSessions(const client::DaemonClient& c, bool all,
                                                    const std::string& project = "");
// The same from a JSON array of SessionRecords (the body of the list or of its watch stream).
core::Result<std::vector<SessionInfo>> ParseSessionList(const std::string& json_array,
                                                        const std::string& project = "");

// `path` made absolute and canonical for --project filters. Error (naming the path) when
// it does not exist.
core::Result<std::string> CanonicalProject(const std::string& path);

// The one session whose id is `id_or_prefix` or starts with it. Errors: `session `<x>` not
// found`, or an ambiguity listing the candidates.
core::Result<SessionInfo> ResolveSession(const client::DaemonClient& c,
                                         const std::string& id_or_prefix);

// What most session commands start from: the home, a running daemon, and the one session
// `id_or_prefix` names. Prints the error (via ctx) and returns nullopt on failure.
struct SessionTarget {
  core::HomePaths home;
  client::DaemonClient client;
  SessionInfo session;
};
struct Context;
std::optional<SessionTarget> OpenSession(Context& ctx, const std::string& id_or_prefix);

}  // namespace coven::cli
