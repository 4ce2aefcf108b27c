#include "core/redact.h"

#include <array>
#include <cstddef>
#include <optional>
#include <utility>

namespace coven::core {
namespace {

// One left-to-right pass. At each word boundary a few matchers look ahead; a match copies
// the bytes it keeps (an assignment's key and separator), appends the marker and resumes
// after the secret. Linear time: a matcher only looks at the run of characters starting at
// a boundary (and a bounded number of following runs for JWTs), and the two scans that
// could reach further (identifiers, closing quotes) remember where they failed.

constexpr std::string_view kMarkerPrefix = "[REDACTED:";
constexpr size_t kNpos = std::string_view::npos;

bool IsDigit(char c) {
  return c >= '0' && c <= '9';
}
bool IsUpper(char c) {
  return c >= 'A' && c <= 'Z';
}
bool IsAlnum(char c) {
  return IsDigit(c) || IsUpper(c) || (c >= 'a' && c <= 'z');
}
// Characters of a token run; a boundary is any position not preceded by one.
bool IsRunChar(char c) {
  return IsAlnum(c) || c == '_' || c == '-';
}
bool IsIdentChar(char c) {
  return IsRunChar(c) || c == '.';
}
bool IsControl(char c) {
  return static_cast<unsigned char>(c) < 0x20 || c == 0x7f;
}
bool IsBlank(char c) {
  return c == ' ' || c == '\t';
}
bool IsQuote(char c) {
  return c == '"' || c == '\'';
}
char Lower(char c) {
  return IsUpper(c) ? static_cast<char>(c - 'A' + 'a') : c;
}

bool HasDigit(std::string_view s) {
  for (char c : s) {
    if (IsDigit(c)) {
      return true;
    }
  }
  return false;
}

bool StartsWithNoCase(std::string_view s, std::string_view lower_prefix) {
  if (s.size() < lower_prefix.size()) {
    return false;
  }
  for (size_t k = 0; k < lower_prefix.size(); ++k) {
    if (Lower(s[k]) != lower_prefix[k]) {
      return false;
    }
  }
  return true;
}

// Keys whose value is a secret, compared with the identifier lower-cased and `-` read as
// `_`; the identifier must equal the key or end in "_<key>" / ".<key>".
struct KeyRule {
  std::string_view key;
  std::string_view kind;
  bool line_value;  // the value runs to the end of the line (HTTP header style)
};
constexpr std::array<KeyRule, 11> kKeyRules = {{
    {"password", "password", false},
    {"passwd", "password", false},
    {"passphrase", "password", false},
    {"secret", "secret", false},
    {"access_key", "secret", false},
    {"secret_key", "secret", false},
    {"private_key", "secret", false},
    {"token", "token", false},
    {"api_key", "api-key", false},
    {"apikey", "api-key", false},
    {"authorization", "authorization", true},
}};

char NormalizeKeyChar(char c) {
  return c == '-' ? '_' : Lower(c);
}

bool EndsWithKey(std::string_view ident, std::string_view key) {
  if (ident.size() < key.size()) {
    return false;
  }
  size_t off = ident.size() - key.size();
  for (size_t k = 0; k < key.size(); ++k) {
    if (NormalizeKeyChar(ident[off + k]) != key[k]) {
      return false;
    }
  }
  if (off == 0) {
    return true;
  }
  char before = NormalizeKeyChar(ident[off - 1]);
  return before == '_' || before == '.';
}

const KeyRule* FindKeyRule(std::string_view ident) {
  for (const KeyRule& rule : kKeyRules) {
    if (EndsWithKey(ident, rule.key)) {
      return &rule;
    }
  }
  return nullptr;
}

// Where an unquoted assignment value stops.
bool IsValueStop(char c) {
  return c == ' ' || IsQuote(c) || c == ';' || c == '&' || IsControl(c);
}

// A secret found at position i: bytes [i, secret_begin) are kept, [secret_begin, end) is
// replaced by the marker.
struct Match {
  size_t secret_begin;
  size_t end;
  std::string_view kind;
};

class Redactor {
 public:
  explicit Redactor(std::string_view text) : text_(text) {}

  std::string Run();

