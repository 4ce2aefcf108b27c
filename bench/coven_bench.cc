// coven_bench: end-to-end figures for the Coven daemon, in one run (bench/README.md).
//
//   (a) PTY output capture throughput of one fake harness that `cat`s a pre-generated file,
//       through Coven (launch via the API, verified byte for byte through /events?raw=true),
//       through a bare PTY drained by a minimal reader, and through tmux (pipe-pane to a file);
//   (b) launch latency (POST /api/v1/sessions -> 201) and time to the first output event;
//   (c) paging a 1,000,000-event log through /events (limit=1000);
//   (d) memory and idle CPU of 200 idle sessions (daemon plus shims).
//
// Every process it starts carries COVEN_BENCH_TAG=<its temp dir> in its environment, so the
// cleanup (at the end, on failure, and on SIGINT/SIGTERM/SIGHUP) can find and SIGKILL, by
// pid, whatever `coven daemon stop` and `tmux kill-server` left behind, then delete the temp
// dir. Nothing here throws: failures print a reason, clean up and exit 1.
//
// This file holds the report, the options and main(); each measurement has its own file
// (throughput.cc, latency.cc, paging.cc, idle.cc) over bench_support.h.
#include <signal.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <thread>

#include "bench_support.h"

namespace coven::bench {
namespace {

using namespace std::chrono_literals;

std::string FirstLineOf(const std::string& s) {
  return s.substr(0, s.find('\n'));
}

// The 1-minute load average, to tell a quiet machine from a busy one.
std::string LoadAverage() {
  std::string text = ReadWhole("/proc/loadavg").value_or("?");
  return text.substr(0, text.find(' '));
}

std::string CpuModel() {
  auto text = ReadWhole("/proc/cpuinfo").value_or("");
  size_t at = text.find("model name");
  if (at == std::string::npos) {
    return "unknown CPU";
  }
  size_t colon = text.find(':', at);
  return FirstLineOf(text.substr(colon + 2));
}

void PrintReport(const Env& env, const std::string& load_before,
                 const std::optional<ThroughputResult>& a, const std::optional<LatencyResult>& b,
                 const std::optional<PagingFigures>& c, const std::optional<IdleFigures>& d,
                 const std::optional<EchoFigures>& e) {
  utsname u{};
  ::uname(&u);
  RunResult cv = Run({env.opt.coven_exe, "--version"}, {}, 10s);
  RunResult tv = Run({TmuxExe(), "-V"}, {}, 10s);
  std::printf("\ncoven_bench results\n");
  std::printf("machine: %s, %ld cores, Linux %s; %s; %s\n", CpuModel().c_str(),
              ::sysconf(_SC_NPROCESSORS_ONLN), u.release, FirstLineOf(cv.out).c_str(),
              FirstLineOf(tv.out).c_str());
  std::printf("1-minute load average: %s at start, %s at end; bench took %.0f s\n",
              load_before.c_str(), LoadAverage().c_str(), SecondsSince(env.started, Clock::now()));
  std::printf("%s\n", std::string(100, '-').c_str());
  std::printf("%-58s %20s\n", "figure", "value");
  std::printf("%s\n", std::string(100, '-').c_str());
  auto row = [](const std::string& name, const std::string& value) {
    std::printf("%-58s %20s\n", name.c_str(), value.c_str());
  };
  if (a) {
    double mb = static_cast<double>(env.opt.bytes) / 1e6;
    std::printf("(a) PTY output capture, %.0f MB of text via `cat` (median of %d runs)\n", mb,
                env.opt.reps);
    row("    coven (launch API -> session completed)", Format("%.1f MB/s", mb / a->coven_s));
    row("    bare PTY (poll + non-blocking read, no logging)", Format("%.1f MB/s", mb / a->bare_s));
    bool tmux = !a->tmux_runs.empty();  // COVEN_BENCH_NO_TMUX=1 leaves it out
    row("    tmux 'pipe-pane' to a file", tmux ? Format("%.1f MB/s", mb / a->tmux_s) : "skipped");
    row("    ratio coven / bare PTY (of the medians)", Format("%.2f", a->bare_s / a->coven_s));
    row("    ratio coven / bare PTY (median of back-to-back pairs)", Format("%.2f", a->pair_ratio));
    row("    ratio coven / bare PTY (pairs' geometric mean, 95% CI)",
        Format("%.2f [%.2f, %.2f]", a->pair_geomean.mean, a->pair_geomean.low,
               a->pair_geomean.high));
    row("    ratio coven / tmux", tmux ? Format("%.2f", a->tmux_s / a->coven_s) : "skipped");
    auto bytes_row = [&](const char* who, const Digest& got, uint64_t lost, bool ok) {
      row(Format("    %s: bytes captured / lost (worst run)", who),
          Format("%" PRIu64 " / %" PRIu64, got.bytes, lost));
      row(Format("    %s: every run byte-identical (CRC-32)", who), ok ? "yes" : "NO");
    };
    bytes_row("coven", a->coven, a->coven_lost, a->coven_ok);
    row("    bare : bytes read / lost (worst run; counted, not kept)",
        Format("%" PRIu64 " / %" PRIu64, a->bare.bytes, a->bare_lost));
    if (tmux) {
      bytes_row("tmux ", a->tmux, a->tmux_lost, a->tmux_ok);
    }
    row("    coven: output events for the run", Format("%" PRIu64, a->coven_events));
    row("    coven: reading it back via /events?raw=true", Format("%.1f MB/s", mb / a->verify_s));
  }
  if (b) {
    std::printf("(b) launch latency, %zu launches of the `hello` harness\n", b->launch_ms.size());
    row("    POST /api/v1/sessions -> 201 (running): p50",
        Format("%.2f ms", Percentile(b->launch_ms, 0.5)));
    row("    POST /api/v1/sessions -> 201 (running): p99",
        Format("%.2f ms", Percentile(b->launch_ms, 0.99)));
    row("    POST -> first output event recorded (created_at): p50",
        Format("%.2f ms", Percentile(b->first_recorded_ms, 0.5)));
    row("    POST -> first output event recorded (created_at): p99",
        Format("%.2f ms", Percentile(b->first_recorded_ms, 0.99)));
    row("    POST -> first output event seen by /events: p50",
        Format("%.2f ms", Percentile(b->first_seen_ms, 0.5)));
    row("    POST -> first output event seen by /events: p99",
        Format("%.2f ms", Percentile(b->first_seen_ms, 0.99)));
  }
  if (c) {
    std::printf("(c) paging a %" PRIu64
                "-event log (%.1f MB on disk) through /events, limit=1000\n",
                c->events, static_cast<double>(c->log_bytes) / 1e6);
    row("    raw=true, first read (cold reader): events/s",
        Format("%.0f", static_cast<double>(c->events) / c->cold_s));
    row("    raw=true, first read (cold reader): total time", Format("%.2f s", c->cold_s));
    row("    raw=true, again (warm): events/s",
        Format("%.0f", static_cast<double>(c->events) / c->raw_s));
    row("    raw=true, again (warm): total time", Format("%.2f s", c->raw_s));
    row("    default (redacted, warm): events/s",
        Format("%.0f", static_cast<double>(c->events) / c->redacted_s));
    row("    default (redacted, warm): total time", Format("%.2f s", c->redacted_s));
    row("    pages / JSON bytes per pass",
        Format("%" PRIu64 " / %.1f MB", c->pages, static_cast<double>(c->json_bytes) / 1e6));
    row("    (writing the log with LogWriter took)", Format("%.2f s", c->generate_s));
  }
  if (d) {
    double n = d->sessions;
    std::printf("(d) %d idle sessions (`exec sleep`)\n", d->sessions);
    row("    daemon RSS before / after launching",
        Format("%" PRIu64 " / %" PRIu64 " KiB", d->daemon_rss0_kb, d->daemon_rss_kb));
    row("    shims RSS, all together", Format("%" PRIu64 " KiB", d->shim_rss_kb));
    row("    RSS per session ((daemon + shims) / sessions)",
        Format("%.0f KiB", static_cast<double>(d->daemon_rss_kb + d->shim_rss_kb) / n));
    if (d->daemon_pss_kb && d->shim_pss_kb) {
      row("    daemon PSS / shims PSS",
          Format("%" PRIu64 " / %" PRIu64 " KiB", *d->daemon_pss_kb, *d->shim_pss_kb));
      row("    PSS per session ((daemon + shims) / sessions)",
          Format("%.0f KiB", static_cast<double>(*d->daemon_pss_kb + *d->shim_pss_kb) / n));
    } else {
      row("    PSS", "smaps_rollup unreadable");
    }
    row("    daemon threads", Format("%" PRIu64, d->daemon_threads));
    row(Format("    CPU while idle, %.1f s window (daemon + shims)", d->window_s),
        Format("%" PRIu64 " ticks (%" PRIu64 "+%" PRIu64 ")", d->ticks, d->daemon_ticks,
               d->shim_ticks));
    row("    (clock ticks per second)", Format("%ld", d->clk_tck));
    row("    (time to launch all of them)", Format("%.2f s", d->launch_all_s));
  }
  if (e) {
    std::printf("(e) keystroke echo in a 120x40 terminal, %d keys each (p50 / p99)\n", e->keys);
    auto echo = [&](const char* name, const std::vector<double>& ms) {
      row(name, Format("%.3f / %.3f ms", Percentile(ms, 0.5), Percentile(ms, 0.99)));
    };
    echo("    bare PTY (the terminal's own echo)", e->bare_ms);
    echo("    tmux attach", e->tmux_ms);
    echo("    coven attach (direct to the shim)", e->coven_ms);
    echo("    coven attach --replay (through the daemon)", e->coven_daemon_ms);
    row("    ratio coven / tmux (p50)",
        Format("%.2f", Percentile(e->coven_ms, 0.5) / Percentile(e->tmux_ms, 0.5)));
    row(Format("    idle attached session, %.1f s: wake-ups (client+shim+daemon)",
               e->idle_window_s),
        Format("%" PRIu64, e->idle_wakeups));
  }
  std::printf("%s\n", std::string(100, '-').c_str());
  std::fflush(stdout);
}

void Usage() {
  std::fprintf(
      stderr,
      "usage: coven_bench [--coven PATH] [--bytes N] [--reps N] [--launches N]\n"
      "                   [--events N] [--idle N] [--keys N] [--only abcde] [--keep-temp]\n");
}

bool ParseArgs(int argc, char** argv, Options* o) {
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> std::optional<std::string> {
      if (i + 1 >= argc) {
        return std::nullopt;
      }
      return std::string(argv[++i]);
    };
    auto number = [&](uint64_t* out) {
      auto v = value();
      if (!v) {
        return false;
      }
      char* end = nullptr;
      unsigned long long x = std::strtoull(v->c_str(), &end, 10);
      if (end == v->c_str() || *end != '\0' || x == 0) {
        return false;
      }
      *out = x;
      return true;
    };
    uint64_t x = 0;
    if (a == "--coven") {
      auto v = value();
      if (!v) {
        return false;
      }
      o->coven_exe = *v;
    } else if (a == "--bytes") {
      if (!number(&o->bytes)) {
        return false;
      }
    } else if (a == "--events") {
      if (!number(&o->events)) {
        return false;
      }
    } else if (a == "--reps" || a == "--launches" || a == "--idle" || a == "--keys") {
      if (!number(&x) || x > 100000) {
        return false;
      }
      (a == "--reps"       ? o->reps
       : a == "--launches" ? o->launches
       : a == "--keys"     ? o->keys
                           : o->idle_sessions) = static_cast<int>(x);
    } else if (a == "--only") {
      auto v = value();
      if (!v) {
        return false;
      }
      o->parts.clear();
      for (char ch : *v) {
        if (ch < 'a' || ch > 'e') {
          return false;
        }
        o->parts.insert(ch);
      }
    } else if (a == "--keep-temp") {
      o->keep_temp = true;
    } else {
      return false;
    }
  }
  return true;
}

}  // namespace
}  // namespace coven::bench

