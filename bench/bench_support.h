// bench/bench_support.h: what every coven_bench measurement shares: options and the
// cleanup state, /proc and file helpers, running commands, talking to a daemon, the fake
// harness and payload digests, and each measurement's entry point and figures. Not a
// library: the bench's own files only (bench/README.md).
#pragma once

#include <sys/types.h>
#include <zlib.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <boost/json.hpp>

#include "client/daemon_client.h"

namespace coven::bench {

namespace json = boost::json;
using Clock = std::chrono::steady_clock;

struct Options {
  std::string coven_exe = COVEN_BENCH_COVEN_EXE;
  uint64_t bytes = 200'000'000;  // (a)
  int reps = 7;                  // (a): this many back-to-back pairs (and tmux runs)
  int launches = 100;            // (b)
  uint64_t events = 1'000'000;   // (c)
  int idle_sessions = 200;       // (d)
  int keys = 300;                // (e): keystrokes per path
  int idle_window_ms = 3000;     // (e): how long the idle attached session is watched
  std::set<char> parts = {'a', 'b', 'c', 'd', 'e'};
  bool keep_temp = false;
};

struct State {
  std::mutex mu;
  std::string tmp;                 // our temp dir, also the value of COVEN_BENCH_TAG
  std::string coven_exe;           // for `coven daemon stop` during cleanup
  std::vector<std::string> homes;  // COVEN_HOMEs whose daemon we started
  std::string tmux_socket;         // non-empty once tmux may run
  bool keep_temp = false;
  bool cleaned = false;
};

struct RunResult {
  int status = -1;  // wait status; -1 when it timed out (and was killed)
  std::string out;  // stdout and stderr together
};

struct Daemon {
  std::string home;
  std::string socket;
  pid_t pid = 0;
};

// Pages through /events from seq 0, calling `on_event` for each event object, until the
// page says hasMore=false. Returns the number of pages; checks seq is contiguous.
struct PagingResult {
  uint64_t pages = 0;
  uint64_t events = 0;
  uint64_t json_bytes = 0;
};

struct Digest {
  uint64_t bytes = 0;
  uint32_t crc = 0;
  void Add(const char* p, size_t n) {
    crc = static_cast<uint32_t>(crc32_z(crc, reinterpret_cast<const Bytef*>(p), n));
    bytes += n;
  }
  bool operator==(const Digest&) const = default;
};

struct Env {
  Clock::time_point started = Clock::now();
  Options opt;
  std::string tmp, bin, harness, project, path_env;
};

// A geometric mean and its 95% confidence interval (Student's t on the logs): for ratios
// measured in pairs, where a slow spell of the machine scales both sides.
struct MeanInterval {
  double mean = 0, low = 0, high = 0;
};
MeanInterval GeometricMeanWithInterval(const std::vector<double>& ratios);

struct ThroughputResult {
  double coven_s = 0, bare_s = 0, tmux_s = 0, verify_s = 0;
  Digest expect;
  Digest coven, bare, tmux;  // from the median-time run... of the last run (all must match)
  uint64_t coven_lost = 0, bare_lost = 0, tmux_lost = 0;  // worst over runs
  // Every run matched N and the CRC (the bare reader keeps no bytes: N only).
  bool coven_ok = true, bare_ok = true, tmux_ok = true;
  uint64_t coven_events = 0;
  std::vector<double> coven_runs, bare_runs, tmux_runs;
  // bare / coven of each run's back-to-back pair, and their median.
  std::vector<double> pair_ratios;
  double pair_ratio = 0;
  MeanInterval pair_geomean;  // of pair_ratios
};

struct LatencyResult {
  std::vector<double> launch_ms, first_recorded_ms, first_seen_ms;
};

struct PagingFigures {
  uint64_t events = 0, pages = 0, json_bytes = 0;
  double generate_s = 0, cold_s = 0, raw_s = 0, redacted_s = 0;
  uint64_t log_bytes = 0;
};

struct IdleFigures {
  int sessions = 0;
  int shims_found = 0;
  uint64_t daemon_rss0_kb = 0, daemon_rss_kb = 0, shim_rss_kb = 0;
  std::optional<uint64_t> daemon_pss_kb, shim_pss_kb;
  uint64_t daemon_threads = 0;
  uint64_t ticks = 0, daemon_ticks = 0, shim_ticks = 0;
  long clk_tck = 0;
  double window_s = 0;
  double launch_all_s = 0;
};

struct EchoFigures {
  int keys = 0;
  std::vector<double> bare_ms, tmux_ms, coven_ms, coven_daemon_ms;
  uint64_t idle_wakeups = 0;  // attach client + shim + daemon, over idle_window_s
  double idle_window_s = 0;
};

double SecondsSince(Clock::time_point t0, Clock::time_point t1);

// The cleanup reaches it from the signal thread.
extern State g_state;

std::string Format(const char* fmt, ...) __attribute__((format(printf, 1, 2)));

void Progress(const std::string& line);

[[noreturn]] void Fail(const std::string& why);

std::optional<std::string> ReadWhole(const std::string& path);

void WriteWhole(const std::string& path, const std::string& data, mode_t mode);

std::vector<pid_t> AllPids();

std::string ProcPath(pid_t pid, const char* file);

// NUL-separated /proc file split into strings (cmdline, environ).
std::vector<std::string> ProcStrings(pid_t pid, const char* file);

bool HasOurTag(pid_t pid, const std::string& tag_entry);

// A "Key:   123 kB" field of /proc/<pid>/status or smaps_rollup, in KiB.
std::optional<uint64_t> ProcKbField(pid_t pid, const char* file, const std::string& key);

// utime + stime of `pid` in clock ticks.
std::optional<uint64_t> CpuTicks(pid_t pid);

std::vector<std::string> ChildEnv(const std::vector<std::pair<std::string, std::string>>& set);

// Resets what a child must not inherit from us (blocked and ignored signals).
void ResetSignalsInChild();

RunResult Run(const std::vector<std::string>& argv,
              const std::vector<std::pair<std::string, std::string>>& env_set,
              std::chrono::milliseconds timeout);

bool Succeeded(const RunResult& r);

std::string TmuxExe();

void KillTaggedProcesses(const std::string& tag_entry);

void Cleanup();

Daemon StartDaemon(const std::string& home, const std::string& path_env);

void StopDaemon(const Daemon& d);

json::value ParseJson(const std::string& text, const std::string& what);

coven::client::HttpReply Request(const coven::client::DaemonClient& c, const std::string& method,
                                 const std::string& target, const std::string& body = "");

std::string LaunchBody(const std::string& project, const std::string& prompt);

std::string StatusOf(const coven::client::DaemonClient& c, const std::string& id);

// Polls until the session is no longer running; returns when it saw that, or Fail()s.
std::string WaitNotRunning(const coven::client::DaemonClient& c, const std::string& id,
                           std::chrono::milliseconds interval, std::chrono::seconds timeout);

// Follows the session list (GET /api/v1/sessions?watch=true&all=true) until the session is
// no longer running, as `coven wait` does: nothing polls the daemon while the session runs
// (a 5 ms poll cost a capture run a few percent of a 2-core machine). Returns the status it
// saw, or Fail()s after `timeout` or when the stream ends first.
std::string WatchUntilNotRunning(const std::string& socket, const std::string& id,
                                 std::chrono::seconds timeout);

PagingResult PageAll(const coven::client::DaemonClient& c, const std::string& id, bool raw,
                     const std::function<void(const json::object&)>& on_event);

std::string FakeHarnessScript();

// Deterministic text: ~100-byte lines of printable ASCII with some 2- and 3-byte UTF-8
// characters (so the UTF-8-aware chunking is exercised), exactly `n` bytes, valid UTF-8.
void GeneratePayloadFile(const std::string& path, uint64_t n);

Digest DigestFile(const std::string& path);

ThroughputResult MeasureThroughput(const Env& env);

double Percentile(std::vector<double> v, double p);

LatencyResult MeasureLatency(const Env& env);

PagingFigures MeasurePaging(const Env& env);

IdleFigures MeasureIdle(const Env& env);

EchoFigures MeasureEcho(const Env& env);

}  // namespace coven::bench
