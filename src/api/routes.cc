#include "api/routes.h"

#include "api/errors.h"
#include "core/error.h"

namespace coven::api {

NormalizedRoute NormalizeRoute(std::string_view path) {
  NormalizedRoute out;
  constexpr std::string_view kApi = "/api/";
  if (path.substr(0, kApi.size()) != kApi) {
    out.path = std::string(path);
    return out;
  }
  std::string_view rest = path.substr(kApi.size());
  size_t slash = rest.find('/');
  if (slash == std::string_view::npos) {
    out.kind = NormalizedRoute::kNotFound;
    return out;
  }
  std::string_view version = rest.substr(0, slash);
  std::string_view suffix = rest.substr(slash);  // starts with '/'
  if (version != "v1") {
    out.kind = NormalizedRoute::kBadVersion;
    out.version = std::string(version);
    return out;
  }
  if (suffix == "/") {
    out.kind = NormalizedRoute::kNotFound;
    return out;
  }
  out.path = std::string(suffix);
  return out;
}

std::optional<std::string_view> MatchRoute(std::string_view pattern, std::string_view path) {
  constexpr std::string_view kId = "{id}";
  size_t at = pattern.find(kId);
  if (at == std::string_view::npos) {
    return path == pattern ? std::optional<std::string_view>("") : std::nullopt;
  }
  std::string_view prefix = pattern.substr(0, at);
  std::string_view suffix = pattern.substr(at + kId.size());
  if (path.size() < prefix.size() + suffix.size() || path.substr(0, prefix.size()) != prefix ||
      path.substr(path.size() - suffix.size()) != suffix) {
    return std::nullopt;
  }
  return path.substr(prefix.size(), path.size() - prefix.size() - suffix.size());
}

std::optional<std::string> QueryParam(std::string_view query, std::string_view key) {
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view part = query.substr(0, amp);
    size_t eq = part.find('=');
    if (eq != std::string_view::npos && part.substr(0, eq) == key) {
      return std::string(part.substr(eq + 1));
    }
    if (amp == std::string_view::npos) {
      break;
    }
    query.remove_prefix(amp + 1);
  }
  return std::nullopt;
}

}  // namespace coven::api