int main(int argc, char** argv) {
  using namespace coven::bench;  // NOLINT(google-build-using-namespace): main only
  Options opt;
  if (!ParseArgs(argc, argv, &opt)) {
    Usage();
    return 2;
  }
  if (::access(opt.coven_exe.c_str(), X_OK) != 0) {
    std::fprintf(stderr, "coven_bench: no coven binary at %s (use --coven)\n",
                 opt.coven_exe.c_str());
    return 2;
  }
  if ((opt.parts.count('a') != 0 || opt.parts.count('e') != 0) &&
      ::access(TmuxExe().c_str(), X_OK) != 0) {
    std::fprintf(stderr, "coven_bench: parts (a) and (e) need tmux at %s\n", TmuxExe().c_str());
    return 2;
  }
  ::signal(SIGPIPE, SIG_IGN);
  // Signals go to one thread that cleans up; blocked everywhere else (children unblock).
  sigset_t stop_set;
  ::sigemptyset(&stop_set);
  ::sigaddset(&stop_set, SIGINT);
  ::sigaddset(&stop_set, SIGTERM);
  ::sigaddset(&stop_set, SIGHUP);
  ::pthread_sigmask(SIG_BLOCK, &stop_set, nullptr);

  char tmpl[] = "/tmp/coven-bench.XXXXXX";
  if (::mkdtemp(tmpl) == nullptr) {
    std::perror("mkdtemp");
    return 1;
  }
  Env env;
  env.opt = opt;
  env.tmp = tmpl;
  {
    std::lock_guard<std::mutex> lock(g_state.mu);
    g_state.tmp = env.tmp;
    g_state.coven_exe = opt.coven_exe;
    g_state.keep_temp = opt.keep_temp;
  }
  ::setenv("COVEN_BENCH_TAG", env.tmp.c_str(), 1);
  std::thread([stop_set] {
    int sig = 0;
    ::sigwait(&stop_set, &sig);
    std::fprintf(stderr, "\ncoven_bench: signal %d, cleaning up\n", sig);
    Cleanup();
    std::_Exit(128 + sig);
  }).detach();

  env.bin = env.tmp + "/bin";
  env.project = env.tmp + "/project";
  env.harness = env.bin + "/codex";
  ::mkdir(env.bin.c_str(), 0700);
  ::mkdir(env.project.c_str(), 0700);
  WriteWhole(env.harness, FakeHarnessScript(), 0700);
  const char* path = std::getenv("PATH");
  env.path_env = env.bin + ":" + (path != nullptr ? path : "/usr/bin:/bin");
  Progress("temp dir " + env.tmp + ", coven " + opt.coven_exe);

  std::string load_before = LoadAverage();
  std::optional<ThroughputResult> a;
  std::optional<LatencyResult> b;
  std::optional<PagingFigures> c;
  std::optional<IdleFigures> d;
  std::optional<EchoFigures> e;
  if (opt.parts.count('a') != 0) {
    a = MeasureThroughput(env);
  }
  if (opt.parts.count('b') != 0) {
    b = MeasureLatency(env);
  }
  if (opt.parts.count('c') != 0) {
    c = MeasurePaging(env);
  }
  if (opt.parts.count('d') != 0) {
    d = MeasureIdle(env);
  }
  if (opt.parts.count('e') != 0) {
    e = MeasureEcho(env);
  }
  Cleanup();
  PrintReport(env, load_before, a, b, c, d, e);
  bool ok = !a || (a->coven_ok && a->coven_lost == 0 && a->bare_ok);
  return ok ? 0 : 1;
}
