#include "support/testing.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>

extern char** environ;  // NOLINT(readability-redundant-declaration)

namespace coven::testing {
namespace {

using Clock = std::chrono::steady_clock;

int MillisLeft(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now()).count();
  return left < 0 ? 0 : static_cast<int>(left);
}

}  // namespace

std::string CovenBin() {
  return COVEN_BIN_PATH;
}

RunResult Run(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env,
              milliseconds deadline, const std::string& cwd) {
  RunResult result;
  std::map<std::string, std::string> merged;
  for (char** e = environ; *e != nullptr; ++e) {
    std::string kv = *e;
    size_t eq = kv.find('=');
    if (eq != std::string::npos) {
      merged[kv.substr(0, eq)] = kv.substr(eq + 1);
    }
  }
  for (const auto& [k, v] : env) {
    if (v == "\x01unset") {
      merged.erase(k);
    } else {
      merged[k] = v;
    }
  }
  std::vector<std::string> env_strings;
  for (const auto& [k, v] : merged) {
    env_strings.push_back(k + "=" + v);
  }
  std::vector<char*> envp;
  for (auto& s : env_strings) {
    envp.push_back(s.data());
  }
  envp.push_back(nullptr);
  std::vector<std::string> args = argv;
  std::vector<char*> cargv;
  for (auto& s : args) {
    cargv.push_back(s.data());
  }
  cargv.push_back(nullptr);

  int out_pipe[2];
  int err_pipe[2];
  if (::pipe2(out_pipe, O_CLOEXEC) != 0 || ::pipe2(err_pipe, O_CLOEXEC) != 0) {
    ADD_FAILURE() << "pipe2 failed";
    return result;
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, out_pipe[1], 1);
  posix_spawn_file_actions_adddup2(&actions, err_pipe[1], 2);
  if (!cwd.empty()) {
    posix_spawn_file_actions_addchdir_np(&actions, cwd.c_str());
  }
  // PATH lookup must use the child's PATH: resolve here.
  std::string program = args[0];
  if (program.find('/') == std::string::npos) {
    std::stringstream path(merged["PATH"]);
    std::string dir;
    while (std::getline(path, dir, ':')) {
      std::string candidate = (dir.empty() ? "." : dir) + "/" + program;
      if (::access(candidate.c_str(), X_OK) == 0) {
        program = candidate;
        break;
      }
    }
  }
  pid_t pid = 0;
  int rc = ::posix_spawn(&pid, program.c_str(), &actions, nullptr, cargv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  ::close(out_pipe[1]);
  ::close(err_pipe[1]);
  if (rc != 0) {
    ::close(out_pipe[0]);
    ::close(err_pipe[0]);
    ADD_FAILURE() << "posix_spawn " << program << ": " << std::strerror(rc);
    return result;
  }
  auto end = Clock::now() + deadline;
  pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
  int open_count = 2;
  bool timed_out = false;
  while (open_count > 0) {
    int left = MillisLeft(end);
    if (left == 0) {
      timed_out = true;
      break;
    }
    int r = ::poll(fds, 2, left);
    if (r < 0 && errno == EINTR) {
      continue;
    }
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd >= 0 && (fds[i].revents & (POLLIN | POLLHUP)) != 0) {
        char buf[65536];
        ssize_t n = ::read(fds[i].fd, buf, sizeof(buf));
        if (n > 0) {
          (i == 0 ? result.out : result.err).append(buf, static_cast<size_t>(n));
        } else {
          ::close(fds[i].fd);
          fds[i].fd = -1;
          --open_count;
        }
      }
    }
  }
  for (auto& f : fds) {
    if (f.fd >= 0) {
      ::close(f.fd);
    }
  }
  if (timed_out) {
    ::kill(pid, SIGKILL);
    ADD_FAILURE() << "command timed out: " << argv[0] << (argv.size() > 1 ? " " + argv[1] : "");
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  result.exit_code = WIFEXITED(status) && !timed_out ? WEXITSTATUS(status) : -1;
  return result;
}

void WriteFile(const std::string& path, const std::string& text, unsigned mode) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f << text;
  f.close();
  ::chmod(path.c_str(), mode);
}

std::string ReadFileOrEmpty(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

bool Exists(const std::string& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0;
}

unsigned FileMode(const std::string& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) {
    return 0;
  }
  return st.st_mode & 07777;
}

UnixConn::UnixConn(const std::string& socket_path) {
  fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  socket_path.copy(addr.sun_path, sizeof(addr.sun_path) - 1);
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    ::close(fd_);
    fd_ = -1;
  }
}

UnixConn::~UnixConn() {
  if (fd_ >= 0) {
    ::close(fd_);
  }
}

bool UnixConn::Send(const std::string& bytes) {
  size_t off = 0;
  while (off < bytes.size()) {
    ssize_t n = ::send(fd_, bytes.data() + off, bytes.size() - off, MSG_NOSIGNAL);
    if (n <= 0) {
      return false;
    }
    off += static_cast<size_t>(n);
  }
  return true;
}

void UnixConn::ShutdownWrite() {
  ::shutdown(fd_, SHUT_WR);
}

