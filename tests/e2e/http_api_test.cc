// End-to-end: the daemon's HTTP/1.1 surface over its Unix socket (SPEC 1.4, 1.5, 2.1-2.7,
// Part A 1-3): routes and aliases, health shape, keep-alive, framing limits, concurrency.
#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "support/testing.h"

namespace coven::testing {
namespace {

namespace json = boost::json;

constexpr milliseconds kHangGuard(10'000);

json::value ParseJson(const std::string& text) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  EXPECT_FALSE(ec) << "not JSON: " << text;
  return ec ? json::value() : v;
}

const char* KindOf(const json::value& v) {
  switch (v.kind()) {
    case json::kind::null:
      return "null";
    case json::kind::bool_:
      return "bool";
    case json::kind::int64:
    case json::kind::uint64:
    case json::kind::double_:
      return "number";
    case json::kind::string:
      return "string";
    case json::kind::array:
      return "array";
    case json::kind::object:
      return "object";
  }
  return "?";
}

// Every key of `want` exists in `got` with the same JSON type, recursively; extra keys in
// `got` are allowed (additive).
void ExpectSameShape(const json::value& want, const json::value& got, const std::string& where) {
  ASSERT_STREQ(KindOf(got), KindOf(want)) << where;
  if (!want.is_object()) {
    return;
  }
  for (const auto& [key, value] : want.as_object()) {
    std::string path = where + "." + std::string(key);
    const json::value* g = got.as_object().if_contains(key);
    ASSERT_NE(g, nullptr) << "missing " << path;
    ExpectSameShape(value, *g, path);
  }
}

// Checks a 4xx error envelope: {"error":{"code":...,"message":...}}.
void ExpectEnvelope(const HttpResult& r, int status, const std::string& code) {
  EXPECT_EQ(r.status, status) << r.headers << "\n" << r.body;
  json::value v = ParseJson(r.body);
  ASSERT_TRUE(v.is_object()) << r.body;
  const json::value* err = v.as_object().if_contains("error");
  ASSERT_NE(err, nullptr) << r.body;
  ASSERT_TRUE(err->is_object()) << r.body;
  EXPECT_EQ(err->at("code"), json::value(code)) << r.body;
  ASSERT_TRUE(err->as_object().contains("message")) << r.body;
  EXPECT_TRUE(err->at("message").is_string()) << r.body;
}

std::string Lower(std::string s) {
  for (char& c : s) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return s;
}

const char kRefresh[] =
    R"({"action":"coven.capabilities.refresh","origin":"open-meow","intentId":"intent-1","args":{}})";

class HttpApiTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_NO_FATAL_FAILURE(home_.StartDaemon()); }

  HttpResult Get(const std::string& target) { return Http(home_.socket(), "GET", target); }
  HttpResult Post(const std::string& target, const std::string& body) {
    return Http(home_.socket(), "POST", target, body);
  }
  // Sends `raw` on a fresh connection and reads until the server closes it.
  HttpResult Raw(const std::string& raw) {
    UnixConn conn(home_.socket());
    EXPECT_TRUE(conn.connected());
    conn.Send(raw);  // may fail part-way when the server rejects early; the reply still counts
    bool eof = false;
    std::string got = conn.ReadAll(kHangGuard, &eof);
    EXPECT_TRUE(eof) << "server kept the connection open after: " << got;
    return ParseHttp(got);
  }
  void ExpectHealthy() {
    HttpResult r = Get("/api/v1/health");
    EXPECT_EQ(r.status, 200) << "daemon not healthy afterwards";
  }

  CovenHome home_;
};

// Given the versioned and the legacy health routes, both should answer the fixture's shape
// with apiVersion coven.daemon.v1 and this daemon's pid and socket.
TEST_F(HttpApiTest, HealthMatchesFixtureShape) {
  json::value fixture = ParseJson(
      ReadFileOrEmpty(std::string(COVEN_FIXTURES_DIR) + "/openclaw-v2026.4/health-available.json"));
  ASSERT_TRUE(fixture.is_object());
  for (const char* target : {"/api/v1/health", "/health"}) {
    SCOPED_TRACE(target);
    HttpResult r = Get(target);
    ASSERT_EQ(r.status, 200);
    EXPECT_NE(Lower(r.headers).find("content-type: application/json"), std::string::npos);
    json::value v = ParseJson(r.body);
    ExpectSameShape(fixture, v, "health");
    ASSERT_TRUE(v.is_object());
    EXPECT_EQ(v.at("ok"), json::value(true));
    EXPECT_EQ(v.at("apiVersion"), json::value("coven.daemon.v1"));
    EXPECT_EQ(v.at("covenVersion"), json::value("0.1.0"));
    EXPECT_EQ(v.at("capabilities").at("eventCursor"), json::value("sequence"));
    EXPECT_EQ(v.at("daemon").at("pid").to_number<int64_t>(), home_.DaemonPid());
    EXPECT_EQ(v.at("daemon").at("socket"), json::value(home_.socket()));
    EXPECT_EQ(v.at("supportedApiVersions"), json::value(json::array{"v1"}));
  }
}

