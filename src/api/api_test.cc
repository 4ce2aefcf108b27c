#include "api/api.h"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "api/launch_body.h"
#include "api/routes.h"
#include "control/control_plane.h"

namespace coven::api {
namespace {
namespace json = boost::json;

class ApiTest : public ::testing::Test {
 protected:
  Response Call(const std::string& method, const std::string& target,
                const std::string& body = "") {
    return api_.Handle(Request{method, target, body});
  }
  static json::object Body(const Response& r) { return json::parse(r.body).as_object(); }

  control::ControlPlane control_ = control::ControlPlane::WithBuiltins();
  Api api_{DaemonInfo{12345, "2026-05-14T23:24:21.123456789Z", "/tmp/x/coven.sock"}, control_,
           nullptr};
};

// Given the versioned and the legacy health route, both should answer the v1 contract.
TEST_F(ApiTest, HealthOnBothRoutes) {
  for (const char* target : {"/api/v1/health", "/health"}) {
    Response r = Call("GET", target);
    ASSERT_EQ(r.status, 200) << target;
    json::object b = Body(r);
    EXPECT_EQ(b.at("ok"), true);
    EXPECT_EQ(b.at("apiVersion"), "coven.daemon.v1");
    EXPECT_EQ(b.at("capabilities").at("eventCursor"), "sequence");
    EXPECT_EQ(b.at("capabilities").at("sessions"), true);
    EXPECT_EQ(b.at("capabilities").at("structuredErrors"), true);
    EXPECT_EQ(b.at("capabilities").at("harnessArgs"), true);  // additive
    EXPECT_EQ(b.at("daemon").at("pid"), 12345);
    EXPECT_EQ(b.at("supportedApiVersions"), json::array{"v1"});
  }
}

TEST(ApiNoDaemonTest, HealthDaemonNull) {
  control::ControlPlane control = control::ControlPlane::WithBuiltins();
  Api api(std::nullopt, control, nullptr);
  Response r = api.Handle(Request{"GET", "/health", ""});
  EXPECT_TRUE(json::parse(r.body).as_object().at("daemon").is_null());
}

TEST_F(ApiTest, UnsupportedVersionAnd404s) {
  struct Case {
    const char* method;
    const char* target;
    int status;
    const char* code;
  };
  const Case cases[] = {
      {"GET", "/api/v2/health", 404, "invalid_request"},
      {"GET", "/api//health", 404, "invalid_request"},
      {"GET", "/api/v1", 404, "not_found"},
      {"GET", "/api/", 404, "not_found"},
      {"GET", "/api/v1/", 404, "not_found"},
      {"GET", "/api/v1/nope", 404, "not_found"},
      {"GET", "/actions", 404, "not_found"},
      {"DELETE", "/health", 404, "not_found"},
      {"get", "/health", 404, "not_found"},
  };
  for (const Case& c : cases) {
    Response r = Call(c.method, c.target);
    EXPECT_EQ(r.status, c.status) << c.target;
    EXPECT_EQ(Body(r).at("error").at("code"), c.code) << c.target;
  }
  json::object v2 = Body(Call("GET", "/api/v2/health"));
  EXPECT_EQ(v2.at("error").at("message"), "Unsupported API version.");
  EXPECT_EQ(v2.at("error").at("details").at("apiVersion"), "v2");
  EXPECT_EQ(v2.at("error").at("details").at("supportedApiVersions"), json::array{"v1"});
}

TEST_F(ApiTest, ApiVersionRoute) {
  Response r = Call("GET", "/api/v1/api-version");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, R"({"apiVersion":"v1","supportedApiVersions":["v1"]})");
}

TEST_F(ApiTest, CapabilitiesCatalog) {
  Response r = Call("GET", "/api/v1/capabilities");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(
      r.body,
      R"({"capabilities":[)"
      R"({"id":"coven.sessions","label":"Project-scoped harness sessions","adapter":"coven-daemon","status":"available","policy":"allow","actions":[]},)"
      R"({"id":"coven.control.actions","label":"Coven control-plane action router","adapter":"coven-daemon","status":"available","policy":"allow","actions":["coven.capabilities.refresh"]},)"
      R"({"id":"desktop.automation","label":"Desktop automation adapters","adapter":"desktop-use","status":"planned","policy":"requiresApproval","actions":[]}]})");
  EXPECT_EQ(r.body.find("coven.sessions.launch"), std::string::npos);
  EXPECT_EQ(r.body.find("desktop.window.focus"), std::string::npos);
}

TEST_F(ApiTest, RefreshActionEchoesOriginAndIntent) {
  Response r = Call(
      "POST", "/api/v1/actions",
      R"({"action":"coven.capabilities.refresh","origin":" open-meow ","intentId":"intent-1","args":{}})");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(
      r.body,
      R"({"ok":true,"accepted":true,"action":"coven.capabilities.refresh","status":"completed",)"
      R"("event":{"kind":"capabilities.refreshed","action":"coven.capabilities.refresh","origin":"open-meow","intentId":"intent-1","payload":{"capabilities":3}}})");
}

// Given each malformed actions body of SPEC 2.7, we should answer 400 in the action shape.
TEST_F(ApiTest, ActionErrors) {
  struct Case {
    const char* body;
    const char* action;
    const char* reason;
  };
  const Case cases[] = {
      {"{not-json", "(unknown)", "failed to parse request body"},
      {R"(["not","an","object"])", "(unknown)", "request body must be a JSON object"},
      {R"({"origin":"x"})", "", "request body requires string field `action`"},
      {R"({"action":"   "})", "", "request body requires string field `action`"},
      {R"({"action":42})", "", "request body requires string field `action`"},
      {"", "", "request body requires string field `action`"},
      {R"({"action":"desktop.deleteEverything"})", "desktop.deleteEverything",
       "unknown action `desktop.deleteEverything`"},
  };
  for (const Case& c : cases) {
    Response r = Call("POST", "/api/v1/actions", c.body);
    EXPECT_EQ(r.status, 400) << c.body;
    json::object b = Body(r);
    EXPECT_EQ(b.at("ok"), false);
    EXPECT_EQ(b.at("accepted"), false);
    EXPECT_EQ(b.at("status"), "rejected");
    EXPECT_EQ(b.at("action"), c.action) << c.body;
    EXPECT_EQ(b.at("reason"), c.reason) << c.body;
    EXPECT_FALSE(b.contains("event"));
  }
}

TEST(RoutesTest, QueryParamIsRawFirstMatch) {
  EXPECT_EQ(QueryParam("sessionId=a&limit=2&sessionId=b", "sessionId"), "a");
  EXPECT_EQ(QueryParam("flag&limit=2", "limit"), "2");
  EXPECT_EQ(QueryParam("flag&limit=2", "flag"), std::nullopt);
  EXPECT_EQ(QueryParam("id=a%20b", "id"), "a%20b");
  EXPECT_EQ(QueryParam("sessionId=", "sessionId"), "");
}

// Given the plugin's launch fields, we should parse mode, model and policy, and refuse the
// unimplemented ones by name (details.field), with null the same as absent.
TEST(LaunchBodyTest, FieldsAndRefusals) {
  auto parse = [](const std::string& extra) {
    return ParseLaunchBody(
        json::parse(R"({"projectRoot":"/p","harness":"codex","prompt":"--help")" + extra + "}")
            .as_object());
  };
  auto plain = parse("");
  ASSERT_TRUE(plain.has_value());
  EXPECT_EQ(plain->mode, harness::LaunchMode::kInteractive);
  EXPECT_FALSE(plain->model.has_value());
  EXPECT_FALSE(plain->policy.has_value());
  EXPECT_EQ(plain->prompt, "--help");

  auto full =
      parse(R"(,"launchMode":"nonInteractive","model":" o3 ","launchPolicy":{"approval":"never",)"
            R"("sandbox":"workspace-write","addDirs":["/a","/b"]},"executionBinding":null)");
  ASSERT_TRUE(full.has_value()) << full.error().message;
  EXPECT_EQ(full->mode, harness::LaunchMode::kNonInteractive);
  EXPECT_EQ(full->model, "o3");
  ASSERT_TRUE(full->policy.has_value());
  EXPECT_EQ(full->policy->add_dirs, (std::vector<std::string>{"/a", "/b"}));

  auto conv = parse(R"(,"conversation":{"mode":"resume","id":" abc "},"worktree":{"name":"w"})");
  ASSERT_TRUE(conv.has_value()) << conv.error().message;
  ASSERT_TRUE(conv->conversation.has_value());
  EXPECT_EQ(conv->conversation->mode, harness::ConversationMode::kResume);
  EXPECT_EQ(conv->conversation->id, "abc");
  ASSERT_TRUE(conv->worktree.has_value());
  EXPECT_EQ(conv->worktree->name, "w");
  EXPECT_EQ(conv->worktree->base, std::nullopt);
  auto init = parse(R"(,"conversation":{"mode":"init"},"worktree":true)");
  ASSERT_TRUE(init.has_value()) << init.error().message;
  EXPECT_EQ(init->conversation->mode, harness::ConversationMode::kInit);
  EXPECT_EQ(init->conversation->id, "");
  ASSERT_TRUE(init->worktree.has_value());
  EXPECT_EQ(init->worktree->name, std::nullopt);

  const std::vector<std::pair<std::string, std::string>> refused = {
      {R"(,"executionBinding":{"kind":"x"})", "executionBinding"},
      {R"(,"familiarId":"f")", "familiarId"},
      {R"(,"callerFamiliarId":"f")", "callerFamiliarId"},
      {R"(,"conversation":{"mode":"new","id":"x"})", "conversation.mode"},
      {R"(,"conversation":{"mode":"resume"})", "conversation.id"},
      {R"(,"conversation":[1])", "conversation"},
      {R"(,"worktree":{"name":1})", "worktree.name"},
      {R"(,"worktree":{"dir":"x"})", "worktree.dir"},
      {R"(,"worktree":"x")", "worktree"},
      {R"(,"launchMode":"stream")", "launchMode"},
      {R"(,"model":1)", "model"},
      {R"(,"launchPolicy":{"approval":"always","sandbox":"workspace-write"})",
       "launchPolicy.approval"},
      {R"(,"launchPolicy":{"approval":"never"})", "launchPolicy.sandbox"},
      {R"(,"launchPolicy":{"approval":"never","sandbox":"workspace-write","x":1})",
       "launchPolicy.x"},
  };
  for (const auto& [extra, field] : refused) {
    SCOPED_TRACE(extra);
    auto got = parse(extra);
    ASSERT_FALSE(got.has_value());
    EXPECT_EQ(got.error().code, core::ErrorCode::kInvalidRequest);
    EXPECT_NE(got.error().message.find("`" + field), std::string::npos) << got.error().message;
    const auto& details = got.error().details;
    auto detail = std::find_if(details.begin(), details.end(),
                               [](const auto& kv) { return kv.first == "field"; });
    ASSERT_NE(detail, details.end());
    EXPECT_EQ(detail->second, field);
  }
}

}  // namespace
}  // namespace coven::api
