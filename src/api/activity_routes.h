// api/activity_routes.h: the wire side of attention (docs/attention.md): the `activity`
// object of a session record, the `activity=` list filter and the hook report route
// (POST /api/v1/sessions/<id>/activity). Internal to api/.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <string_view>

#include <boost/json/value.hpp>

#include "api/http.h"
#include "core/activity.h"
#include "core/result.h"

namespace coven::sessions {
class SessionManager;
}

namespace coven::api {

// {"state","since","source","detail"} (since in RFC 3339), or null for a session that is
// not live.
boost::json::value ActivityJson(const std::optional<core::Activity>& activity);

// The states named by the query's `activity` parameter (comma-separated), nullopt when
// there is none. kInvalidRequest naming the bad value and the accepted ones.
core::Result<std::optional<std::set<core::ActivityState>>> ParseActivityFilter(
    std::string_view query);

// POST /sessions/{id}/activity with {"token","state","detail"?}: 202, 400 (bad body or a
// token that is not the session's), 404, 409 (not live).
Response ReportActivity(sessions::SessionManager& sm, const std::string& id,
                        const std::string& body);

}  // namespace coven::api
