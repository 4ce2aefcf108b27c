#include "cli/session_client.h"

#include <cstdio>
#include <filesystem>

#include <boost/json.hpp>

#include "cli/commands.h"
#include "core/strings.h"
#include "daemon/lifecycle.h"

namespace coven::cli {
namespace json = boost::json;
using core::Error;
using core::ErrorCode;

namespace {

std::string StringOr(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->as_string()) : std::string();
}

}  // namespace

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

core::Result<std::string> Call(const client::DaemonClient& c, const std::string& method,
                               const std::string& target, const std::string& body) {
  auto reply = c.Send(method, target, body);
  if (!reply) {
    return reply.error();
  }
  if (reply->status < 200 || reply->status > 299) {
    ErrorCode code = reply->status == 404   ? ErrorCode::kSessionNotFound
                     : reply->status == 409 ? ErrorCode::kSessionNotLive
                     : reply->status >= 500 ? ErrorCode::kInternal
                                            : ErrorCode::kInvalidRequest;
    return Error(code, client::ErrorMessageFromBody(reply->body));
  }
  return std::move(reply->body);
}

core::Result<SessionInfo> ParseSession(const std::string& json_text) {
  boost::system::error_code ec;
  json::value v = json::parse(json_text, ec);
  if (ec || !v.is_object()) {
    return Error(ErrorCode::kInternal, "the daemon sent a session record that is not JSON");
  }
  const json::object& o = v.as_object();
  SessionInfo s;
  s.id = StringOr(o, "id");
  s.project_root = StringOr(o, "project_root");
  s.harness = StringOr(o, "harness");
  s.title = StringOr(o, "title");
  s.status = StringOr(o, "status");
  s.created_at = StringOr(o, "created_at");
  s.updated_at = StringOr(o, "updated_at");
  if (const auto* c = o.if_contains("exit_code"); c && c->is_int64()) {
    s.exit_code = c->as_int64();
  }
  if (const auto* a = o.if_contains("archived_at"); a && a->is_string()) {
    s.archived_at = std::string(a->as_string());
  }
  s.json = json_text;
  return s;
}

core::Result<std::vector<SessionInfo>> ParseSessionList(const std::string& json_array,
                                                        const std::string& project) {
  boost::system::error_code ec;
  json::value v = json::parse(json_array, ec);
  if (ec || !v.is_array()) {
    return Error(ErrorCode::kInternal, "the daemon sent a session list that is not a JSON array");
  }
  std::vector<SessionInfo> out;
  for (const json::value& item : v.as_array()) {
    auto s = ParseSession(json::serialize(item));
    if (!s) {
      continue;
    }
    bool inside = project.empty() || s->project_root == project ||
                  s->project_root.starts_with(project == "/" ? project : project + "/");
    if (inside) {
      out.push_back(std::move(*s));
    }
  }
  return out;
}

core::Result<std::vector<SessionInfo>> ListSessions(const client::DaemonClient& c, bool all,
                                                    const std::string& project) {
  auto body = Call(c, "GET", all ? "/api/v1/sessions?all=true" : "/api/v1/sessions");
  if (!body) {
    return body.error();
  }
  return ParseSessionList(*body, project);
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

core::Result<SessionInfo> ResolveSession(const client::DaemonClient& c,
                                         const std::string& id_or_prefix) {
  if (id_or_prefix.empty()) {
    return Error(ErrorCode::kInvalidRequest, "a session id (or a unique prefix) is required");
  }
  auto all = ListSessions(c, true);
  if (!all) {
    return all.error();
  }
  std::vector<SessionInfo> matches;
  for (SessionInfo& s : *all) {
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
    for (const SessionInfo& s : matches) {
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
  auto client = EnsureDaemon(*home);
  if (!client) {
    ctx.Fail(client.error());
    return std::nullopt;
  }
  auto s = ResolveSession(*client, id_or_prefix);
  if (!s) {
    ctx.Fail(s.error());
    if (s.error().code == ErrorCode::kSessionNotFound) {
      std::fputs("Hint: `coven sessions --all` lists every session id.\n", stderr);
    }
    return std::nullopt;
  }
  return SessionTarget{std::move(*home), std::move(*client), std::move(*s)};
}

}  // namespace coven::cli
