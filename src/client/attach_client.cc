#include "client/attach_client.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <array>
#include <deque>
#include <functional>
#include <thread>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/json.hpp>

#include "client/daemon_client.h"
#include "client/internal/direct_attach.h"
#include "client/sessions.h"
#include "core/session_status.h"
#include "core/unique_fd.h"

namespace coven::client {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using Protocol = asio::local::stream_protocol;
using core::Error;
using core::ErrorCode;

namespace {

// Reads `fd` on a thread of its own with poll() and blocking read()s. Why not an Asio
// descriptor: Asio makes the fd non-blocking, and on a terminal stdin and stdout share one
// open file description, so the flag made every write to stdout liable to fail with EAGAIN
// (output was dropped). Each chunk goes to `on_bytes` on the pump thread; the pump stops
// by itself after a chunk holding `stop_byte`, at end of input, or when Stop() is called.
class InputPump {
 public:
  InputPump() = default;
  InputPump(const InputPump&) = delete;
  InputPump& operator=(const InputPump&) = delete;
  InputPump(InputPump&&) = delete;
  InputPump& operator=(InputPump&&) = delete;
  ~InputPump() { Stop(); }

  core::Status Start(int fd, unsigned char stop_byte, std::function<void(std::string)> on_bytes) {
    auto wake = core::MakePipe();
    if (!wake) {
      return wake.error();
    }
    wake_ = std::move(*wake);
    thread_ = std::thread(
        [this, fd, stop_byte, on_bytes = std::move(on_bytes)] { Pump(fd, stop_byte, on_bytes); });
    return core::Ok();
  }

  // Wakes the pump and waits for it to end. Idempotent.
  void Stop() {
    if (!thread_.joinable()) {
      return;
    }
    (void)core::WriteAll(wake_.write.fd(), "x");
    thread_.join();
  }

 private:
  void Pump(int fd, unsigned char stop_byte, const std::function<void(std::string)>& on_bytes) {
    std::array<char, 4096> buf{};
    for (;;) {
      std::array<pollfd, 2> fds{{{fd, POLLIN, 0}, {wake_.read.fd(), POLLIN, 0}}};
      if (::poll(fds.data(), fds.size(), -1) < 0) {
        if (errno == EINTR) {
          continue;
        }
        return;
      }
      if (fds[1].revents != 0) {
        return;
      }
      if (fds[0].revents == 0) {
        continue;
      }
      ssize_t n = ::read(fd, buf.data(), buf.size());  // readable: does not block
      if (n < 0 && errno == EINTR) {
        continue;
      }
      if (n <= 0) {
        return;  // end of input: the attach keeps showing output
      }
      std::string bytes(buf.data(), static_cast<size_t>(n));
      bool stop = bytes.find(static_cast<char>(stop_byte)) != std::string::npos;
      on_bytes(std::move(bytes));
      if (stop) {
        return;  // later keystrokes belong to the shell, not to us
      }
    }
  }

  core::Pipe wake_;
  std::thread thread_;
};

class AttachSession {
 public:
  AttachSession(asio::io_context& ioc, const AttachOptions& opts)
      : opts_(opts), ws_(ioc), winch_(ioc, SIGWINCH) {}

  core::Result<AttachOutcome> Run(asio::io_context& ioc) {
    beast::error_code ec;
    beast::get_lowest_layer(ws_).connect(Protocol::endpoint(opts_.socket_path), ec);
    if (ec) {
      return Error(ErrorCode::kRuntimeUnavailable,
                   "cannot reach the coven daemon at " + opts_.socket_path + ": " + ec.message());
    }
    std::string target = "/api/v1/sessions/" + opts_.session_id +
                         "/attach?afterSeq=" + std::to_string(opts_.after_seq) +
                         (opts_.paint_screen ? "&screen=true" : "");
    ws_.handshake("coven", target, ec);
    if (ec) {
      return Error(ErrorCode::kIo, "attach to session " + opts_.session_id + ": " + ec.message());
    }
    ReadOutput();
    if (opts_.in_fd >= 0) {
      core::Status started =
          input_.Start(opts_.in_fd, opts_.detach_key, [this, &ioc](std::string b) {
            asio::post(ioc, [this, b = std::move(b)]() mutable { OnInput(std::move(b)); });
          });
      if (!started) {
        return started.error();
      }
      WatchResize();
      SendResize();
    }
    ioc.run();
    input_.Stop();
    if (failure_) {
      return *failure_;
    }
    return outcome_;
  }

 private:
  void ReadOutput() {
    ws_.async_read(buf_, [this](beast::error_code ec, size_t) {
      if (ec) {
        Finish();
        return;
      }
      std::string data = beast::buffers_to_string(buf_.data());
      buf_.consume(buf_.size());
      if (ws_.got_text()) {
        ParseEpilogue(data);
      } else {
        (void)core::WriteAll(opts_.out_fd, data);
      }
      ReadOutput();
    });
  }

