#include "server/http_server.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <exception>
#include <thread>
#include <vector>

#include <boost/asio.hpp>
#include <boost/asio/experimental/as_tuple.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

#include "api/errors.h"
#include "core/error.h"
#include "core/unique_fd.h"
#include "core/unix_socket.h"
#include "server/internal/http_messages.h"

namespace coven::server {
using internal::BusyBytes;
using internal::BusyResponse;
using internal::IsOutOfFds;
using internal::LimitParser;
using internal::ParseErrorResponse;
using internal::ToApiRequest;
using internal::ToHttpResponse;
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using Protocol = asio::local::stream_protocol;
using Stream = beast::basic_stream<Protocol>;
using core::Error;
using core::ErrorCode;

namespace {

constexpr auto kUseTuple = asio::as_tuple(asio::use_awaitable);

void SetCloexec(int fd) {
  ::fcntl(fd, F_SETFD, FD_CLOEXEC);
}

core::Status PrepareSocketPath(const std::string& path) {
  if (path.size() >= sizeof(sockaddr_un{}.sun_path)) {
    return Error(ErrorCode::kInvalidRequest,
                 "socket path `" + path + "` is too long for a Unix socket (max " +
                     std::to_string(sizeof(sockaddr_un{}.sun_path) - 1) +
                     " bytes); choose a shorter COVEN_HOME");
  }
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) {
    return core::Ok();
  }
  if (!S_ISSOCK(st.st_mode)) {
    return Error(ErrorCode::kConflict,
                 "`" + path + "` exists and is not a socket; remove it and start again");
  }
  if (core::SomeoneListens(path)) {
    return Error(ErrorCode::kConflict, "another process is already serving `" + path + "`");
  }
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
    return core::SysError("remove stale socket " + path, errno);
  }
  return core::Ok();
}

// Lets a StreamSource's wake callback (any thread) interrupt a coroutine waiting on the
// connection's strand. shared_ptr: shared by the coroutine and the callback, which may
// outlive the connection.
class Waker : public std::enable_shared_from_this<Waker> {
 public:
  explicit Waker(asio::any_io_executor ex) : timer_(ex) {}
  std::function<void()> Callback() {
    std::weak_ptr<Waker> weak = weak_from_this();
    asio::any_io_executor ex = timer_.get_executor();
    return [weak, ex] {
      asio::post(ex, [weak] {
        if (auto self = weak.lock()) {
          self->pending_ = true;
          self->timer_.cancel();
        }
      });
    };
  }
  // Waits until woken or `timeout` passes. Returns true when woken.
  asio::awaitable<bool> Wait(std::chrono::milliseconds timeout) {
    if (pending_) {
      pending_ = false;
      co_return true;
    }
    timer_.expires_after(timeout);
    co_await timer_.async_wait(kUseTuple);
    bool woke = pending_;
    pending_ = false;
    co_return woke;
  }

 private:
  asio::steady_timer timer_;
  bool pending_ = false;  // touched only on the strand
};

constexpr auto kHeartbeat = std::chrono::seconds(15);
constexpr size_t kMaxRejecting = 256;

// Runs `fn` on `pool` and resumes the calling coroutine on its own executor with the
// result: sources read SQLite and logs, which may block, so they never run on loop threads.
template <class Fn>
auto OnPool(asio::thread_pool& pool, Fn fn) -> asio::awaitable<decltype(fn())> {
  co_return co_await asio::co_spawn(
      pool, [fn = std::move(fn)]() mutable -> asio::awaitable<decltype(fn())> { co_return fn(); },
      asio::use_awaitable);
}

