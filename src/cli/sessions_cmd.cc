// `coven sessions [--all] [--plain] [--json]` (SPEC 6.4).
#include <cstdio>
#include <string>

#include <boost/json.hpp>

#include "cli/commands.h"
#include "cli/output.h"
#include "cli/session_client.h"
#include "core/strings.h"
#include "tui/terminal.h"

namespace coven::cli {
namespace json = boost::json;

namespace {

// Pretty JSON with 2-space indentation and object keys sorted (serde_json's default).
void PrettySorted(const json::value& v, std::string& out, int indent) {
  std::string pad(static_cast<size_t>(indent) * 2, ' ');
  std::string inner(static_cast<size_t>(indent + 1) * 2, ' ');
  if (v.is_object()) {
    const json::object& o = v.as_object();
    if (o.empty()) {
      out += "{}";
      return;
    }
    std::vector<std::string_view> keys;
    for (const auto& kv : o) {
      keys.push_back(kv.key());
    }
    std::sort(keys.begin(), keys.end());
    out += "{\n";
    for (size_t i = 0; i < keys.size(); ++i) {
      out += inner + json::serialize(json::value(keys[i])) + ": ";
      PrettySorted(o.at(keys[i]), out, indent + 1);
      out += i + 1 < keys.size() ? ",\n" : "\n";
    }
    out += pad + "}";
  } else if (v.is_array()) {
    const json::array& a = v.as_array();
    if (a.empty()) {
      out += "[]";
      return;
    }
    out += "[\n";
    for (size_t i = 0; i < a.size(); ++i) {
      out += inner;
      PrettySorted(a[i], out, indent + 1);
      out += i + 1 < a.size() ? ",\n" : "\n";
    }
    out += pad + "]";
  } else {
    out += json::serialize(v);
  }
}

std::string PlainTable(const std::vector<client::SessionRecord>& sessions, bool all) {
  std::string out;
  if (sessions.empty()) {
    out += all ? "No Coven sessions yet \xE2\x80\x94 active or archived.\n"
               : "No active Coven sessions yet.\n";
    out +=
        "Start or inspect with:\n"
        "  coven run codex \"explain this repo in 5 bullets\"\n"
        "  coven sessions --all\n"
        "  coven doctor\n";
    return out;
  }
  auto row = [](const std::string& a, const std::string& b, const std::string& c,
                const std::string& d, const std::string& e) {
    return Pad(a, 36) + " " + Pad(b, 10) + " " + Pad(c, 8) + " " + Pad(d, 8) + " " + e + "\n";
  };
  out += row("SESSION", "STATUS", "HARNESS", "RITUAL", "TITLE");
  out += row("-------", "------", "-------", "------", "-----");
  for (const client::SessionRecord& s : sessions) {
    // Titles come from API clients (a chat user's words): shown, never obeyed.
    out +=
        row(core::TerminalSafe(s.id), core::TerminalSafe(s.status), core::TerminalSafe(s.harness),
            s.archived_at ? "archived" : "active", core::TerminalSafe(s.title));
  }
  out +=
      "\nRituals:\n"
      "  coven summon SESSION_ID          bring an archived session back and attach\n"
      "  coven archive SESSION_ID         hide a finished session from the active list\n"
      "  coven sacrifice SESSION_ID --yes delete a finished session and its event log\n";
  return out;
}

}  // namespace

void SessionsCommand(Context& ctx, const Args& args) {
  bool all = args.Flag("all");
  bool plain = args.Flag("plain");
  bool as_json = args.Flag("json");
  bool manage = args.Flag("manage");
  const std::string& project = args.Value("project");
  auto home = ctx.Home();
  if (!home) {
    return;
  }
  std::string filter;
  if (!project.empty()) {
    auto canonical = CanonicalProject(project);
    if (!canonical) {
      ctx.Fail(canonical.error());
      return;
    }
    filter = *canonical;
  }
  auto daemon = EnsureDaemon(*home);
  if (!daemon) {
    ctx.Fail(daemon.error());
    return;
  }
  if (!plain && !as_json && (manage || (tui::IsTerminal(0) && tui::IsTerminal(1)))) {
    int code = RunSessionBrowser(ctx, *home, all, filter);
    if (code >= 0) {
      ctx.exit_code = code;
      return;
    }
  }
  auto sessions = client::ListSessions(*daemon, all, filter);
  if (!sessions) {
    ctx.Fail(sessions.error());
    return;
  }
  if (as_json) {
    json::array list;
    for (const client::SessionRecord& s : *sessions) {
      list.push_back(json::parse(s.json));
    }
    json::object doc;
    doc["sessions"] = std::move(list);
    std::string out;
    PrettySorted(doc, out, 0);
    std::printf("%s\n", out.c_str());
    return;
  }
  std::fputs(PlainTable(*sessions, all).c_str(), stdout);
  if (manage && !sessions->empty()) {
    std::printf("\nTip: run `coven sessions` in a terminal to manage sessions with the keys.\n");
  }
}

}  // namespace coven::cli