// Given api-version on both route forms, it should list v1.
TEST_F(HttpApiTest, ApiVersion) {
  for (const char* target : {"/api/v1/api-version", "/api-version"}) {
    HttpResult r = Get(target);
    EXPECT_EQ(r.status, 200) << target;
    EXPECT_EQ(ParseJson(r.body), ParseJson(R"({"apiVersion":"v1","supportedApiVersions":["v1"]})"))
        << target;
  }
}

// Given capabilities on both route forms, it should return the fixed three-entry catalog.
TEST_F(HttpApiTest, Capabilities) {
  json::value want = ParseJson(R"({"capabilities":[
    {"id":"coven.sessions","label":"Project-scoped harness sessions","adapter":"coven-daemon",
     "status":"available","policy":"allow","actions":[]},
    {"id":"coven.control.actions","label":"Coven control-plane action router",
     "adapter":"coven-daemon","status":"available","policy":"allow",
     "actions":["coven.capabilities.refresh"]},
    {"id":"desktop.automation","label":"Desktop automation adapters","adapter":"desktop-use",
     "status":"planned","policy":"requiresApproval","actions":[]}]})");
  for (const char* target : {"/api/v1/capabilities", "/capabilities"}) {
    HttpResult r = Get(target);
    EXPECT_EQ(r.status, 200) << target;
    EXPECT_EQ(ParseJson(r.body), want) << target << ": " << r.body;
    EXPECT_EQ(r.body.find("coven.sessions.launch"), std::string::npos);
  }
}

// Given the known action on both route forms, it should complete and echo origin and intent.
TEST_F(HttpApiTest, ActionRefreshCompletes) {
  json::value want = ParseJson(R"({"ok":true,"accepted":true,
    "action":"coven.capabilities.refresh","status":"completed",
    "event":{"kind":"capabilities.refreshed","action":"coven.capabilities.refresh",
             "origin":"open-meow","intentId":"intent-1","payload":{"capabilities":3}}})");
  for (const char* target : {"/api/v1/actions", "/actions"}) {
    HttpResult r = Post(target, kRefresh);
    EXPECT_EQ(r.status, 200) << target;
    EXPECT_EQ(ParseJson(r.body), want) << target << ": " << r.body;
  }
}

// Given origin and intentId that are padded, blank or not strings, the echo should trim
// the padded ones and omit the others.
TEST_F(HttpApiTest, ActionTrimsAndOmitsOriginAndIntent) {
  HttpResult padded = Post(
      "/api/v1/actions",
      R"({"action":"  coven.capabilities.refresh ","origin":" open-meow ","intentId":"\tintent-1\n"})");
  EXPECT_EQ(padded.status, 200);
  json::value v = ParseJson(padded.body);
  EXPECT_EQ(v.at("action"), json::value("coven.capabilities.refresh"));
  EXPECT_EQ(v.at("event").at("origin"), json::value("open-meow"));
  EXPECT_EQ(v.at("event").at("intentId"), json::value("intent-1"));

  HttpResult omitted =
      Post("/actions", R"({"action":"coven.capabilities.refresh","origin":"  ","intentId":7})");
  EXPECT_EQ(omitted.status, 200);
  json::value w = ParseJson(omitted.body);
  EXPECT_FALSE(w.at("event").as_object().contains("origin")) << omitted.body;
  EXPECT_FALSE(w.at("event").as_object().contains("intentId")) << omitted.body;
}

struct ActionErrorCase {
  const char* name;
  std::string body;
  const char* action;
  const char* reason;
};

