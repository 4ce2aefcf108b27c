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
#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cinttypes>
#include <cmath>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <boost/json.hpp>

#include "client/daemon_client.h"
#include "core/clock.h"
#include "eventlog/event_log.h"
#include "store/ledger.h"

extern char** environ;

namespace {

namespace json = boost::json;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

double SecondsSince(Clock::time_point t0, Clock::time_point t1) {
  return std::chrono::duration<double>(t1 - t0).count();
}

// ---------------------------------------------------------------------------------------
// Options and global state (the cleanup needs to reach it from a signal thread).

struct Options {
  std::string coven_exe = COVEN_BENCH_COVEN_EXE;
  uint64_t bytes = 200'000'000;  // (a)
  int reps = 3;                  // (a): median of this many runs per method
  int launches = 100;            // (b)
  uint64_t events = 1'000'000;   // (c)
  int idle_sessions = 200;       // (d)
  std::set<char> parts = {'a', 'b', 'c', 'd'};
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

State g_state;

std::string Format(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
std::string Format(const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  char buf[1024];
  int n = std::vsnprintf(buf, sizeof(buf), fmt, ap);
  va_end(ap);
  return std::string(buf, static_cast<size_t>(std::max(0, std::min<int>(n, sizeof(buf) - 1))));
}

void Progress(const std::string& line) {
  std::fprintf(stderr, "[coven_bench] %s\n", line.c_str());
  std::fflush(stderr);
}

void Cleanup();

[[noreturn]] void Fail(const std::string& why) {
  std::fprintf(stderr, "coven_bench: FAILED: %s\n", why.c_str());
  Cleanup();
  std::_Exit(1);
}

// ---------------------------------------------------------------------------------------
// Small file and /proc helpers.

std::optional<std::string> ReadWhole(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return std::nullopt;
  }
  std::string out;
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof(buf));
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      break;
    }
    out.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return out;
}

void WriteWhole(const std::string& path, const std::string& data, mode_t mode) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) {
    Fail("create " + path + ": " + std::strerror(errno));
  }
  size_t off = 0;
  while (off < data.size()) {
    ssize_t n = ::write(fd, data.data() + off, data.size() - off);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      Fail("write " + path + ": " + std::strerror(errno));
    }
    off += static_cast<size_t>(n);
  }
  ::close(fd);
}

std::vector<pid_t> AllPids() {
  std::vector<pid_t> pids;
  DIR* d = ::opendir("/proc");
  if (d == nullptr) {
    return pids;
  }
  while (dirent* e = ::readdir(d)) {
    char* end = nullptr;
    long v = std::strtol(e->d_name, &end, 10);
    if (v > 0 && end != nullptr && *end == '\0') {
      pids.push_back(static_cast<pid_t>(v));
    }
  }
  ::closedir(d);
  return pids;
}

std::string ProcPath(pid_t pid, const char* file) {
  return "/proc/" + std::to_string(pid) + "/" + file;
}

// NUL-separated /proc file split into strings (cmdline, environ).
std::vector<std::string> ProcStrings(pid_t pid, const char* file) {
  std::vector<std::string> out;
  auto raw = ReadWhole(ProcPath(pid, file));
  if (!raw) {
    return out;
  }
  size_t start = 0;
  while (start < raw->size()) {
    size_t end = raw->find('\0', start);
    if (end == std::string::npos) {
      end = raw->size();
    }
    out.push_back(raw->substr(start, end - start));
    start = end + 1;
  }
  return out;
}

bool HasOurTag(pid_t pid, const std::string& tag_entry) {
  for (const std::string& e : ProcStrings(pid, "environ")) {
    if (e == tag_entry) {
      return true;
    }
  }
  return false;
}

// A "Key:   123 kB" field of /proc/<pid>/status or smaps_rollup, in KiB.
std::optional<uint64_t> ProcKbField(pid_t pid, const char* file, const std::string& key) {
  auto text = ReadWhole(ProcPath(pid, file));
  if (!text) {
    return std::nullopt;
  }
  size_t at = text->find("\n" + key + ":");
  if (at == std::string::npos) {
    if (text->rfind(key + ":", 0) != 0) {
      return std::nullopt;
    }
    at = 0;
  } else {
    ++at;
  }
  return std::strtoull(text->c_str() + at + key.size() + 1, nullptr, 10);
}

