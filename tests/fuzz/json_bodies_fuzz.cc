// The JSON bodies of the POST routes: the first byte picks the route (launch through the
// API, launch body parsing on its own, resize and input on a finished session, actions),
// the rest is the body. Every body must be answered 2xx or 4xx, never 500 or a crash.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include <boost/json.hpp>

#include "api/api.h"
#include "api/launch_body.h"
#include "fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace coven;  // NOLINT(google-build-using-namespace): a fuzz entry point
  if (size == 0) {
    return 0;
  }
  std::string body(reinterpret_cast<const char*>(data) + 1, size - 1);
  std::string row = std::string("/api/v1/sessions/") + fuzz::kFuzzSessionId;
  std::string target;
  switch (data[0] % 5) {
    case 0:
      target = "/api/v1/sessions";
      break;
    case 1: {
      boost::system::error_code ec;
      boost::json::value v = boost::json::parse(body, ec);
      if (!ec && v.is_object()) {
        (void)api::ParseLaunchBody(v.as_object());
      }
      return 0;
    }
    case 2:
      target = row + "/resize";
      break;
    case 3:
      target = row + "/input";
      break;
    default:
      target = "/api/v1/actions";
      break;
  }
  api::Response res = fuzz::FuzzApi().Handle(api::Request{"POST", target, body});
  if (res.status >= 500) {
    std::fprintf(stderr, "%d for POST %s: %s\n", res.status, target.c_str(), res.body.c_str());
    std::abort();
  }
  boost::system::error_code ec;
  (void)boost::json::parse(res.body, ec);
  if (ec) {
    std::abort();  // every answer is JSON
  }
  return 0;
}
