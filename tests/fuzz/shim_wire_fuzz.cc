// The shim's wire (shim/internal/wire.h): frames split across reads, as a client or the
// shim sees them, and a screen snapshot as a kScreen reply or a screen.final file carries
// it (screen::ParseSnapshot). The first byte picks a split point; feeding in two pieces
// must give the same frames as feeding at once.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "fuzz/fuzz_support.h"
#include "screen/screen_model.h"
#include "shim/internal/wire.h"

namespace {
using coven::shim::internal::Frame;
using coven::shim::internal::FrameParser;

// Every frame the parser yields, and whether it stopped on a corrupt frame.
std::vector<Frame> Drain(FrameParser& parser, bool* corrupt) {
  std::vector<Frame> frames;
  for (;;) {
    auto next = parser.Next();
    if (!next) {
      *corrupt = true;
      return frames;
    }
    if (!next->has_value()) {
      return frames;
    }
    frames.push_back(std::move(**next));
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace coven;  // NOLINT(google-build-using-namespace): a fuzz entry point
  if (size == 0) {
    return 0;
  }
  std::string_view bytes = fuzz::AsView(data + 1, size - 1);
  size_t split = bytes.empty() ? 0 : data[0] % (bytes.size() + 1);
  FrameParser whole;
  whole.Feed(bytes);
  bool whole_corrupt = false;
  std::vector<Frame> a = Drain(whole, &whole_corrupt);
  FrameParser parts;
  bool parts_corrupt = false;
  parts.Feed(bytes.substr(0, split));
  std::vector<Frame> b = Drain(parts, &parts_corrupt);
  if (!parts_corrupt) {
    parts.Feed(bytes.substr(split));
    std::vector<Frame> rest = Drain(parts, &parts_corrupt);
    b.insert(b.end(), rest.begin(), rest.end());
  }
  if (a.size() != b.size() || whole_corrupt != parts_corrupt) {
    std::abort();
  }
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].type != b[i].type || a[i].payload != b[i].payload) {
      std::abort();
    }
  }
  (void)screen::ParseSnapshot(bytes);
  return 0;
}
