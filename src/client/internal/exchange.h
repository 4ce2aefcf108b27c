// client/internal/exchange.h: the connect-then-send step every client request shares.
// Private to client/ (Beast headers stay out of the public ones).
#pragma once

#include <optional>
#include <string>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "core/error.h"

namespace coven::client::internal {

using Protocol = boost::asio::local::stream_protocol;
using Stream = boost::beast::basic_stream<Protocol>;

// Starts connecting `stream` to the daemon's socket and writing `req`; once written, calls
// `read_reply()` to start reading the answer. A failure to connect (kRuntimeUnavailable) or
// to send (kIo) lands in `failure`. Runs on the stream's io_context: the caller runs it.
// `req` and `failure` must outlive that run.
template <class Request, class ReadReply>
void ConnectAndSend(Stream& stream, const std::string& socket_path, Request& req,
                    std::optional<core::Error>& failure, ReadReply read_reply) {
  stream.async_connect(Protocol::endpoint(socket_path), [&stream, &socket_path, &req, &failure,
                                                         read_reply](boost::beast::error_code ec) {
    if (ec) {
      failure =
          core::Error(core::ErrorCode::kRuntimeUnavailable,
                      "cannot reach the coven daemon at " + socket_path + ": " + ec.message());
      return;
    }
    boost::beast::http::async_write(
        stream, req, [&failure, read_reply](boost::beast::error_code wec, size_t) {
          if (wec) {
            failure =
                core::Error(core::ErrorCode::kIo, "send request to the daemon: " + wec.message());
            return;
          }
          read_reply();
        });
  });
}

}  // namespace coven::client::internal
