// client/daemon_client.h: the typed client the CLI uses to talk to the daemon over its
// Unix socket. One HTTP/1.1 request per call, bounded by a deadline; Beast stays in the .cc.
#pragma once

#include <chrono>
#include <string>

#include "core/result.h"

namespace coven::client {

struct HttpReply {
  int status = 0;
  std::string body;
};

class DaemonClient {
 public:
  explicit DaemonClient(std::string socket_path,
                        std::chrono::milliseconds timeout = std::chrono::seconds(10))
      : socket_path_(std::move(socket_path)), timeout_(timeout) {}

  // Sends one request and reads the whole reply. Errors: kRuntimeUnavailable when nothing
  // listens on the socket (missing file, refused), kIo for a broken exchange or timeout.
  // Non-2xx replies are not errors here: the caller decides.
  core::Result<HttpReply> Send(const std::string& method, const std::string& target,
                               const std::string& body = "") const;

  core::Result<HttpReply> Get(const std::string& target) const { return Send("GET", target); }
  core::Result<HttpReply> Post(const std::string& target, const std::string& body) const {
    return Send("POST", target, body);
  }

  const std::string& socket_path() const { return socket_path_; }

 private:
  std::string socket_path_;
  std::chrono::milliseconds timeout_;
};

// Pulls `error.message` out of an error envelope body, or returns the body itself.
std::string ErrorMessageFromBody(const std::string& body);

}  // namespace coven::client
