// (b) launch latency and time to the first output event.
#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cinttypes>
#include <cmath>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <thread>

#include "bench_support.h"
#include "core/clock.h"
#include "core/session_status.h"

namespace coven::bench {
using namespace std::chrono_literals;

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) {
    return 0;
  }
  std::sort(v.begin(), v.end());
  size_t rank = static_cast<size_t>(std::ceil(p * static_cast<double>(v.size())));
  return v[std::clamp<size_t>(rank, 1, v.size()) - 1];
}

LatencyResult MeasureLatency(const Env& env) {
  LatencyResult res;
  Daemon d = StartDaemon(env.tmp + "/home-b", env.path_env);
  coven::client::DaemonClient c(d.socket, 30s);
  std::string body = LaunchBody(env.project, "hello");
  // One unmeasured launch first: the daemon's and the shell's first exec load from disk.
  for (int i = -1; i < env.opt.launches; ++i) {
    int64_t t0_real = coven::core::NowNanos();
    auto t0 = Clock::now();
    auto reply = Request(c, "POST", "/api/v1/sessions", body);
    auto t1 = Clock::now();
    if (reply.status != 201) {
      Fail("launch -> " + std::to_string(reply.status) + " " + reply.body);
    }
    json::value rec = ParseJson(reply.body, "launch");
    std::string id(rec.as_object().at("id").as_string());
    if (!core::IsStatus(rec.as_object().at("status").as_string(), core::SessionStatus::kRunning)) {
      Fail("201 record is not running: " + reply.body);
    }
    // First output event: poll /events every 0.5 ms.
    std::optional<int64_t> recorded;
    auto deadline = Clock::now() + 10s;
    while (!recorded) {
      auto page = Request(c, "GET", "/api/v1/events?sessionId=" + id + "&limit=1000");
      json::value v = ParseJson(page.body, "events");
      for (const json::value& e : v.as_object().at("events").as_array()) {
        if (e.as_object().at("kind").as_string() == "output") {
          recorded = core::ParseTimestamp(e.as_object().at("created_at").as_string());
          if (!recorded) {
            Fail("bad created_at in " + page.body.substr(0, 300));
          }
          break;
        }
      }
      if (!recorded) {
        if (Clock::now() > deadline) {
          Fail("no output event from session " + id);
        }
        std::this_thread::sleep_for(500us);
      }
    }
    auto t2 = Clock::now();
    // Let the session finish so launches do not overlap with exits.
    std::string status = WaitNotRunning(c, id, 2ms, 30s);
    if (!core::IsStatus(status, core::SessionStatus::kCompleted)) {
      Fail("hello session ended " + status);
    }
    if (i < 0) {
      continue;
    }
    res.launch_ms.push_back(SecondsSince(t0, t1) * 1e3);
    res.first_seen_ms.push_back(SecondsSince(t0, t2) * 1e3);
    res.first_recorded_ms.push_back(static_cast<double>(*recorded - t0_real) / 1e6);
  }
  StopDaemon(d);
  Progress(Format("(b) %d launches: p50 %.2f ms, p99 %.2f ms", env.opt.launches,
                  Percentile(res.launch_ms, 0.5), Percentile(res.launch_ms, 0.99)));
  return res;
}

}  // namespace coven::bench
