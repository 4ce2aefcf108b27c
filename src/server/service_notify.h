// server/service_notify.h: readiness for a service manager (systemd's `Type=notify`).
//
// When systemd starts `coven daemon serve` as a notify service it passes NOTIFY_SOCKET, the
// path (or, with a leading '@', the abstract name) of a datagram socket; the daemon sends
// "READY=1" there once its own socket answers, so `systemctl --user start coven` returns
// exactly when clients can connect, and "STOPPING=1" when it begins to stop. This is the
// whole sd_notify(3) protocol a daemon of this kind needs; it is written here (a dozen
// lines) rather than linked from libsystemd so the portable binary depends on nothing but
// glibc and runs the same with or without systemd (systemd documents the protocol as
// stable for such reimplementations).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/result.h"

namespace coven::server {

class ServiceNotifier {
 public:
  // Takes NOTIFY_SOCKET from the environment and removes it, so the shims and the harnesses
  // they start never inherit it (systemd would take their messages for ours). Call it
  // before any thread starts: it changes the environment.
  static ServiceNotifier FromEnvironment();
  // For tests: notifies `socket_path` (the NOTIFY_SOCKET format), or nobody when empty.
  explicit ServiceNotifier(std::string socket_path) : socket_(std::move(socket_path)) {}

  // True when a service manager asked to be notified.
  bool active() const { return !socket_.empty(); }

  // Sends `state` (e.g. "READY=1\nMAINPID=42") as one datagram; Ok and nothing sent when
  // not active. Fails with kIo when the socket cannot be reached. Thread-safe.
  core::Status Notify(std::string_view state) const;

 private:
  std::string socket_;
};

}  // namespace coven::server
