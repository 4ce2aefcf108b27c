// tests/fuzz/fuzz_support.h: what the libFuzzer targets share: a private COVEN_HOME with an
// empty ledger and a SessionManager over it (no harness can be found, so nothing is ever
// launched), and an Api on top, built once per process.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

// The entry point each target defines (libFuzzer's, or replay_main.cc's caller).
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace coven::api {
class Api;
}

namespace coven::fuzz {

// A finished session that the home's ledger holds, so routes that want a row reach their
// body parsing.
inline constexpr const char* kFuzzSessionId = "11111111-1111-4111-8111-111111111111";

// The Api of a daemon with an empty home; lives until the process exits.
const api::Api& FuzzApi();

// The folder of that home (for targets that write files of their own).
const char* FuzzDir();

inline std::string_view AsView(const uint8_t* data, size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

}  // namespace coven::fuzz
