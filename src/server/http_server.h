// server/http_server.h: HTTP/1.1 over the daemon's private Unix socket (Boost.Beast).
//
// The server owns the listening socket, the Asio loop and its threads, and every
// connection. It knows sockets and HTTP framing, not business rules: each complete request
// goes to a RequestHandler (api::Api::Handle in the daemon) and its Response is written
// back. What it enforces (SPEC Part A 2, DESIGN "Boundaries"):
// - the socket file is 0600, created under a 0177 umask so it is never wider;
// - every connection's peer uid (SO_PEERCRED) must equal ours, else it is closed unread;
// - request line + headers, body (default 1 MiB) and time per request are bounded; a
//   violation gets an error envelope and the connection is closed;
// - keep-alive and `Connection: close` are honoured; chunked bodies are accepted;
// - connections are served concurrently on a small thread pool, so a slow or silent client
//   never delays others; at most `max_connections` are open at once and at most
//   `max_streams` of them stream (SSE or attach): past either limit a request is answered
//   `503 server_busy` in the error envelope and the connection closed, never dropped unread;
// - running out of file descriptors (EMFILE on accept) does not spin: the pending
//   connection is answered 503 with a reserve fd, and accepting pauses (10 ms doubling to
//   1 s) until a connection closes or the pause ends;
// - handlers run on a pool of their own, so a slow handler never blocks socket I/O.
// Beast and Asio stay inside http_server.cc.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "api/http.h"
#include "core/result.h"

namespace coven::server {

struct ServerOptions {
  std::string socket_path;
  size_t max_header_bytes = 16 * 1024;  // request line plus headers
  size_t max_body_bytes = 1024 * 1024;
  std::chrono::milliseconds request_timeout{30'000};  // idle wait plus reading one request
  size_t max_connections = 512;
  size_t max_streams = 512;  // SSE followers and attach WebSockets, counted apart
  int threads = 4;           // loop threads: socket I/O, streams, timers
  // Threads that run the RequestHandler, apart from the loop threads, so a handler that
  // blocks (a launch waiting for its shim, SQLite's busy wait) never stalls reading,
  // writing or the live streams of other connections.
  int handler_threads = 16;
  // Runs on a loop thread after SIGCHLD (the daemon reaps its shims there).
  std::function<void()> on_child_exit;
  // When set, SIGHUP calls it (on a loop thread) instead of stopping the server: the
  // daemon re-reads its configuration (docs/attention.md).
  std::function<void()> on_reload;
  // Called (on a loop thread) with one line when a connection is refused because its peer
  // is another user; the daemon writes it to its log.
  std::function<void(const std::string&)> on_refused;
  // Called (on a loop thread) with one line when the server starts turning connections
  // away (a limit reached, or out of file descriptors), at most once per episode.
  std::function<void(const std::string&)> on_busy;
};

// Raises this process's soft limit on open files (RLIMIT_NOFILE) to `want`, or to the hard
// limit when that is lower, and returns the soft limit now in force. Never lowers it.
size_t RaiseOpenFileLimit(size_t want);

// Called on a handler thread for every complete request; must be thread-safe and must not
// throw (exceptions are caught and answered with 500 internal_error anyway).
using RequestHandler = std::function<api::Response(const api::Request&)>;

// Feeds `bytes` as everything one connection sends, through the same parser, limits and
// `handler` as a served connection (requests in order, keep-alive honoured), and returns
// the bytes the server would write back. A streamed or upgraded response is written as its
// status line and headers only. No socket, no thread: the seam the HTTP fuzz target
// (tests/fuzz) drives the router through.
std::string ServeBytesForTesting(std::string_view bytes, const ServerOptions& options,
                                 const RequestHandler& handler);

class HttpServer {
 public:
  // Binds `options.socket_path`. An existing path is replaced only when it is a socket that
  // nobody answers on; a live socket or a non-socket is an error naming the path.
  static core::Result<std::unique_ptr<HttpServer>> Listen(ServerOptions options,
                                                          RequestHandler handler);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;
  HttpServer(HttpServer&&) = delete;
  HttpServer& operator=(HttpServer&&) = delete;

  // Serves until Stop() is called or SIGTERM, SIGINT or SIGHUP (without on_reload) arrives; then
  // closes the listener, removes the socket file and returns the signal number (0 for Stop()).
  int Run();
  // Thread-safe; may be called from any thread, before or during Run().
  void Stop();

  // Runs `fn` on the server's loop after `delay`; used by the daemon for timers (e.g. kill
  // grace periods) so that it needs no thread of its own. Thread-safe.
  void Post(std::function<void()> fn, std::chrono::milliseconds delay = {});

 private:
  struct Impl;
  explicit HttpServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace coven::server
