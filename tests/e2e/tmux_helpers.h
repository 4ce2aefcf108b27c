// tests/e2e/tmux_helpers.h: drives an interactive `coven` inside a private tmux server, so
// the CLI sees a real terminal (raw mode, SIGWINCH, Ctrl-C, Ctrl-]). Header-only. Every
// wait has a deadline; the server is killed on destruction so no pane outlives the test.
#pragma once

#include <unistd.h>

#include <atomic>
#include <map>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "support/testing.h"

namespace coven::testing {

// Quotes `s` for a POSIX shell (single quotes).
inline std::string ShellQuote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  }
  return out + "'";
}

// One tmux server on its own socket (-L), with one detached session `t` of 100x30.
// Not thread-safe.
class Tmux {
 public:
  Tmux() {
    static std::atomic<int> counter{0};
    name_ = "coven-cli-" + std::to_string(::getpid()) + "-" + std::to_string(counter++);
    env_["TMUX"] = "\x01unset";
    env_["TMUX_PANE"] = "\x01unset";
    env_["SHELL"] = "/bin/sh";
  }
  ~Tmux() {
    Cmd({"kill-server"});
    if (!socket_path_.empty()) {
      ::unlink(socket_path_.c_str());  // tmux leaves the socket file behind
    }
  }
  Tmux(const Tmux&) = delete;
  Tmux& operator=(const Tmux&) = delete;
  Tmux(Tmux&&) = delete;
  Tmux& operator=(Tmux&&) = delete;

  // Starts the session running `shell_command` (via /bin/sh) in a 100x30 window.
  bool Start(const std::string& shell_command) {
    RunResult r = Cmd({"new-session", "-d", "-x", "100", "-y", "30", "-s", "t", shell_command});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    if (r.exit_code == 0) {
      socket_path_ = Trimmed(Cmd({"display-message", "-p", "#{socket_path}"}).out);
    }
    return r.exit_code == 0;
  }

  // Types `text` literally (no key names).
  void Type(const std::string& text) { Cmd({"send-keys", "-t", "t", "-l", text}); }
  // Presses one key by tmux name ("Enter", "C-c", "C-]").
  void Key(const std::string& key) { Cmd({"send-keys", "-t", "t", key}); }
  // Types `line` then presses Enter.
  void Line(const std::string& line) {
    Type(line);
    Key("Enter");
  }
  void Resize(int cols, int rows) {
    Cmd({"resize-window", "-t", "t", "-x", std::to_string(cols), "-y", std::to_string(rows)});
  }

  // The pane's whole history plus screen, wrapped lines joined ("" once the pane is gone).
  std::string Screen() {
    RunResult r = Cmd({"capture-pane", "-p", "-J", "-S", "-", "-t", "t"});
    return r.exit_code == 0 ? r.out : std::string();
  }

  // The visible screen only, one entry per terminal row (entry 0 is row 1), wrapped lines
  // kept apart, so an index maps to a row (e.g. for mouse clicks). Empty once the pane is gone.
  std::vector<std::string> Rows() {
    RunResult r = Cmd({"capture-pane", "-p", "-t", "t"});
    std::vector<std::string> rows;
    if (r.exit_code != 0) {
      return rows;
    }
    size_t from = 0;
    for (size_t nl = r.out.find('\n'); nl != std::string::npos; nl = r.out.find('\n', from)) {
      rows.push_back(r.out.substr(from, nl - from));
      from = nl + 1;
    }
    if (from < r.out.size()) {
      rows.push_back(r.out.substr(from));
    }
    return rows;
  }

  // Waits until the screen contains `text`; on failure reports the screen.
  bool WaitScreen(const std::string& text, milliseconds deadline = milliseconds(15'000)) {
    bool ok = WaitFor([&] { return Screen().find(text) != std::string::npos; }, deadline);
    EXPECT_TRUE(ok) << "the screen never showed [" << text << "]; it was:\n" << Screen();
    return ok;
  }

  RunResult Cmd(const std::vector<std::string>& args) {
    std::vector<std::string> argv{"tmux", "-L", name_, "-f", "/dev/null"};
    argv.insert(argv.end(), args.begin(), args.end());
    return Run(argv, env_, milliseconds(10'000));
  }

 private:
  static std::string Trimmed(std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) {
      s.pop_back();
    }
    return s;
  }

  std::string name_;
  std::string socket_path_;
  std::map<std::string, std::string> env_;
};

}  // namespace coven::testing
