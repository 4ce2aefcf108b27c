#include "daemon/notifier.h"

#include <poll.h>
#include <unistd.h>

#include <utility>

#include "core/clock.h"
#include "core/strings.h"
#include "core/unique_fd.h"
#include "harness/harness_registry.h"
#include "pty/process_spawn.h"

namespace coven::daemon {
namespace {

using core::ActivityState;

// How long the worker waits for `__notify-run`'s report beyond the program's own timeout
// (the helper's start and its SIGKILL).
constexpr int kReportSlackMs = 5000;

std::vector<std::string> WithEnv(const std::vector<std::string>& extra) {
  std::vector<std::string> env;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    std::string_view entry(*e);
    if (!entry.starts_with("COVEN_SESSION_ID=") && !entry.starts_with("COVEN_ACTIVITY=") &&
        !entry.starts_with("COVEN_TITLE=") && !entry.starts_with("COVEN_PROJECT=") &&
        !entry.starts_with("COVEN_DETAIL=")) {
      env.emplace_back(entry);
    }
  }
  env.insert(env.end(), extra.begin(), extra.end());
  return env;
}

// Reads `__notify-run`'s one-line report, bounded by `timeout_ms`; empty on timeout.
std::string ReadReport(int fd, int timeout_ms) {
  std::string line;
  char buf[256];
  while (line.find('\n') == std::string::npos) {
    pollfd pfd{fd, POLLIN, 0};
    if (::poll(&pfd, 1, timeout_ms) <= 0) {
      break;
    }
    ssize_t n = ::read(fd, buf, sizeof(buf));
    if (n <= 0) {
      break;
    }
    line.append(buf, static_cast<size_t>(n));
  }
  return line.substr(0, line.find('\n'));
}

}  // namespace

bool ShouldNotify(const sessions::ActivityTransition& t, const NotifyConfig& config,
                  std::optional<int64_t> last_notified_nanos) {
  const core::Activity& before = t.change.before;
  const core::Activity& after = t.change.after;
  if (t.attached || before.state == after.state) {
    return false;
  }
  if (after.state != ActivityState::kAsking && after.state != ActivityState::kWaiting) {
    return false;
  }
  // From work (or from not knowing) to needing the user; asking <-> waiting is not news.
  if (before.state != ActivityState::kWorking && before.state != ActivityState::kUnknown) {
    return false;
  }
  int64_t worked = after.since_nanos - before.since_nanos;
  if (worked < std::chrono::nanoseconds(config.min_work).count()) {
    return false;
  }
  return !last_notified_nanos || after.since_nanos - *last_notified_nanos >=
                                     std::chrono::nanoseconds(config.min_interval).count();
}

Notifier::Notifier(Options options) : options_(std::move(options)) {
  notify_send_ = harness::FindOnPath("notify-send", options_.path_env).value_or("");
  worker_ = std::thread([this] { Work(); });
}

Notifier::~Notifier() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    jobs_.clear();
  }
  wake_.notify_all();
  worker_.join();
}

void Notifier::SetConfig(NotifyConfig config) {
  std::lock_guard lock(mu_);
  config_ = std::move(config);
}

void Notifier::OnTransition(const sessions::ActivityTransition& t) {
  std::lock_guard lock(mu_);
  auto last = last_sent_.find(t.row.id);
  std::optional<int64_t> last_nanos;
  if (last != last_sent_.end()) {
    last_nanos = last->second;
  }
  if (!ShouldNotify(t, config_, last_nanos)) {
    return;
  }
  last_sent_[t.row.id] = t.change.after.since_nanos;
  std::string state(core::ActivityName(t.change.after.state));
  std::vector<std::string> env = {
      "COVEN_SESSION_ID=" + t.row.id, "COVEN_ACTIVITY=" + state, "COVEN_TITLE=" + t.row.title,
      "COVEN_PROJECT=" + t.row.project_root, "COVEN_DETAIL=" + t.change.after.detail};
  if (config_.desktop && options_.has_desktop && !notify_send_.empty()) {
    std::string summary = "Coven: " + t.row.title + " is " + state;
    jobs_.push_back({{notify_send_, "--app-name=Coven", "--", summary, t.change.after.detail},
                     env,
                     config_.timeout});
  }
  if (!config_.command.empty()) {
    jobs_.push_back({config_.command, env, config_.timeout});
  }
  wake_.notify_one();
}

std::vector<std::string> Notifier::Describe() const {
  std::lock_guard lock(mu_);
  std::vector<std::string> out;
  std::string desktop = !config_.desktop        ? "off (config.json)"
                        : notify_send_.empty()  ? "off (notify-send not found on PATH)"
                        : !options_.has_desktop ? "off (no DISPLAY or WAYLAND_DISPLAY)"
                                                : "on (" + notify_send_ + ")";
  out.push_back("desktop: " + desktop);
  std::string command;
  for (const std::string& arg : config_.command) {
    command += (command.empty() ? "" : " ") + arg;
  }
  out.push_back("command: " + (command.empty() ? std::string("none") : command));
  out.push_back("after " + std::to_string(config_.min_work.count()) + "s of work, at most every " +
                std::to_string(config_.min_interval.count()) + "s per session, killed after " +
                std::to_string(config_.timeout.count()) + "s");
  return out;
}

void Notifier::Work() {
  for (;;) {
    Job job;
    {
      std::unique_lock lock(mu_);
      wake_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
      if (stopping_) {
        return;
      }
      job = std::move(jobs_.front());
      jobs_.pop_front();
    }
    RunJob(job);
  }
}

void Notifier::RunJob(const Job& job) {
  auto pipe = core::MakePipe();
  if (!pipe) {
    options_.log("notification not sent: " + pipe.error().message);
    return;
  }
  pty::ProcessOptions p;
  p.argv = {options_.coven_exe, "__notify-run",
            std::to_string(std::chrono::milliseconds(job.timeout).count()), "--"};
  p.argv.insert(p.argv.end(), job.argv.begin(), job.argv.end());
  p.env = WithEnv(job.env);
  p.new_session = true;
  p.stdio_to_null = true;
  p.default_signals = true;
  p.close_other_fds = true;
  p.fd3 = pipe->write.fd();
  auto pid = pty::SpawnProcess(p);
  pipe->write.Reset();
  if (!pid) {
    options_.log("notification not sent: " + pid.error().message);
    return;
  }
  int wait_ms = static_cast<int>(std::chrono::milliseconds(job.timeout).count()) + kReportSlackMs;
  std::string report = ReadReport(pipe->read.fd(), wait_ms);
  if (report != "exit 0") {
    options_.log("notification command " + core::TerminalSafe(job.argv[0]) + ": " +
                 (report.empty() ? std::string("no report") : report));
  }
}

}  // namespace coven::daemon