// Streams a body produced over time (Server-Sent Events, or a recording): headers, then
// whatever the source produces, until it ends or the client goes away (for SSE detected by
// the heartbeat comment's write failing; other bodies get no comments).
asio::awaitable<void> StreamBody(Stream& stream, api::StreamSource& source,
                                 const std::string& content_type, unsigned version,
                                 asio::thread_pool& pool) {
  const bool sse = content_type == "text/event-stream";
  http::response<http::empty_body> head{http::status::ok, version};
  head.set(http::field::content_type, content_type);
  head.set(http::field::cache_control, "no-store");
  head.keep_alive(false);
  http::response_serializer<http::empty_body> sr{head};
  stream.expires_never();
  auto [hec, hn] = co_await http::async_write_header(stream, sr, kUseTuple);
  if (hec) {
    co_return;
  }
  auto waker = std::make_shared<Waker>(stream.get_executor());
  source.OnReady(waker->Callback());
  std::string out;
  for (;;) {
    out.clear();
    bool more = co_await OnPool(pool, [&source, &out] { return source.Pull(out); });
    if (!out.empty()) {
      auto [ec, n] = co_await asio::async_write(stream, asio::buffer(out), kUseTuple);
      if (ec) {
        co_return;
      }
      continue;
    }
    if (!more) {
      co_return;
    }
    if (!co_await waker->Wait(kHeartbeat) && sse) {
      static constexpr std::string_view kPing = ": keepalive\n\n";
      auto [ec, n] = co_await asio::async_write(stream, asio::buffer(kPing), kUseTuple);
      if (ec) {
        co_return;
      }
    }
  }
}

using WsStream = websocket::stream<Stream>;

// One attach connection. shared_ptr: shared by the writer and reader coroutines, whichever
// finishes last frees it.
struct AttachConn {
  explicit AttachConn(Stream stream, std::shared_ptr<api::DuplexSource> src)
      : ws(std::move(stream)), source(std::move(src)) {}
  WsStream ws;
  std::shared_ptr<api::DuplexSource> source;
  std::function<void()> wake_writer;
  bool done = false;  // touched only on the connection's strand
};

// Client -> daemon half of an attach: binary messages are input, text ones control.
asio::awaitable<void> AttachReader(std::shared_ptr<AttachConn> conn) {
  beast::flat_buffer buf;
  while (!conn->done) {
    auto [ec, n] = co_await conn->ws.async_read(buf, kUseTuple);
    if (ec) {
      break;
    }
    std::string data = beast::buffers_to_string(buf.data());
    buf.consume(buf.size());
    (void)(conn->ws.got_text() ? conn->source->Control(data) : conn->source->Input(data));
  }
  conn->done = true;
  conn->wake_writer();  // the client left: let the writer finish now
}

// Runs an attach over an accepted WebSocket: output out, input and control in, then a final
// text message (the source's epilogue) and a clean close.
asio::awaitable<void> RunAttach(std::shared_ptr<AttachConn> conn, asio::thread_pool& pool) {
  auto waker = std::make_shared<Waker>(conn->ws.get_executor());
  conn->source->OnReady(waker->Callback());
  conn->wake_writer = waker->Callback();
  asio::co_spawn(conn->ws.get_executor(), AttachReader(conn), asio::detached);
  std::string out;
  while (!conn->done) {
    out.clear();
    bool more = co_await OnPool(pool, [&conn, &out] { return conn->source->Pull(out); });
    if (!out.empty()) {
      conn->ws.binary(true);
      auto [ec, n] = co_await conn->ws.async_write(asio::buffer(out), kUseTuple);
      if (ec) {
        break;
      }
      continue;
    }
    if (!more) {
      break;
    }
    co_await waker->Wait(kHeartbeat);
  }
  if (!conn->done) {
    conn->done = true;
    std::string last = co_await OnPool(pool, [&conn] { return conn->source->Epilogue(); });
    conn->ws.text(true);
    co_await conn->ws.async_write(asio::buffer(last), kUseTuple);
    co_await conn->ws.async_close(websocket::close_code::normal, kUseTuple);
  }
}

// Reads the request head (up to 16 KiB, 2 s) before answering, so a client that writes its
// request after we answered still reads the 503 instead of failing with EPIPE.
asio::awaitable<void> RejectAfterHead(Stream stream, const std::string& bytes) {
  std::string head;
  char buf[4096];
  stream.expires_after(std::chrono::seconds(2));
  while (head.find("\r\n\r\n") == std::string::npos && head.size() < 16 * 1024) {
    auto [ec, n] = co_await stream.async_read_some(asio::buffer(buf), kUseTuple);
    if (ec) {
      co_return;
    }
    head.append(buf, n);
  }
  co_await asio::async_write(stream, asio::buffer(bytes), kUseTuple);
  beast::error_code ignored;
  stream.socket().shutdown(Protocol::socket::shutdown_send, ignored);
}

}  // namespace

