// control/control_plane.h: the capability catalog and the action router (SPEC 2.6, 2.7).
//
// The control plane is how clients discover what this daemon can do and ask it to do
// something that is not a session operation. A capability is a labelled entry with a status
// and a policy; an action is a routable id owned by exactly one capability. An adapter adds
// a capability and its actions by calling Register(); nothing in the HTTP layer changes.
// Unknown actions fail closed: nothing runs. This module knows neither HTTP nor JSON text;
// api/ turns requests and results into wire shapes.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace coven::control {

enum class CapabilityStatus { kAvailable, kPlanned };
enum class Policy { kAllow, kRequiresApproval };
const char* CapabilityStatusName(CapabilityStatus status);  // "available" | "planned"
const char* PolicyName(Policy policy);                      // "allow" | "requiresApproval"

struct Capability {
  std::string id;
  std::string label;
  std::string adapter;
  CapabilityStatus status = CapabilityStatus::kAvailable;
  Policy policy = Policy::kAllow;
  std::vector<std::string> actions;  // only routable action ids
};

// What a client asked for (already parsed from the request body by api/).
struct ActionRequest {
  std::string action;
  std::optional<std::string> origin;     // trimmed; absent when missing or blank
  std::optional<std::string> intent_id;  // trimmed; absent when missing or blank
};

// The event an accepted action reports. `payload` holds integer facts (the only kind
// today's actions produce), emitted in key order.
struct ActionEvent {
  std::string kind;
  std::map<std::string, int64_t> payload;
};

struct ActionResult {
  bool ok = false;
  bool accepted = false;
  std::string action;
  std::string status;                    // "completed" | "rejected"
  std::optional<std::string> reason;     // set when rejected
  std::optional<ActionEvent> event;      // set when completed
  std::optional<std::string> origin;     // echoed from the request
  std::optional<std::string> intent_id;  // echoed from the request
};

// An action's implementation. Runs on a daemon loop thread; must not block for long.
using ActionHandler = std::function<ActionEvent(const ActionRequest&)>;

// Catalog plus router. Register everything before the daemon starts serving; after that
// the object is read-only and safe to use from several threads.
class ControlPlane {
 public:
  // The catalog of SPEC 2.6: coven.sessions, coven.control.actions (with
  // coven.capabilities.refresh) and desktop.automation (planned, requiresApproval).
  static ControlPlane WithBuiltins();

  // Adds a capability; its `actions` must each get a handler through `handlers`.
  void Register(Capability capability, std::map<std::string, ActionHandler> handlers);

  const std::vector<Capability>& capabilities() const { return capabilities_; }

  // Routes one action. Unknown ids are rejected ("unknown action `<id>`").
  ActionResult Dispatch(const ActionRequest& request) const;

 private:
  std::vector<Capability> capabilities_;
  std::map<std::string, ActionHandler> handlers_;
};

}  // namespace coven::control
