#include "client/sse_stream.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <optional>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "client/daemon_client.h"
#include "client/internal/exchange.h"

namespace coven::client {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using Protocol = asio::local::stream_protocol;
using core::Error;
using core::ErrorCode;

SseStream::SseStream(core::UniqueFd fd, std::string early_body)
    : fd_(std::move(fd)), early_body_(std::move(early_body)) {}

core::Result<std::unique_ptr<SseStream>> SseStream::Open(const std::string& socket_path,
                                                         const std::string& target,
                                                         int timeout_ms) {
  asio::io_context ioc;
  beast::basic_stream<Protocol> stream(ioc);
  stream.expires_after(std::chrono::milliseconds(timeout_ms));
  http::request<http::empty_body> req{http::verb::get, target, 11};
  req.set(http::field::host, "coven");
  req.set(http::field::accept, "text/event-stream");
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(std::uint64_t{1024} * 1024);
  std::optional<Error> failure;
  bool body_read = false;
  internal::ConnectAndSend(stream, socket_path, req, failure, [&] {
    http::async_read_header(stream, buffer, parser, [&](beast::error_code rec, size_t) {
      if (rec) {
        failure = Error(ErrorCode::kIo, "read the stream's head: " + rec.message());
        return;
      }
      if (parser.get().result() == http::status::ok) {
        return;  // the body is the stream: read it without Beast, at the caller's pace
      }
      http::async_read(stream, buffer, parser,
                       [&](beast::error_code bec, size_t) { body_read = !bec; });
    });
  });
  ioc.run();
  if (failure) {
    return *failure;
  }
  const auto& res = parser.get();
  if (res.result() != http::status::ok) {
    std::string message = body_read ? ErrorMessageFromBody(res.body()) : "";
    if (message.empty()) {
      message = "the daemon answered " + std::to_string(res.result_int());
    }
    return Error(
        res.result() == http::status::not_found ? ErrorCode::kSessionNotFound : ErrorCode::kIo,
        message);
  }
  if (res[http::field::content_type].find("text/event-stream") == std::string_view::npos) {
    // An older daemon that ignores the stream parameter answers with a plain JSON body.
    return Error(ErrorCode::kIo, "the daemon does not offer " + target + " as a stream");
  }
  std::string early(static_cast<const char*>(buffer.data().data()), buffer.size());
  beast::error_code ec;
  core::UniqueFd fd(stream.socket().release(ec));
  if (ec || !fd.valid()) {
    return Error(ErrorCode::kIo, "take over the stream's socket: " + ec.message());
  }
  int flags = ::fcntl(fd.fd(), F_GETFL);
  if (flags < 0 || ::fcntl(fd.fd(), F_SETFL, flags | O_NONBLOCK) < 0) {
    return core::SysError("make the stream non-blocking", errno);
  }
  return std::unique_ptr<SseStream>(new SseStream(std::move(fd), std::move(early)));
}

core::Result<bool> SseStream::ReadAvailable(std::vector<SseEvent>& out, size_t max_bytes) {
  bool open = true;
  if (!early_body_.empty()) {
    parser_.Feed(early_body_, out);
    early_body_.clear();
  }
  char buf[16 * 1024];
  for (size_t total = 0; total < max_bytes;) {
    ssize_t n = ::read(fd_.fd(), buf, sizeof(buf));
    if (n > 0) {
      parser_.Feed(std::string_view(buf, static_cast<size_t>(n)), out);
      total += static_cast<size_t>(n);
      continue;
    }
    if (n == 0) {
      open = false;
      break;
    }
    if (errno == EINTR) {
      continue;
    }
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      break;
    }
    return core::SysError("read the event stream", errno);
  }
  return open;
}

}  // namespace coven::client
