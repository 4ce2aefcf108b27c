#include "client/daemon_client.h"

#include <optional>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>

#include "client/internal/exchange.h"

namespace coven::client {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using Protocol = asio::local::stream_protocol;
using core::Error;
using core::ErrorCode;

core::Result<HttpReply> DaemonClient::Send(const std::string& method, const std::string& target,
                                           const std::string& body) const {
  asio::io_context ioc;
  beast::basic_stream<Protocol> stream(ioc);
  stream.expires_after(timeout_);
  beast::flat_buffer buffer;
  http::request<http::string_body> req{http::string_to_verb(method), target, 11};
  if (req.method() == http::verb::unknown) {
    req.method_string(method);
  }
  req.set(http::field::host, "coven");
  if (!body.empty() || method == "POST") {
    req.set(http::field::content_type, "application/json");
    req.body() = body;
  }
  req.keep_alive(false);
  req.prepare_payload();
  http::response_parser<http::string_body> parser;
  parser.body_limit(std::uint64_t{64} * 1024 * 1024);

  std::optional<Error> failure;
  bool timed_out = false;
  internal::ConnectAndSend(stream, socket_path_, req, failure, [&] {
    http::async_read(stream, buffer, parser, [&](beast::error_code rec, size_t) {
      timed_out = rec == beast::error::timeout;
      if (rec) {
        failure = Error(ErrorCode::kIo, "read reply from the daemon: " + rec.message());
      }
    });
  });
  ioc.run();
  if (failure && timed_out) {
    // A stopped or wedged daemon: the deadline fired somewhere in connect, send or read.
    return Error(ErrorCode::kRuntimeUnavailable,
                 "the coven daemon at " + socket_path_ + " did not answer within " +
                     std::to_string(timeout_.count() / 1000) +
                     " s (stopped or wedged); run `coven daemon restart`");
  }
  if (failure) {
    return *failure;
  }
  const auto& res = parser.get();
  return HttpReply{static_cast<int>(res.result_int()), res.body()};
}

std::string ErrorMessageFromBody(const std::string& body) {
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(body, ec);
  if (!ec && v.is_object()) {
    if (const auto* err = v.as_object().if_contains("error"); err && err->is_object()) {
      if (const auto* msg = err->as_object().if_contains("message"); msg && msg->is_string()) {
        return std::string(msg->as_string());
      }
    }
    if (const auto* reason = v.as_object().if_contains("reason"); reason && reason->is_string()) {
      return std::string(reason->as_string());
    }
  }
  return body;
}

}  // namespace coven::client
