// server/internal/http_messages.h: the pieces of HTTP handling that need no socket: parser
// limits, Beast messages to and from api:: requests and responses, the error answers the
// server writes itself (parse errors, 503 server_busy). Shared by HttpServer and
// ServeBytesForTesting, so the fuzzed path is the served one.
#pragma once

#include <string>

#include <boost/beast/http.hpp>

#include "api/http.h"
#include "server/http_server.h"

namespace coven::server::internal {

namespace http = boost::beast::http;

// The answer to a request the parser rejected: 413, 431 or 400 invalid_request.
api::Response ParseErrorResponse(const boost::beast::error_code& ec);
// Applies the header and body limits of `options`.
void LimitParser(http::request_parser<http::string_body>& parser, const ServerOptions& options);
api::Request ToApiRequest(const http::request<http::string_body>& msg);
http::response<http::string_body> ToHttpResponse(const api::Response& res, unsigned version,
                                                 bool keep_alive);
// 503 server_busy with `details.limit` = `what` ("connections", "streams", ...).
api::Response BusyResponse(const std::string& what);
// The whole 503 answer as bytes (Connection: close), for connections turned away before a
// request is read.
std::string BusyBytes(const std::string& what);
// True for the accept errors that mean "out of file descriptors or memory" (EMFILE,
// ENFILE, ENOBUFS, ENOMEM): retrying at once would spin.
bool IsOutOfFds(const boost::beast::error_code& ec);

}  // namespace coven::server::internal