struct HttpServer::Impl {
  ServerOptions options;
  RequestHandler handler;
  asio::io_context ioc;
  // The listener and the signal sets are touched only on this strand (the accept loop,
  // their handlers and Stop()), since Asio I/O objects are not thread-safe and the loop
  // runs on several threads.
  asio::strand<asio::io_context::executor_type> control{asio::make_strand(ioc)};
  Protocol::acceptor acceptor{control};
  asio::signal_set signals{control};
  asio::signal_set child_signals{control};
  asio::signal_set reload_signals{control};
  std::atomic<size_t> open_connections{0};
  std::atomic<size_t> open_streams{0};
  std::atomic<int> stop_signal{0};
  // Out of fds: accepting pauses on this timer (on the control strand); a closing
  // connection cancels it, since it just freed an fd.
  asio::steady_timer accept_pause{control};
  std::atomic<bool> accept_paused{false};
  // Set once the loop has stopped: connection frames destroyed with the io_context must
  // not post to it any more.
  std::atomic<bool> stopped{false};
  std::atomic<bool> busy_logged{false};  // on_busy once per episode
  // Held open so that, out of fds, one can be freed to accept the pending connection and
  // answer it 503 instead of leaving it in the backlog (the "reserve fd" trick).
  core::UniqueFd spare_fd;
  // Connections being turned away (reading their request head, then answering 503); past
  // kMaxRejecting they are closed unanswered, so a flood cannot grow this without bound.
  std::atomic<size_t> rejecting{0};
  const std::string busy_connections = BusyBytes("connections");
  const std::string busy_fds = BusyBytes("file descriptors");
  // Declared after ioc: destroyed (joined) first, so no handler outlives the loop.
  asio::thread_pool handlers;

  Impl(ServerOptions opts, RequestHandler h)
      : options(std::move(opts)),
        handler(std::move(h)),
        handlers(static_cast<size_t>(std::max(1, options.handler_threads))) {}

  asio::awaitable<void> Accept();
  asio::awaitable<void> PauseAccepting(std::chrono::milliseconds backoff);
  void TurnAwayWithSpare();
  void TurnAway(Protocol::socket socket, const std::string& bytes,
                std::function<void()> done = nullptr);
  void ConnectionClosed();
  void NoteBusy(const std::string& line);
  asio::awaitable<void> Serve(Stream stream);
  asio::awaitable<bool> WriteResponse(Stream& stream, const api::Response& res, unsigned version,
                                      bool keep_alive);
  api::Response Call(const api::Request& req);
  void WaitForChildren();
  void WaitForReload();
};

void HttpServer::Impl::WaitForReload() {
  reload_signals.async_wait([this](const beast::error_code& ec, int) {
    if (ec) {
      return;
    }
    options.on_reload();
    WaitForReload();
  });
}

void HttpServer::Impl::WaitForChildren() {
  child_signals.async_wait([this](const beast::error_code& ec, int) {
    if (ec) {
      return;
    }
    options.on_child_exit();
    WaitForChildren();
  });
}

api::Response HttpServer::Impl::Call(const api::Request& req) {
  try {
    return handler(req);
  } catch (const std::exception& e) {
    return api::ErrorResponse(
        Error(ErrorCode::kInternal, std::string("internal error: ") + e.what()));
  } catch (...) {
    return api::ErrorResponse(Error(ErrorCode::kInternal, "internal error"));
  }
}

asio::awaitable<bool> HttpServer::Impl::WriteResponse(Stream& stream, const api::Response& res,
                                                      unsigned version, bool keep_alive) {
  http::response<http::string_body> out = ToHttpResponse(res, version, keep_alive);
  stream.expires_after(options.request_timeout);
  auto [ec, n] = co_await http::async_write(stream, out, kUseTuple);
  co_return !ec;
}

