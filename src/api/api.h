// api/api.h: the coven.daemon.v1 HTTP API as a pure function from Request to Response.
//
// Api owns route normalization and legacy aliases (SPEC 1.5), the route table (SPEC 2.1),
// request validation, JSON shapes and the error envelope. It holds no sockets and no
// threads: server/ calls Handle() from its loop threads, so everything Handle() touches is
// thread-safe (the control plane is read-only after start; the session manager locks).
#pragma once

#include <optional>
#include <string>

#include "api/http.h"

namespace coven::control {
class ControlPlane;
}
namespace coven::sessions {
class SessionManager;
}

namespace coven::api {

// The serving daemon's identity, reported by /health (SPEC 2.4).
struct DaemonInfo {
  int pid = 0;
  std::string started_at;
  std::string socket;
};

class Api {
 public:
  // `control` must outlive this object; `sessions` may be null (session routes then answer
  // 503 runtime_unavailable) and must otherwise outlive it too.
  Api(std::optional<DaemonInfo> daemon, const control::ControlPlane& control,
      sessions::SessionManager* sessions);

  // Never throws: anything unexpected becomes 500 internal_error.
  Response Handle(const Request& request) const noexcept;

 private:
  Response Dispatch(const Request& request) const;
  // The daemon's own routes (rows of Dispatch's table; each ignores what it does not need).
  Response Health(const Request& request) const;
  Response ApiVersion(const Request& request) const;
  Response Capabilities(const Request& request) const;
  Response Actions(const Request& request) const;

  std::optional<DaemonInfo> daemon_;
  const control::ControlPlane& control_;
  sessions::SessionManager* sessions_;
};

// The health body's capability flags and versions, shared with `coven doctor`.
inline constexpr const char* kApiContract = "coven.daemon.v1";

}  // namespace coven::api
