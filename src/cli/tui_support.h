// cli/tui_support.h: what the palette and the session browser share in cli/: running
// another `coven` command as a child (so behaviour stays identical to typing it), and
// turning session records into the browser's rows. Internal to cli/.
#pragma once

#include <string>
#include <vector>

#include "cli/session_client.h"
#include "tui/browser.h"

namespace coven::cli {

// Runs this very binary with `args` (argv[1...]) on the same terminal and waits for it.
// Returns its exit code (128 + signal when a signal ended it, 1 when it could not start,
// after printing why). Ignores SIGINT and SIGQUIT while waiting, as system(3) does, so
// Ctrl-C reaches only the child. Not thread-safe (changes signal dispositions).
int RunCovenChild(const std::vector<std::string>& args);

tui::BrowserSession ToBrowserSession(const client::SessionRecord& info);

// Reads one line from stdin in cooked mode after printing `prompt`; "" at end of input.
std::string AskLine(const std::string& prompt);

}  // namespace coven::cli