asio::awaitable<void> HttpServer::Impl::Serve(Stream stream) {
  struct Closer {  // runs after Counter's destructor: an fd is free again
    Impl& impl;
    explicit Closer(Impl& i) : impl(i) {}
    Closer(const Closer&) = delete;
    Closer& operator=(const Closer&) = delete;
    Closer(Closer&&) = delete;
    Closer& operator=(Closer&&) = delete;
    ~Closer() { impl.ConnectionClosed(); }
  } closer{*this};
  struct Counter {  // keeps open_connections exact on every exit path
    std::atomic<size_t>& n;
    explicit Counter(std::atomic<size_t>& count) : n(count) {}
    Counter(const Counter&) = delete;
    Counter& operator=(const Counter&) = delete;
    Counter(Counter&&) = delete;
    Counter& operator=(Counter&&) = delete;
    ~Counter() { --n; }
  } counter{open_connections};
  beast::flat_buffer buffer;  // no cap here: the parser's header/body limits apply
  for (;;) {
    http::request_parser<http::string_body> parser;
    LimitParser(parser, options);
    stream.expires_after(options.request_timeout);
    auto [ec, n] = co_await http::async_read(stream, buffer, parser, kUseTuple);
    if (ec == http::error::end_of_stream || ec == asio::error::eof || ec == beast::error::timeout ||
        ec == asio::error::connection_reset || ec == asio::error::operation_aborted) {
      break;
    }
    if (ec) {
      co_await WriteResponse(stream, ParseErrorResponse(ec), 11, false);
      break;
    }
    const auto& msg = parser.get();
    api::Request req = ToApiRequest(msg);
    // The handler runs on the handler pool; this connection's coroutine resumes on its
    // strand with the response.
    api::Response res = co_await OnPool(handlers, [this, &req] { return Call(req); });
    bool is_stream = (res.duplex && req.is_websocket_upgrade) || (res.stream && res.status == 200);
    if (is_stream && open_streams.fetch_add(1) >= options.max_streams) {
      --open_streams;
      NoteBusy("stream limit reached (" + std::to_string(options.max_streams) +
               "); answering 503 server_busy");
      co_await WriteResponse(stream, BusyResponse("streams"), msg.version(), false);
      break;
    }
    struct StreamCount {  // releases the stream slot on every exit path
      std::atomic<size_t>* n;
      explicit StreamCount(std::atomic<size_t>* count) : n(count) {}
      StreamCount(const StreamCount&) = delete;
      StreamCount& operator=(const StreamCount&) = delete;
      StreamCount(StreamCount&&) = delete;
      StreamCount& operator=(StreamCount&&) = delete;
      ~StreamCount() {
        if (n != nullptr) {
          --*n;
        }
      }
    } stream_count{is_stream ? &open_streams : nullptr};
    if (res.duplex && req.is_websocket_upgrade) {
      // No idle timeout on an attach: on a local socket a peer that dies is seen at once
      // (EOF), and one that is quiet or stopped stays attached, as in tmux. The request's
      // deadline on the stream goes too (it would cut the attach `request_timeout` after the
      // request was read); Beast's handshake timeout stays.
      stream.expires_never();
      auto conn = std::make_shared<AttachConn>(std::move(stream), res.duplex);
      auto timeouts = websocket::stream_base::timeout::suggested(beast::role_type::server);
      timeouts.idle_timeout = websocket::stream_base::none();
      conn->ws.set_option(timeouts);
      auto [ec2] = co_await conn->ws.async_accept(parser.release(), kUseTuple);
      if (!ec2) {
        co_await RunAttach(conn, handlers);
      }
      co_return;
    }
    if (res.stream && res.status == 200) {
      co_await StreamBody(stream, *res.stream, res.content_type, msg.version(), handlers);
      break;
    }
    bool keep_alive = msg.keep_alive();
    if (!co_await WriteResponse(stream, res, msg.version(), keep_alive) || !keep_alive) {
      break;
    }
  }
  beast::error_code ignored;
  stream.socket().shutdown(Protocol::socket::shutdown_send, ignored);
}

