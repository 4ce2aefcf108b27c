// (d) memory and idle CPU of many idle sessions.
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

namespace {

std::vector<pid_t> FindShims(const std::string& home) {
  std::vector<pid_t> shims;
  std::string dir_prefix = home + "/sessions/";
  for (pid_t pid : AllPids()) {
    std::vector<std::string> argv = ProcStrings(pid, "cmdline");
    if (argv.size() < 4 || argv[1] != "shim") {
      continue;
    }
    for (size_t i = 2; i + 1 < argv.size(); ++i) {
      if (argv[i] == "--session-dir" && argv[i + 1].rfind(dir_prefix, 0) == 0) {
        shims.push_back(pid);
        break;
      }
    }
  }
  return shims;
}

}  // namespace

IdleFigures MeasureIdle(const Env& env) {
  IdleFigures res;
  res.clk_tck = ::sysconf(_SC_CLK_TCK);
  std::string home = env.tmp + "/home-d";
  Daemon d = StartDaemon(home, env.path_env);
  coven::client::DaemonClient c(d.socket, 30s);
  std::this_thread::sleep_for(500ms);
  res.daemon_rss0_kb = ProcKbField(d.pid, "status", "VmRSS").value_or(0);
  std::string body = LaunchBody(env.project, "idle");
  std::vector<std::string> ids;
  auto l0 = Clock::now();
  for (int i = 0; i < env.opt.idle_sessions; ++i) {
    auto reply = Request(c, "POST", "/api/v1/sessions", body);
    if (reply.status != 201) {
      Fail("idle launch " + std::to_string(i) + " -> " + std::to_string(reply.status) + " " +
           reply.body);
    }
    ids.emplace_back(ParseJson(reply.body, "launch").as_object().at("id").as_string());
  }
  res.launch_all_s = SecondsSince(l0, Clock::now());
  res.sessions = static_cast<int>(ids.size());
  std::this_thread::sleep_for(2s);  // let everything settle (start events, subscriptions)

  std::vector<pid_t> shims = FindShims(home);
  res.shims_found = static_cast<int>(shims.size());
  if (res.shims_found != res.sessions) {
    Fail(Format("(d) found %d shim processes for %d sessions", res.shims_found, res.sessions));
  }
  // CPU over a quiet window: nobody talks to the daemon meanwhile.
  auto ticks_of = [&](pid_t pid) { return CpuTicks(pid).value_or(0); };
  uint64_t d0 = ticks_of(d.pid);
  std::vector<uint64_t> s0;
  for (pid_t p : shims) {
    s0.push_back(ticks_of(p));
  }
  auto w0 = Clock::now();
  std::this_thread::sleep_for(3s);
  uint64_t d1 = ticks_of(d.pid);
  uint64_t shim_ticks = 0;
  for (size_t i = 0; i < shims.size(); ++i) {
    shim_ticks += ticks_of(shims[i]) - s0[i];
  }
  res.window_s = SecondsSince(w0, Clock::now());
  res.daemon_ticks = d1 - d0;
  res.shim_ticks = shim_ticks;
  res.ticks = res.daemon_ticks + res.shim_ticks;

  // Memory.
  res.daemon_rss_kb = ProcKbField(d.pid, "status", "VmRSS").value_or(0);
  res.daemon_threads = ProcKbField(d.pid, "status", "Threads").value_or(0);
  res.daemon_pss_kb = ProcKbField(d.pid, "smaps_rollup", "Pss");
  uint64_t shim_pss = 0;
  bool pss_ok = res.daemon_pss_kb.has_value();
  for (pid_t p : shims) {
    res.shim_rss_kb += ProcKbField(p, "status", "VmRSS").value_or(0);
    auto pss = ProcKbField(p, "smaps_rollup", "Pss");
    pss_ok = pss_ok && pss.has_value();
    shim_pss += pss.value_or(0);
  }
  if (pss_ok) {
    res.shim_pss_kb = shim_pss;
  } else {
    res.daemon_pss_kb.reset();
  }
  Progress(Format("(d) %d sessions: daemon RSS %" PRIu64 " KiB, shims RSS %" PRIu64 " KiB, %" PRIu64
                  " ticks in %.1f s",
                  res.sessions, res.daemon_rss_kb, res.shim_rss_kb, res.ticks, res.window_s));

  // Orderly end: kill every session through the API, wait for them, stop the daemon.
  for (const std::string& id : ids) {
    auto reply = Request(c, "POST", "/api/v1/sessions/" + id + "/kill");
    if (reply.status != 202) {
      Fail("kill -> " + std::to_string(reply.status) + " " + reply.body);
    }
  }
  auto deadline = Clock::now() + 30s;
  while (!FindShims(home).empty() && Clock::now() < deadline) {
    std::this_thread::sleep_for(50ms);
  }
  StopDaemon(d);
  return res;
}

}  // namespace coven::bench
