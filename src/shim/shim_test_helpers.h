// src/shim/shim_test_helpers.h: waiting and event-reading helpers for shim_test.cc (kept
// apart so the test file stays under STYLE's size). Test-only; included by one test file.
#pragma once

#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "eventlog/event_log.h"

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

}  // namespace coven::shim::test_helpers
