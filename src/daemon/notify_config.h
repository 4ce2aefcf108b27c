// daemon/notify_config.h: the `notify` part of `$COVEN_HOME/config.json`
// (docs/attention.md):
//   {"notify": {"command": ["/path/to/program", "arg", ...], "desktop": true,
//               "minWorkSeconds": 3, "minIntervalSeconds": 10, "timeoutSeconds": 10}}
// Every field is optional. Read at daemon start and on `coven daemon reload` (SIGHUP).
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace coven::daemon {

struct NotifyConfig {
  // The user's program and its arguments, run with execve (never a shell); empty: none.
  std::vector<std::string> command;
  bool desktop = true;  // notify-send, when there is a desktop session
  // A transition notifies only after the agent was working (or unknown) this long, so
  // quick exchanges stay quiet.
  std::chrono::seconds min_work{3};
  // At most one notification per session per interval (a flapping session cannot spam).
  std::chrono::seconds min_interval{10};
  std::chrono::seconds timeout{10};  // the command is killed after this
};

// Parses config.json's text. kInvalidRequest naming the field, e.g. "`notify.command` must
// be a non-empty array of non-empty strings". Other top-level keys are ignored.
core::Result<NotifyConfig> ParseNotifyConfig(std::string_view json_text);
// Reads `path`: defaults when the file does not exist; the parse error prefixed with the
// path otherwise.
core::Result<NotifyConfig> LoadNotifyConfig(const std::string& path);

}  // namespace coven::daemon
