// core/redact.h: secret redaction for event payloads shown by the API and the CLI (SPEC
// Part A decision 5). The raw event log on disk stays verbatim; only what is shown is
// redacted.
//
// RedactSecrets() replaces each secret with a marker naming its kind, "[REDACTED:<kind>]",
// and leaves every other byte as it was. It recognises:
//   openai-key         sk-..., sk-proj-... (20+ characters after "sk-", with a digit)
//   anthropic-key      sk-ant-...
//   github-token       ghp_ gho_ ghu_ ghs_ ghr_ (30+ after the prefix), github_pat_ (22+)
//   aws-access-key-id  AKIA/ASIA + 16 upper-case letters or digits
//   slack-token        xoxa- xoxb- xoxp- xoxr- xoxs- (10+ after the prefix, with a digit)
//   google-api-key     AIza + 35 characters
//   jwt                eyJ<header>.eyJ<payload>.<signature>
//   private-key        -----BEGIN ... PRIVATE KEY----- through its END line (or to the end
//                      of the text when the END line is missing)
//   authorization      the value of an `Authorization:` header (to the end of the line)
//   bearer-token       the token after `Bearer ` (16+ characters, with a digit)
//   password / secret / token / api-key
//                      the value of an assignment whose key ends in password, passwd,
//                      passphrase, secret, access_key, secret_key, private_key, token,
//                      api_key or apikey (case-insensitive; `-` counts as `_`), written
//                      `key=value`, `key: value`, `"key": "value"` or `key = "value"`.
// Tokens must start at a word boundary and be whole runs of [A-Za-z0-9_-], so ordinary
// words, UUIDs and git hashes are untouched. ANSI CSI sequences are passed through and
// count as boundaries, so coloured output is redacted too. The result is idempotent.
#pragma once

#include <string>
#include <string_view>

namespace coven::core {

// Returns `text` with secrets replaced by markers such as "[REDACTED:openai-key]". Pure,
// thread-safe, linear in the size of `text`; any bytes (also invalid UTF-8) are accepted.
std::string RedactSecrets(std::string_view text);

}  // namespace coven::core
