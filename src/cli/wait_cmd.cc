// `coven wait <id> [--for asking|waiting|exit|any] [--timeout S]`: blocks until a session
// needs the user (or ends), for scripts (docs/attention.md). It follows the daemon's list
// stream, so it wakes on each change and never polls the daemon.
#include <poll.h>

#include <chrono>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/session_client.h"
#include "client/sessions.h"
#include "client/sse_stream.h"
#include "core/activity.h"
#include "core/session_status.h"
#include "core/strings.h"

namespace coven::cli {
namespace {

// Exit codes (documented in `coven wait --help` and docs/attention.md).
constexpr int kReached = 0;
constexpr int kError = 1;
constexpr int kUsage = 2;
constexpr int kTimedOut = 3;
constexpr int kEndedFirst = 4;

enum class Goal { kAsking, kWaiting, kExit, kAny };
struct GoalEntry {
  std::string_view name;
  Goal goal;
};
constexpr GoalEntry kGoals[] = {{"asking", Goal::kAsking},
                                {"waiting", Goal::kWaiting},
                                {"exit", Goal::kExit},
                                {"any", Goal::kAny}};

std::optional<Goal> GoalFromName(std::string_view name) {
  for (const GoalEntry& e : kGoals) {
    if (e.name == name) {
      return e.goal;
    }
  }
  return std::nullopt;
}

bool Wants(Goal goal, core::ActivityState state) {
  switch (goal) {
    case Goal::kAsking:
      return state == core::ActivityState::kAsking;
    case Goal::kWaiting:
      return state == core::ActivityState::kWaiting;
    case Goal::kAny:
      return state == core::ActivityState::kAsking || state == core::ActivityState::kWaiting;
    case Goal::kExit:
      return false;
  }
  return false;
}

// The exit code once `session` (nullopt: it left the list, sacrificed) is decided, or
// nullopt to keep waiting. Prints what was reached.
std::optional<int> Decide(Goal goal, const std::optional<client::SessionRecord>& session) {
  if (!session || !core::IsStatus(session->status, core::SessionStatus::kRunning)) {
    std::string status = session ? session->status : std::string("gone");
    std::printf("%s\n", core::TerminalSafe(status).c_str());
    return goal == Goal::kExit || goal == Goal::kAny ? kReached : kEndedFirst;
  }
  if (session->activity && Wants(goal, session->activity->state)) {
    std::printf("%s\n", std::string(core::ActivityName(session->activity->state)).c_str());
    return kReached;
  }
  return std::nullopt;
}

std::optional<client::SessionRecord> Find(const std::vector<client::SessionRecord>& list,
                                          const std::string& id) {
  for (const client::SessionRecord& s : list) {
    if (s.id == id) {
      return s;
    }
  }
  return std::nullopt;
}

int Wait(const SessionTarget& t, Goal goal, std::optional<std::chrono::milliseconds> timeout) {
  auto deadline =
      timeout ? std::optional(std::chrono::steady_clock::now() + *timeout) : std::nullopt;
  auto stream =
      client::SseStream::Open(t.daemon.socket_path(), "/api/v1/sessions?watch=true&all=true");
  if (!stream) {
    std::fprintf(stderr, "Error: %s\n", core::TerminalSafe(stream.error().message).c_str());
    return kError;
  }
  for (;;) {
    std::vector<client::SseEvent> events;
    auto open = (*stream)->ReadAvailable(events);
    for (const client::SseEvent& e : events) {
      if (e.event != "sessions") {
        continue;
      }
      if (auto list = client::ParseSessionList(e.data)) {
        if (auto code = Decide(goal, Find(*list, t.session.id))) {
          return *code;
        }
      }
    }
    if (!open || !*open) {
      std::fprintf(stderr, "Error: the daemon closed the session list stream\n");
      return kError;
    }
    int wait_ms = -1;
    if (deadline) {
      auto left = std::chrono::ceil<std::chrono::milliseconds>(*deadline -
                                                               std::chrono::steady_clock::now());
      if (left.count() <= 0) {
        std::printf("timeout\n");
        return kTimedOut;
      }
      wait_ms = static_cast<int>(left.count());
    }
    pollfd pfd{(*stream)->fd(), POLLIN, 0};
    (void)::poll(&pfd, 1, wait_ms);  // EINTR or a wake-up: both loop
  }
}

}  // namespace

void WaitCommand(Context& ctx, const Args& args) {
  std::string goal_name = args.Value("for").empty() ? "any" : args.Value("for");
  auto goal = GoalFromName(goal_name);
  if (!goal) {
    std::fprintf(stderr, "Error: --for must be asking, waiting, exit or any (got `%s`)\n",
                 core::TerminalSafe(goal_name).c_str());
    ctx.exit_code = kUsage;
    return;
  }
  std::optional<std::chrono::milliseconds> timeout;
  if (!args.Value("timeout").empty()) {
    auto seconds = core::ParseInt64(args.Value("timeout"));
    if (!seconds || *seconds < 0) {
      std::fprintf(stderr, "Error: --timeout must be a whole number of seconds\n");
      ctx.exit_code = kUsage;
      return;
    }
    timeout = std::chrono::seconds(*seconds);
  }
  auto target = OpenSession(ctx, args.Value("id"));
  if (!target) {
    return;
  }
  ctx.exit_code = Wait(*target, *goal, timeout);
}

}  // namespace coven::cli
