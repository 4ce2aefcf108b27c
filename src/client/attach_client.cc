#include "client/attach_client.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <array>
#include <deque>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/json.hpp>

#include "core/unique_fd.h"

namespace coven::client {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using Protocol = asio::local::stream_protocol;
using core::Error;
using core::ErrorCode;

namespace {

class AttachSession {
 public:
  AttachSession(asio::io_context& ioc, const AttachOptions& opts)
      : opts_(opts), ws_(ioc), winch_(ioc, SIGWINCH), input_(ioc) {}

  core::Result<AttachOutcome> Run(asio::io_context& ioc) {
    beast::error_code ec;
    beast::get_lowest_layer(ws_).connect(Protocol::endpoint(opts_.socket_path), ec);
    if (ec) {
      return Error(ErrorCode::kRuntimeUnavailable,
                   "cannot reach the coven daemon at " + opts_.socket_path + ": " + ec.message());
    }
    std::string target = "/api/v1/sessions/" + opts_.session_id +
                         "/attach?afterSeq=" + std::to_string(opts_.after_seq);
    ws_.handshake("coven", target, ec);
    if (ec) {
      return Error(ErrorCode::kIo, "attach to session " + opts_.session_id + ": " + ec.message());
    }
    ReadOutput();
    int saved_flags = opts_.in_fd >= 0 ? ::fcntl(opts_.in_fd, F_GETFL) : -1;
    if (opts_.in_fd >= 0) {
      // Asio makes the descriptor non-blocking, and a dup shares that flag with our stdin:
      // it is restored below so the shell does not inherit a non-blocking terminal.
      input_.assign(::fcntl(opts_.in_fd, F_DUPFD_CLOEXEC, 3));
      ReadInput();
      WatchResize();
      SendResize();
    }
    ioc.run();
    input_.close(ec);
    if (saved_flags >= 0) {
      ::fcntl(opts_.in_fd, F_SETFL, saved_flags);
    }
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

  void ReadInput() {
    input_.async_read_some(asio::buffer(in_buf_), [this](beast::error_code ec, size_t n) {
      if (ec) {
        return;  // stdin closed: keep watching output
      }
      std::string bytes(in_buf_.data(), n);
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
        return;
      }
      ReadInput();
    });
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
    input_.cancel(ignored);
    if (!ended_ && !outcome_.detached && outcome_.status.empty()) {
      outcome_.status = "disconnected";
    }
    beast::get_lowest_layer(ws_).close(ignored);
  }

  const AttachOptions& opts_;
  websocket::stream<Protocol::socket> ws_;
  asio::signal_set winch_;
  asio::posix::stream_descriptor input_;
  beast::flat_buffer buf_;
  std::array<char, 4096> in_buf_{};
  std::deque<std::pair<std::string, bool>> queue_;
  AttachOutcome outcome_;
  std::optional<Error> failure_;
  bool ended_ = false;
  bool detaching_ = false;
  bool closing_ = false;
};

}  // namespace

core::Result<AttachOutcome> Attach(const AttachOptions& options) {
  asio::io_context ioc;
  AttachSession session(ioc, options);
  return session.Run(ioc);
}

}  // namespace coven::client
