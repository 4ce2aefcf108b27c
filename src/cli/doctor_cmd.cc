// `coven doctor [--json]`: is everything in place to run sessions? Creates nothing and
// starts nothing. Exit 1 when a blocking problem is found; each problem names its fix.
// `coven doctor --repair` rebuilds a damaged ledger (daemon/ledger_repair.h).
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include <boost/json.hpp>

#include "cli/commands.h"
#include "cli/output.h"
#include "client/daemon_client.h"
#include "core/strings.h"
#include "daemon/ledger_repair.h"
#include "daemon/lifecycle.h"
#include "daemon/notify_config.h"
#include "harness/harness_registry.h"

namespace coven::cli {
namespace json = boost::json;

namespace {

struct Report {
  json::object doc;
  std::vector<std::string> problems;  // blocking, each with its fix
  std::vector<std::string> notes;     // worth knowing, not blocking
};

void CheckStore(const core::HomePaths& paths, Report& r) {
  json::object store;
  store["path"] = paths.home;
  struct stat st {};
  if (::lstat(paths.home.c_str(), &st) != 0) {
    store["state"] = "absent";
    r.notes.push_back("the store " + paths.home +
                      " does not exist yet; it is created (0700) on first use");
  } else if (S_ISLNK(st.st_mode) || !S_ISDIR(st.st_mode)) {
    store["state"] = "invalid";
    r.problems.push_back(
        paths.home +
        " is not a real directory (a symlink or a file); point COVEN_HOME at a folder of your own");
  } else if (st.st_uid != ::geteuid()) {
    store["state"] = "foreign";
    r.problems.push_back(paths.home +
                         " belongs to another user; set COVEN_HOME to a folder of your own");
  } else {
    store["state"] = (st.st_mode & 077) == 0 ? "ok" : "too-open";
    if ((st.st_mode & 077) != 0) {
      r.notes.push_back(paths.home +
                        " is readable by others; the daemon tightens it to 0700 when it starts");
    }
  }
  r.doc["store"] = std::move(store);
}

// Harness readiness: the daemon's view when it runs (it is what launches), else ours.
json::array CheckHarnesses(const core::HomePaths& paths, const json::object* daemon_view,
                           Report& r) {
  json::array list;
  if (daemon_view != nullptr) {
    list = daemon_view->at("harnesses").as_array();
    for (const auto& p : daemon_view->at("adapterProblems").as_array()) {
      r.notes.push_back("adapter skipped: " + std::string(p.as_string()));
    }
  } else {
    harness::HarnessRegistry registry = harness::HarnessRegistry::Load(paths.adapters);
    const char* path = std::getenv("PATH");  // NOLINT(concurrency-mt-unsafe)
    for (const harness::Adapter& a : registry.adapters()) {
      auto found = harness::FindOnPath(a.executable, path != nullptr ? path : "");
      json::object o;
      o["id"] = a.id;
      o["label"] = a.label;
      o["executable"] = a.executable;
      o["ready"] = found.has_value();
      o["path"] = found ? json::value(*found) : json::value(nullptr);
      o["installHint"] = a.install_hint;
      o["passThrough"] = a.pass_through;
      o["builtin"] = a.builtin;
      list.emplace_back(std::move(o));
    }
    for (const std::string& p : registry.problems()) {
      r.notes.push_back("adapter skipped: " + p);
    }
  }
  bool any_agent = false;
  for (const auto& h : list) {
    if (h.at("ready").as_bool() && h.at("id") != "demo") {
      any_agent = true;
    }
  }
  if (!any_agent) {
    r.notes.push_back(
        "no coding agent is installed yet; install one (hints above) or try `coven run demo "
        "hello`");
  }
  return list;
}

// A string field of the report as it may be shown on a terminal: paths, manifest labels and
// hints, and the daemon's words are data from elsewhere, never controls.
std::string Shown(const json::value& v) {
  return core::TerminalSafe(v.as_string());
}

// Without a daemon the ledger is checked here, read-only, so a damaged one (which keeps
// the daemon from starting) is reported with its fix.
void CheckLedgerLocally(const core::HomePaths& paths, Report& r) {
  daemon::LedgerHealth health = daemon::CheckLedger(paths);
  if (!health.exists) {
    return;
  }
  json::object ledger;
  ledger["path"] = paths.ledger;
  ledger["integrity"] = health.findings;
  r.doc["ledger"] = std::move(ledger);
  if (!health.is_ok) {
    r.problems.push_back(daemon::DamagedLedgerMessage(paths, health.findings));
  }
}

// `coven doctor --repair`: rebuilds a damaged ledger from the session folders.
int Repair(const core::HomePaths& paths, Context& ctx) {
  daemon::LedgerHealth health = daemon::CheckLedger(paths);
  if (health.is_ok) {
    std::printf("coven doctor: the ledger %s is healthy; nothing to repair\n",
                core::TerminalSafe(paths.ledger).c_str());
    return 0;
  }
  auto outcome = daemon::RepairLedger(paths);
  if (!outcome) {
    return ctx.Fail(outcome.error());
  }
  const sessions::RebuildReport& report = outcome->report;
  std::string counts;
  for (const auto& [status, n] : report.statuses) {
    counts += (counts.empty() ? "" : " ") + status + "=" + std::to_string(n);
  }
  std::printf(
      "coven doctor: rebuilt %s from %d session folders (%s; %d rows salvaged from the damaged "
      "file)\ncoven doctor: the damaged ledger is kept as %s\n",
      core::TerminalSafe(paths.ledger).c_str(), report.sessions, counts.c_str(), report.salvaged,
      core::TerminalSafe(outcome->kept_as).c_str());
  for (const std::string& skipped : report.skipped) {
    std::printf("coven doctor: skipped %s\n", core::TerminalSafe(skipped).c_str());
  }
  return 0;
}

// The notification set-up (docs/attention.md): the daemon's when it runs; config.json is
// checked here either way, so a bad file is a problem naming the field.
json::array CheckNotifications(const core::HomePaths& paths, const json::object* daemon_view,
                               Report& r) {
  json::array lines;
  auto config = daemon::LoadNotifyConfig(paths.home + "/config.json");
  if (!config) {
    r.problems.push_back(config.error().message + "; fix it, then `coven daemon reload`");
  }
  const json::value* described =
      daemon_view != nullptr ? daemon_view->if_contains("notifications") : nullptr;
  if (described != nullptr && described->is_array()) {
    return described->as_array();
  }
  if (config) {
    std::string command;
    for (const std::string& arg : config->command) {
      command += (command.empty() ? "" : " ") + arg;
    }
    lines.emplace_back("command: " + (command.empty() ? std::string("none") : command));
    lines.emplace_back(std::string("desktop: ") + (config->desktop ? "on when the daemon has a "
                                                                     "desktop session"
                                                                   : "off (config.json)"));
  }
  return lines;
}

std::string Render(const Report& r, const json::array& harnesses, bool color) {
  std::string out = Styled("Coven doctor", "1", color) + "\n";
  out += "Store: " + Shown(r.doc.at("store").at("path")) + " (" +
         Shown(r.doc.at("store").at("state")) + ")\n";
  out += "Project: " + Shown(r.doc.at("project")) + "\n";
  out += "Daemon: " + Shown(r.doc.at("daemon").at("summary")) + "\n";
  if (const auto* ledger = r.doc.if_contains("ledger")) {
    const json::value* schema = ledger->as_object().if_contains("schemaVersion");
    out += "Ledger: " + Shown(ledger->at("integrity")) +
           (schema != nullptr ? " (schema " + std::to_string(schema->as_int64()) + ")" : "") + "\n";
  }
  if (const auto* n = r.doc.if_contains("notifications"); n != nullptr && n->is_array()) {
    out += "Notifications:";
    for (const auto& line : n->as_array()) {
      out += "\n  " + Shown(line);
    }
    out += "\n";
  }
  out += "\nHarnesses:\n";
  for (const auto& h : harnesses) {
    bool ready = h.at("ready").as_bool();
    out += "  " + (ready ? Styled("[OK]", "32", color) : Styled("[!!]", "33", color)) + " " +
           Pad(Shown(h.at("label")), 11) + " `" + Shown(h.at("executable")) + "` " +
           (ready ? "is ready" : "is missing") + "\n";
    if (!ready) {
      out += "       " + Shown(h.at("installHint")) + "\n";
    }
  }
  for (const std::string& p : r.problems) {
    out += "\n" + Styled("Problem: ", "31", color) + core::TerminalSafe(p);
  }
  for (const std::string& n : r.notes) {
    out += "\nNote: " + core::TerminalSafe(n);
  }
  out +=
      "\n\nNext steps:\n  coven run codex \"explain this repo in 5 bullets\"\n  coven sessions\n";
  return out;
}

}  // namespace

void DoctorCommand(Context& ctx, const Args& args) {
  bool as_json = args.Flag("json");
  bool repair = args.Flag("repair");
  auto home = ctx.Home();
  if (!home) {
    return;
  }
  if (repair) {
    ctx.exit_code = Repair(*home, ctx);
    return;
  }
  Report r;
  CheckStore(*home, r);
  std::error_code ec;
  r.doc["project"] = std::filesystem::canonical(std::filesystem::current_path(ec), ec).string();
  json::object daemon_json;
  std::optional<json::object> daemon_view;
  auto status = daemon::DaemonStatus(*home);
  if (status && status->state == daemon::DaemonState::kRunning) {
    daemon_json["running"] = true;
    daemon_json["pid"] = status->pid;
    client::DaemonClient c(home->socket);
    auto health = c.Get("/api/v1/health");
    auto doctor = c.Get("/api/v1/doctor");
    std::string version = "?";
    if (health && health->status == 200) {
      json::value h = json::parse(health->body);
      version = std::string(h.at("covenVersion").as_string());
      daemon_json["apiVersion"] = h.at("apiVersion");
    }
    daemon_json["version"] = version;
    daemon_json["summary"] = "running pid=" + std::to_string(status->pid) + " version=" + version +
                             " api=coven.daemon.v1";
    if (doctor && doctor->status == 200) {
      daemon_view = json::parse(doctor->body).as_object();
      r.doc["ledger"] = daemon_view->at("ledger");
      if (daemon_view->at("ledger").at("integrity") != "ok") {
        r.problems.push_back("the ledger " + home->ledger +
                             " failed its integrity check; stop the daemon (`coven daemon "
                             "stop`), then run `coven doctor --repair` to rebuild it from the "
                             "session logs");
      }
    }
  } else {
    CheckLedgerLocally(*home, r);
    daemon_json["running"] = false;
    bool stale = status && status->state == daemon::DaemonState::kStale;
    daemon_json["summary"] = stale ? "stale (pid " + std::to_string(status->pid) +
                                         " does not answer); run `coven daemon restart`"
                                   : "not running; `coven daemon start` (run starts it too)";
    if (stale) {
      r.problems.push_back(
          "the daemon does not answer on its socket (stopped or wedged); run `coven daemon "
          "restart`");
    }
  }
  r.doc["daemon"] = std::move(daemon_json);
  r.doc["notifications"] = CheckNotifications(*home, daemon_view ? &*daemon_view : nullptr, r);
  json::array harnesses = CheckHarnesses(*home, daemon_view ? &*daemon_view : nullptr, r);
  if (as_json) {
    r.doc["harnesses"] = harnesses;
    json::array problems;
    for (const auto& p : r.problems) {
      problems.emplace_back(p);
    }
    json::array notes;
    for (const auto& n : r.notes) {
      notes.emplace_back(n);
    }
    r.doc["problems"] = std::move(problems);
    r.doc["notes"] = std::move(notes);
    r.doc["ok"] = r.problems.empty();
    std::printf("%s\n", json::serialize(r.doc).c_str());
  } else {
    std::fputs(Render(r, harnesses, UseColor(1)).c_str(), stdout);
  }
  ctx.exit_code = r.problems.empty() ? 0 : 1;
}

}  // namespace coven::cli
