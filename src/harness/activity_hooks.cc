#include "harness/activity_hooks.h"

#include <cstdlib>
#include <fstream>

#include <boost/json.hpp>

namespace coven::harness {
namespace json = boost::json;
using core::ActivityState;

namespace {

constexpr size_t kMaxDetailBytes = 200;

// The Claude Code hook events Coven listens to, in the order they come in a turn.
constexpr std::string_view kClaudeEvents[] = {"UserPromptSubmit",  "PreToolUse",   "PostToolUse",
                                              "PermissionRequest", "Notification", "Stop"};

struct EventEntry {
  std::string_view event;
  ActivityState state;
  std::string_view detail_field;  // the document field shown as detail, if any
};
constexpr EventEntry kClaudeTable[] = {
    {"UserPromptSubmit", ActivityState::kWorking, ""},
    {"PreToolUse", ActivityState::kWorking, "tool_name"},
    {"PostToolUse", ActivityState::kWorking, "tool_name"},
    {"PermissionRequest", ActivityState::kAsking, "tool_name"},
    {"Stop", ActivityState::kWaiting, ""},
};

struct NotificationEntry {
  std::string_view type;
  ActivityState state;
};
constexpr NotificationEntry kNotificationTable[] = {
    {"permission_prompt", ActivityState::kAsking},
    {"elicitation_dialog", ActivityState::kAsking},
    {"idle_prompt", ActivityState::kWaiting},
};

// POSIX shell single quotes: Claude runs a hook's `command` through a shell.
std::string ShellQuote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  }
  return out + "'";
}

// A TOML basic string.
std::string TomlString(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
    }
    out += c;
  }
  return out + "\"";
}

std::string Field(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->as_string()) : std::string();
}

std::optional<json::object> ParseObject(std::string_view text) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec || !v.is_object()) {
    return std::nullopt;
  }
  return std::move(v.as_object());
}

std::optional<HookReport> NotificationReport(const json::object& doc) {
  std::string type = Field(doc, "notification_type");
  std::string message = Field(doc, "message").substr(0, kMaxDetailBytes);
  for (const NotificationEntry& e : kNotificationTable) {
    if (type == e.type) {
      return HookReport{e.state, message};
    }
  }
  // Older versions send no type: the message says which.
  if (message.find("permission") != std::string::npos) {
    return HookReport{ActivityState::kAsking, message};
  }
  if (message.find("waiting for your input") != std::string::npos) {
    return HookReport{ActivityState::kWaiting, message};
  }
  return std::nullopt;
}

// Reads one TOML string at `*pos` of `line`; nullopt when there is none.
std::optional<std::string> TomlStringAt(const std::string& line, size_t* pos) {
  char quote = line[*pos];
  if (quote != '"' && quote != '\'') {
    return std::nullopt;
  }
  std::string out;
  for (size_t i = *pos + 1; i < line.size(); ++i) {
    if (line[i] == quote) {
      *pos = i + 1;
      return out;
    }
    if (quote == '"' && line[i] == '\\' && i + 1 < line.size()) {
      ++i;
    }
    out += line[i];
  }
  return std::nullopt;
}

std::vector<std::string> ParseStringArray(const std::string& line, size_t pos) {
  std::vector<std::string> out;
  auto skip = [&] {
    while (pos < line.size() && (line[pos] == ' ' || line[pos] == '\t' || line[pos] == ',')) {
      ++pos;
    }
  };
  skip();
  if (pos >= line.size() || line[pos] != '[') {
    return {};
  }
  ++pos;
  for (;;) {
    skip();
    if (pos < line.size() && line[pos] == ']') {
      return out;
    }
    if (pos >= line.size()) {
      return {};
    }
    auto s = TomlStringAt(line, &pos);
    if (!s) {
      return {};
    }
    out.push_back(std::move(*s));
  }
}

}  // namespace

std::vector<std::string> HookOptions(HookKind kind, const std::string& coven_exe,
                                     const std::string& session_id,
                                     const std::vector<std::string>& user_codex_notify) {
  if (kind == HookKind::kClaudeSettings) {
    std::string command = ShellQuote(coven_exe) + " __hook " + ShellQuote(session_id) + " claude";
    json::object hooks;
    for (std::string_view event : kClaudeEvents) {
      json::object handler{{"type", "command"}, {"command", command}, {"timeout", 10}};
      json::object group{{"hooks", json::array{handler}}};
      hooks[event] = json::array{group};
    }
    json::object settings{{"hooks", hooks}};
    return {"--settings", json::serialize(settings)};
  }
  if (kind == HookKind::kCodexNotify) {
    std::vector<std::string> argv = {coven_exe, "__hook", session_id, "codex"};
    if (!user_codex_notify.empty()) {
      argv.emplace_back("--");
      argv.insert(argv.end(), user_codex_notify.begin(), user_codex_notify.end());
    }
    std::string value = "notify=[";
    for (size_t i = 0; i < argv.size(); ++i) {
      value += (i == 0 ? "" : ",") + TomlString(argv[i]);
    }
    return {"-c", value + "]"};
  }
  return {};
}

std::vector<std::string> ReadCodexNotify(const std::string& config_toml) {
  std::ifstream in(config_toml);
  std::string line;
  while (std::getline(in, line)) {
    size_t start = line.find_first_not_of(" \t");
    if (start == std::string::npos || line[start] == '#') {
      continue;
    }
    if (line[start] == '[') {
      return {};  // a table began: a top-level key can no longer follow
    }
    if (line.compare(start, 6, "notify") != 0) {
      continue;
    }
    size_t eq = line.find_first_not_of(" \t", start + 6);
    if (eq == std::string::npos || line[eq] != '=') {
      continue;
    }
    return ParseStringArray(line, eq + 1);
  }
  return {};
}

std::string CodexConfigPath() {
  // NOLINTNEXTLINE(concurrency-mt-unsafe): nothing in the daemon sets the environment
  if (const char* home = std::getenv("CODEX_HOME"); home != nullptr && *home != '\0') {
    return std::string(home) + "/config.toml";
  }
  // NOLINTNEXTLINE(concurrency-mt-unsafe): as above
  if (const char* home = std::getenv("HOME"); home != nullptr && *home != '\0') {
    return std::string(home) + "/.codex/config.toml";
  }
  return {};
}

std::optional<HookReport> ClaudeHookReport(std::string_view text) {
  auto doc = ParseObject(text);
  if (!doc) {
    return std::nullopt;
  }
  std::string event = Field(*doc, "hook_event_name");
  if (event == "Notification") {
    return NotificationReport(*doc);
  }
  for (const EventEntry& e : kClaudeTable) {
    if (event == e.event) {
      std::string detail = e.detail_field.empty() ? "" : Field(*doc, e.detail_field);
      return HookReport{e.state, detail.substr(0, kMaxDetailBytes)};
    }
  }
  return std::nullopt;
}

std::optional<HookReport> CodexNotifyReport(std::string_view text) {
  auto doc = ParseObject(text);
  if (!doc || Field(*doc, "type") != "agent-turn-complete") {
    return std::nullopt;
  }
  return HookReport{ActivityState::kWaiting,
                    Field(*doc, "last-assistant-message").substr(0, kMaxDetailBytes)};
}

}  // namespace coven::harness