// utime + stime of `pid` in clock ticks.
std::optional<uint64_t> CpuTicks(pid_t pid) {
  auto text = ReadWhole(ProcPath(pid, "stat"));
  if (!text) {
    return std::nullopt;
  }
  size_t paren = text->rfind(')');
  if (paren == std::string::npos) {
    return std::nullopt;
  }
  // After ") ": field 3 (state) ... utime is field 14, stime field 15.
  std::vector<std::string> fields;
  size_t pos = paren + 2;
  while (pos < text->size() && fields.size() < 13) {
    size_t sp = text->find(' ', pos);
    if (sp == std::string::npos) {
      sp = text->size();
    }
    fields.push_back(text->substr(pos, sp - pos));
    pos = sp + 1;
  }
  if (fields.size() < 13) {
    return std::nullopt;
  }
  return std::strtoull(fields[11].c_str(), nullptr, 10) +
         std::strtoull(fields[12].c_str(), nullptr, 10);
}

// ---------------------------------------------------------------------------------------
// Running commands.

std::vector<std::string> ChildEnv(const std::vector<std::pair<std::string, std::string>>& set) {
  std::vector<std::string> env;
  for (char** e = environ; *e != nullptr; ++e) {
    std::string entry(*e);
    std::string key = entry.substr(0, entry.find('='));
    bool replaced =
        std::any_of(set.begin(), set.end(), [&](const auto& kv) { return kv.first == key; });
    if (!replaced) {
      env.push_back(entry);
    }
  }
  for (const auto& [k, v] : set) {
    env.push_back(k + "=" + v);
  }
  return env;
}

// Resets what a child must not inherit from us (blocked and ignored signals).
void ResetSignalsInChild() {
  sigset_t none;
  ::sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  ::signal(SIGPIPE, SIG_DFL);
}

struct RunResult {
  int status = -1;  // wait status; -1 when it timed out (and was killed)
  std::string out;  // stdout and stderr together
};

RunResult Run(const std::vector<std::string>& argv,
              const std::vector<std::pair<std::string, std::string>>& env_set,
              std::chrono::milliseconds timeout) {
  std::vector<std::string> env = ChildEnv(env_set);
  std::vector<char*> cargv;
  std::vector<char*> cenv;
  std::vector<std::string> argv_copy = argv;
  for (std::string& a : argv_copy) {
    cargv.push_back(a.data());
  }
  cargv.push_back(nullptr);
  for (std::string& e : env) {
    cenv.push_back(e.data());
  }
  cenv.push_back(nullptr);
  int p[2];
  if (::pipe2(p, O_CLOEXEC) != 0) {
    return {};
  }
  pid_t pid = ::fork();
  if (pid == 0) {
    ResetSignalsInChild();
    int null_fd = ::open("/dev/null", O_RDONLY);
    ::dup2(null_fd, 0);
    ::dup2(p[1], 1);
    ::dup2(p[1], 2);
    ::execve(cargv[0], cargv.data(), cenv.data());
    ::_exit(127);
  }
  ::close(p[1]);
  RunResult r;
  if (pid < 0) {
    ::close(p[0]);
    return r;
  }
  ::fcntl(p[0], F_SETFL, O_NONBLOCK);
  auto deadline = Clock::now() + timeout;
  bool exited = false;
  for (;;) {
    char buf[4096];
    ssize_t n;
    while ((n = ::read(p[0], buf, sizeof(buf))) > 0) {
      r.out.append(buf, static_cast<size_t>(n));
    }
    if (exited) {
      break;
    }
    int status = 0;
    if (::waitpid(pid, &status, WNOHANG) == pid) {
      r.status = status;
      exited = true;  // one more drain of what is already in the pipe
      continue;
    }
    if (Clock::now() > deadline) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, nullptr, 0);
      r.status = -1;
      break;
    }
    pollfd pfd{p[0], POLLIN, 0};
    ::poll(&pfd, 1, 10);
  }
  ::close(p[0]);
  return r;
}

bool Succeeded(const RunResult& r) {
  return r.status >= 0 && WIFEXITED(r.status) && WEXITSTATUS(r.status) == 0;
}

std::string TmuxExe() {
  return "/usr/bin/tmux";
}

// ---------------------------------------------------------------------------------------
// Cleanup.

void KillTaggedProcesses(const std::string& tag_entry) {
  for (int round = 0; round < 50; ++round) {
    std::vector<pid_t> found;
    for (pid_t pid : AllPids()) {
      if (pid != ::getpid() && HasOurTag(pid, tag_entry)) {
        found.push_back(pid);
      }
    }
    if (found.empty()) {
      return;
    }
    for (pid_t pid : found) {
      ::kill(pid, SIGKILL);
    }
    std::this_thread::sleep_for(20ms);
    while (::waitpid(-1, nullptr, WNOHANG) > 0) {
    }
  }
}

