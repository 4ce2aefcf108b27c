// src/shim/shim_test_helpers.h: waiting and event-reading helpers for shim_test.cc (kept
// apart so the test file stays under STYLE's size). Test-only; included by the shim's test files.
#pragma once

#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "core/clock.h"
#include "eventlog/event_log.h"
#include "shim/shim.h"
#include "support/temp_dir.h"

namespace coven::shim::test_helpers {

using eventlog::Event;
using eventlog::EventKind;

// A hang guard, not a performance bound.
inline constexpr auto kDeadline = std::chrono::seconds(60);

// Polls `done` until it holds or the hang guard expires.
template <typename Pred>
inline bool WaitUntil(Pred done) {
  auto deadline = std::chrono::steady_clock::now() + kDeadline;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) {
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

// Reaps `pid` (our child) and returns its wait status; -1 on timeout or error.
inline int WaitExit(pid_t pid) {
  int status = -1;
  bool done = WaitUntil([&] {
    pid_t r = ::waitpid(pid, &status, WNOHANG);
    return r == pid || (r < 0 && errno != EINTR);
  });
  return done ? status : -1;
}

inline bool ProcessGone(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  if (!stat) {
    return true;
  }
  std::string line;
  std::getline(stat, line);
  size_t paren = line.rfind(')');
  return paren == std::string::npos || paren + 2 >= line.size() || line[paren + 2] == 'Z' ||
         line[paren + 2] == 'X';
}

inline std::vector<Event> ReadEvents(const std::string& dir) {
  std::vector<Event> out;
  auto reader = eventlog::LogReader::Open(EventLogPath(dir));
  if (!reader) {
    return out;
  }
  uint64_t after = 0;
  for (;;) {
    auto page = reader->ReadAfter(after, 1000, 16u << 20);
    if (!page || page->events.empty()) {
      return out;
    }
    after = page->events.back().seq;
    for (Event& e : page->events) {
      out.push_back(std::move(e));
    }
    if (!page->has_more) {
      return out;
    }
  }
}

inline std::string Output(const std::vector<Event>& events) {
  std::string out;
  for (const Event& e : events) {
    if (e.kind == EventKind::kOutput) {
      out += e.payload;
    }
  }
  return out;
}

inline std::vector<const Event*> OfKind(const std::vector<Event>& events, EventKind kind) {
  std::vector<const Event*> out;
  for (const Event& e : events) {
    if (e.kind == kind) {
      out.push_back(&e);
    }
  }
  return out;
}

inline void WriteScript(const std::string& path, const std::string& body) {
  std::ofstream(path) << "#!/bin/sh\n" << body;
  ::chmod(path.c_str(), 0755);
}

// Starts real shims (coven_shim_testhost plays `coven shim`) in a temporary home; kills
// and reaps a shim a test left running.
class ShimFixture : public ::testing::Test {
 protected:
  ShimFixture() : session_dir_(home_.path() + "/s") {
    std::filesystem::create_directory(session_dir_);
  }
  ~ShimFixture() override {
    if (launched_.shim_pid > 0 && !reaped_) {
      ::kill(launched_.shim_pid, SIGKILL);
      WaitExit(launched_.shim_pid);
    }
  }

  core::Result<LaunchedShim> Launch(std::vector<std::string> argv) {
    LaunchSpec spec;
    spec.coven_exe = COVEN_SHIM_TESTHOST;
    spec.options.session_id = core::NewUuid();
    spec.options.session_dir = session_dir_;
    spec.options.cwd = home_.path();
    spec.options.argv = std::move(argv);
    auto launched = LaunchShim(spec);
    if (launched) {
      launched_ = *launched;
    }
    return launched;
  }

  // Waits for the shim to exit and returns its wait status.
  int WaitShim() {
    reaped_ = true;
    return WaitExit(launched_.shim_pid);
  }

  // Waits until the logged output contains `text`.
  bool WaitForOutput(const std::string& text) {
    return WaitUntil(
        [&] { return Output(ReadEvents(session_dir_)).find(text) != std::string::npos; });
  }

  std::string Script(const std::string& name, const std::string& body) {
    std::string path = home_.path() + "/" + name;
    WriteScript(path, body);
    return path;
  }

  coven::testing::TempDir home_;
  std::string session_dir_;
  LaunchedShim launched_;
  bool reaped_ = false;
};

}  // namespace coven::shim::test_helpers
