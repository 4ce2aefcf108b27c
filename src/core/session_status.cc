#include "core/session_status.h"

namespace coven::core {
namespace {

struct StatusEntry {
  SessionStatus status;
  std::string_view name;
};

constexpr StatusEntry kStatuses[] = {
    {SessionStatus::kCreated, "created"},     {SessionStatus::kRunning, "running"},
    {SessionStatus::kCompleted, "completed"}, {SessionStatus::kFailed, "failed"},
    {SessionStatus::kKilled, "killed"},       {SessionStatus::kOrphaned, "orphaned"},
};

}  // namespace

std::string_view StatusName(SessionStatus status) {
  for (const StatusEntry& e : kStatuses) {
    if (e.status == status) {
      return e.name;
    }
  }
  return "unknown";
}

std::string StatusText(SessionStatus status) {
  return std::string(StatusName(status));
}

std::optional<SessionStatus> StatusFromName(std::string_view name) {
  for (const StatusEntry& e : kStatuses) {
    if (name == e.name) {
      return e.status;
    }
  }
  return std::nullopt;
}

bool IsStatus(std::string_view text, SessionStatus status) {
  return text == StatusName(status);
}

}  // namespace coven::core