void Cleanup() {
  std::lock_guard<std::mutex> lock(g_state.mu);
  if (g_state.cleaned || g_state.tmp.empty()) {
    return;
  }
  g_state.cleaned = true;
  for (const std::string& home : g_state.homes) {
    (void)Run({g_state.coven_exe, "daemon", "stop"}, {{"COVEN_HOME", home}}, 15s);
  }
  if (!g_state.tmux_socket.empty()) {
    (void)Run({TmuxExe(), "-L", g_state.tmux_socket, "kill-server"}, {}, 5s);
  }
  KillTaggedProcesses("COVEN_BENCH_TAG=" + g_state.tmp);
  while (::waitpid(-1, nullptr, WNOHANG) > 0) {
  }
  if (!g_state.keep_temp) {
    std::error_code ec;
    std::filesystem::remove_all(g_state.tmp, ec);
  } else {
    std::fprintf(stderr, "[coven_bench] kept %s\n", g_state.tmp.c_str());
  }
}

// ---------------------------------------------------------------------------------------
// Talking to a daemon.

struct Daemon {
  std::string home;
  std::string socket;
  pid_t pid = 0;
};

Daemon StartDaemon(const std::string& home, const std::string& path_env) {
  {
    std::lock_guard<std::mutex> lock(g_state.mu);
    g_state.homes.push_back(home);
  }
  RunResult r =
      Run({g_state.coven_exe, "daemon", "start"}, {{"COVEN_HOME", home}, {"PATH", path_env}}, 30s);
  if (!Succeeded(r) || r.out.find("status=running") == std::string::npos) {
    Fail("coven daemon start (COVEN_HOME=" + home + "): " + r.out);
  }
  Daemon d;
  d.home = home;
  d.socket = home + "/coven.sock";
  size_t at = r.out.find("pid=");
  d.pid = at == std::string::npos ? 0 : static_cast<pid_t>(std::atoi(r.out.c_str() + at + 4));
  if (d.pid <= 0) {
    Fail("no pid in `coven daemon start` output: " + r.out);
  }
  return d;
}

void StopDaemon(const Daemon& d) {
  RunResult r = Run({g_state.coven_exe, "daemon", "stop"}, {{"COVEN_HOME", d.home}}, 30s);
  if (!Succeeded(r)) {
    Fail("coven daemon stop: " + r.out);
  }
  std::lock_guard<std::mutex> lock(g_state.mu);
  std::erase(g_state.homes, d.home);
}

json::value ParseJson(const std::string& text, const std::string& what) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec) {
    Fail(what + ": reply is not JSON: " + text.substr(0, 300));
  }
  return v;
}

coven::client::HttpReply Request(const coven::client::DaemonClient& c, const std::string& method,
                                 const std::string& target, const std::string& body = "") {
  auto r = c.Send(method, target, body);
  if (!r) {
    Fail(method + " " + target + ": " + r.error().message);
  }
  return *r;
}

std::string LaunchBody(const std::string& project, const std::string& prompt) {
  json::object o;
  o["projectRoot"] = project;
  o["harness"] = "codex";
  o["prompt"] = prompt;
  o["title"] = "coven_bench";
  return json::serialize(o);
}

std::string StatusOf(const coven::client::DaemonClient& c, const std::string& id) {
  auto reply = Request(c, "GET", "/api/v1/sessions/" + id);
  json::value v = ParseJson(reply.body, "GET session");
  const json::value* s = v.is_object() ? v.as_object().if_contains("status") : nullptr;
  return s != nullptr && s->is_string() ? std::string(s->as_string()) : "";
}

// Polls until the session is no longer running; returns when it saw that, or Fail()s.
std::string WaitNotRunning(const coven::client::DaemonClient& c, const std::string& id,
                           std::chrono::milliseconds interval, std::chrono::seconds timeout) {
  auto deadline = Clock::now() + timeout;
  for (;;) {
    std::string status = StatusOf(c, id);
    if (status != "running") {
      return status;
    }
    if (Clock::now() > deadline) {
      Fail("session " + id + " still running after " + std::to_string(timeout.count()) + " s");
    }
    std::this_thread::sleep_for(interval);
  }
}

