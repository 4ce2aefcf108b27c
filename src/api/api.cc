#include "api/api.h"

#include <exception>
#include <string_view>

#include <boost/json.hpp>

#include "api/errors.h"
#include "api/routes.h"
#include "control/control_plane.h"
#include "core/error.h"
#include "core/strings.h"
#include "coven_version.h"

namespace coven::api {
namespace json = boost::json;
using core::Error;
using core::ErrorCode;

namespace {

Response JsonResponse(int status, const json::value& body) {
  return Response{status, json::serialize(body)};
}

Response RouteNotFound() {
  return ErrorResponseWithStatus(404, Error(ErrorCode::kNotFound, "Route not found."));
}

json::object ActionResultJson(const control::ActionResult& r) {
  json::object out;
  out["ok"] = r.ok;
  out["accepted"] = r.accepted;
  out["action"] = r.action;
  out["status"] = r.status;
  if (r.reason) {
    out["reason"] = *r.reason;
  }
  if (r.event) {
    json::object event;
    event["kind"] = r.event->kind;
    event["action"] = r.action;
    if (r.origin) {
      event["origin"] = *r.origin;
    }
    if (r.intent_id) {
      event["intentId"] = *r.intent_id;
    }
    json::object payload;
    for (const auto& [key, value] : r.event->payload) {
      payload[key] = value;
    }
    event["payload"] = std::move(payload);
    out["event"] = std::move(event);
  }
  return out;
}

Response ActionRejected(std::string action, std::string reason) {
  control::ActionResult r;
  r.action = std::move(action);
  r.status = "rejected";
  r.reason = std::move(reason);
  return JsonResponse(400, ActionResultJson(r));
}

std::optional<std::string> TrimmedString(const json::object& obj, std::string_view key) {
  const json::value* v = obj.if_contains(key);
  if (v == nullptr || !v->is_string()) {
    return std::nullopt;
  }
  std::string_view s = core::Trim(std::string_view(v->as_string()));
  if (s.empty()) {
    return std::nullopt;
  }
  return std::string(s);
}

}  // namespace

Api::Api(std::optional<DaemonInfo> daemon, const control::ControlPlane& control,
         sessions::SessionManager* sessions)
    : daemon_(std::move(daemon)), control_(control), sessions_(sessions) {}

Response Api::Handle(const Request& request) const noexcept {
  try {
    return Dispatch(request);
  } catch (const std::exception& e) {
    // Barrier: nothing a client sends may take the daemon down (SPEC Part A 1).
    return ErrorResponse(Error(ErrorCode::kInternal, std::string("internal error: ") + e.what()));
  } catch (...) {
    return ErrorResponse(Error(ErrorCode::kInternal, "internal error"));
  }
}

Response Api::Dispatch(const Request& request) const {
  std::string_view target = request.target;
  std::string_view path = target.substr(0, target.find('?'));
  std::string_view query =
      target.find('?') == std::string_view::npos ? "" : target.substr(target.find('?') + 1);

  NormalizedRoute route = NormalizeRoute(path);
  if (route.kind == NormalizedRoute::kNotFound) {
    return RouteNotFound();
  }
  if (route.kind == NormalizedRoute::kBadVersion) {
    json::object details;
    details["apiVersion"] = route.version;
    details["supportedApiVersions"] = json::array{"v1"};
    json::object inner;
    inner["code"] = "invalid_request";
    inner["details"] = std::move(details);
    inner["message"] = "Unsupported API version.";
    json::object envelope;
    envelope["error"] = std::move(inner);
    return JsonResponse(404, envelope);
  }
  if (!core::IsValidUtf8(request.body)) {
    return ErrorResponse(Error(ErrorCode::kInvalidRequest, "request body must be valid UTF-8"));
  }
  struct OwnRoute {
    std::string_view method;
    std::string_view path;
    Response (Api::*handler)(const Request&) const;
  };
  // SPEC 2.1-2.7; the session routes follow in their own table (session_routes.cc).
  static constexpr OwnRoute kOwnRoutes[] = {
      {"GET", "/health", &Api::Health},
      {"GET", "/api-version", &Api::ApiVersion},
      {"GET", "/capabilities", &Api::Capabilities},
      {"POST", "/actions", &Api::Actions},
  };
  for (const OwnRoute& own : kOwnRoutes) {
    if (own.method == request.method && own.path == route.path) {
      return (this->*own.handler)(request);
    }
  }
  if (auto r = DispatchSessionRoute(sessions_, request.method, route.path, query, request.body,
                                    request.is_websocket_upgrade)) {
    return *r;
  }
  return RouteNotFound();
}

Response Api::ApiVersion(const Request& /*request*/) const {
  json::object out;
  out["apiVersion"] = "v1";
  out["supportedApiVersions"] = json::array{"v1"};
  return JsonResponse(200, out);
}

Response Api::Health(const Request& /*request*/) const {
  json::object caps;
  caps["sessions"] = true;
  caps["events"] = true;
  caps["eventCursor"] = "sequence";
  caps["structuredErrors"] = true;
  for (const auto& [name, on] : AdditiveCapabilities()) {
    caps[name] = on;
  }
  json::object out;
  out["ok"] = true;
  out["apiVersion"] = kApiContract;
  out["covenVersion"] = kCovenVersion;
  out["capabilities"] = std::move(caps);
  if (daemon_) {
    json::object d;
    d["pid"] = daemon_->pid;
    d["startedAt"] = daemon_->started_at;
    d["socket"] = daemon_->socket;
    out["daemon"] = std::move(d);
  } else {
    out["daemon"] = nullptr;
  }
  out["supportedApiVersions"] = json::array{"v1"};
  return JsonResponse(200, out);
}

Response Api::Capabilities(const Request& /*request*/) const {
  json::array list;
  for (const control::Capability& c : control_.capabilities()) {
    json::object entry;
    entry["id"] = c.id;
    entry["label"] = c.label;
    entry["adapter"] = c.adapter;
    entry["status"] = control::CapabilityStatusName(c.status);
    entry["policy"] = control::PolicyName(c.policy);
    json::array actions;
    for (const std::string& a : c.actions) {
      actions.emplace_back(a);
    }
    entry["actions"] = std::move(actions);
    list.emplace_back(std::move(entry));
  }
  json::object out;
  out["capabilities"] = std::move(list);
  return JsonResponse(200, out);
}

Response Api::Actions(const Request& request) const {
  // SPEC 2.7, in order: blank body = {}; bad JSON; not an object; action missing/blank.
  std::string_view body = core::Trim(request.body);
  json::value parsed = json::object();
  if (!body.empty()) {
    boost::system::error_code ec;
    parsed = json::parse(body, ec);
    if (ec) {
      return ActionRejected("(unknown)", "failed to parse request body");
    }
  }
  if (!parsed.is_object()) {
    return ActionRejected("(unknown)", "request body must be a JSON object");
  }
  const json::object& obj = parsed.as_object();
  std::optional<std::string> action = TrimmedString(obj, "action");
  if (!action) {
    return ActionRejected("", "request body requires string field `action`");
  }
  control::ActionRequest req{*action, TrimmedString(obj, "origin"), TrimmedString(obj, "intentId")};
  control::ActionResult result = control_.Dispatch(req);
  return JsonResponse(result.accepted ? 200 : 400, ActionResultJson(result));
}

}  // namespace coven::api
