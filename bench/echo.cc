// (e) keystroke echo and the cost of an idle attach: a key typed into the user's terminal
// until its echo is back on that terminal, through `coven attach` (the direct path to the
// shim, and the daemon's WebSocket path that `--replay` still takes), `tmux attach`, and a
// bare PTY (the floor). The user's terminal is a PTY this bench owns; the session runs
// the fake harness's `echo` act, whose terminal echoes (cooked mode) what it is sent.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <thread>

#include "bench_support.h"

namespace coven::bench {
using namespace std::chrono_literals;

namespace {

// A program running in a terminal of ours (120x40), as in the user's terminal emulator.
class Terminal {
 public:
  Terminal(const std::vector<std::string>& argv,
           const std::vector<std::pair<std::string, std::string>>& env_set) {
    master_ = ::posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (master_ < 0 || ::grantpt(master_) != 0 || ::unlockpt(master_) != 0) {
      Fail(std::string("posix_openpt: ") + std::strerror(errno));
    }
    char slave_name[128];
    if (::ptsname_r(master_, slave_name, sizeof(slave_name)) != 0) {
      Fail("ptsname_r");
    }
    winsize ws{};
    ws.ws_row = 40;
    ws.ws_col = 120;
    ::ioctl(master_, TIOCSWINSZ, &ws);
    std::vector<std::string> env = ChildEnv(env_set);
    env.emplace_back("TERM=xterm-256color");
    std::vector<std::string> args = argv;
    std::vector<char*> cargv;
    std::vector<char*> cenv;
    for (std::string& a : args) {
      cargv.push_back(a.data());
    }
    cargv.push_back(nullptr);
    for (std::string& e : env) {
      cenv.push_back(e.data());
    }
    cenv.push_back(nullptr);
    pid_ = ::fork();
    if (pid_ == 0) {
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
      ::execve(cargv[0], cargv.data(), cenv.data());
      ::_exit(127);
    }
    if (pid_ < 0) {
      Fail("fork");
    }
    ::fcntl(master_, F_SETFL, O_NONBLOCK);
  }
  ~Terminal() {
    ::kill(-pid_, SIGKILL);
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    ::close(master_);
  }
  Terminal(const Terminal&) = delete;
  Terminal& operator=(const Terminal&) = delete;
  Terminal(Terminal&&) = delete;
  Terminal& operator=(Terminal&&) = delete;

  pid_t pid() const { return pid_; }

  // Reads what is there, waiting up to `wait` for the first byte.
  std::string Read(std::chrono::milliseconds wait) {
    std::string out;
    pollfd pfd{master_, POLLIN, 0};
    if (::poll(&pfd, 1, static_cast<int>(wait.count())) <= 0) {
      return out;
    }
    char buf[65536];
    for (;;) {
      ssize_t n = ::read(master_, buf, sizeof(buf));
      if (n > 0) {
        out.append(buf, static_cast<size_t>(n));
        continue;
      }
      if (n < 0 && errno == EINTR) {
        continue;
      }
      return out;
    }
  }

  // Reads until `quiet` passes with no output (the program has drawn its screen).
  void Settle(std::chrono::milliseconds quiet, std::chrono::seconds limit) {
    auto deadline = Clock::now() + limit;
    while (Clock::now() < deadline && !Read(quiet).empty()) {
    }
  }

  void Type(char ch) {
    while (::write(master_, &ch, 1) != 1) {
      if (errno != EINTR && errno != EAGAIN) {
        Fail(std::string("type into the terminal: ") + std::strerror(errno));
      }
    }
  }

