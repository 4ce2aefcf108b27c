// tests/e2e/session_helpers.h: shared helpers for the session e2e suites (sessions_test,
// sessions_recovery_test, sessions_scale_test). Header-only; everything waits with a
// deadline so a bug fails the test instead of hanging it.
#pragma once

#include <dirent.h>
#include <signal.h>
#include <sys/types.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "support/testing.h"

namespace coven::testing::sess {

namespace json = boost::json;

inline constexpr milliseconds kHangGuard(15'000);

inline json::value ParseJson(const std::string& text) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  EXPECT_FALSE(ec) << "not JSON: " << text.substr(0, 2000);
  return ec ? json::value() : v;
}

inline std::string Str(const json::value& v) {
  return v.is_string() ? std::string(v.as_string()) : std::string();
}

// The value at `key` of an object (null when absent or not an object).
inline json::value Field(const json::value& v, const char* key) {
  if (!v.is_object()) {
    return nullptr;
  }
  const json::value* f = v.as_object().if_contains(key);
  return f != nullptr ? *f : json::value(nullptr);
}

// Builds a JSON body from string fields.
inline std::string Body(std::initializer_list<std::pair<const char*, json::value>> fields) {
  json::object o;
  for (const auto& [k, v] : fields) {
    o[k] = v;
  }
  return json::serialize(o);
}

// The canonical form of `path` (realpath).
inline std::string Canonical(const std::string& path) {
  std::error_code ec;
  return std::filesystem::canonical(path, ec).string();
}

// Checks {"error":{"code":code,"message":...}} with `status`.
inline void ExpectError(const HttpResult& r, int status, const std::string& code) {
  EXPECT_EQ(r.status, status) << r.body;
  json::value v = ParseJson(r.body);
  json::value err = Field(v, "error");
  ASSERT_TRUE(err.is_object()) << r.body;
  EXPECT_EQ(Str(Field(err, "code")), code) << r.body;
  EXPECT_TRUE(Field(err, "message").is_string()) << r.body;
}

// 64-bit FNV-1a.
inline uint64_t Fnv1a(std::string_view data, uint64_t h = 1469598103934665603ULL) {
  for (unsigned char c : data) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return h;
}

// A fake harness's printout of its argv (`cmd=<name> $*`, `argc=$#`, `arg=[...]` lines)
// without the activity hook options Coven adds for claude and codex (docs/attention.md:
// `--settings {"hooks":...}`, `-c notify=[...]`), for tests about the rest of the argv.
inline std::string WithoutHookOptions(std::string out) {
  static const std::regex kArgLines(
      "arg=\\[-c\\]\narg=\\[notify=\\[[^\n]*\\]\\]\n|arg=\\[--settings\\]\narg=\\[\\{\"hooks\"[^\n]"
      "*\\]\n");
  static const std::regex kCmdPart(" -c notify=\\[[^ ]*\\]");
  static const std::regex kArgc("argc=([0-9]+)");
  size_t before = out.size();
  std::string stripped = std::regex_replace(out, kArgLines, "");
  if (stripped.size() == before) {
    return out;
  }
  stripped = std::regex_replace(stripped, kCmdPart, "");
  std::smatch m;
  if (std::regex_search(stripped, m, kArgc)) {
    int argc = std::stoi(m[1].str()) - 2;  // one option and its value
    stripped = std::regex_replace(stripped, kArgc, "argc=" + std::to_string(argc));
  }
  return stripped;
}

// Field 4 (ppid) of /proc/<pid>/stat, or 0.
inline pid_t ParentPid(pid_t pid) {
  std::string stat = ReadFileOrEmpty("/proc/" + std::to_string(pid) + "/stat");
  size_t paren = stat.rfind(')');
  if (paren == std::string::npos || paren + 4 >= stat.size()) {
    return 0;
  }
  return static_cast<pid_t>(std::atoi(stat.c_str() + paren + 4));  // ") S <ppid>"
}

// Number of open fds of `pid` (entries of /proc/<pid>/fd), -1 when unreadable.
inline int CountFds(pid_t pid) {
  std::string dir = "/proc/" + std::to_string(pid) + "/fd";
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) {
    return -1;
  }
  int n = 0;
  while (dirent* e = ::readdir(d)) {
    if (e->d_name[0] != '.') {
      ++n;
    }
  }
  ::closedir(d);
  return n - 1;  // the DIR's own fd
}

// Entries of <home>/sessions (session folders), empty when the folder does not exist.
inline std::vector<std::string> SessionFolders(const CovenHome& home) {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(home.home() + "/sessions", ec)) {
    out.push_back(e.path().filename().string());
  }
  return out;
}

