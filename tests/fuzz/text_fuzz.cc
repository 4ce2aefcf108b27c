// What makes outside text safe to show (core/strings.h, core/redact.h): SanitizeUtf8 and
// TerminalSafe always give valid UTF-8, TerminalSafe's output holds no terminal control,
// and RedactSecrets is idempotent and keeps text without secrets as it was.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "core/redact.h"
#include "core/strings.h"
#include "fuzz/fuzz_support.h"

namespace {

// Decodes valid UTF-8 (checked before) and returns true when any code point is a control.
bool HasControl(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    auto c = static_cast<unsigned char>(s[i]);
    size_t n = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    char32_t cp = n == 1 ? c : n == 2 ? (c & 0x1F) : n == 3 ? (c & 0x0F) : (c & 0x07);
    for (size_t k = 1; k < n; ++k) {
      cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
    }
    if (coven::core::IsTerminalControl(cp)) {
      return true;
    }
    i += n;
  }
  return false;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace coven;  // NOLINT(google-build-using-namespace): a fuzz entry point
  std::string_view text = fuzz::AsView(data, size);
  std::string clean = core::SanitizeUtf8(text);
  if (!core::IsValidUtf8(clean) || (core::IsValidUtf8(text) && clean != text)) {
    std::abort();
  }
  if (core::IncompleteUtf8Tail(text) > 3) {
    std::abort();
  }
  std::string safe = core::TerminalSafe(text);
  if (!core::IsValidUtf8(safe) || HasControl(safe)) {
    std::abort();
  }
  std::string redacted = core::RedactSecrets(text);
  if (core::RedactSecrets(redacted) != redacted) {
    std::abort();  // idempotent (core/redact.h)
  }
  if (redacted.find("[REDACTED:") == std::string::npos && redacted != text) {
    std::abort();  // nothing is changed except by a marker
  }
  return 0;
}