// "2026-05-14T23:24:21.123456789Z" -> ns since the epoch.
std::optional<int64_t> ParseTimestamp(const std::string& s) {
  std::tm tm{};
  int nanos = 0;
  if (s.size() != 30 ||
      std::sscanf(s.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d.%9dZ", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                  &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &nanos) != 7) {
    return std::nullopt;
  }
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  return static_cast<int64_t>(::timegm(&tm)) * 1'000'000'000 + nanos;
}

// Pages through /events from seq 0, calling `on_event` for each event object, until the
// page says hasMore=false. Returns the number of pages; checks seq is contiguous.
struct PagingResult {
  uint64_t pages = 0;
  uint64_t events = 0;
  uint64_t json_bytes = 0;
};

PagingResult PageAll(const coven::client::DaemonClient& c, const std::string& id, bool raw,
                     const std::function<void(const json::object&)>& on_event) {
  PagingResult res;
  int64_t after = 0;
  for (;;) {
    std::string target = "/api/v1/events?sessionId=" + id + "&afterSeq=" + std::to_string(after) +
                         "&limit=1000" + (raw ? "&raw=true" : "");
    auto reply = Request(c, "GET", target);
    if (reply.status != 200) {
      Fail("GET " + target + " -> " + std::to_string(reply.status) + " " + reply.body);
    }
    res.json_bytes += reply.body.size();
    ++res.pages;
    json::value v = ParseJson(reply.body, "events page");
    const json::object& page = v.as_object();
    const json::array& events = page.at("events").as_array();
    for (const json::value& e : events) {
      const json::object& ev = e.as_object();
      int64_t seq = ev.at("seq").as_int64();
      if (seq != after + 1) {
        Fail("events: seq " + std::to_string(seq) + " after " + std::to_string(after));
      }
      after = seq;
      ++res.events;
      on_event(ev);
    }
    if (!page.at("hasMore").as_bool()) {
      break;
    }
    if (events.empty()) {
      Fail("events: empty page with hasMore=true");
    }
  }
  return res;
}

// ---------------------------------------------------------------------------------------
// The fake harness: the same script for every measurement. The prompt says what it does.

std::string FakeHarnessScript() {
  return R"(#!/bin/sh
# coven_bench's fake harness. Coven runs it as `codex <prompt>`; the prompt picks the act.
case "$1" in
  cat:*)  # write a file to the terminal verbatim (-opost: no \n -> \r\n rewriting)
    stty -opost
    exec cat -- "${1#cat:}" ;;
  hello)  # one line of output, then exit
    printf 'hello from the fake harness\n'
    exit 0 ;;
  idle)   # nothing at all, until killed
    exec sleep 100000 ;;
  *)
    echo "coven_bench fake harness: unknown act: $1" >&2
    exit 2 ;;
esac
)";
}

// Deterministic text: ~100-byte lines of printable ASCII with some 2- and 3-byte UTF-8
// characters (so the UTF-8-aware chunking is exercised), exactly `n` bytes, valid UTF-8.
void GeneratePayloadFile(const std::string& path, uint64_t n) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) {
    Fail("create " + path + ": " + std::strerror(errno));
  }
  uint64_t x = 0x9E3779B97F4A7C15ull;
  auto next = [&x] {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return x;
  };
  std::string block;
  uint64_t written = 0;
  while (written < n) {
    block.clear();
    while (block.size() < (1u << 20)) {
      std::string line;
      while (line.size() < 96) {
        uint64_t r = next();
        if (r % 29 == 0) {
          line += "\xc3\xa9";  // é
        } else if (r % 31 == 0) {
          line += "\xe2\x86\x92";  // →
        } else {
          line.push_back(static_cast<char>(' ' + (r >> 8) % 95));
        }
      }
      line.push_back('\n');
      block += line;
    }
    uint64_t take = std::min<uint64_t>(block.size(), n - written);
    // Keep the file valid UTF-8 at its end too: a character cut at `take` becomes 'x's.
    if (take < block.size()) {
      uint64_t i = take;
      while (i > 0 && (static_cast<unsigned char>(block[i - 1]) & 0xC0) == 0x80) {
        --i;
      }
      if (i > 0 && static_cast<unsigned char>(block[i - 1]) >= 0xC0) {
        --i;
      }
      std::fill(block.begin() + static_cast<std::ptrdiff_t>(i),
                block.begin() + static_cast<std::ptrdiff_t>(take), 'x');
    }
    if (::write(fd, block.data(), take) != static_cast<ssize_t>(take)) {
      Fail("write " + path);
    }
    written += take;
  }
  ::close(fd);
}

struct Digest {
  uint64_t bytes = 0;
  uint32_t crc = 0;
  void Add(const char* p, size_t n) {
    crc = static_cast<uint32_t>(crc32_z(crc, reinterpret_cast<const Bytef*>(p), n));
    bytes += n;
  }
  bool operator==(const Digest&) const = default;
};

Digest DigestFile(const std::string& path) {
  Digest d;
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return d;
  }
  std::vector<char> buf(1 << 20);
  ssize_t n;
  while ((n = ::read(fd, buf.data(), buf.size())) > 0) {
    d.Add(buf.data(), static_cast<size_t>(n));
  }
  ::close(fd);
  return d;
}

// ---------------------------------------------------------------------------------------
// (a) capture throughput.

struct CaptureRun {
  double seconds = 0;
  Digest got;
  uint64_t events = 0;  // Coven only: output events
};

struct Env {
  Clock::time_point started = Clock::now();
  Options opt;
  std::string tmp, bin, harness, project, path_env;
};

