// api/http.h: the transport-neutral request and response the API handles. server/ turns
// bytes on the socket into a Request and a Response back into bytes; api/ never sees a
// socket.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "core/result.h"

namespace coven::api {

struct Request {
  std::string method;  // case-sensitive, as sent
  std::string target;  // path plus optional "?query", raw (no percent-decoding, SPEC 1.4)
  std::string body;
  bool is_websocket_upgrade = false;
};

// A response body produced over time (Server-Sent Events). The server calls OnReady once,
// then Pull whenever `wake` has been called (and once at the start).
class StreamSource {
 public:
  virtual ~StreamSource() = default;
  // `wake` may be called from any thread whenever Pull might produce more.
  virtual void OnReady(std::function<void()> wake) = 0;
  // Appends whatever is ready to `out`. Returns false once the stream has ended (after
  // appending its last bytes).
  virtual bool Pull(std::string& out) = 0;
};

// An interactive attach (WebSocket): Pull gives terminal output bytes; the client sends
// input bytes (binary messages) and control messages (text, JSON such as
// {"type":"resize","rows":40,"cols":120}).
class DuplexSource : public StreamSource {
 public:
  virtual core::Status Input(std::string_view bytes) = 0;
  virtual core::Status Control(std::string_view json_text) = 0;
  // The last (text) message after the output ended, e.g.
  // {"type":"exit","status":"completed","exitCode":0}.
  virtual std::string Epilogue() = 0;
};

struct Response {
  int status = 200;
  std::string body;
  std::string content_type = "application/json";
  // When set (status 200), the server streams `stream` as the body instead of `body`, with
  // `content_type` (text/event-stream gets keepalive comments while idle).
  // shared_ptr: shared by the server connection and the session listener that wakes it.
  std::shared_ptr<StreamSource> stream = nullptr;
  // When set, the server completes the WebSocket upgrade and runs the attach.
  std::shared_ptr<DuplexSource> duplex = nullptr;
};

// Reason phrase for `status` ("OK", "Created", "Bad Request", ...).
const char* ReasonPhrase(int status);

}  // namespace coven::api
