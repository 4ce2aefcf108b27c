#include "cli/session_client.h"

#include <cstdio>
#include <filesystem>

#include "cli/commands.h"
#include "core/strings.h"
#include "daemon/lifecycle.h"

namespace coven::cli {
using core::Error;
using core::ErrorCode;

core::Result<client::DaemonClient> EnsureDaemon(const core::HomePaths& paths) {
  auto status = daemon::DaemonStatus(paths);
  if (!status) {
    return status.error();
  }
  if (status->state == daemon::DaemonState::kStale) {
    return daemon::NotAnswering(*status);  // starting another would only be refused
  }
  if (status->state != daemon::DaemonState::kRunning) {
    auto started = daemon::StartDaemon(paths, daemon::SelfExecutable());
    if (!started) {
      return started.error().WithContext("start the coven daemon");
    }
  }
  return client::DaemonClient(paths.socket);
}

core::Result<std::string> CanonicalProject(const std::string& path) {
  std::error_code ec;
  std::filesystem::path canonical = std::filesystem::canonical(path, ec);
  if (ec) {
    return Error(ErrorCode::kInvalidRequest,
                 "project `" + path + "` cannot be used: " + ec.message());
  }
  return canonical.string();
}

core::Result<client::SessionRecord> ResolveSession(const client::DaemonClient& c,
                                                   const std::string& id_or_prefix) {
  if (id_or_prefix.empty()) {
    return Error(ErrorCode::kInvalidRequest, "a session id (or a unique prefix) is required");
  }
  auto all = client::ListSessions(c, true);
  if (!all) {
    return all.error();
  }
  std::vector<client::SessionRecord> matches;
  for (client::SessionRecord& s : *all) {
    if (s.id == id_or_prefix) {
      return std::move(s);
    }
    if (s.id.rfind(id_or_prefix, 0) == 0) {
      matches.push_back(std::move(s));
    }
  }
  if (matches.empty()) {
    return Error(ErrorCode::kSessionNotFound, "session `" + id_or_prefix + "` not found");
  }
  if (matches.size() > 1) {
    std::string list;
    for (const client::SessionRecord& s : matches) {
      list += "\n  " + core::TerminalSafe(s.id) + "  " + core::TerminalSafe(s.status) + "  " +
              core::TerminalSafe(s.title);
    }
    return Error(ErrorCode::kInvalidRequest,
                 "session prefix `" + id_or_prefix + "` is ambiguous; it matches:" + list);
  }
  return std::move(matches.front());
}

std::optional<SessionTarget> OpenSession(Context& ctx, const std::string& id_or_prefix) {
  auto home = ctx.Home();
  if (!home) {
    return std::nullopt;
  }
  auto daemon = EnsureDaemon(*home);
  if (!daemon) {
    ctx.Fail(daemon.error());
    return std::nullopt;
  }
  auto s = ResolveSession(*daemon, id_or_prefix);
  if (!s) {
    ctx.Fail(s.error());
    if (s.error().code == ErrorCode::kSessionNotFound) {
      std::fputs("Hint: `coven sessions --all` lists every session id.\n", stderr);
    }
    return std::nullopt;
  }
  return SessionTarget{std::move(*home), std::move(*daemon), std::move(*s)};
}

}  // namespace coven::cli