CaptureRun CaptureCoven(const Env& env, const Daemon& d, const std::string& file,
                        double* verify_seconds) {
  coven::client::DaemonClient c(d.socket, 30s);
  auto t0 = Clock::now();
  auto reply = Request(c, "POST", "/api/v1/sessions", LaunchBody(env.project, "cat:" + file));
  if (reply.status != 201) {
    Fail("launch -> " + std::to_string(reply.status) + " " + reply.body);
  }
  std::string id(ParseJson(reply.body, "launch").as_object().at("id").as_string());
  std::string status = WaitNotRunning(c, id, 5ms, 600s);
  auto t1 = Clock::now();
  if (status != "completed") {
    Fail("capture session ended " + status);
  }
  CaptureRun run;
  run.seconds = SecondsSince(t0, t1);
  bool saw_exit = false;
  auto v0 = Clock::now();
  PageAll(c, id, /*raw=*/true, [&](const json::object& ev) {
    std::string_view kind = ev.at("kind").as_string();
    if (kind == "output") {
      json::value payload = ParseJson(std::string(ev.at("payload_json").as_string()), "payload");
      const json::string& data = payload.as_object().at("data").as_string();
      run.got.Add(data.data(), data.size());
      ++run.events;
    } else if (kind == "exit") {
      saw_exit = true;
    }
  });
  *verify_seconds = SecondsSince(v0, Clock::now());
  if (!saw_exit) {
    Fail("capture session has no exit event");
  }
  auto sac = Request(c, "POST", "/api/v1/sessions/" + id + "/sacrifice");  // frees the disk
  if (sac.status != 200) {
    Fail("sacrifice -> " + std::to_string(sac.status) + " " + sac.body);
  }
  return run;
}

CaptureRun CaptureBare(const Env& env, const std::string& file, uint64_t n) {
  CaptureRun run;
  // Room for everything plus slack, touched before the clock starts.
  std::vector<char> buf(n + (1u << 20));
  std::memset(buf.data(), 0, buf.size());
  std::string arg0 = env.harness;
  std::string arg1 = "cat:" + file;
  char* argv[] = {arg0.data(), arg1.data(), nullptr};

  auto t0 = Clock::now();
  int master = ::posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (master < 0 || ::grantpt(master) != 0 || ::unlockpt(master) != 0) {
    Fail(std::string("posix_openpt: ") + std::strerror(errno));
  }
  char slave_name[128];
  if (::ptsname_r(master, slave_name, sizeof(slave_name)) != 0) {
    Fail("ptsname_r");
  }
  winsize ws{};
  ws.ws_row = 24;
  ws.ws_col = 80;
  ::ioctl(master, TIOCSWINSZ, &ws);
  pid_t pid = ::fork();
  if (pid == 0) {
    ResetSignalsInChild();
    ::setsid();
    int slave = ::open(slave_name, O_RDWR);
    if (slave < 0 || ::ioctl(slave, TIOCSCTTY, 0) != 0) {
      ::_exit(126);
    }
    ::dup2(slave, 0);
    ::dup2(slave, 1);
    ::dup2(slave, 2);
    if (slave > 2) {
      ::close(slave);
    }
    ::execve(argv[0], argv, environ);
    ::_exit(127);
  }
  if (pid < 0) {
    Fail("fork");
  }
  // The shim's read pattern without the logging: sleep in poll(), then drain the master
  // (non-blocking, 64 KiB per read(); a PTY hands out ~4 KiB per call) until EAGAIN.
  ::fcntl(master, F_SETFL, O_NONBLOCK);
  size_t used = 0;
  std::vector<char> overflow(65536);
  bool open = true;
  while (open) {
    pollfd pfd{master, POLLIN, 0};
    if (::poll(&pfd, 1, -1) < 0 && errno != EINTR) {
      Fail(std::string("poll: ") + std::strerror(errno));
    }
    for (;;) {
      char* dst = used < buf.size() ? buf.data() + used : overflow.data();
      size_t room =
          used < buf.size() ? std::min<size_t>(buf.size() - used, 65536) : overflow.size();
      ssize_t got = ::read(master, dst, room);
      if (got > 0) {
        if (used < buf.size()) {
          used += static_cast<size_t>(got);
        } else {
          run.got.bytes += static_cast<uint64_t>(got);  // beyond the buffer: counted only
        }
        continue;
      }
      if (got < 0 && errno == EINTR) {
        continue;
      }
      if (got < 0 && errno == EAGAIN) {
        break;
      }
      open = false;  // EIO: every slave fd is closed (or 0)
      break;
    }
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  auto t1 = Clock::now();
  ::close(master);
  run.seconds = SecondsSince(t0, t1);
  uint64_t extra = run.got.bytes;
  run.got = Digest{};
  run.got.Add(buf.data(), used);
  run.got.bytes += extra;
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    Fail("bare PTY harness exited with status " + std::to_string(status));
  }
  return run;
}

