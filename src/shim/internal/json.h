// shim/internal/json.h: the compact JSON payloads the shim writes into the event log.
//
// Written by hand so the shim stays free of Boost. Keys are sorted and the output is
// compact, as SPEC 3.4 stores payloads. Strings are sanitized to valid UTF-8 first.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace coven::shim::internal {

// Appends `s` to `out` as a JSON string literal (with quotes); invalid UTF-8 becomes U+FFFD.
void AppendJsonString(std::string* out, std::string_view s);

// {"argv":[...],"cols":N,"cwd":"...","pid":N,"rows":N}
std::string StartPayload(const std::vector<std::string>& argv, uint16_t cols,
                         const std::string& cwd, int64_t pid, uint16_t rows);
// {"cols":N,"rows":N}
std::string ResizePayload(uint16_t rows, uint16_t cols);
// {"status":"killed"}
std::string KillPayload();
// {"exitCode":N|null[,"signal":"SIGX"],"status":"completed"|"failed"} (SPEC 3.6): a signal
// death reports exitCode 1 plus the additive "signal" field; no code and no signal (a wait
// error) reports null.
std::string ExitPayload(std::optional<int> exit_code, std::optional<int> signal);
// {"exitCode":null,"status":"killed"}: the end the shim tells its clients (kExited) when it
// killed the harness. The log's exit event keeps the raw result (SPEC 3.6); this is what a
// client that hears the end before the daemon has recorded the kill must show.
std::string KilledEndPayload();

}  // namespace coven::shim::internal
