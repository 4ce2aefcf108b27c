// core/session_status.h: the statuses a session row can hold (SPEC 3.2), as a type.
//
// The ledger and the wire carry the status as text, and a ledger written by another
// version may hold a value this build does not know; so rows keep the text and code
// compares through this table (IsStatus) instead of spelling string literals. Every module
// that reads or writes a status uses these names; the activity states of a session will
// follow the same pattern.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace coven::core {

enum class SessionStatus {
  kCreated,    // inserted by the CLI, not started yet
  kRunning,    // its harness runs (or ran until the daemon last looked)
  kCompleted,  // the harness exited with status 0
  kFailed,     // non-zero exit, a signal, or a spawn failure
  kKilled,     // stopped by a kill request (sticky)
  kOrphaned,   // its shim vanished without logging an exit (sticky)
};

// The wire and ledger name ("running", ...). Thread-safe.
std::string_view StatusName(SessionStatus status);
// The same as a std::string, for fields that hold the text.
std::string StatusText(SessionStatus status);
// The status named `name` (exact, lowercase), or nullopt for a value this build does not
// know.
std::optional<SessionStatus> StatusFromName(std::string_view name);
// True when the stored or wire value `text` names `status`.
bool IsStatus(std::string_view text, SessionStatus status);

}  // namespace coven::core
