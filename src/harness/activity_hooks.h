// harness/activity_hooks.h: how each harness tells Coven what its agent is doing
// (docs/attention.md, "Hooks").
//
// At launch the adapter adds options that make the harness run `coven __hook <session-id>
// <kind>` on its own events, without replacing the user's settings:
//   - Claude Code: `--settings <json>` with `hooks` for UserPromptSubmit, PreToolUse,
//     PostToolUse, PermissionRequest, Notification and Stop. Claude merges the flag's
//     settings with the user, project and local ones, and hook lists from every source are
//     concatenated, so the user's own hooks still run.
//   - Codex: `-c notify=[...]`. Codex has one `notify` program, and `-c` replaces the one
//     in config.toml; so when the user's config.toml (`$CODEX_HOME`, default ~/.codex) has
//     a top-level `notify`, its argv is appended after `--` and `coven __hook` runs it with
//     the same JSON argument after reporting (chaining, not clobbering).
// `coven __hook` then turns the harness's event document into a report (the parsers
// below) and posts it to the daemon with the session's token from its environment.
// This module builds argv and parses documents; it spawns nothing.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/activity.h"
#include "core/result.h"

namespace coven::harness {

// Which hook mechanism an adapter has.
enum class HookKind { kNone, kClaudeSettings, kCodexNotify };

// The environment variables that carry the session's identity to `coven __hook`.
inline constexpr std::string_view kHookSessionEnv = "COVEN_SESSION_ID";
inline constexpr std::string_view kHookTokenEnv = "COVEN_HOOK_TOKEN";

// The options to add (before the prompt, as other added options) for `kind`; empty for
// kNone. `user_codex_notify` is the user's own notify argv (see ReadCodexNotify), chained.
std::vector<std::string> HookOptions(HookKind kind, const std::string& coven_exe,
                                     const std::string& session_id,
                                     const std::vector<std::string>& user_codex_notify);

// The top-level `notify = [ ... ]` array of the Codex config at `config_toml`, or an
// empty vector when the file or the key is missing or not an array of strings (a simple
// reader: basic and literal TOML strings on one line). Never fails.
std::vector<std::string> ReadCodexNotify(const std::string& config_toml);
// $CODEX_HOME/config.toml, else $HOME/.codex/config.toml; empty when neither is set.
std::string CodexConfigPath();

struct HookReport {
  core::ActivityState state = core::ActivityState::kUnknown;
  std::string detail;
};

// Claude Code's hook document (stdin): by `hook_event_name`, UserPromptSubmit, PreToolUse
// and PostToolUse mean working, PermissionRequest asking, Stop waiting, and Notification
// asking or waiting by `notification_type` (permission_prompt, elicitation_dialog: asking;
// idle_prompt: waiting). nullopt for other events and for documents that are not JSON.
std::optional<HookReport> ClaudeHookReport(std::string_view json);
// Codex's notify argument: {"type":"agent-turn-complete",...} means waiting (detail: the
// start of `last-assistant-message`). nullopt for other types.
std::optional<HookReport> CodexNotifyReport(std::string_view json);

}  // namespace coven::harness