 private:
  int master_ = -1;
  pid_t pid_ = -1;
};

// The text a terminal would show from `bytes`: escape sequences removed (CSI, OSC, and
// two-byte ESC forms), so a letter inside `ESC [ ? 25 l` is not taken for an echo.
std::string VisibleText(const std::string& bytes) {
  std::string out;
  for (size_t i = 0; i < bytes.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(bytes[i]);
    if (c != 0x1b) {
      if (c >= 0x20) {
        out += static_cast<char>(c);
      }
      continue;
    }
    if (i + 1 >= bytes.size()) {
      break;
    }
    char kind = bytes[++i];
    if (kind == '[') {
      while (++i < bytes.size() && (bytes[i] < 0x40 || bytes[i] > 0x7e)) {
      }
    } else if (kind == ']' || kind == 'P' || kind == '_') {
      while (++i < bytes.size() && bytes[i] != '\a' &&
             !(bytes[i] == 0x1b && i + 1 < bytes.size() && bytes[i + 1] == '\\')) {
      }
      if (i < bytes.size() && bytes[i] == 0x1b) {
        ++i;
      }
    } else if (kind == '(' || kind == ')' || kind == '#') {
      ++i;  // one more byte: the charset or line size
    }
  }
  return out;
}

// Types `keys` letters one at a time, each after the previous echo has come back, and
// returns the echo times in ms.
std::vector<double> TimeEchoes(Terminal& term, int keys) {
  std::vector<double> ms;
  for (int i = 0; i < keys; ++i) {
    char ch = static_cast<char>('a' + i % 26);
    std::string seen;
    auto t0 = Clock::now();
    term.Type(ch);
    auto deadline = t0 + 10s;
    for (;;) {
      seen += term.Read(1000ms);
      if (VisibleText(seen).find(ch) != std::string::npos) {
        break;
      }
      if (Clock::now() > deadline) {
        Fail(Format("no echo of '%c' within 10 s", ch));
      }
    }
    ms.push_back(SecondsSince(t0, Clock::now()) * 1000);
    term.Settle(2ms, 1s);  // the rest of the redraw, off the clock
  }
  return ms;
}

// Voluntary context switches (wake-ups from sleep) of every thread of `pid`.
uint64_t WakeUps(pid_t pid) {
  uint64_t total = 0;
  std::error_code ec;
  for (const auto& task : std::filesystem::directory_iterator(ProcPath(pid, "task"), ec)) {
    auto status = ReadWhole(task.path().string() + "/status");
    if (!status) {
      continue;
    }
    size_t at = status->find("voluntary_ctxt_switches:");
    if (at != std::string::npos && (at == 0 || (*status)[at - 1] == '\n')) {
      total += std::strtoull(status->c_str() + at + 24, nullptr, 10);
    }
  }
  return total;
}

std::vector<pid_t> ShimPids(const std::string& tag_entry) {
  std::vector<pid_t> out;
  for (pid_t pid : AllPids()) {
    auto cmd = ProcStrings(pid, "cmdline");
    if (cmd.size() > 1 && cmd[1] == "shim" && HasOurTag(pid, tag_entry)) {
      out.push_back(pid);
    }
  }
  return out;
}

}  // namespace

EchoFigures MeasureEcho(const Env& env) {
  EchoFigures f;
  f.keys = env.opt.keys;
  const std::vector<std::pair<std::string, std::string>> no_env;

  // Every path is set up first and then typed into in turns (kRounds blocks each), so a
  // change in the machine's load during the run weighs on all of them alike.
  Progress("(e) starting the bare PTY, tmux and coven sessions");
  Terminal bare({env.harness, "echo"}, {{"PATH", env.path_env}});
  bare.Settle(200ms, 10s);

  std::string sock = "coven-bench-echo-" + std::to_string(::getpid());
  {
    std::lock_guard<std::mutex> lock(g_state.mu);
    g_state.tmux_socket = sock;
  }
  RunResult started =
      Run({TmuxExe(), "-L", sock, "-f", "/dev/null", "new-session", "-d", "-x", "120", "-y", "40",
           env.harness + " echo", ";", "set", "-g", "status", "off"},
          {{"PATH", env.path_env}}, 10s);
  if (!Succeeded(started)) {
    Fail("tmux new-session: " + started.out);
  }
  Terminal tmux_client({TmuxExe(), "-L", sock, "attach"}, {{"PATH", env.path_env}});
  tmux_client.Settle(300ms, 10s);

  Daemon d = StartDaemon(env.tmp + "/home-e", env.path_env);
  coven::client::DaemonClient c(d.socket, 30s);
  auto launch = [&] {
    auto reply = Request(c, "POST", "/api/v1/sessions", LaunchBody(env.project, "echo"));
    if (reply.status != 201) {
      Fail("launch -> " + std::to_string(reply.status) + " " + reply.body);
    }
    return std::string(ParseJson(reply.body, "launch").as_object().at("id").as_string());
  };
  // Two sessions: output of one is not also drawn on the other path's terminal.
  std::string direct_id = launch();
  std::string replay_id = launch();
  const std::vector<std::pair<std::string, std::string>> coven_env = {{"PATH", env.path_env},
                                                                      {"COVEN_HOME", d.home}};
  Terminal coven_client({env.opt.coven_exe, "attach", direct_id}, coven_env);
  coven_client.Settle(300ms, 10s);

  // An idle attached session: nothing printed, nothing typed; every process on the path
  // (the attach client, the shims, the daemon) should sleep.
  Progress("(e) idle attached session");
  {
    std::vector<pid_t> pids = ShimPids("COVEN_BENCH_TAG=" + env.tmp);
    pids.push_back(coven_client.pid());
    pids.push_back(d.pid);
    uint64_t before = 0;
    for (pid_t p : pids) {
      before += WakeUps(p);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(env.opt.idle_window_ms));
    uint64_t after = 0;
    for (pid_t p : pids) {
      after += WakeUps(p);
    }
    f.idle_wakeups = after - before;
    f.idle_window_s = static_cast<double>(env.opt.idle_window_ms) / 1000;
  }

  Terminal replay_client({env.opt.coven_exe, "attach", "--replay", replay_id}, coven_env);
  replay_client.Settle(300ms, 10s);

  constexpr int kRounds = 5;
  auto append = [](std::vector<double>& to, const std::vector<double>& from) {
    to.insert(to.end(), from.begin(), from.end());
  };
  for (int r = 0; r < kRounds; ++r) {
    int keys = env.opt.keys / kRounds + (r < env.opt.keys % kRounds ? 1 : 0);
    Progress(Format("(e) echo round %d of %d: bare, tmux, coven, coven --replay", r + 1, kRounds));
    append(f.bare_ms, TimeEchoes(bare, keys));
    append(f.tmux_ms, TimeEchoes(tmux_client, keys));
    append(f.coven_ms, TimeEchoes(coven_client, keys));
    append(f.coven_daemon_ms, TimeEchoes(replay_client, keys));
  }

  (void)Run({TmuxExe(), "-L", sock, "kill-server"}, no_env, 10s);
  for (const std::string& id : {direct_id, replay_id}) {
    (void)Request(c, "POST", "/api/v1/sessions/" + id + "/kill");
  }
  StopDaemon(d);
  return f;
}

}  // namespace coven::bench
