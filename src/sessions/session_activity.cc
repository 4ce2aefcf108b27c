// SessionManager's part of attention (docs/attention.md): the hook token, the activity
// reports of hooks and shims, and the attach count that keeps notifications quiet.
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/unique_fd.h"
#include "harness/activity_hooks.h"
#include "sessions/session_manager.h"

namespace coven::sessions {
using core::Error;
using core::ErrorCode;

namespace {

constexpr const char* kTokenFile = "/hook.token";

std::string HexToken() {
  unsigned char bytes[16];
  core::RandomBytes(bytes, sizeof(bytes));
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char b : bytes) {
    out += kHex[b >> 4];
    out += kHex[b & 15];
  }
  return out;
}

// Compares without stopping at the first difference, so the time taken says nothing about
// how much of a guessed token was right.
bool SameToken(const std::string& a, const std::string& b) {
  if (a.size() != b.size() || a.empty()) {
    return false;
  }
  unsigned char diff = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  }
  return diff == 0;
}

}  // namespace

std::vector<std::string> SessionManager::HookOptionsFor(const harness::Adapter& adapter,
                                                        harness::LaunchMode mode,
                                                        const std::string& id) const {
  // One-shot runs have no turns to tell apart.
  if (mode != harness::LaunchMode::kInteractive || adapter.hooks == harness::HookKind::kNone) {
    return {};
  }
  std::vector<std::string> user_notify;
  if (adapter.hooks == harness::HookKind::kCodexNotify) {
    user_notify = harness::ReadCodexNotify(harness::CodexConfigPath());
  }
  return harness::HookOptions(adapter.hooks, options_.coven_exe, id, user_notify);
}

core::Result<std::vector<std::string>> SessionManager::MakeHookEnv(const std::string& id,
                                                                   const std::string& dir) const {
  // The token lives in the session folder (0600 in a 0700 home) so that a restarted daemon
  // still knows it; the harness gets it in its environment, never on a command line.
  std::string token = HexToken();
  if (core::Status s = core::WriteFileAtomic(dir + kTokenFile, token, 0600); !s) {
    return s.error();
  }
  return std::vector<std::string>{std::string(harness::kHookSessionEnv) + "=" + id,
                                  std::string(harness::kHookTokenEnv) + "=" + token,
                                  "COVEN_HOME=" + options_.paths.home};
}

std::optional<core::Activity> SessionManager::Activity(const std::string& id) const {
  return activity_.Get(id);
}

core::Status SessionManager::ReportHook(const std::string& id, const std::string& token,
                                        core::ActivityState state, const std::string& detail) {
  auto row = RequireSession(id);
  if (!row) {
    return row.error();
  }
  if (!IsLive(id)) {
    return Error(ErrorCode::kSessionNotLive, "Session is not live.").WithDetail("sessionId", id);
  }
  auto expected = core::ReadFile(SessionDir(id) + kTokenFile);
  if (!expected || !SameToken(*expected, token)) {
    return Error(ErrorCode::kInvalidRequest, "the hook token does not belong to this session");
  }
  OnActivity(id, ActivitySignal{state, core::ActivitySource::kHook, detail, core::NowNanos()});
  return core::Ok();
}

void SessionManager::OnActivity(const std::string& id, const ActivitySignal& signal) {
  auto change = activity_.Apply(id, signal);
  if (!change) {
    return;
  }
  NotifyListChanged();
  if (!change->is_transition() || !options_.on_activity) {
    return;
  }
  auto row = RequireSession(id);
  if (!row) {
    return;
  }
  options_.on_activity(ActivityTransition{std::move(*row), *change, IsAttached(id)});
}

void SessionManager::AttachBegin(const std::string& id) {
  core::MutexLock lock(&attach_mu_);
  ++attached_[id];
}

void SessionManager::AttachEnd(const std::string& id) {
  core::MutexLock lock(&attach_mu_);
  auto it = attached_.find(id);
  if (it != attached_.end() && --it->second <= 0) {
    attached_.erase(it);
  }
}

bool SessionManager::IsAttached(const std::string& id) const {
  core::MutexLock lock(&attach_mu_);
  return attached_.count(id) != 0;
}

}  // namespace coven::sessions
