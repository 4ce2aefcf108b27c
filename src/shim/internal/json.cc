#include "shim/internal/json.h"

#include "core/session_status.h"
#include "core/strings.h"
#include "pty/pty.h"

namespace coven::shim::internal {
namespace {

// The closing `,"status":"..."}` of an exit payload.
std::string StatusMember(core::SessionStatus status) {
  return ",\"status\":\"" + core::StatusText(status) + "\"}";
}

}  // namespace

void AppendJsonString(std::string* out, std::string_view s) {
  std::string clean;
  if (!core::IsValidUtf8(s)) {
    clean = core::SanitizeUtf8(s);
    s = clean;
  }
  static constexpr char kHex[] = "0123456789abcdef";
  out->push_back('"');
  for (char c : s) {
    auto byte = static_cast<unsigned char>(c);
    switch (c) {
      case '"':
        out->append("\\\"");
        break;
      case '\\':
        out->append("\\\\");
        break;
      case '\n':
        out->append("\\n");
        break;
      case '\r':
        out->append("\\r");
        break;
      case '\t':
        out->append("\\t");
        break;
      default:
        if (byte < 0x20) {
          out->append("\\u00");
          out->push_back(kHex[byte >> 4]);
          out->push_back(kHex[byte & 0xf]);
        } else {
          out->push_back(c);
        }
    }
  }
  out->push_back('"');
}

std::string StartPayload(const std::vector<std::string>& argv, uint16_t cols,
                         const std::string& cwd, int64_t pid, uint16_t rows) {
  std::string out = "{\"argv\":[";
  for (size_t i = 0; i < argv.size(); ++i) {
    if (i > 0) {
      out.push_back(',');
    }
    AppendJsonString(&out, argv[i]);
  }
  out += "],\"cols\":" + std::to_string(cols) + ",\"cwd\":";
  AppendJsonString(&out, cwd);
  out += ",\"pid\":" + std::to_string(pid) + ",\"rows\":" + std::to_string(rows) + "}";
  return out;
}

std::string ResizePayload(uint16_t rows, uint16_t cols) {
  return "{\"cols\":" + std::to_string(cols) + ",\"rows\":" + std::to_string(rows) + "}";
}

std::string KillPayload() {
  return "{\"status\":\"" + core::StatusText(core::SessionStatus::kKilled) + "\"}";
}

std::string KilledEndPayload() {
  return "{\"exitCode\":null" + StatusMember(core::SessionStatus::kKilled);
}

std::string ExitPayload(std::optional<int> exit_code, std::optional<int> signal) {
  std::string out = "{\"exitCode\":";
  if (signal) {
    // portable-pty, which the reference used, maps a signal death to code 1.
    out += "1,\"signal\":";
    AppendJsonString(&out, pty::SignalName(*signal));
    return out + StatusMember(core::SessionStatus::kFailed);
  }
  if (!exit_code) {
    return out + "null" + StatusMember(core::SessionStatus::kFailed);
  }
  out += std::to_string(*exit_code);
  return out + StatusMember(*exit_code == 0 ? core::SessionStatus::kCompleted
                                            : core::SessionStatus::kFailed);
}

}  // namespace coven::shim::internal
