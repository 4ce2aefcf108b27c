// daemon/notifier.h: notifications when a session starts to need the user
// (docs/attention.md).
//
// Once per transition into `asking` or `waiting`, after the agent worked (or was unknown)
// for at least `min_work`, never while a client is attached to the session, and at most
// once per `min_interval` per session: a desktop notification (notify-send, when the daemon
// has a desktop session: DISPLAY or WAYLAND_DISPLAY) and the user's command from
// config.json, run with its argv (never a shell) and COVEN_SESSION_ID, COVEN_ACTIVITY,
// COVEN_TITLE, COVEN_PROJECT and COVEN_DETAIL in its environment.
//
// Each program runs under `coven __notify-run` (a child of the daemon, reaped by its
// SIGCHLD handler like the shims), which kills it after `timeout` and reports how it
// ended on a pipe; a failure is logged, never fatal. One worker thread runs them in turn,
// so a slow command delays the next notification, never the daemon.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "daemon/notify_config.h"
#include "sessions/session_manager.h"

namespace coven::daemon {

// The policy above, without the attach and rate checks' state: true when `t` deserves a
// notification given the session's last one (nullopt: none yet). Pure.
bool ShouldNotify(const sessions::ActivityTransition& t, const NotifyConfig& config,
                  std::optional<int64_t> last_notified_nanos);

class Notifier {
 public:
  struct Options {
    std::string coven_exe;  // runs `coven __notify-run`
    std::string path_env;   // where notify-send is looked for
    bool has_desktop = false;
    std::function<void(const std::string&)> log;  // may be called from the worker
  };
  explicit Notifier(Options options);
  ~Notifier();  // waits for the running program (bounded by its timeout), drops the rest
  Notifier(const Notifier&) = delete;
  Notifier& operator=(const Notifier&) = delete;
  Notifier(Notifier&&) = delete;
  Notifier& operator=(Notifier&&) = delete;

  // Thread-safe.
  void SetConfig(NotifyConfig config);
  // Decides and queues; never blocks on a program. Thread-safe.
  void OnTransition(const sessions::ActivityTransition& t);
  // One line per fact, for `coven doctor`. Thread-safe.
  std::vector<std::string> Describe() const;

 private:
  struct Job {
    std::vector<std::string> argv;
    std::vector<std::string> env;  // added to the daemon's
    std::chrono::seconds timeout{10};
  };
  void Work();
  void RunJob(const Job& job);

  Options options_;
  std::string notify_send_;  // its path, empty when not installed
  mutable std::mutex mu_;
  std::condition_variable wake_;
  NotifyConfig config_;                       // guarded by mu_
  std::map<std::string, int64_t> last_sent_;  // guarded by mu_: session id -> when
  std::deque<Job> jobs_;                      // guarded by mu_
  bool stopping_ = false;                     // guarded by mu_
  std::thread worker_;                        // last: started when the rest is ready
};

}  // namespace coven::daemon