 private:
  std::optional<Match> TryAt(size_t i);
  std::optional<Match> MatchRunToken(size_t i, size_t run_end) const;
  std::optional<Match> MatchJwt(size_t i, size_t run_end) const;
  std::optional<Match> MatchPrivateKey(size_t i) const;
  std::optional<Match> MatchBearer(size_t i) const;
  std::optional<Match> MatchAssignment(size_t i);
  std::optional<Match> MatchValue(size_t k, char sep, bool spaced, char outer, const KeyRule& rule);
  size_t RunEnd(size_t i) const;
  size_t CsiEnd(size_t i) const;
  size_t FindCloseQuote(size_t from, char q);
  bool At(size_t i, std::string_view s) const { return text_.substr(i).starts_with(s); }

  std::string_view text_;
  size_t ident_fail_until_ = 0;  // identifiers starting before this can't match
  // For " and ': a range [first, second) known to hold no closing quote before a newline.
  std::array<std::pair<size_t, size_t>, 2> no_close_{};
};

std::string Redactor::Run() {
  std::string out;
  out.reserve(text_.size());
  bool at_boundary = true;
  size_t i = 0;
  while (i < text_.size()) {
    if (text_[i] == '\x1b') {
      // Pass CSI sequences (colours, cursor moves) through whole; the text after one
      // starts a new word, so "\x1b[1mtoken=..." is still seen.
      size_t e = CsiEnd(i);
      if (e > i) {
        out.append(text_.substr(i, e - i));
        i = e;
        at_boundary = true;
        continue;
      }
    }
    if (at_boundary) {
      if (std::optional<Match> m = TryAt(i)) {
        out.append(text_.substr(i, m->secret_begin - i));
        out.append(kMarkerPrefix).append(m->kind).push_back(']');
        i = m->end;
        // The marker ends in ']', a boundary: treating it so here keeps the result
        // idempotent.
        at_boundary = true;
        continue;
      }
    }
    at_boundary = !IsRunChar(text_[i]);
    out.push_back(text_[i]);
    ++i;
  }
  return out;
}

std::optional<Match> Redactor::TryAt(size_t i) {
  if (text_[i] == '-') {
    if (std::optional<Match> m = MatchPrivateKey(i)) {
      return m;
    }
  }
  size_t run_end = RunEnd(i);
  if (run_end > i) {
    if (std::optional<Match> m = MatchRunToken(i, run_end)) {
      return m;
    }
  }
  if (std::optional<Match> m = MatchBearer(i)) {
    return m;
  }
  return MatchAssignment(i);
}

size_t Redactor::RunEnd(size_t i) const {
  while (i < text_.size() && IsRunChar(text_[i])) {
    ++i;
  }
  return i;
}

// ESC '[' parameter bytes (0x30-0x3F), intermediate bytes (0x20-0x2F), one final byte
// (0x40-0x7E). Returns the end of the sequence, or i when it is not a complete CSI.
size_t Redactor::CsiEnd(size_t i) const {
  size_t k = i + 1;
  if (k >= text_.size() || text_[k] != '[') {
    return i;
  }
  ++k;
  while (k < text_.size() && text_[k] >= 0x30 && text_[k] <= 0x3f) {
    ++k;
  }
  while (k < text_.size() && text_[k] >= 0x20 && text_[k] <= 0x2f) {
    ++k;
  }
  if (k < text_.size() && text_[k] >= 0x40 && text_[k] <= 0x7e) {
    return k + 1;
  }
  return i;
}

// Provider tokens that are exactly one run of [A-Za-z0-9_-]. Random tokens of the
// required length virtually always contain a digit; requiring one spares hyphenated words.
std::optional<Match> Redactor::MatchRunToken(size_t i, size_t run_end) const {
  std::string_view run = text_.substr(i, run_end - i);
  auto body_ok = [&](size_t prefix, size_t min_len) {
    return run.size() >= prefix + min_len && HasDigit(run.substr(prefix));
  };
  std::string_view kind;
  if (run.starts_with("sk-ant-")) {
    kind = body_ok(7, 20) ? "anthropic-key" : "";
  } else if (run.starts_with("sk-")) {
    kind = body_ok(3, 20) ? "openai-key" : "";
  } else if (run.size() > 4 && run.starts_with("gh") &&
             std::string_view("pousr").find(run[2]) != kNpos && run[3] == '_') {
    kind = body_ok(4, 30) ? "github-token" : "";
  } else if (run.starts_with("github_pat_")) {
    kind = body_ok(11, 22) ? "github-token" : "";
  } else if ((run.starts_with("AKIA") || run.starts_with("ASIA")) && run.size() == 20) {
    bool ok = true;
    for (char c : run.substr(4)) {
      ok = ok && (IsUpper(c) || IsDigit(c));
    }
    kind = ok ? "aws-access-key-id" : "";
  } else if (run.size() > 5 && run.starts_with("xox") &&
             std::string_view("abprs").find(run[3]) != kNpos && run[4] == '-') {
    kind = body_ok(5, 10) ? "slack-token" : "";
  } else if (run.starts_with("AIza") && run.size() == 39) {
    kind = "google-api-key";
  } else if (run.starts_with("eyJ")) {
    return MatchJwt(i, run_end);
  }
  if (kind.empty()) {
    return std::nullopt;
  }
  return Match{i, run_end, kind};
}

// eyJ<header>.eyJ<payload>.<signature>: base64url JSON objects start with "eyJ". An
// empty signature (alg "none") leaves the final '.' in the text.
std::optional<Match> Redactor::MatchJwt(size_t i, size_t run_end) const {
  constexpr size_t kMinSegment = 10;
  if (run_end - i < kMinSegment || run_end >= text_.size() || text_[run_end] != '.' ||
      !At(run_end + 1, "eyJ")) {
    return std::nullopt;
  }
  size_t payload_end = RunEnd(run_end + 1);
  if (payload_end - (run_end + 1) < kMinSegment || payload_end >= text_.size() ||
      text_[payload_end] != '.') {
    return std::nullopt;
  }
  size_t signature_end = RunEnd(payload_end + 1);
  return Match{i, signature_end > payload_end + 1 ? signature_end : payload_end, "jwt"};
}

// "-----BEGIN <...>PRIVATE KEY-----" through the matching "-----END ...-----", or to the
// end of the text when the END line is missing (a truncated paste is still a secret).
std::optional<Match> Redactor::MatchPrivateKey(size_t i) const {
  constexpr std::string_view kBegin = "-----BEGIN ";
  constexpr std::string_view kEnd = "-----END ";
  constexpr std::string_view kDashes = "-----";
  if (!At(i, kBegin)) {
    return std::nullopt;
  }
  size_t label = i + kBegin.size();
  size_t k = label;
  while (k < text_.size() && k - label < 64 &&
         (IsUpper(text_[k]) || IsDigit(text_[k]) || text_[k] == ' ')) {
    ++k;
  }
  if (!At(k, kDashes) || !text_.substr(label, k - label).ends_with("PRIVATE KEY")) {
    return std::nullopt;
  }
  size_t end_line = text_.find(kEnd, k + kDashes.size());
  if (end_line == kNpos) {
    return Match{i, text_.size(), "private-key"};
  }
  size_t eol = text_.find('\n', end_line);
  if (eol == kNpos) {
    eol = text_.size();
  }
  size_t label_start = end_line + kEnd.size();
  size_t close = text_.substr(label_start, eol - label_start).find(kDashes);
  return Match{i, close == kNpos ? eol : label_start + close + kDashes.size(), "private-key"};
}

// "Bearer <token>" with a token of 16+ characters (RFC 6750 token68 alphabet) including a
// digit, so that prose such as "bearer of bad news" stays.
std::optional<Match> Redactor::MatchBearer(size_t i) const {
  constexpr std::string_view kBearer = "bearer";
  if (!StartsWithNoCase(text_.substr(i), kBearer)) {
    return std::nullopt;
  }
  size_t k = i + kBearer.size();
  if (k >= text_.size() || !IsBlank(text_[k])) {
    return std::nullopt;
  }
  while (k < text_.size() && IsBlank(text_[k])) {
    ++k;
  }
  size_t token = k;
  while (k < text_.size() &&
         (IsAlnum(text_[k]) || std::string_view("-._~+/").find(text_[k]) != kNpos)) {
    ++k;
  }
  std::string_view body = text_.substr(token, k - token);
  while (k < text_.size() && text_[k] == '=') {
    ++k;
  }
  if (body.size() < 16 || !HasDigit(body)) {
    return std::nullopt;
  }
  return Match{token, k, "bearer-token"};
}

// `<identifier><sep><value>` where the identifier ends in a KeyRule key and <sep> is '='
// or ':' with optional blanks around it. The identifier may be quoted ("key": "value").
std::optional<Match> Redactor::MatchAssignment(size_t i) {
  if (i < ident_fail_until_) {
    return std::nullopt;
  }
  size_t k = i;
  while (k < text_.size() && IsIdentChar(text_[k])) {
    ++k;
  }
  // Any identifier starting later inside this one ends at the same place and is followed
  // by the same text, so a failure here is a failure for all of them.
  ident_fail_until_ = k;
  const KeyRule* rule = FindKeyRule(text_.substr(i, k - i));
  if (rule == nullptr) {
    return std::nullopt;
  }
  char outer = i > 0 && IsQuote(text_[i - 1]) ? text_[i - 1] : '\0';
  if (outer != '\0' && k < text_.size() && text_[k] == outer) {
    ++k;
  }
  size_t before_sep = k;
  while (k < text_.size() && IsBlank(text_[k])) {
    ++k;
  }
  if (k >= text_.size() || (text_[k] != '=' && text_[k] != ':')) {
    return std::nullopt;
  }
  char sep = text_[k];
  bool spaced = k > before_sep;
  ++k;
  // "token == x" compares and "token::x" is a C++ scope: neither assigns.
  if (k < text_.size() && text_[k] == sep) {
    return std::nullopt;
  }
  size_t after_sep = k;
  while (k < text_.size() && IsBlank(text_[k])) {
    ++k;
  }
  return MatchValue(k, sep, spaced || k > after_sep, outer, *rule);
}

std::optional<Match> Redactor::MatchValue(size_t k, char sep, bool spaced, char outer,
                                          const KeyRule& rule) {
  if (rule.line_value && sep != ':') {
    return std::nullopt;
  }
  if (k < text_.size() && IsQuote(text_[k])) {
    size_t close = FindCloseQuote(k + 1, text_[k]);
    if (close != kNpos) {
      if (close == k + 1 || At(k + 1, kMarkerPrefix)) {
        return std::nullopt;
      }
      return Match{k + 1, close, rule.kind};
    }
    ++k;             // unterminated quote: the value is what follows it
    spaced = false;  // but it was clearly meant as a string value
  }
  // In code, `password = read_password()` is not a secret; only `key = "literal"` is.
  if ((sep == '=' && spaced) || At(k, kMarkerPrefix)) {
    return std::nullopt;
  }
  size_t e = k;
  size_t min_len = 4;
  if (rule.line_value) {
    while (e < text_.size() && (text_[e] == '\t' || !IsControl(text_[e])) && text_[e] != outer) {
      ++e;
    }
    while (e > k && IsBlank(text_[e - 1])) {
      --e;
    }
  } else {
    while (e < text_.size() && !IsValueStop(text_[e])) {
      ++e;
    }
    min_len = sep == '=' ? 3 : 4;
  }
  if (e - k < min_len) {
    return std::nullopt;
  }
  return Match{k, e, rule.kind};
}

// The closing quote `q` at or after `from` on the same line, or npos. Remembers lines
// without one so repeated searches stay linear.
size_t Redactor::FindCloseQuote(size_t from, char q) {
  std::pair<size_t, size_t>& memo = no_close_[q == '"' ? 0 : 1];
  if (from >= memo.first && from < memo.second) {
    return kNpos;
  }
  for (size_t p = from; p < text_.size(); ++p) {
    if (text_[p] == q) {
      return p;
    }
    if (text_[p] == '\n') {
      memo = {from, p};
      return kNpos;
    }
  }
  memo = {from, text_.size()};
  return kNpos;
}

}  // namespace

std::string RedactSecrets(std::string_view text) {
  return Redactor(text).Run();
}

}  // namespace coven::core
