#include "api/activity_routes.h"

#include <boost/json.hpp>

#include "api/errors.h"
#include "api/routes.h"
#include "core/clock.h"
#include "core/strings.h"
#include "sessions/session_manager.h"

namespace coven::api {
namespace json = boost::json;
using core::Error;
using core::ErrorCode;

namespace {

constexpr size_t kMaxDetailBytes = 1000;

Error BadFilter(std::string_view value) {
  return Error(ErrorCode::kInvalidRequest,
               "activity must be a comma-separated list of: " + core::ActivityNameList() +
                   " (got `" + std::string(value) + "`)");
}

}  // namespace

json::value ActivityJson(const std::optional<core::Activity>& activity) {
  if (!activity) {
    return nullptr;
  }
  json::object o;
  o["state"] = core::ActivityName(activity->state);
  o["since"] = core::FormatTimestamp(activity->since_nanos);
  o["source"] = core::ActivitySourceName(activity->source);
  o["detail"] = activity->detail;
  return o;
}

core::Result<std::optional<std::set<core::ActivityState>>> ParseActivityFilter(
    std::string_view query) {
  auto value = QueryParam(query, "activity");
  if (!value) {
    return std::optional<std::set<core::ActivityState>>();
  }
  std::set<core::ActivityState> states;
  std::string_view rest = *value;
  while (true) {
    size_t comma = rest.find(',');
    std::string_view name = rest.substr(0, comma);
    auto state = core::ActivityFromName(name);
    if (!state) {
      return BadFilter(name);
    }
    states.insert(*state);
    if (comma == std::string_view::npos) {
      break;
    }
    rest.remove_prefix(comma + 1);
  }
  return std::optional<std::set<core::ActivityState>>(std::move(states));
}

Response ReportActivity(sessions::SessionManager& sm, const std::string& id,
                        const std::string& body) {
  boost::system::error_code ec;
  json::value v = json::parse(body, ec);
  if (ec || !v.is_object()) {
    return ErrorResponse(Error(ErrorCode::kInvalidRequest, "request body must be a JSON object"));
  }
  const json::object& o = v.as_object();
  const json::value* token = o.if_contains("token");
  const json::value* state = o.if_contains("state");
  const json::value* detail = o.if_contains("detail");
  if (token == nullptr || !token->is_string()) {
    return ErrorResponse(Error(ErrorCode::kInvalidRequest, "token is required"));
  }
  std::optional<core::ActivityState> parsed;
  if (state != nullptr && state->is_string()) {
    parsed = core::ActivityFromName(state->as_string());
  }
  if (!parsed) {
    return ErrorResponse(
        Error(ErrorCode::kInvalidRequest, "state must be one of: " + core::ActivityNameList()));
  }
  if (detail != nullptr && !detail->is_string() && !detail->is_null()) {
    return ErrorResponse(Error(ErrorCode::kInvalidRequest, "detail must be a string"));
  }
  std::string text =
      detail != nullptr && detail->is_string() ? std::string(detail->as_string()) : std::string();
  text = core::SanitizeUtf8(text.substr(0, kMaxDetailBytes));
  if (core::Status s = sm.ReportHook(id, std::string(token->as_string()), *parsed, text); !s) {
    return ErrorResponse(s.error());
  }
  json::object ok{{"accepted", true}, {"ok", true}};
  return Response{202, json::serialize(ok)};
}

}  // namespace coven::api
