// api/http.h: the transport-neutral request and response the API handles. server/ turns
// bytes on the socket into a Request and a Response back into bytes; api/ never sees a
// socket.
#pragma once

#include <string>

namespace coven::api {

struct Request {
  std::string method;  // case-sensitive, as sent
  std::string target;  // path plus optional "?query", raw (no percent-decoding, SPEC 1.4)
  std::string body;
};

struct Response {
  int status = 200;
  std::string body;
  std::string content_type = "application/json";
};

// Reason phrase for `status` ("OK", "Created", "Bad Request", ...).
const char* ReasonPhrase(int status);

}  // namespace coven::api
