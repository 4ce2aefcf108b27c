// tests/support/testing.h: helpers for tests that drive the real `coven` binary.
// Every wait has a deadline so a bug fails the test instead of hanging it.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "support/temp_dir.h"

namespace coven::testing {

using std::chrono::milliseconds;

// True in the ASan/UBSan and TSan builds, where every process under test runs several
// times slower: tests that repeat for a race or move a lot of data scale themselves down.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
inline constexpr bool kSanitized = true;
#else
inline constexpr bool kSanitized = false;
#endif

// The `coven` binary under test.
std::string CovenBin();

struct RunResult {
  int exit_code = -1;  // -1 when killed by the deadline or a signal
  std::string out;
  std::string err;
};

// Runs argv (argv[0] looked up on PATH of `env`) with the current environment plus `env`
// overrides (a value of "\x01unset" removes the variable), stdin from /dev/null, and
// returns its exit code and output. Kills it at the deadline.
RunResult Run(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env,
              milliseconds deadline = milliseconds(30'000), const std::string& cwd = "");

// Writes `text` to `path` with `mode`.
void WriteFile(const std::string& path, const std::string& text, unsigned mode = 0644);
std::string ReadFileOrEmpty(const std::string& path);
bool Exists(const std::string& path);
unsigned FileMode(const std::string& path);  // st_mode & 07777 (lstat)

// A connected Unix stream socket; closes on destruction.
class UnixConn {
 public:
  explicit UnixConn(const std::string& socket_path);
  ~UnixConn();
  UnixConn(const UnixConn&) = delete;
  UnixConn& operator=(const UnixConn&) = delete;
  UnixConn(UnixConn&&) = delete;
  UnixConn& operator=(UnixConn&&) = delete;
  bool connected() const { return fd_ >= 0; }
  int fd() const { return fd_; }
  bool Send(const std::string& bytes);
  void ShutdownWrite();
  // Reads until EOF or the deadline; `eof` tells which.
  std::string ReadAll(milliseconds deadline, bool* eof = nullptr);
  // Reads one HTTP response (headers plus Content-Length body), or "" at the deadline.
  std::string ReadResponse(milliseconds deadline);

 private:
  int fd_ = -1;
  std::string pending_;
};

struct HttpResult {
  int status = 0;
  std::string headers;
  std::string body;
};
// Parses "HTTP/1.1 200 OK\r\n...\r\n\r\nbody".
HttpResult ParseHttp(const std::string& raw);
// One request on a fresh connection (Connection: close); status 0 when nothing answered.
HttpResult Http(const std::string& socket_path, const std::string& method,
                const std::string& target, const std::string& body = "",
                milliseconds deadline = milliseconds(10'000));

// A temporary COVEN_HOME with helpers to run coven in it; stops any daemon it started.
class CovenHome {
 public:
  CovenHome();
  ~CovenHome();
  CovenHome(const CovenHome&) = delete;
  CovenHome& operator=(const CovenHome&) = delete;
  CovenHome(CovenHome&&) = delete;
  CovenHome& operator=(CovenHome&&) = delete;

  const std::string& home() const { return home_; }
  std::string socket() const { return home_ + "/coven.sock"; }
  std::string file(const std::string& name) const { return home_ + "/" + name; }
  // Folder for fake harness scripts, first on PATH for every Run().
  const std::string& bin_dir() const { return bin_dir_; }
  std::map<std::string, std::string>& env() { return env_; }

  RunResult Coven(const std::vector<std::string>& args,
                  milliseconds deadline = milliseconds(30'000), const std::string& cwd = "");
  // `coven daemon start`, asserting success.
  void StartDaemon();
  // The daemon pid from daemon.json (0 when absent).
  int DaemonPid() const;
  // Adds an executable script `name` to bin_dir().
  void AddScript(const std::string& name, const std::string& body);

 private:
  TempDir dir_;
  std::string home_;
  std::string bin_dir_;
  std::map<std::string, std::string> env_;
};

// Polls `pred` every few milliseconds until it is true or the deadline passes.
bool WaitFor(const std::function<bool()>& pred, milliseconds deadline = milliseconds(10'000));

// True when `pid` exists and is not a zombie.
bool ProcessAlive(pid_t pid);

}  // namespace coven::testing
