// End-to-end: sessions at scale (SPEC Part A 2, 4; STYLE 5): concurrent launches, no fd
// growth in the daemon, no fd leaking into harnesses, and 100 MB of output kept byte-exact
// in bounded events.
#include <sys/types.h>

#include <atomic>
#include <fstream>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "e2e/session_helpers.h"
#include "support/testing.h"

namespace coven::testing::sess {
namespace {

class SessionScaleTest : public SessionTest {
 protected:
  // `ls -l /proc/<pid>/fd`, trimmed to 40 lines, for failure messages.
  static std::string ReadFds(pid_t pid) {
    std::string out =
        coven::testing::Run({"ls", "-l", "/proc/" + std::to_string(pid) + "/fd"}, {}).out;
    size_t cut = 0;
    for (int i = 0; i < 40 && cut != std::string::npos; ++i) {
      cut = out.find('\n', cut + 1);
    }
    return cut == std::string::npos ? out : out.substr(0, cut) + "\n...";
  }

  // Launches `count` sessions of `harness` from `threads` threads; returns the ids of those
  // answered 201 and counts the other answers in `failures`.
  std::vector<std::string> LaunchMany(int count, int threads, const std::string& harness,
                                      std::vector<std::string>* failures) {
    std::mutex mu;
    std::vector<std::string> ids;
    std::atomic<int> next{0};
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t) {
      pool.emplace_back([&] {
        for (int i = next++; i < count; i = next++) {
          std::string body = Body({{"projectRoot", json::value(root_)},
                                   {"harness", json::value(harness)},
                                   {"prompt", json::value("job " + std::to_string(i))}});
          // Generous: under sanitizers on a busy machine each shim takes a while to start.
          HttpResult r =
              Http(home_.socket(), "POST", "/api/v1/sessions", body, milliseconds(120'000));
          std::lock_guard<std::mutex> lock(mu);
          boost::system::error_code ec;
          json::value v = json::parse(r.body, ec);
          if (r.status == 201 && !ec && v.is_object() && v.as_object().contains("id")) {
            ids.push_back(std::string(v.at("id").as_string()));
          } else {
            failures->push_back(std::to_string(r.status) + " " + r.body);
          }
        }
      });
    }
    for (std::thread& t : pool) {
      t.join();
    }
    return ids;
  }

  // Waits until no session is running; returns how many ended `completed` (all of `ids`
  // must be listed).
  int WaitAllCompleted(const std::vector<std::string>& ids, milliseconds deadline) {
    int completed = 0;
    bool done = WaitFor(
        [&] {
          HttpResult r = Get("/api/v1/sessions");
          json::value list = ParseJson(r.body);
          if (!list.is_array()) {
            return false;
          }
          completed = 0;
          if (list.as_array().size() < ids.size()) {
            return false;
          }
          for (const json::value& s : list.as_array()) {
            std::string status = Str(Field(s, "status"));
            if (status == "running") {
              return false;
            }
            completed += status == "completed" ? 1 : 0;
          }
          return true;
        },
        deadline);
    EXPECT_TRUE(done) << "sessions still running";
    return completed;
  }
};

// Given 50 launches sent at once from 50 threads, we should answer 201 to each and see
// all 50 complete.
TEST_F(SessionScaleTest, FiftyConcurrentLaunches) {
  // The prompt is the last argument (after "--" and Coven's activity hook option).
  home_.AddScript("codex", "#!/bin/sh\nfor a; do :; done\necho \"hi $a\"\n");
  std::vector<std::string> failures;
  std::vector<std::string> ids = LaunchMany(50, 50, "codex", &failures);
  EXPECT_TRUE(failures.empty()) << failures.size() << " failed, first: " << failures.front();
  ASSERT_EQ(ids.size(), 50u);
  EXPECT_EQ(WaitAllCompleted(ids, milliseconds(60'000)), 50);
  for (const std::string& id : ids) {
    json::value rec = Session(id);
    EXPECT_EQ(Str(Field(rec, "status")), "completed") << json::serialize(rec);
    EXPECT_EQ(Field(rec, "exit_code"), json::value(0));
  }
  std::string out = Output(ids.front());
  EXPECT_NE(out.find("hi job "), std::string::npos) << out;
  EXPECT_EQ(Get("/api/v1/health").status, 200);
}

// Given 200 sessions that launched and finished, we should find the daemon holding no
// more fds than before them (2 spare for lazily opened files).
TEST_F(SessionScaleTest, DaemonFdsDoNotGrow) {
  home_.AddScript("codex", "#!/bin/sh\necho done\n");
  pid_t daemon = home_.DaemonPid();
  ASSERT_GT(daemon, 0);
  // Warm up: one session end to end, so the ledger and logs are opened once.
  std::string warm = LaunchId("codex", "warm");
  WaitFinished(warm);
  AllEvents(warm);
  int before = CountFds(daemon);
  ASSERT_GT(before, 0);

  std::vector<std::string> failures;
  std::vector<std::string> ids = LaunchMany(200, 4, "codex", &failures);
  EXPECT_TRUE(failures.empty()) << failures.size() << " failed, first: " << failures.front();
  ASSERT_EQ(ids.size(), 200u);
  EXPECT_EQ(WaitAllCompleted(ids, milliseconds(120'000)), 201);
  auto expect_no_growth = [&](const char* when) {
    int after = -1;
    bool settled = WaitFor(
        [&] {
          after = CountFds(daemon);
          return after >= 0 && after <= before + 2;
        },
        kHangGuard);
    EXPECT_TRUE(settled) << when << ": daemon fds: " << before << " before, " << after << " after\n"
                         << ReadFds(daemon);
  };
  expect_no_growth("after the sessions finished");
  // Reading every finished session's events once, as a client would, must not pin fds.
  for (const std::string& id : ids) {
    EXPECT_EQ(Get("/api/v1/events?sessionId=" + id).status, 200);
  }
  expect_no_growth("after reading their events");
}

// Given a harness that lists its own open fds, we should see only the terminal on 0, 1, 2
// (plus the listing's own directory fd): nothing of the daemon or shim leaks in.
TEST_F(SessionScaleTest, NoFdLeaksIntoHarness) {
  home_.AddScript("codex", "#!/bin/sh\nstty -opost\nexec ls -l /proc/self/fd/\n");
  std::string id = LaunchId("codex", "fds");
  EXPECT_EQ(Str(Field(WaitFinished(id), "status")), "completed");
  std::string out = Output(id);
  std::istringstream lines(out);
  std::string line;
  std::vector<std::string> fds;
  int others = 0;
  while (std::getline(lines, line)) {
    size_t arrow = line.find(" -> ");
    if (arrow == std::string::npos) {
      continue;  // "total 0"
    }
    size_t space = line.rfind(' ', arrow - 1);
    std::string fd = line.substr(space + 1, arrow - space - 1);
    std::string target = line.substr(arrow + 4);
    fds.push_back(fd);
    if (fd == "0" || fd == "1" || fd == "2") {
      EXPECT_EQ(target.rfind("/dev/pts/", 0), 0u) << line;
    } else {
      ++others;
      EXPECT_NE(target.find("/proc/"), std::string::npos) << "leaked fd: " << line;
    }
  }
  EXPECT_GE(fds.size(), 3u) << out;
  EXPECT_LE(others, 1) << out;
}

// Given a harness that writes ~100 MB of base64 to its terminal, we should capture it
// byte-exact in output events each under 60,000 bytes of payload_json.
TEST_F(SessionScaleTest, HundredMegabytesByteExact) {
  const long raw_bytes = kSanitized ? 15'000'000 : 75'000'000;
  const std::string data_file = project_ / "data.b64";
  RunResult gen = coven::testing::Run(
      {"sh", "-c",
       "head -c " + std::to_string(raw_bytes) + " /dev/urandom | base64 > '" + data_file + "'"},
      {}, milliseconds(60'000));
  ASSERT_EQ(gen.exit_code, 0) << gen.err;
  std::string want = ReadFileOrEmpty(data_file);
  ASSERT_GT(want.size(), static_cast<size_t>(raw_bytes));
  home_.AddScript("codex", "#!/bin/sh\nstty -opost -echo\nexec cat '" + data_file + "'\n");

  std::string id = LaunchId("codex", "firehose");
  std::string got;
  got.reserve(want.size());
  int64_t cursor = 0;
  bool exited = false;
  size_t events = 0;
  size_t too_big = 0;
  int64_t expect_seq = 1;
  auto end = std::chrono::steady_clock::now() + milliseconds(kSanitized ? 240'000 : 120'000);
  while (!exited && std::chrono::steady_clock::now() < end) {
    HttpResult r =
        Get("/api/v1/events?sessionId=" + id + "&raw=true&afterSeq=" + std::to_string(cursor));
    ASSERT_EQ(r.status, 200) << r.body.substr(0, 500);
    json::value page = ParseJson(r.body);
    const json::array& list = page.at("events").as_array();
    for (const json::value& e : list) {
      const json::object& ev = e.as_object();
      ASSERT_EQ(ev.at("seq").to_number<int64_t>(), expect_seq++);
      cursor = ev.at("seq").to_number<int64_t>();
      const json::string& payload = ev.at("payload_json").as_string();
      too_big += payload.size() >= 60'000 ? 1 : 0;
      std::string kind(ev.at("kind").as_string());
      if (kind == "output") {
        ++events;
        got += Str(ParseJson(std::string(payload)).at("data"));
      } else if (kind == "exit") {
        exited = true;
      }
    }
    if (list.empty()) {
      std::this_thread::sleep_for(milliseconds(20));
    }
  }
  ASSERT_TRUE(exited) << "no exit event before the deadline; got " << got.size() << " of "
                      << want.size() << " bytes";
  EXPECT_EQ(too_big, 0u) << "output events with payload_json >= 60000 bytes";
  EXPECT_EQ(got.size(), want.size());
  EXPECT_EQ(Fnv1a(got), Fnv1a(want));
  EXPECT_GT(events, want.size() / 60'000);
  // hasMore is false at the end and the session completed.
  json::value last = EventsPage(id, "&limit=1&afterSeq=" + std::to_string(cursor));
  EXPECT_EQ(Field(last, "hasMore"), json::value(false));
  EXPECT_TRUE(Field(last, "events").as_array().empty());
  json::value rec = WaitFinished(id);
  EXPECT_EQ(Str(Field(rec, "status")), "completed") << json::serialize(rec);
}

}  // namespace
}  // namespace coven::testing::sess