CaptureRun CaptureTmux(const Env& env, const std::string& file, uint64_t n, int rep) {
  std::string sock = "coven-bench-" + std::to_string(::getpid());
  {
    std::lock_guard<std::mutex> lock(g_state.mu);
    g_state.tmux_socket = sock;
  }
  std::string fifo = env.tmp + "/tmux-gate-" + std::to_string(rep);
  std::string out = env.tmp + "/tmux-out-" + std::to_string(rep);
  if (::mkfifo(fifo.c_str(), 0600) != 0) {
    Fail("mkfifo " + fifo);
  }
  // The pane waits on the fifo so pipe-pane is in place before the first byte.
  std::string cmd = "read _ < '" + fifo + "'; exec '" + env.harness + "' 'cat:" + file + "'";
  RunResult r = Run({TmuxExe(),   "-L",
                     sock,        "-f",
                     "/dev/null", "new-session",
                     "-d",        "-s",
                     "bench",     "-x",
                     "80",        "-y",
                     "24",        cmd,
                     ";",         "set-option",
                     "-w",        "-t",
                     "bench",     "remain-on-exit",
                     "on",        ";",
                     "pipe-pane", "-t",
                     "bench",     "cat > '" + out + "'"},
                    {{"SHELL", "/bin/sh"}}, 20s);
  if (!Succeeded(r)) {
    Fail("tmux new-session: " + r.out);
  }
  // Open the gate (the reader may not have opened the fifo yet).
  int fd = -1;
  auto deadline = Clock::now() + 20s;
  while ((fd = ::open(fifo.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC)) < 0) {
    if (errno != ENXIO || Clock::now() > deadline) {
      Fail("open tmux gate fifo: " + std::string(std::strerror(errno)));
    }
    std::this_thread::sleep_for(1ms);
  }
  // Let pipe-pane's `cat` start too, so both sides are ready before the clock runs.
  std::this_thread::sleep_for(200ms);
  auto t0 = Clock::now();
  if (::write(fd, "go\n", 3) != 3) {
    Fail("write tmux gate");
  }
  ::close(fd);
  // Done when the pipe file holds every byte, or stops growing for 3 s (bytes lost).
  uint64_t last_size = 0;
  auto last_change = t0;
  auto hard = t0 + 600s;
  for (;;) {
    struct stat st {};
    uint64_t size = ::stat(out.c_str(), &st) == 0 ? static_cast<uint64_t>(st.st_size) : 0;
    auto now = Clock::now();
    if (size != last_size) {
      last_size = size;
      last_change = now;
    }
    if (size >= n || now - last_change > 3s || now > hard) {
      break;
    }
    std::this_thread::sleep_for(2ms);
  }
  CaptureRun run;
  run.seconds = SecondsSince(t0, last_change);
  (void)Run({TmuxExe(), "-L", sock, "kill-server"}, {}, 10s);
  std::this_thread::sleep_for(100ms);  // pipe-pane's cat finishes its last write
  run.got = DigestFile(out);
  ::unlink(out.c_str());
  ::unlink(fifo.c_str());
  return run;
}

struct ThroughputResult {
  double coven_s = 0, bare_s = 0, tmux_s = 0, verify_s = 0;
  Digest expect;
  Digest coven, bare, tmux;  // from the median-time run... of the last run (all must match)
  uint64_t coven_lost = 0, bare_lost = 0, tmux_lost = 0;  // worst over runs
  bool coven_ok = true, bare_ok = true, tmux_ok = true;   // every run matched N and the CRC
  uint64_t coven_events = 0;
  std::vector<double> coven_runs, bare_runs, tmux_runs;
};

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