// A COVEN_HOME with a running daemon (kill grace 200 ms) and a project folder, plus the
// session API as small helpers. Kills every still-running session on teardown so no
// harness outlives the test.
class SessionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    home_.env()["COVEN_KILL_GRACE_MS"] = "200";
    root_ = Canonical(project_.path());
    ASSERT_FALSE(root_.empty());
    ASSERT_NO_FATAL_FAILURE(home_.StartDaemon());
  }

  void TearDown() override { KillAllRunning(); }

  void KillAllRunning() {
    HttpResult r = Http(home_.socket(), "GET", "/api/v1/sessions");
    if (r.status != 200) {
      return;
    }
    json::value list = ParseJson(r.body);
    if (!list.is_array()) {
      return;
    }
    std::vector<std::string> killed;
    for (const json::value& s : list.as_array()) {
      if (Str(Field(s, "status")) == "running") {
        std::string id = Str(Field(s, "id"));
        Http(home_.socket(), "POST", "/api/v1/sessions/" + id + "/kill", "");
        killed.push_back(id);
      }
    }
    for (const std::string& id : killed) {
      WaitFor([&] { return HasExitEvent(id); }, kHangGuard);
    }
  }

  HttpResult Get(const std::string& target) { return Http(home_.socket(), "GET", target); }
  HttpResult Post(const std::string& target, const std::string& body) {
    return Http(home_.socket(), "POST", target, body);
  }

  HttpResult LaunchRaw(const std::string& body) { return Post("/api/v1/sessions", body); }

  // Launches `harness` with `prompt` in the project root (plus extra fields); returns the
  // record, failing the test unless the answer is 201.
  json::value Launch(const std::string& harness, const std::string& prompt,
                     json::object extra = {}) {
    json::object o = std::move(extra);
    if (!o.contains("projectRoot")) {
      o["projectRoot"] = root_;
    }
    o["harness"] = harness;
    o["prompt"] = prompt;
    HttpResult r = LaunchRaw(json::serialize(o));
    EXPECT_EQ(r.status, 201) << r.body;
    return ParseJson(r.body);
  }

  std::string LaunchId(const std::string& harness, const std::string& prompt,
                       json::object extra = {}) {
    return Str(Field(Launch(harness, prompt, std::move(extra)), "id"));
  }

  json::value Session(const std::string& id) {
    HttpResult r = Get("/api/v1/sessions/" + id);
    EXPECT_EQ(r.status, 200) << r.body;
    return ParseJson(r.body);
  }

  std::string Status(const std::string& id) { return Str(Field(Session(id), "status")); }

  // Waits until the session's status is not `running` and returns the record.
  json::value WaitFinished(const std::string& id, milliseconds deadline = kHangGuard) {
    json::value rec;
    bool done = WaitFor(
        [&] {
          HttpResult r = Get("/api/v1/sessions/" + id);
          if (r.status != 200) {
            return false;
          }
          rec = ParseJson(r.body);
          return Str(Field(rec, "status")) != "running";
        },
        deadline);
    EXPECT_TRUE(done) << "session " << id << " still running: " << json::serialize(rec);
    return rec;
  }

  HttpResult SendInput(const std::string& id, const std::string& data) {
    return Post("/api/v1/sessions/" + id + "/input", Body({{"data", json::value(data)}}));
  }

  // One /events page; the query is appended verbatim after sessionId.
  json::value EventsPage(const std::string& id, const std::string& query = "") {
    HttpResult r = Get("/api/v1/events?sessionId=" + id + query);
    EXPECT_EQ(r.status, 200) << r.body.substr(0, 2000);
    return ParseJson(r.body);
  }

  // Every event of the session, paging with afterSeq until hasMore is false.
  std::vector<json::object> AllEvents(const std::string& id, bool raw = false) {
    std::vector<json::object> out;
    int64_t cursor = 0;
    for (int pages = 0; pages < 100'000; ++pages) {
      json::value page =
          EventsPage(id, "&afterSeq=" + std::to_string(cursor) + (raw ? "&raw=true" : ""));
      json::value events = Field(page, "events");
      if (!events.is_array()) {
        break;
      }
      for (const json::value& e : events.as_array()) {
        out.push_back(e.as_object());
        cursor = e.at("seq").to_number<int64_t>();
      }
      if (Field(page, "hasMore") != json::value(true) || events.as_array().empty()) {
        break;
      }
    }
    return out;
  }

  // The decoded payload_json of an event.
  static json::value Payload(const json::object& event) {
    const json::value* p = event.if_contains("payload_json");
    return p != nullptr && p->is_string() ? ParseJson(std::string(p->as_string())) : json::value();
  }

  static std::string Kind(const json::object& event) {
    const json::value* k = event.if_contains("kind");
    return k != nullptr ? Str(*k) : std::string();
  }

  // The concatenated `data` of the output events.
  static std::string OutputOf(const std::vector<json::object>& events) {
    std::string out;
    for (const json::object& e : events) {
      if (Kind(e) == "output") {
        out += Str(Field(Payload(e), "data"));
      }
    }
    return out;
  }

  std::string Output(const std::string& id, bool raw = false) {
    return OutputOf(AllEvents(id, raw));
  }

  bool HasExitEvent(const std::string& id) {
    for (const json::object& e : AllEvents(id)) {
      if (Kind(e) == "exit") {
        return true;
      }
    }
    return false;
  }

  // Waits until the session's output contains `text`.
  bool WaitOutput(const std::string& id, const std::string& text,
                  milliseconds deadline = kHangGuard) {
    bool ok = WaitFor([&] { return Output(id).find(text) != std::string::npos; }, deadline);
    EXPECT_TRUE(ok) << "output of " << id << " never contained [" << text << "]; it was ["
                    << Output(id) << "]";
    return ok;
  }

  // The harness pid from the `start` event's payload (0 when absent).
  pid_t HarnessPid(const std::string& id) {
    for (const json::object& e : AllEvents(id)) {
      if (Kind(e) == "start") {
        json::value pid = Field(Payload(e), "pid");
        return pid.is_int64() ? static_cast<pid_t>(pid.as_int64()) : 0;
      }
    }
    return 0;
  }

  // Asserts that the session's seqs are exactly 1..N.
  static void ExpectContiguous(const std::vector<json::object>& events) {
    for (size_t i = 0; i < events.size(); ++i) {
      ASSERT_EQ(events[i].at("seq").to_number<int64_t>(), static_cast<int64_t>(i + 1))
          << "seq gap at index " << i;
    }
  }

  CovenHome home_;
  TempDir project_;
  std::string root_;
};

}  // namespace coven::testing::sess
