// Raw bytes of one connection in, the server's answer out, in process: Beast's parser with
// the daemon's limits (server::ServeBytesForTesting), then the router and every handler
// of api::Api over an empty home. Checks that each answer is well-formed HTTP/1.1 with a
// JSON body, and that no request gets a 500.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "api/api.h"
#include "fuzz/fuzz_support.h"
#include "server/http_server.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace coven;  // NOLINT(google-build-using-namespace): a fuzz entry point
  static const server::ServerOptions options = [] {
    server::ServerOptions o;
    o.max_body_bytes = 64 * 1024;  // smaller than the daemon's, so the limit is reached
    o.max_header_bytes = 4 * 1024;
    return o;
  }();
  const api::Api& api = fuzz::FuzzApi();
  std::string out = server::ServeBytesForTesting(
      fuzz::AsView(data, size), options, [&api](const api::Request& req) {
        api::Response res = api.Handle(req);
        // An internal error is a bug: every input is either served or refused as invalid.
        if (res.status == 500) {
          std::fprintf(stderr, "500 for %s %s: %s\n", req.method.c_str(), req.target.c_str(),
                       res.body.c_str());
          std::abort();
        }
        return res;
      });
  if (!out.empty() && out.rfind("HTTP/1.", 0) != 0) {
    std::abort();
  }
  return 0;
}
