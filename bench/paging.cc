// (c) paging a large event log through /events.
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
#include "eventlog/event_log.h"
#include "store/ledger.h"

namespace coven::bench {
using namespace std::chrono_literals;

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
    row.status = core::StatusText(core::SessionStatus::kCompleted);
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

}  // namespace coven::bench
