#include "control/control_plane.h"

#include <gtest/gtest.h>

namespace coven::control {
namespace {

// Given the built-in catalog, we should list the three SPEC 2.6 entries in order, and only
// routable action ids.
TEST(ControlPlaneTest, BuiltinCatalogMatchesSpec) {
  ControlPlane plane = ControlPlane::WithBuiltins();
  const auto& caps = plane.capabilities();
  ASSERT_EQ(caps.size(), 3u);
  EXPECT_EQ(caps[0].id, "coven.sessions");
  EXPECT_EQ(caps[1].id, "coven.control.actions");
  EXPECT_EQ(caps[1].actions, std::vector<std::string>{"coven.capabilities.refresh"});
  EXPECT_EQ(caps[2].id, "desktop.automation");
  EXPECT_EQ(caps[2].status, CapabilityStatus::kPlanned);
  EXPECT_STREQ(PolicyName(caps[2].policy), "requiresApproval");
}

TEST(ControlPlaneTest, RefreshCompletesWithCatalogSize) {
  ControlPlane plane = ControlPlane::WithBuiltins();
  ActionResult r = plane.Dispatch({"coven.capabilities.refresh", "open-meow", "intent-1"});
  EXPECT_TRUE(r.ok);
  EXPECT_TRUE(r.accepted);
  EXPECT_EQ(r.status, "completed");
  ASSERT_TRUE(r.event.has_value());
  EXPECT_EQ(r.event->kind, "capabilities.refreshed");
  EXPECT_EQ(r.event->payload.at("capabilities"), 3);
}

// Given an adapter registered later, its action should route without other changes.
TEST(ControlPlaneTest, RegisteredAdapterActionRoutes) {
  ControlPlane plane = ControlPlane::WithBuiltins();
  int calls = 0;
  plane.Register(
      {"test.adapter", "Test", "test", CapabilityStatus::kAvailable, Policy::kAllow, {"test.ping"}},
      {{"test.ping", [&calls](const ActionRequest&) {
          ++calls;
          return ActionEvent{"test.ponged", {{"n", 1}}};
        }}});
  ActionResult r = plane.Dispatch({"test.ping", std::nullopt, std::nullopt});
  EXPECT_TRUE(r.accepted);
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(plane.capabilities().size(), 4u);
}

TEST(ControlPlaneTest, UnknownActionFailsClosed) {
  ControlPlane plane = ControlPlane::WithBuiltins();
  ActionResult r = plane.Dispatch({"desktop.deleteEverything", std::nullopt, std::nullopt});
  EXPECT_FALSE(r.ok);
  EXPECT_FALSE(r.accepted);
  EXPECT_EQ(r.status, "rejected");
  EXPECT_EQ(r.reason, "unknown action `desktop.deleteEverything`");
  EXPECT_FALSE(r.event.has_value());
}

}  // namespace
}  // namespace coven::control
