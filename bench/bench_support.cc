// coven_bench's shared helpers (bench_support.h).
#include "bench_support.h"

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
#include <iterator>
#include <numeric>
#include <thread>

#include "client/sessions.h"
#include "client/sse_stream.h"
#include "core/clock.h"
#include "core/session_status.h"
#include "payload.h"

extern char** environ;  // NOLINT(readability-redundant-declaration)

namespace coven::bench {
using namespace std::chrono_literals;

double SecondsSince(Clock::time_point t0, Clock::time_point t1) {
  return std::chrono::duration<double>(t1 - t0).count();
}

// ---------------------------------------------------------------------------------------
// Options and global state (the cleanup needs to reach it from a signal thread).

State g_state;

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
                                 const std::string& target, const std::string& body) {
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
    if (!core::IsStatus(status, core::SessionStatus::kRunning)) {
      return status;
    }
    if (Clock::now() > deadline) {
      Fail("session " + id + " still running after " + std::to_string(timeout.count()) + " s");
    }
    std::this_thread::sleep_for(interval);
  }
}

std::string WatchUntilNotRunning(const std::string& socket, const std::string& id,
                                 std::chrono::seconds timeout) {
  auto stream = coven::client::SseStream::Open(socket, "/api/v1/sessions?watch=true&all=true");
  if (!stream) {
    Fail("watch the session list: " + stream.error().message);
  }
  auto deadline = Clock::now() + timeout;
  for (;;) {
    std::vector<coven::client::SseEvent> events;
    auto open = (*stream)->ReadAvailable(events);
    for (const coven::client::SseEvent& e : events) {
      if (e.event != "sessions") {
        continue;
      }
      auto list = coven::client::ParseSessionList(e.data);
      if (!list) {
        Fail("session list event: " + list.error().message);
      }
      for (const coven::client::SessionRecord& rec : *list) {
        if (rec.id == id && !core::IsStatus(rec.status, core::SessionStatus::kRunning)) {
          return rec.status;
        }
      }
    }
    if (!open || !*open) {
      Fail("the session list stream ended before session " + id + " did");
    }
    auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) {
      Fail("session " + id + " still running after " + std::to_string(timeout.count()) + " s");
    }
    pollfd pfd{(*stream)->fd(), POLLIN, 0};
    (void)::poll(&pfd, 1, static_cast<int>(left.count()));  // EINTR: loop
  }
}

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

MeanInterval GeometricMeanWithInterval(const std::vector<double>& ratios) {
  MeanInterval r;
  size_t n = ratios.size();
  if (n == 0) {
    return r;
  }
  std::vector<double> logs;
  logs.reserve(n);
  for (double x : ratios) {
    logs.push_back(std::log(x));
  }
  double mean = std::accumulate(logs.begin(), logs.end(), 0.0) / static_cast<double>(n);
  r.mean = r.low = r.high = std::exp(mean);
  if (n < 2) {
    return r;
  }
  double ss = 0;
  for (double l : logs) {
    ss += (l - mean) * (l - mean);
  }
  double se = std::sqrt(ss / static_cast<double>(n - 1) / static_cast<double>(n));
  // Two-sided 95% quantiles of Student's t for n - 1 = 1..30 degrees of freedom, then ~2.
  static constexpr double kT95[] = {12.71, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306,
                                    2.262, 2.228, 2.201, 2.179, 2.160, 2.145, 2.131, 2.120,
                                    2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064,
                                    2.060, 2.056, 2.052, 2.048, 2.045, 2.042};
  size_t df = n - 1;
  double t = df <= std::size(kT95) ? kT95[df - 1] : 2.0;
  r.low = std::exp(mean - t * se);
  r.high = std::exp(mean + t * se);
  return r;
}

// ---------------------------------------------------------------------------------------
// The fake harness: the same script for every measurement. The prompt says what it does.

std::string FakeHarnessScript() {
  return R"(#!/bin/sh
# coven_bench's fake harness. Coven runs it as `codex [options] -- <prompt>` (options:
# Coven's activity hook, docs/attention.md); the prompt, the last argument, picks the act.
for act; do :; done
case "$act" in
  cat:*)  # write a file to the terminal verbatim (-opost: no \n -> \r\n rewriting)
    stty -opost
    exec cat -- "${act#cat:}" ;;
  hello)  # one line of output, then exit
    printf 'hello from the fake harness\n'
    exit 0 ;;
  idle)   # nothing at all, until killed
    exec sleep 100000 ;;
  echo)   # reads its terminal in cooked mode: what is typed is echoed by the terminal
    exec cat >/dev/null ;;
  *)
    echo "coven_bench fake harness: unknown act: $act" >&2
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
  PayloadGenerator gen;
  std::string block;
  uint64_t written = 0;
  while (written < n) {
    gen.NextBlock(&block);
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

}  // namespace coven::bench
