// (a) PTY output capture throughput: Coven, a bare PTY and tmux.
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
#include "pty/pty.h"

namespace coven::bench {
using namespace std::chrono_literals;

namespace {

struct CaptureRun {
  double seconds = 0;
  Digest got;
  uint64_t events = 0;      // Coven only: output events
  bool crc_checked = true;  // false: only the byte count is known (the bare reader)
};

// Times one capture: from the launch to the session's completion. The bytes are read back
// afterwards (VerifyCoven), outside the timed pair, so the bare run that pairs with this one
// follows it at once instead of after the read-back (seconds in which the VM's speed may
// change).
CaptureRun CaptureCoven(const Env& env, const Daemon& d, const std::string& file, std::string* id) {
  coven::client::DaemonClient c(d.socket, 30s);
  auto t0 = Clock::now();
  auto reply = Request(c, "POST", "/api/v1/sessions", LaunchBody(env.project, "cat:" + file));
  if (reply.status != 201) {
    Fail("launch -> " + std::to_string(reply.status) + " " + reply.body);
  }
  *id = std::string(ParseJson(reply.body, "launch").as_object().at("id").as_string());
  std::string status = WatchUntilNotRunning(d.socket, *id, 600s);
  auto t1 = Clock::now();
  if (!core::IsStatus(status, core::SessionStatus::kCompleted)) {
    Fail("capture session ended " + status);
  }
  CaptureRun run;
  run.seconds = SecondsSince(t0, t1);
  return run;
}

// Reads a capture's output back through /events (every byte, CRC), then sacrifices the
// session to free the disk.
void VerifyCoven(const Daemon& d, const std::string& id, CaptureRun* run, double* verify_seconds) {
  coven::client::DaemonClient c(d.socket, 30s);
  bool saw_exit = false;
  auto v0 = Clock::now();
  PageAll(c, id, /*raw=*/true, [&](const json::object& ev) {
    std::string_view kind = ev.at("kind").as_string();
    if (kind == "output") {
      json::value payload = ParseJson(std::string(ev.at("payload_json").as_string()), "payload");
      const json::string& data = payload.as_object().at("data").as_string();
      run->got.Add(data.data(), data.size());
      ++run->events;
    } else if (kind == "exit") {
      saw_exit = true;
    }
  });
  *verify_seconds = SecondsSince(v0, Clock::now());
  if (!saw_exit) {
    Fail("capture session has no exit event");
  }
  auto sac = Request(c, "POST", "/api/v1/sessions/" + id + "/sacrifice");
  if (sac.status != 200) {
    Fail("sacrifice -> " + std::to_string(sac.status) + " " + sac.body);
  }
}

CaptureRun CaptureBare(const Env& env, const std::string& file) {
  CaptureRun run;
  run.crc_checked = false;
  // The leanest reader: one reused buffer, bytes counted, nothing kept. Keeping every byte
  // for a CRC (a 200 MB buffer, until session 9) made it ~10% slower than a forkpty reader
  // in a probe, a softer baseline than it should be.
  std::vector<char> buf(64u << 10);
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
  bool open = true;
  while (open) {
    pollfd pfd{master, POLLIN, 0};
    if (::poll(&pfd, 1, -1) < 0 && errno != EINTR) {
      Fail(std::string("poll: ") + std::strerror(errno));
    }
    for (;;) {
      pty::MasterReadResult got = pty::ReadMaster(master, buf.data(), buf.size());
      if (got.status == pty::MasterRead::kData) {
        run.got.bytes += got.bytes;
        continue;
      }
      open = got.status == pty::MasterRead::kWouldBlock;  // else every slave fd is closed
      break;
    }
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  auto t1 = Clock::now();
  ::close(master);
  run.seconds = SecondsSince(t0, t1);
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

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

}  // namespace

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
    if (run.crc_checked ? !(run.got == res.expect) : run.got.bytes != res.expect.bytes) {
      *ok = false;
    }
  };
  // Each timed run starts with nothing left to write back: the one before it (tmux's 200 MB
  // pipe file, the coven log a sacrifice just removed) must not write back during it.
  auto quiet = [] {
    ::sync();
    std::this_thread::sleep_for(200ms);
  };
  auto verdict = [&](const CaptureRun& run) {
    if (!run.crc_checked) {
      return run.got.bytes == n ? "none (bytes not kept), count ok" : "none, count SHORT";
    }
    return run.got == res.expect ? "ok" : "MISMATCH";
  };
  auto record = [&](int rep, const char* who, const CaptureRun& run, uint64_t* lost, bool* ok,
                    std::vector<double>* runs, Digest* last, const std::string& more = "") {
    account(run, lost, ok);
    runs->push_back(run.seconds);
    *last = run.got;
    Progress(Format("(a) run %d %s %.3f s (%.1f MB/s), %" PRIu64 " bytes, crc %s%s", rep + 1, who,
                    run.seconds, static_cast<double>(n) / 1e6 / run.seconds, run.got.bytes,
                    verdict(run), more.c_str()));
  };
  for (int rep = 0; rep < env.opt.reps; ++rep) {
    // Coven and the bare reader back to back, in turns first, so a slow spell of the machine
    // weighs on both and neither always runs second. Coven's bytes are checked after the
    // pair.
    std::string id;
    CaptureRun c;
    CaptureRun b;
    if (rep % 2 == 0) {
      quiet();
      c = CaptureCoven(env, d, file, &id);
      quiet();
      b = CaptureBare(env, file);
    } else {
      quiet();
      b = CaptureBare(env, file);
      quiet();
      c = CaptureCoven(env, d, file, &id);
    }
    double verify = 0;
    VerifyCoven(d, id, &c, &verify);
    res.coven_events = c.events;
    res.verify_s = verify;
    record(
        rep, "coven", c, &res.coven_lost, &res.coven_ok, &res.coven_runs, &res.coven,
        Format("; %" PRIu64 " output events, read back via /events in %.3f s", c.events, verify));
    record(rep, "bare PTY", b, &res.bare_lost, &res.bare_ok, &res.bare_runs, &res.bare);
    res.pair_ratios.push_back(res.bare_runs.back() / res.coven_runs.back());
    if (std::getenv("COVEN_BENCH_NO_TMUX") == nullptr) {
      quiet();
      record(rep, "tmux", CaptureTmux(env, file, n, rep), &res.tmux_lost, &res.tmux_ok,
             &res.tmux_runs, &res.tmux);
    }
  }
  StopDaemon(d);
  res.coven_s = Median(res.coven_runs);
  res.bare_s = Median(res.bare_runs);
  res.tmux_s = Median(res.tmux_runs);
  res.pair_ratio = Median(res.pair_ratios);
  res.pair_geomean = GeometricMeanWithInterval(res.pair_ratios);
  ::unlink(file.c_str());
  return res;
}

}  // namespace coven::bench