void HttpServer::Impl::NoteBusy(const std::string& line) {
  if (!busy_logged.exchange(true) && options.on_busy) {
    options.on_busy(line);
  }
}

void HttpServer::Impl::ConnectionClosed() {
  if (accept_paused.load() && !stopped.load()) {
    asio::post(control, [this] { accept_pause.cancel(); });
  }
}

asio::awaitable<void> HttpServer::Impl::PauseAccepting(std::chrono::milliseconds backoff) {
  accept_paused = true;
  accept_pause.expires_after(backoff);
  co_await accept_pause.async_wait(kUseTuple);
  accept_paused = false;
}

void HttpServer::Impl::TurnAway(Protocol::socket socket, const std::string& bytes,
                                std::function<void()> done) {
  if (rejecting.fetch_add(1) >= kMaxRejecting) {
    --rejecting;
    if (done) {
      done();
    }
    return;  // the socket closes unanswered
  }
  asio::any_io_executor ex = socket.get_executor();
  asio::co_spawn(ex, RejectAfterHead(Stream(std::move(socket)), bytes),
                 [this, done = std::move(done)](const std::exception_ptr&) {
                   --rejecting;
                   if (done) {
                     done();
                   }
                 });
}

// Out of fds: frees the reserve fd to accept the pending connection and answer it 503; the
// reserve is taken again once that connection is closed.
void HttpServer::Impl::TurnAwayWithSpare() {
  if (!spare_fd.valid()) {
    spare_fd.Reset(::open("/dev/null", O_RDONLY | O_CLOEXEC));
    return;  // the previous turn-away still holds it (or it could not be reopened yet)
  }
  spare_fd.Reset();
  int fd = ::accept4(acceptor.native_handle(), nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
  if (fd < 0) {
    spare_fd.Reset(::open("/dev/null", O_RDONLY | O_CLOEXEC));
    return;
  }
  // Another user learns nothing, not even that we are busy (DESIGN "Boundaries").
  if (core::RefusedPeer(fd)) {
    ::close(fd);
    spare_fd.Reset(::open("/dev/null", O_RDONLY | O_CLOEXEC));
    return;
  }
  Protocol::socket socket(asio::make_strand(ioc));
  beast::error_code ec;
  socket.assign(Protocol(), fd, ec);
  if (ec) {
    ::close(fd);
  }
  TurnAway(std::move(socket), busy_fds, [this] {
    asio::post(control, [this] {
      if (!spare_fd.valid()) {
        spare_fd.Reset(::open("/dev/null", O_RDONLY | O_CLOEXEC));
      }
    });
  });
}

asio::awaitable<void> HttpServer::Impl::Accept() {
  auto backoff = std::chrono::milliseconds(10);
  for (;;) {
    // Each connection gets its own strand: its coroutines may run on any loop thread, but
    // never two at once.
    auto [ec, socket] = co_await acceptor.async_accept(asio::make_strand(ioc), kUseTuple);
    if (ec == asio::error::operation_aborted || !acceptor.is_open()) {
      co_return;
    }
    if (ec && IsOutOfFds(ec)) {
      // Retrying at once would spin (the listener stays readable): answer the pending
      // connection with the reserve fd, then backoff until an fd frees or the timer ends.
      NoteBusy("out of file descriptors (" + ec.message() + "); pausing accept");
      TurnAwayWithSpare();
      co_await PauseAccepting(backoff);
      backoff = std::min(backoff * 2, std::chrono::milliseconds(1000));
      continue;
    }
    if (ec) {
      continue;  // e.g. ECONNABORTED: that client is gone, keep serving
    }
    backoff = std::chrono::milliseconds(10);
    SetCloexec(socket.native_handle());
    // DESIGN "Boundaries": only our own user may talk to the daemon; a refusal is logged.
    if (auto refused = core::RefusedPeer(socket.native_handle())) {
      if (options.on_refused) {
        options.on_refused(*refused);
      }
      continue;  // socket closes as it goes out of scope, unread
    }
    if (open_connections.load() >= options.max_connections) {
      NoteBusy("connection limit reached (" + std::to_string(options.max_connections) +
               "); answering 503 server_busy");
      TurnAway(std::move(socket), busy_connections);
      continue;
    }
    busy_logged = false;
    ++open_connections;
    asio::any_io_executor ex = socket.get_executor();
    asio::co_spawn(ex, Serve(Stream(std::move(socket))), asio::detached);
  }
}

HttpServer::HttpServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
HttpServer::~HttpServer() = default;

core::Result<std::unique_ptr<HttpServer>> HttpServer::Listen(ServerOptions options,
                                                             RequestHandler handler) {
  if (core::Status s = PrepareSocketPath(options.socket_path); !s) {
    return s.error();
  }
  auto impl = std::make_unique<Impl>(std::move(options), std::move(handler));
  beast::error_code ec;
  impl->acceptor.open(Protocol(), ec);
  if (ec) {
    return Error(ErrorCode::kIo, "open socket: " + ec.message());
  }
  SetCloexec(impl->acceptor.native_handle());
  impl->spare_fd.Reset(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  // The socket inherits the umask at bind time: never let it be group/world accessible,
  // not even for the instant before chmod.
  mode_t old_mask = ::umask(0177);
  impl->acceptor.bind(Protocol::endpoint(impl->options.socket_path), ec);
  ::umask(old_mask);
  if (ec) {
    return Error(ErrorCode::kIo, "bind " + impl->options.socket_path + ": " + ec.message());
  }
  ::chmod(impl->options.socket_path.c_str(), 0600);
  impl->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return Error(ErrorCode::kIo, "listen " + impl->options.socket_path + ": " + ec.message());
  }
  // Install the stop signals now, before anyone learns that we serve: a SIGTERM right after
  // `coven daemon start` returns must still stop us cleanly (Asio queues it until Run()).
  HttpServer* server = new HttpServer(std::move(impl));  // NOLINT(cppcoreguidelines-owning-memory)
  std::unique_ptr<HttpServer> owned(server);
  Impl& si = *server->impl_;
  si.signals.add(SIGTERM);
  si.signals.add(SIGINT);
  if (si.options.on_reload) {
    si.reload_signals.add(SIGHUP);
    si.WaitForReload();
  } else {
    si.signals.add(SIGHUP);
  }
  si.signals.async_wait([server](const beast::error_code& sec, int sig) {
    if (!sec) {
      server->impl_->stop_signal = sig;
      server->Stop();
    }
  });
  return owned;
}

int HttpServer::Run() {
  Impl& s = *impl_;
  if (s.options.on_child_exit) {
    s.child_signals.add(SIGCHLD);
    s.WaitForChildren();
  }
  asio::co_spawn(s.control, s.Accept(), asio::detached);
  std::vector<std::thread> threads;
  for (int i = 1; i < s.options.threads; ++i) {
    threads.emplace_back([&s] { s.ioc.run(); });
  }
  s.ioc.run();
  for (std::thread& t : threads) {
    t.join();
  }
  s.stopped = true;
  ::unlink(s.options.socket_path.c_str());
  return s.stop_signal.load();
}

void HttpServer::Stop() {
  asio::post(impl_->control, [this] {
    beast::error_code ignored;
    impl_->acceptor.close(ignored);
    impl_->signals.cancel(ignored);
    impl_->child_signals.cancel(ignored);
    impl_->reload_signals.cancel(ignored);
    impl_->ioc.stop();
  });
}

void HttpServer::Post(std::function<void()> fn, std::chrono::milliseconds delay) {
  auto timer = std::make_shared<asio::steady_timer>(impl_->ioc, delay);
  // shared_ptr: the timer is shared by this scope and its own completion handler.
  timer->async_wait([timer, fn = std::move(fn)](const beast::error_code& ec) {
    if (!ec) {
      fn();
    }
  });
}

}  // namespace coven::server
