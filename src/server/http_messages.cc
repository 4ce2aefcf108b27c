#include "server/internal/http_messages.h"

#include <sys/resource.h>

#include <algorithm>
#include <cerrno>
#include <sstream>

#include <boost/asio/buffer.hpp>
#include <boost/beast/websocket/rfc6455.hpp>

#include "api/errors.h"
#include "core/error.h"

namespace coven::server {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace http = beast::http;
using core::Error;
using core::ErrorCode;

namespace internal {

api::Response ParseErrorResponse(const beast::error_code& ec) {
  if (ec == http::error::body_limit) {
    return api::ErrorResponseWithStatus(
        413, Error(ErrorCode::kInvalidRequest, "request body is larger than the 1 MiB limit"));
  }
  if (ec == http::error::header_limit) {
    return api::ErrorResponseWithStatus(
        431, Error(ErrorCode::kInvalidRequest, "request line and headers exceed the limit"));
  }
  return api::ErrorResponseWithStatus(
      400, Error(ErrorCode::kInvalidRequest, "malformed HTTP request: " + ec.message()));
}

void LimitParser(http::request_parser<http::string_body>& parser, const ServerOptions& options) {
  parser.header_limit(static_cast<std::uint32_t>(options.max_header_bytes));
  parser.body_limit(options.max_body_bytes);
}

api::Request ToApiRequest(const http::request<http::string_body>& msg) {
  return api::Request{std::string(msg.method_string()), std::string(msg.target()), msg.body(),
                      websocket::is_upgrade(msg)};
}

http::response<http::string_body> ToHttpResponse(const api::Response& res, unsigned version,
                                                 bool keep_alive) {
  http::response<http::string_body> out{static_cast<http::status>(res.status), version};
  out.reason(api::ReasonPhrase(res.status));
  out.set(http::field::content_type, res.content_type);
  out.keep_alive(keep_alive);
  out.body() = res.body;
  out.prepare_payload();
  return out;
}

api::Response BusyResponse(const std::string& what) {
  return api::ErrorResponse(
      Error(ErrorCode::kServerBusy, "the daemon is busy (" + what + "); retry shortly")
          .WithDetail("limit", what));
}

// The whole 503 answer as bytes, for connections turned away before a request is read.
std::string BusyBytes(const std::string& what) {
  api::Response res = BusyResponse(what);
  return "HTTP/1.1 503 Service Unavailable\r\nContent-Type: " + res.content_type +
         "\r\nContent-Length: " + std::to_string(res.body.size()) +
         "\r\nConnection: close\r\n\r\n" + res.body;
}

bool IsOutOfFds(const beast::error_code& ec) {
  if (ec.category() != boost::system::system_category()) {
    return false;
  }
  int e = ec.value();
  return e == EMFILE || e == ENFILE || e == ENOBUFS || e == ENOMEM;
}

}  // namespace internal

using internal::LimitParser;
using internal::ParseErrorResponse;
using internal::ToApiRequest;
using internal::ToHttpResponse;

std::string ServeBytesForTesting(std::string_view bytes, const ServerOptions& options,
                                 const RequestHandler& handler) {
  std::string out;
  auto write = [&out](const auto& msg) {
    std::ostringstream os;
    os << msg;
    out += os.str();
  };
  while (!bytes.empty()) {
    http::request_parser<http::string_body> parser;
    LimitParser(parser, options);
    parser.eager(true);
    beast::error_code ec;
    while (!bytes.empty() && !parser.is_done()) {
      size_t used = parser.put(asio::buffer(bytes.data(), bytes.size()), ec);
      bytes.remove_prefix(used);
      if (ec == http::error::need_more) {
        ec = {};
        if (used == 0) {
          return out;  // an unfinished request: the connection just ends there
        }
      } else if (ec) {
        break;
      }
    }
    if (ec) {
      write(ToHttpResponse(ParseErrorResponse(ec), 11, false));
      return out;
    }
    if (!parser.is_done()) {
      return out;
    }
    const auto& msg = parser.get();
    api::Response res;
    try {
      res = handler(ToApiRequest(msg));
    } catch (...) {
      res = api::ErrorResponse(Error(ErrorCode::kInternal, "internal error"));
    }
    bool is_stream =
        (res.duplex && websocket::is_upgrade(msg)) || (res.stream && res.status == 200);
    if (is_stream) {
      write(http::response<http::empty_body>{http::status::ok, msg.version()});
      return out;
    }
    write(ToHttpResponse(res, msg.version(), msg.keep_alive()));
    if (!msg.keep_alive()) {
      return out;
    }
  }
  return out;
}

size_t RaiseOpenFileLimit(size_t want) {
  rlimit lim{};
  if (::getrlimit(RLIMIT_NOFILE, &lim) != 0) {
    return 0;
  }
  rlim_t target = std::min<rlim_t>(static_cast<rlim_t>(want), lim.rlim_max);
  if (target > lim.rlim_cur) {
    rlimit raised{target, lim.rlim_max};
    if (::setrlimit(RLIMIT_NOFILE, &raised) == 0) {
      lim.rlim_cur = target;
    }
  }
  return static_cast<size_t>(lim.rlim_cur);
}

}  // namespace coven::server