// Given each SPEC 2.7 failure on both route forms, actions should answer 400 in the action
// shape (never the error envelope) with the documented action and reason.
TEST_F(HttpApiTest, ActionErrorCases) {
  const ActionErrorCase cases[] = {
      {"empty body", "", "", "request body requires string field `action`"},
      {"blank body", " \n\t ", "", "request body requires string field `action`"},
      {"bad json", "{not json", "(unknown)", "failed to parse request body"},
      {"array", "[1,2]", "(unknown)", "request body must be a JSON object"},
      {"string", R"("coven.capabilities.refresh")", "(unknown)",
       "request body must be a JSON object"},
      {"missing action", R"({"origin":"open-meow"})", "",
       "request body requires string field `action`"},
      {"numeric action", R"({"action":42})", "", "request body requires string field `action`"},
      {"blank action", R"({"action":"   "})", "", "request body requires string field `action`"},
      {"unknown action", R"({"action":"desktop.deleteEverything"})", "desktop.deleteEverything",
       "unknown action `desktop.deleteEverything`"},
  };
  for (const ActionErrorCase& c : cases) {
    for (const char* target : {"/api/v1/actions", "/actions"}) {
      SCOPED_TRACE(std::string(c.name) + " " + target);
      HttpResult r = Post(target, c.body);
      EXPECT_EQ(r.status, 400) << r.body;
      json::value want = {{"ok", false},
                          {"accepted", false},
                          {"action", c.action},
                          {"status", "rejected"},
                          {"reason", c.reason}};
      EXPECT_EQ(ParseJson(r.body), want) << r.body;
    }
  }
}

// Given an unsupported API version, the daemon should answer 404 invalid_request with the
// version details.
TEST_F(HttpApiTest, UnsupportedApiVersion) {
  HttpResult r = Get("/api/v2/health");
  ExpectEnvelope(r, 404, "invalid_request");
  EXPECT_EQ(ParseJson(r.body), ParseJson(R"({"error":{"code":"invalid_request",
      "details":{"apiVersion":"v2","supportedApiVersions":["v1"]},
      "message":"Unsupported API version."}})"));
  HttpResult empty = Get("/api//health");
  ExpectEnvelope(empty, 404, "invalid_request");
  EXPECT_EQ(ParseJson(empty.body).at("error").at("details").at("apiVersion"), json::value(""));
}

// Given unknown routes, wrong methods and malformed /api paths, the daemon should answer
// 404 not_found.
TEST_F(HttpApiTest, UnknownRoutesAreNotFound) {
  const std::pair<const char*, const char*> cases[] = {
      {"GET", "/nope"},           {"GET", "/api/v1/nope"},
      {"GET", "/api/v1"},         {"GET", "/api/v1/"},
      {"GET", "/api/"},           {"GET", "/actions"},
      {"GET", "/api/v1/actions"}, {"DELETE", "/health"},
      {"POST", "/api/v1/health"}, {"PUT", "/api/v1/capabilities"},
  };
  for (const auto& [method, target] : cases) {
    SCOPED_TRACE(std::string(method) + " " + target);
    HttpResult r = Http(home_.socket(), method, target);
    ExpectEnvelope(r, 404, "not_found");
    EXPECT_EQ(ParseJson(r.body).at("error").at("message"), json::value("Route not found."));
  }
}

// Given two requests on one keep-alive connection (and two more pipelined), all should be
// answered and the connection should stay open.
TEST_F(HttpApiTest, KeepAliveServesSeveralRequests) {
  UnixConn conn(home_.socket());
  ASSERT_TRUE(conn.connected());
  const std::string req = "GET /api/v1/health HTTP/1.1\r\nHost: coven\r\n\r\n";
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(conn.Send(req));
    HttpResult r = ParseHttp(conn.ReadResponse(kHangGuard));
    EXPECT_EQ(r.status, 200) << "request " << i;
    EXPECT_EQ(Lower(r.headers).find("connection: close"), std::string::npos) << r.headers;
  }
  // Still open: two pipelined requests in one write are both answered on it.
  ASSERT_TRUE(conn.Send(req + "GET /api-version HTTP/1.1\r\nHost: coven\r\n\r\n"));
  EXPECT_EQ(ParseHttp(conn.ReadResponse(kHangGuard)).status, 200);
  HttpResult version = ParseHttp(conn.ReadResponse(kHangGuard));
  EXPECT_EQ(version.status, 200);
  EXPECT_NE(version.body.find("supportedApiVersions"), std::string::npos);
}