ThroughputResult MeasureThroughput(const Env& env) {
  ThroughputResult res;
  uint64_t n = env.opt.bytes;
  std::string file = env.tmp + "/payload.txt";
  Progress(Format("(a) generating %" PRIu64 " bytes of text", n));
  GeneratePayloadFile(file, n);
  res.expect = DigestFile(file);
  if (res.expect.bytes != n) {
    Fail("payload file has the wrong size");
  }
  // Warm the page cache so every method reads the file from memory.
  (void)DigestFile(file);

  Daemon d = StartDaemon(env.tmp + "/home-a", env.path_env);
  auto account = [&](const CaptureRun& run, uint64_t* lost, bool* ok) {
    uint64_t l = run.got.bytes >= n ? 0 : n - run.got.bytes;
    *lost = std::max(*lost, l);
    if (!(run.got == res.expect)) {
      *ok = false;
    }
  };
  for (int rep = 0; rep < env.opt.reps; ++rep) {
    double verify = 0;
    CaptureRun c = CaptureCoven(env, d, file, &verify);
    account(c, &res.coven_lost, &res.coven_ok);
    res.coven_runs.push_back(c.seconds);
    res.coven = c.got;
    res.coven_events = c.events;
    res.verify_s = verify;
    Progress(Format("(a) run %d coven %.3f s (%.1f MB/s), %" PRIu64 " bytes in %" PRIu64
                    " output events, crc %s; read back via /events in %.3f s",
                    rep + 1, c.seconds, static_cast<double>(n) / 1e6 / c.seconds, c.got.bytes,
                    c.events, c.got == res.expect ? "ok" : "MISMATCH", verify));
    CaptureRun b = CaptureBare(env, file, n);
    account(b, &res.bare_lost, &res.bare_ok);
    res.bare_runs.push_back(b.seconds);
    res.bare = b.got;
    Progress(Format("(a) run %d bare PTY %.3f s (%.1f MB/s), %" PRIu64 " bytes, crc %s", rep + 1,
                    b.seconds, static_cast<double>(n) / 1e6 / b.seconds, b.got.bytes,
                    b.got == res.expect ? "ok" : "MISMATCH"));
    CaptureRun t = CaptureTmux(env, file, n, rep);
    account(t, &res.tmux_lost, &res.tmux_ok);
    res.tmux_runs.push_back(t.seconds);
    res.tmux = t.got;
    Progress(Format("(a) run %d tmux %.3f s (%.1f MB/s), %" PRIu64 " bytes, crc %s", rep + 1,
                    t.seconds, static_cast<double>(n) / 1e6 / t.seconds, t.got.bytes,
                    t.got == res.expect ? "ok" : "MISMATCH"));
  }
  StopDaemon(d);
  res.coven_s = Median(res.coven_runs);
  res.bare_s = Median(res.bare_runs);
  res.tmux_s = Median(res.tmux_runs);
  ::unlink(file.c_str());
  return res;
}

// ---------------------------------------------------------------------------------------
// (b) launch latency.

