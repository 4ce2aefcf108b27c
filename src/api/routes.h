// api/routes.h: route normalization (SPEC 1.5) and the session routes (SPEC 2.8-2.13).
// Internal to api/; other modules use api/api.h.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "api/http.h"

namespace coven::sessions {
class SessionManager;
}

namespace coven::api {

struct NormalizedRoute {
  enum Kind { kOk, kNotFound, kBadVersion };
  Kind kind = kOk;
  std::string path;     // the legacy-form route ("/health") when kOk
  std::string version;  // the offending version when kBadVersion
};

// `/api/v1/X` -> `/X`; paths outside `/api/` are legacy aliases used as-is; `/api/v1`,
// `/api/` and `/api/v1/` are not found; `/api/<other>/...` is an unsupported version.
NormalizedRoute NormalizeRoute(std::string_view path);

// Splits a raw query on '&' and each part on its first '='; returns the first value for
// `key` (no percent-decoding, SPEC 1.4.6). Parts without '=' are skipped.
std::optional<std::string> QueryParam(std::string_view query, std::string_view key);

// Matches `path` against a route pattern: literal text with at most one `{id}`, which
// takes whatever lies between the literal parts (possibly empty). Returns that id ("" for
// a pattern without one), or nullopt when the path does not match.
std::optional<std::string_view> MatchRoute(std::string_view pattern, std::string_view path);

// Handles the session routes (a table of {method, pattern, handler}); nullopt when `method`+`path`
// is not one of them.
std::optional<Response> DispatchSessionRoute(sessions::SessionManager* sessions,
                                             const std::string& method, const std::string& path,
                                             std::string_view query, const std::string& body,
                                             bool is_upgrade);

// Health capability flags this project adds (SPEC Part A 3), in emission order.
std::vector<std::pair<std::string, bool>> AdditiveCapabilities();

}  // namespace coven::api
