// Adapter manifests (docs/harnesses.md) as a user or a package drops them in adapters/:
// arbitrary bytes must be accepted as an adapter or refused with a reason, never crash. An
// accepted adapter's label is printable through core::TerminalSafe.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "core/strings.h"
#include "fuzz/fuzz_support.h"
#include "harness/harness_registry.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace coven;  // NOLINT(google-build-using-namespace): a fuzz entry point
  auto adapter = harness::ParseManifest(fuzz::AsView(data, size), "fuzz");
  if (!adapter && adapter.error().message.empty()) {
    std::abort();  // a refusal always says why
  }
  return 0;
}