struct LatencyResult {
  std::vector<double> launch_ms, first_recorded_ms, first_seen_ms;
};

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
    if (rec.as_object().at("status").as_string() != "running") {
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
          recorded = ParseTimestamp(std::string(e.as_object().at("created_at").as_string()));
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
    if (status != "completed") {
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

// ---------------------------------------------------------------------------------------
// (c) paging a large log.

struct PagingFigures {
  uint64_t events = 0, pages = 0, json_bytes = 0;
  double generate_s = 0, cold_s = 0, raw_s = 0, redacted_s = 0;
  uint64_t log_bytes = 0;
};

PagingFigures MeasurePaging(const Env& env) {
  PagingFigures res;
  std::string home = env.tmp + "/home-c";
  std::string id = coven::core::NewUuid();
  std::string dir = home + "/sessions/" + id;
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    Fail("mkdir " + dir + ": " + ec.message());
  }
  for (const std::string& p : {home, home + "/sessions", dir}) {
    ::chmod(p.c_str(), 0700);
  }
  std::string log_path = dir + "/events.log";
  Progress(Format("(c) writing a log of %" PRIu64 " output events", env.opt.events));
  auto g0 = Clock::now();
  {
    auto writer = coven::eventlog::LogWriter::Create(log_path, id);
    if (!writer) {
      Fail("LogWriter::Create: " + writer.error().message);
    }
    int64_t now = coven::core::NowNanos();
    json::object start;
    start["argv"] = json::array{"codex", "bench"};
    start["cols"] = 80;
    start["rows"] = 24;
    start["cwd"] = env.project;
    if (!writer->Append(coven::eventlog::EventKind::kStart, json::serialize(start), now)) {
      Fail("append start");
    }
    char line[64];
    for (uint64_t i = 1; i <= env.opt.events; ++i) {
      int len = std::snprintf(line, sizeof(line), "line %08" PRIu64 " of the bench log\r\n", i);
      auto seq = writer->Append(coven::eventlog::EventKind::kOutput,
                                std::string_view(line, static_cast<size_t>(len)),
                                now + static_cast<int64_t>(i));
      if (!seq) {
        Fail("append: " + seq.error().message);
      }
    }
    if (!writer->Append(coven::eventlog::EventKind::kExit, R"({"exitCode":0,"status":"completed"})",
                        now + static_cast<int64_t>(env.opt.events) + 1)) {
      Fail("append exit");
    }
    if (!writer->Sync()) {
      Fail("sync log");
    }
  }
  {
    auto ledger = coven::store::Ledger::Open(home + "/coven.sqlite3");
    if (!ledger) {
      Fail("Ledger::Open: " + ledger.error().message);
    }
    coven::store::SessionRow row;
    row.id = id;
    row.project_root = env.project;
    row.cwd = env.project;
    row.harness = "codex";
    row.title = "coven_bench 1M events";
    row.status = "completed";
    row.exit_code = 0;
    row.created_at = row.updated_at = coven::core::NowTimestamp();
    if (!ledger->InsertSession(row)) {
      Fail("InsertSession");
    }
  }
  res.generate_s = SecondsSince(g0, Clock::now());
  struct stat st {};
  ::stat(log_path.c_str(), &st);
  res.log_bytes = static_cast<uint64_t>(st.st_size);

  Daemon d = StartDaemon(home, env.path_env);
  coven::client::DaemonClient c(d.socket, 60s);
  uint64_t expected = env.opt.events + 2;  // start + output + exit
  // Pass 1 (raw) is the first read of this log by the daemon: its reader builds the sparse
  // index as it goes. Passes 2 (raw) and 3 (redacted, the default) are warm.
  for (int pass = 1; pass <= 3; ++pass) {
    bool raw = pass < 3;
    uint64_t outputs = 0;
    auto t0 = Clock::now();
    PagingResult p = PageAll(c, id, raw, [&](const json::object& ev) {
      outputs += ev.at("kind").as_string() == "output" ? 1 : 0;
    });
    double s = SecondsSince(t0, Clock::now());
    if (p.events != expected || outputs != env.opt.events) {
      Fail(Format("(c) paged %" PRIu64 " events (%" PRIu64 " output), expected %" PRIu64, p.events,
                  outputs, expected));
    }
    (pass == 1 ? res.cold_s : pass == 2 ? res.raw_s : res.redacted_s) = s;
    res.events = p.events;
    res.pages = p.pages;
    res.json_bytes = p.json_bytes;
    Progress(Format(
        "(c) pass %d (%s): %" PRIu64 " events in %" PRIu64 " pages, %.3f s, %.0f events/s", pass,
        raw ? "raw=true" : "redacted", p.events, p.pages, s, static_cast<double>(p.events) / s));
  }
  StopDaemon(d);
  return res;
}

// ---------------------------------------------------------------------------------------
// (d) idle sessions.

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

// ---------------------------------------------------------------------------------------
// Report.

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
                 const std::optional<PagingFigures>& c, const std::optional<IdleFigures>& d) {
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
    row("    tmux 'pipe-pane' to a file", Format("%.1f MB/s", mb / a->tmux_s));
    row("    ratio coven / bare PTY", Format("%.2f", a->bare_s / a->coven_s));
    row("    ratio coven / tmux", Format("%.2f", a->tmux_s / a->coven_s));
    auto bytes_row = [&](const char* who, const Digest& got, uint64_t lost, bool ok) {
      row(Format("    %s: bytes captured / lost (worst run)", who),
          Format("%" PRIu64 " / %" PRIu64, got.bytes, lost));
      row(Format("    %s: every run byte-identical (CRC-32)", who), ok ? "yes" : "NO");
    };
    bytes_row("coven", a->coven, a->coven_lost, a->coven_ok);
    bytes_row("bare ", a->bare, a->bare_lost, a->bare_ok);
    bytes_row("tmux ", a->tmux, a->tmux_lost, a->tmux_ok);
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
  std::printf("%s\n", std::string(100, '-').c_str());
  std::fflush(stdout);
}

void Usage() {
  std::fprintf(stderr,
               "usage: coven_bench [--coven PATH] [--bytes N] [--reps N] [--launches N]\n"
               "                   [--events N] [--idle N] [--only abcd] [--keep-temp]\n");
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
    } else if (a == "--reps" || a == "--launches" || a == "--idle") {
      if (!number(&x) || x > 100000) {
        return false;
      }
      (a == "--reps"       ? o->reps
       : a == "--launches" ? o->launches
                           : o->idle_sessions) = static_cast<int>(x);
    } else if (a == "--only") {
      auto v = value();
      if (!v) {
        return false;
      }
      o->parts.clear();
      for (char ch : *v) {
        if (ch < 'a' || ch > 'd') {
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

int main(int argc, char** argv) {
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
  if (opt.parts.count('a') != 0 && ::access(TmuxExe().c_str(), X_OK) != 0) {
    std::fprintf(stderr, "coven_bench: part (a) needs tmux at %s\n", TmuxExe().c_str());
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
  Cleanup();
  PrintReport(env, load_before, a, b, c, d);
  bool ok = !a || (a->coven_ok && a->coven_lost == 0 && a->bare_ok);
  return ok ? 0 : 1;
}
