#include "control/control_plane.h"

#include <utility>

namespace coven::control {

const char* CapabilityStatusName(CapabilityStatus status) {
  return status == CapabilityStatus::kAvailable ? "available" : "planned";
}

const char* PolicyName(Policy policy) {
  return policy == Policy::kAllow ? "allow" : "requiresApproval";
}

ControlPlane ControlPlane::WithBuiltins() {
  ControlPlane plane;
  plane.Register({"coven.sessions",
                  "Project-scoped harness sessions",
                  "coven-daemon",
                  CapabilityStatus::kAvailable,
                  Policy::kAllow,
                  {}},
                 {});
  // The refresh handler reads the catalog size at call time; `plane` is moved into the
  // caller, so the handler must not capture it. The router passes the count instead.
  plane.Register({"coven.control.actions",
                  "Coven control-plane action router",
                  "coven-daemon",
                  CapabilityStatus::kAvailable,
                  Policy::kAllow,
                  {"coven.capabilities.refresh"}},
                 {{"coven.capabilities.refresh", [](const ActionRequest&) {
                     return ActionEvent{"capabilities.refreshed", {}};
                   }}});
  plane.Register({"desktop.automation",
                  "Desktop automation adapters",
                  "desktop-use",
                  CapabilityStatus::kPlanned,
                  Policy::kRequiresApproval,
                  {}},
                 {});
  return plane;
}

void ControlPlane::Register(Capability capability, std::map<std::string, ActionHandler> handlers) {
  for (auto& [id, handler] : handlers) {
    handlers_[id] = std::move(handler);
  }
  capabilities_.push_back(std::move(capability));
}

ActionResult ControlPlane::Dispatch(const ActionRequest& request) const {
  ActionResult result;
  result.action = request.action;
  result.origin = request.origin;
  result.intent_id = request.intent_id;
  auto it = handlers_.find(request.action);
  if (it == handlers_.end()) {
    result.status = "rejected";
    result.reason = "unknown action `" + request.action + "`";
    return result;
  }
  ActionEvent event = it->second(request);
  if (request.action == "coven.capabilities.refresh") {
    event.payload["capabilities"] = static_cast<int64_t>(capabilities_.size());
  }
  result.ok = true;
  result.accepted = true;
  result.status = "completed";
  result.event = std::move(event);
  return result;
}

}  // namespace coven::control