std::string UnixConn::ReadAll(milliseconds deadline, bool* eof) {
  auto end = Clock::now() + deadline;
  std::string out = std::move(pending_);
  pending_.clear();
  if (eof != nullptr) {
    *eof = false;
  }
  for (;;) {
    pollfd p{fd_, POLLIN, 0};
    int left = MillisLeft(end);
    if (left == 0 || ::poll(&p, 1, left) <= 0) {
      return out;
    }
    char buf[65536];
    ssize_t n = ::read(fd_, buf, sizeof(buf));
    if (n <= 0) {
      if (eof != nullptr) {
        *eof = true;
      }
      return out;
    }
    out.append(buf, static_cast<size_t>(n));
  }
}

std::string UnixConn::ReadResponse(milliseconds deadline) {
  auto end = Clock::now() + deadline;
  std::string buf = std::move(pending_);
  pending_.clear();
  for (;;) {
    size_t header_end = buf.find("\r\n\r\n");
    if (header_end != std::string::npos) {
      std::string headers = buf.substr(0, header_end);
      size_t length = 0;
      std::string lower = headers;
      for (char& c : lower) {
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      }
      size_t cl = lower.find("content-length:");
      if (cl != std::string::npos) {
        length = std::stoul(headers.substr(cl + 15));
      }
      size_t total = header_end + 4 + length;
      if (buf.size() >= total) {
        pending_ = buf.substr(total);
        return buf.substr(0, total);
      }
    }
    pollfd p{fd_, POLLIN, 0};
    int left = MillisLeft(end);
    if (left == 0 || ::poll(&p, 1, left) <= 0) {
      return "";
    }
    char chunk[65536];
    ssize_t n = ::read(fd_, chunk, sizeof(chunk));
    if (n <= 0) {
      return "";
    }
    buf.append(chunk, static_cast<size_t>(n));
  }
}

HttpResult ParseHttp(const std::string& raw) {
  HttpResult r;
  size_t header_end = raw.find("\r\n\r\n");
  if (raw.rfind("HTTP/1.", 0) != 0 || header_end == std::string::npos) {
    return r;
  }
  r.status = std::atoi(raw.c_str() + 9);
  r.headers = raw.substr(0, header_end);
  r.body = raw.substr(header_end + 4);
  return r;
}

HttpResult Http(const std::string& socket_path, const std::string& method,
                const std::string& target, const std::string& body, milliseconds deadline) {
  UnixConn conn(socket_path);
  if (!conn.connected()) {
    return {};
  }
  std::string req = method + " " + target + " HTTP/1.1\r\nHost: coven\r\nConnection: close\r\n";
  if (!body.empty() || method == "POST") {
    req +=
        "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
  }
  req += "\r\n" + body;
  conn.Send(req);
  return ParseHttp(conn.ReadAll(deadline));
}

CovenHome::CovenHome() {
  home_ = dir_ / "home";
  bin_dir_ = dir_ / "bin";
  std::filesystem::create_directories(bin_dir_);
  env_["COVEN_HOME"] = home_;
  const char* path = std::getenv("PATH");  // NOLINT(concurrency-mt-unsafe)
  env_["PATH"] = bin_dir_ + ":" + (path != nullptr ? path : "/usr/bin:/bin");
  env_["NO_COLOR"] = "1";
}

CovenHome::~CovenHome() {
  int pid = DaemonPid();
  if (pid > 0 && ProcessAlive(pid)) {
    Run({CovenBin(), "daemon", "stop"}, env_, milliseconds(15'000));
    if (ProcessAlive(pid)) {
      ::kill(pid, SIGKILL);
    }
  }
}

RunResult CovenHome::Coven(const std::vector<std::string>& args, milliseconds deadline,
                           const std::string& cwd) {
  std::vector<std::string> argv{CovenBin()};
  argv.insert(argv.end(), args.begin(), args.end());
  return Run(argv, env_, deadline, cwd);
}

void CovenHome::StartDaemon() {
  RunResult r = Coven({"daemon", "start"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ASSERT_NE(r.out.find("status=running"), std::string::npos) << r.out;
}

int CovenHome::DaemonPid() const {
  std::string text = ReadFileOrEmpty(home_ + "/daemon.json");
  size_t p = text.find("\"pid\":");
  if (p == std::string::npos) {
    return 0;
  }
  return std::atoi(text.c_str() + p + 6);
}

void CovenHome::AddScript(const std::string& name, const std::string& body) {
  WriteFile(bin_dir_ + "/" + name, body, 0755);
}

bool WaitFor(const std::function<bool()>& pred, milliseconds deadline) {
  auto end = Clock::now() + deadline;
  while (Clock::now() < end) {
    if (pred()) {
      return true;
    }
    std::this_thread::sleep_for(milliseconds(5));
  }
  return pred();
}

bool ProcessAlive(pid_t pid) {
  if (pid <= 0 || ::kill(pid, 0) != 0) {
    return false;
  }
  std::string stat = ReadFileOrEmpty("/proc/" + std::to_string(pid) + "/stat");
  size_t paren = stat.rfind(')');
  return paren == std::string::npos || paren + 2 >= stat.size() || stat[paren + 2] != 'Z';
}

}  // namespace coven::testing