// Given `Connection: close`, the server should close the connection after its reply.
TEST_F(HttpApiTest, ConnectionCloseHonoured) {
  UnixConn conn(home_.socket());
  ASSERT_TRUE(conn.connected());
  ASSERT_TRUE(conn.Send("GET /api/v1/health HTTP/1.1\r\nHost: coven\r\nConnection: close\r\n\r\n"));
  bool eof = false;
  HttpResult r = ParseHttp(conn.ReadAll(kHangGuard, &eof));
  EXPECT_EQ(r.status, 200);
  EXPECT_TRUE(eof);
  EXPECT_NE(Lower(r.headers).find("connection: close"), std::string::npos) << r.headers;
}

// Given a chunked POST body, actions should decode it and complete.
TEST_F(HttpApiTest, ChunkedActionBody) {
  std::string body = kRefresh;
  std::string first = body.substr(0, 10);
  std::string rest = body.substr(10);
  char size1[16];
  char size2[16];
  std::snprintf(size1, sizeof(size1), "%zx", first.size());
  std::snprintf(size2, sizeof(size2), "%zx", rest.size());
  HttpResult r =
      Raw("POST /api/v1/actions HTTP/1.1\r\nHost: coven\r\nContent-Type: application/json\r\n"
          "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n" +
          std::string(size1) + "\r\n" + first + "\r\n" + size2 + "\r\n" + rest + "\r\n0\r\n\r\n");
  EXPECT_EQ(r.status, 200) << r.body;
  json::value v = ParseJson(r.body);
  ASSERT_TRUE(v.is_object());
  EXPECT_EQ(v.at("status"), json::value("completed"));
  EXPECT_EQ(v.at("event").at("intentId"), json::value("intent-1"));
}

// Given a client that writes its request and then half-closes (as the Rust CLI does), the
// server should still answer and then close.
TEST_F(HttpApiTest, HalfClosedClientAnswered) {
  for (const char* target : {"/health", "/api/v1/health"}) {
    UnixConn conn(home_.socket());
    ASSERT_TRUE(conn.connected());
    ASSERT_TRUE(conn.Send("GET " + std::string(target) + " HTTP/1.1\r\nHost: coven\r\n\r\n"));
    conn.ShutdownWrite();
    bool eof = false;
    HttpResult r = ParseHttp(conn.ReadAll(kHangGuard, &eof));
    EXPECT_EQ(r.status, 200) << target;
    EXPECT_TRUE(eof) << target;
    EXPECT_EQ(ParseJson(r.body).at("ok"), json::value(true));
  }
}

// Given a garbage request line, the server should answer 400 invalid_request and keep
// serving.
TEST_F(HttpApiTest, GarbageRequestLine) {
  ExpectEnvelope(Raw("this is not http at all\r\n\r\n"), 400, "invalid_request");
  ExpectHealthy();
}

// Given a non-numeric Content-Length, the server should answer 400 and keep serving.
TEST_F(HttpApiTest, BadContentLength) {
  ExpectEnvelope(Raw("POST /api/v1/actions HTTP/1.1\r\nHost: coven\r\nContent-Length: abc\r\n\r\n"
                     "{}"),
                 400, "invalid_request");
  ExpectHealthy();
}

// Given 20 KiB of headers, the server should answer 431 and keep serving.
TEST_F(HttpApiTest, OversizedHeaders) {
  std::string req =
      "GET /api/v1/health HTTP/1.1\r\nHost: coven\r\nX-Filler: " + std::string(20 * 1024, 'a') +
      "\r\n\r\n";
  ExpectEnvelope(Raw(req), 431, "invalid_request");
  ExpectHealthy();
}

// Given 12 KiB of headers (under the 16 KiB limit), the request should be served normally.
TEST_F(HttpApiTest, LargeHeadersUnderLimitAccepted) {
  std::string req =
      "GET /api/v1/health HTTP/1.1\r\nHost: coven\r\nConnection: close\r\n"
      "X-Filler: " +
      std::string(12 * 1024, 'a') + "\r\n\r\n";
  HttpResult r = Raw(req);
  EXPECT_EQ(r.status, 200) << r.body;
}

