#include "core/strings.h"

#include <charconv>
#include <cstdio>

namespace coven::core {
namespace {

bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

// Length of the valid UTF-8 sequence starting at s[i], or 0 when it is invalid or
// truncated. `truncated` is set when the bytes seen so far are a valid prefix.
size_t Utf8SeqLen(std::string_view s, size_t i, bool* truncated) {
  *truncated = false;
  auto b = static_cast<unsigned char>(s[i]);
  size_t len = 0;
  unsigned char lo = 0x80;
  unsigned char hi = 0xBF;
  if (b < 0x80) {
    return 1;
  } else if (b >= 0xC2 && b <= 0xDF) {
    len = 2;
  } else if (b >= 0xE0 && b <= 0xEF) {
    len = 3;
    if (b == 0xE0) {
      lo = 0xA0;
    } else if (b == 0xED) {
      hi = 0x9F;
    }
  } else if (b >= 0xF0 && b <= 0xF4) {
    len = 4;
    if (b == 0xF0) {
      lo = 0x90;
    } else if (b == 0xF4) {
      hi = 0x8F;
    }
  } else {
    return 0;
  }
  for (size_t k = 1; k < len; ++k) {
    if (i + k >= s.size()) {
      *truncated = true;
      return 0;
    }
    auto c = static_cast<unsigned char>(s[i + k]);
    unsigned char min = k == 1 ? lo : 0x80;
    unsigned char max = k == 1 ? hi : 0xBF;
    if (c < min || c > max) {
      return 0;
    }
  }
  return len;
}

// The visible escape of a C0 control or DEL.
void AppendControlEscape(unsigned char c, std::string& out) {
  static constexpr char kHex[] = "0123456789abcdef";
  switch (c) {
    case 0x1b:
      out += "\\e";
      return;
    case '\a':
      out += "\\a";
      return;
    case '\b':
      out += "\\b";
      return;
    case '\t':
      out += "\\t";
      return;
    case '\n':
      out += "\\n";
      return;
    case '\r':
      out += "\\r";
      return;
    default:
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 0xf];
  }
}

// The code point of the valid `len`-byte UTF-8 sequence at `p` (len 2 to 4).
char32_t DecodeUtf8(const char* p, size_t len) {
  auto byte = [&](size_t k) { return static_cast<char32_t>(static_cast<unsigned char>(p[k])); };
  char32_t cp = byte(0) & (len == 2 ? 0x1fU : len == 3 ? 0x0fU : 0x07U);
  for (size_t k = 1; k < len; ++k) {
    cp = (cp << 6) | (byte(k) & 0x3fU);
  }
  return cp;
}

}  // namespace

bool IsTerminalControl(char32_t cp) {
  return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || cp == 0x200e || cp == 0x200f ||
         (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && IsSpace(s.front())) {
    s.remove_prefix(1);
  }
  while (!s.empty() && IsSpace(s.back())) {
    s.remove_suffix(1);
  }
  return s;
}

std::optional<int64_t> ParseInt64(std::string_view s) {
  if (!s.empty() && s.front() == '+') {
    s.remove_prefix(1);
    if (!s.empty() && (s.front() == '-' || s.front() == '+')) {
      return std::nullopt;
    }
  }
  if (s.empty()) {
    return std::nullopt;
  }
  int64_t value = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc() || ptr != s.data() + s.size()) {
    return std::nullopt;
  }
  return value;
}

bool IsValidUtf8(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    bool truncated = false;
    size_t n = Utf8SeqLen(s, i, &truncated);
    if (n == 0) {
      return false;
    }
    i += n;
  }
  return true;
}

size_t IncompleteUtf8Tail(std::string_view s) {
  size_t start = s.size() > 3 ? s.size() - 3 : 0;
  for (size_t i = start; i < s.size(); ++i) {
    auto b = static_cast<unsigned char>(s[i]);
    if (b >= 0xC0) {
      bool truncated = false;
      Utf8SeqLen(s, i, &truncated);
      if (truncated) {
        return s.size() - i;
      }
    }
  }
  return 0;
}

std::string SanitizeUtf8(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  size_t run = 0;  // start of the valid bytes not yet copied: copied in bulk, not per byte
  for (size_t i = 0; i < s.size();) {
    if (static_cast<unsigned char>(s[i]) < 0x80) {
      ++i;
      continue;
    }
    bool truncated = false;
    size_t n = Utf8SeqLen(s, i, &truncated);
    if (n == 0) {
      out.append(s.substr(run, i - run));
      out += "\xEF\xBF\xBD";
      i += 1;
      run = i;
    } else {
      i += n;
    }
  }
  out.append(s.substr(run));
  return out;
}

std::string TerminalSafe(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    auto b = static_cast<unsigned char>(s[i]);
    if (b < 0x20 || b == 0x7f) {
      AppendControlEscape(b, out);
      ++i;
      continue;
    }
    if (b < 0x80) {
      out += static_cast<char>(b);
      ++i;
      continue;
    }
    bool truncated = false;
    size_t n = Utf8SeqLen(s, i, &truncated);
    if (n == 0) {
      out += "\xEF\xBF\xBD";
      ++i;
      continue;
    }
    char32_t cp = DecodeUtf8(s.data() + i, n);
    if (IsTerminalControl(cp)) {
      char buf[16];
      std::snprintf(buf, sizeof buf, "\\u{%04x}", static_cast<unsigned>(cp));
      out += buf;
    } else {
      out.append(s.substr(i, n));
    }
    i += n;
  }
  return out;
}

}  // namespace coven::core
