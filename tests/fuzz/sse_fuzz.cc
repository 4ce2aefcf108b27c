// The client's SSE parser (client/sse.cc) and its JSON decoders of what the daemon sends
// (session records, event pages). The parser must give the same events however the bytes
// are split: the first byte picks a split point, checked against feeding all at once.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "client/sessions.h"
#include "client/sse.h"
#include "fuzz/fuzz_support.h"

namespace {

bool Same(const std::vector<coven::client::SseEvent>& a,
          const std::vector<coven::client::SseEvent>& b) {
  if (a.size() != b.size()) {
    return false;
  }
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].id != b[i].id || a[i].event != b[i].event || a[i].data != b[i].data) {
      return false;
    }
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace coven;  // NOLINT(google-build-using-namespace): a fuzz entry point
  if (size == 0) {
    return 0;
  }
  std::string_view bytes = fuzz::AsView(data + 1, size - 1);
  size_t split = bytes.empty() ? 0 : data[0] % (bytes.size() + 1);
  std::vector<client::SseEvent> whole;
  std::vector<client::SseEvent> pieces;
  client::SseParser a;
  a.Feed(bytes, whole);
  client::SseParser b;
  b.Feed(bytes.substr(0, split), pieces);
  b.Feed(bytes.substr(split), pieces);
  if (!Same(whole, pieces)) {
    std::abort();
  }
  for (const client::SseEvent& e : whole) {
    (void)client::ParseEventRecord(e.data);
    (void)client::ParseSessionRecord(e.data);
  }
  std::string text(bytes);
  (void)client::ParseEventPage(text);
  return 0;
}