// Given a body over 1 MiB (declared or chunked), the server should answer 413 and keep
// serving.
TEST_F(HttpApiTest, OversizedBody) {
  std::string body(1024 * 1024 + 1, ' ');
  ExpectEnvelope(Raw("POST /api/v1/actions HTTP/1.1\r\nHost: coven\r\nContent-Length: " +
                     std::to_string(body.size()) + "\r\n\r\n" + body),
                 413, "invalid_request");
  ExpectHealthy();
  char size[16];
  std::snprintf(size, sizeof(size), "%zx", body.size());
  ExpectEnvelope(Raw("POST /api/v1/actions HTTP/1.1\r\nHost: coven\r\n"
                     "Transfer-Encoding: chunked\r\n\r\n" +
                     std::string(size) + "\r\n" + body + "\r\n0\r\n\r\n"),
                 413, "invalid_request");
  ExpectHealthy();
}

// Given a body that is not valid UTF-8, the server should answer 400 and keep serving.
TEST_F(HttpApiTest, InvalidUtf8Body) {
  std::string body = "{\"action\":\"\xff\xfe\"}";
  HttpResult r =
      Raw("POST /api/v1/actions HTTP/1.1\r\nHost: coven\r\nConnection: close\r\n"
          "Content-Length: " +
          std::to_string(body.size()) + "\r\n\r\n" + body);
  EXPECT_EQ(r.status, 400) << r.body;
  ExpectHealthy();
}

// Given JSON that is not an object, actions should answer 400 and the daemon keep serving.
TEST_F(HttpApiTest, NonObjectActionBody) {
  HttpResult r = Post("/api/v1/actions", "[]");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(ParseJson(r.body).at("reason"), json::value("request body must be a JSON object"));
  ExpectHealthy();
}

// Given a client stalled half-way through its request line, another client's health
// request should still be answered.
TEST_F(HttpApiTest, StalledClientDoesNotBlockOthers) {
  UnixConn stalled(home_.socket());
  ASSERT_TRUE(stalled.connected());
  ASSERT_TRUE(stalled.Send("GET /api/v1/hea"));
  HttpResult r = Http(home_.socket(), "GET", "/api/v1/health", "", kHangGuard);
  EXPECT_EQ(r.status, 200);
  UnixConn silent(home_.socket());
  ASSERT_TRUE(silent.connected());
  EXPECT_EQ(Http(home_.socket(), "GET", "/health", "", kHangGuard).status, 200);
}

// Given 64 threads each sending 20 health requests at once, every request should get 200.
TEST_F(HttpApiTest, ManyConcurrentClients) {
  constexpr int kThreads = 64;
  constexpr int kRequests = 20;
  std::atomic<int> ok{0};
  std::atomic<int> bad_status{0};
  std::vector<std::thread> threads;
  threads.reserve(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kRequests; ++i) {
        HttpResult r = Http(home_.socket(), "GET", (t + i) % 2 == 0 ? "/api/v1/health" : "/health");
        if (r.status == 200 && r.body.find("\"ok\":true") != std::string::npos) {
          ++ok;
        } else {
          bad_status = r.status;
        }
      }
    });
  }
  for (std::thread& t : threads) {
    t.join();
  }
  EXPECT_EQ(ok.load(), kThreads * kRequests) << "a failing request had status " << bad_status;
  ExpectHealthy();
}

// Given COVEN_HTTP_TIMEOUT_MS=300 for the daemon, a silent connection and a stalled one
// should be closed by the server, and the daemon should stay healthy.
TEST(HttpTimeoutTest, IdleConnectionsClosed) {
  CovenHome h;
  h.env()["COVEN_HTTP_TIMEOUT_MS"] = "300";
  ASSERT_NO_FATAL_FAILURE(h.StartDaemon());
  UnixConn silent(h.socket());
  UnixConn stalled(h.socket());
  ASSERT_TRUE(silent.connected());
  ASSERT_TRUE(stalled.connected());
  ASSERT_TRUE(stalled.Send("GET /api/v1/health HTT"));
  bool eof = false;
  std::string got = silent.ReadAll(kHangGuard, &eof);
  EXPECT_TRUE(eof) << "silent connection was not closed";
  EXPECT_EQ(got, "");
  eof = false;
  stalled.ReadAll(kHangGuard, &eof);
  EXPECT_TRUE(eof) << "stalled connection was not closed";
  EXPECT_EQ(Http(h.socket(), "GET", "/api/v1/health").status, 200);
}

}  // namespace
}  // namespace coven::testing
