#include "sessions/ledger_rebuild.h"

#include <filesystem>
#include <optional>
#include <system_error>

#include <boost/json.hpp>

#include "core/clock.h"
#include "eventlog/event_log.h"
#include "shim/shim.h"

namespace coven::sessions {
namespace {

namespace json = boost::json;
using core::Result;
using eventlog::EventKind;

std::optional<json::object> ParseObject(const std::string& text) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec || !v.is_object()) {
    return std::nullopt;
  }
  return v.as_object();
}

std::string StringAt(const json::object& o, const char* key) {
  const json::value* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->as_string()) : std::string();
}

std::optional<int64_t> IntAt(const json::object& o, const char* key) {
  const json::value* v = o.if_contains(key);
  return v != nullptr && v->is_int64() ? std::optional<int64_t>(v->as_int64()) : std::nullopt;
}

// What the start event says: harness (argv[0]'s file name), title (the prompt, argv's last
// element), cwd, harness pid, and when it started.
void ApplyStart(const eventlog::Event& start, store::SessionRow& row) {
  row.created_at = core::FormatTimestamp(start.time_ns);
  std::optional<json::object> o = ParseObject(start.payload);
  if (!o) {
    return;
  }
  row.cwd = StringAt(*o, "cwd");
  row.harness_pid = IntAt(*o, "pid");
  if (const json::value* argv = o->if_contains("argv"); argv && argv->is_array()) {
    const json::array& a = argv->as_array();
    if (!a.empty() && a.front().is_string()) {
      row.harness = std::filesystem::path(std::string(a.front().as_string())).filename();
    }
    if (a.size() > 1 && a.back().is_string()) {
      row.title = std::string(a.back().as_string());
    }
  }
}

// The status SPEC 3.2 would have recorded, from the log (and the shim, when alive).
void ApplyOutcome(eventlog::LogReader& log, const std::string& dir, store::SessionRow& row) {
  auto exit = log.FindLast(EventKind::kExit);
  if (!exit || !exit->has_value()) {
    row.status = shim::Hello(dir) ? "running" : "orphaned";
    return;
  }
  std::optional<json::object> o = ParseObject((*exit)->payload);
  std::string status = o ? StringAt(*o, "status") : std::string();
  row.status = status.empty() ? "failed" : status;
  row.exit_code = o ? IntAt(*o, "exitCode") : std::nullopt;
  std::string signal = o ? StringAt(*o, "signal") : std::string();
  row.exit_signal = signal.empty() ? std::nullopt : std::optional<std::string>(signal);
  auto kill = log.FindLast(EventKind::kKill);
  if (kill && kill->has_value()) {
    row.status = "killed";  // sticky in the ledger (SPEC 3.2), and the log shows why
  }
  row.updated_at = core::FormatTimestamp((*exit)->time_ns);
}

// One folder's row, or the reason it cannot be rebuilt.
Result<store::SessionRow> RowFromFolder(const std::string& id, const std::string& dir,
                                        store::Ledger* salvage, bool* salvaged) {
  auto log = eventlog::LogReader::Open(shim::EventLogPath(dir));
  if (!log) {
    return log.error();
  }
  if (log->header().session_id != id) {
    return core::Error(core::ErrorCode::kCorrupt,
                       "its log belongs to session " + log->header().session_id);
  }
  auto first = log->ReadAfter(0, 1, 1);
  if (!first) {
    return first.error();
  }
  store::SessionRow row;
  row.id = id;
  if (!first->events.empty() && first->events.front().kind == EventKind::kStart) {
    ApplyStart(first->events.front(), row);
  }
  row.project_root = row.cwd;
  std::optional<store::SessionRow> old;
  if (salvage != nullptr) {
    auto got = salvage->GetSession(id);
    if (got && got->has_value()) {
      old = std::move(**got);
    }
  }
  *salvaged = old.has_value();
  if (old) {
    row.project_root = old->project_root;
    row.title = old->title;
    row.harness = old->harness;
    row.archived_at = old->archived_at;
    row.shim_pid = old->shim_pid;
    row.created_at = old->created_at;
    // Only the ledger knew these (issue 10): keep them, so a sacrifice still removes the
    // session's worktree and a Resume still finds its conversation.
    row.conversation_id = old->conversation_id;
    row.worktree_path = old->worktree_path;
    row.worktree_branch = old->worktree_branch;
  }
  row.updated_at = row.created_at;
  ApplyOutcome(*log, dir, row);
  if (old && old->status == "killed") {
    row.status = "killed";
  }
  return row;
}

}  // namespace

Result<RebuildReport> RebuildLedger(const std::string& sessions_dir, store::Ledger& fresh,
                                    store::Ledger* salvage) {
  RebuildReport report;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(sessions_dir, ec)) {
    std::string id = entry.path().filename().string();
    if (!entry.is_directory(ec)) {
      continue;
    }
    bool salvaged = false;
    auto row = RowFromFolder(id, entry.path().string(), salvage, &salvaged);
    if (!row) {
      report.skipped.push_back(id + ": " + row.error().message);
      continue;
    }
    if (core::Status s = fresh.InsertSession(*row); !s) {
      return s.error();
    }
    ++report.sessions;
    report.salvaged += salvaged ? 1 : 0;
    ++report.statuses[row->status];
  }
  return report;
}

}  // namespace coven::sessions