  void ParseEpilogue(const std::string& text) {
    boost::system::error_code ec;
    boost::json::value v = boost::json::parse(text, ec);
    if (ec || !v.is_object()) {
      return;
    }
    const auto& o = v.as_object();
    if (const auto* s = o.if_contains("status"); s && s->is_string()) {
      outcome_.status = std::string(s->as_string());
    }
    if (const auto* c = o.if_contains("exitCode"); c && c->is_int64()) {
      outcome_.exit_code = c->as_int64();
    }
    ended_ = true;
  }

  // Runs on the loop thread with bytes the input pump read.
  void OnInput(std::string bytes) {
    if (closing_) {
      return;
    }
    size_t key = bytes.find(static_cast<char>(opts_.detach_key));
    if (key != std::string::npos) {
      bytes.resize(key);
      detaching_ = true;
    }
    if (!bytes.empty()) {
      Send(std::move(bytes), false);
    }
    if (detaching_) {
      outcome_.detached = true;
      Finish();
    }
  }

  void WatchResize() {
    winch_.async_wait([this](beast::error_code ec, int) {
      if (ec) {
        return;
      }
      SendResize();
      WatchResize();
    });
  }

  void SendResize() {
    if (!opts_.window_size) {
      return;
    }
    auto size = opts_.window_size();
    if (!size) {
      return;
    }
    boost::json::object o;
    o["type"] = "resize";
    o["rows"] = size->first;
    o["cols"] = size->second;
    Send(boost::json::serialize(o), true);
  }

  // Writes are queued: a WebSocket stream allows one write in flight.
  void Send(std::string message, bool text) {
    queue_.push_back({std::move(message), text});
    if (queue_.size() == 1) {
      WriteNext();
    }
  }

  void WriteNext() {
    if (queue_.empty() || closing_) {
      return;
    }
    ws_.text(queue_.front().second);
    ws_.async_write(asio::buffer(queue_.front().first), [this](beast::error_code ec, size_t) {
      queue_.pop_front();
      if (ec) {
        Finish();
        return;
      }
      WriteNext();
    });
  }

  void Finish() {
    if (closing_) {
      return;
    }
    closing_ = true;
    beast::error_code ignored;
    winch_.cancel(ignored);
    if (!ended_ && !outcome_.detached && outcome_.status.empty()) {
      outcome_.status = "disconnected";
    }
    beast::get_lowest_layer(ws_).close(ignored);
  }

  const AttachOptions& opts_;
  websocket::stream<Protocol::socket> ws_;
  asio::signal_set winch_;
  beast::flat_buffer buf_;
  std::deque<std::pair<std::string, bool>> queue_;
  AttachOutcome outcome_;
  std::optional<Error> failure_;
  bool ended_ = false;
  bool detaching_ = false;
  bool closing_ = false;
  InputPump input_;  // last: its thread calls into this object until it is joined
};

// The shim only knows how the harness ended; the daemon's record also knows why (a kill
// shows as `killed`, not `failed`), as the WebSocket path's last message says. The shim's
// word stands when the daemon cannot be asked or has not recorded the end yet.
void SettleFromDaemon(const AttachOptions& opts, AttachOutcome* outcome) {
  DaemonClient daemon(opts.socket_path);
  auto reply = daemon.Get("/api/v1/sessions/" + opts.session_id);
  if (!reply || reply->status != 200) {
    return;
  }
  auto record = ParseSessionRecord(reply->body);
  if (!record || record->status.empty() ||
      core::IsStatus(record->status, core::SessionStatus::kRunning)) {
    return;
  }
  outcome->status = record->status;
  outcome->exit_code = record->exit_code;
}

}  // namespace

core::Result<AttachOutcome> Attach(const AttachOptions& options) {
  if (options.paint_screen && !options.session_dir.empty()) {
    core::UniqueFd terminal = internal::OpenOwnTerminal(options);
    auto link = terminal.valid() ? shim::AttachLink::OpenWithTerminal(
                                       options.session_dir, terminal.fd(), options.detach_key)
                                 : shim::AttachLink::Open(options.session_dir);
    terminal.Reset();  // the shim has its own copy now (or refused it)
    if (link) {
      auto outcome = internal::RunDirectAttach(options, std::move(*link));
      if (outcome && !outcome->detached) {
        SettleFromDaemon(options, &*outcome);
      }
      return outcome;
    }
    // Not live any more (its final screen comes from the daemon), or a shim started by an
    // older coven: the WebSocket path serves both.
  }
  asio::io_context ioc;
  AttachSession session(ioc, options);
  return session.Run(ioc);
}

}  // namespace coven::client
