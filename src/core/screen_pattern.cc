#include "core/screen_pattern.h"

namespace coven::core {

Result<ScreenPattern> ParseScreenPattern(std::string_view flag) {
  size_t eq = flag.find('=');
  auto bad = [&](const std::string& why) {
    return Error(ErrorCode::kInvalidRequest, "screen pattern `" + std::string(flag) + "`: " + why);
  };
  if (eq == std::string_view::npos) {
    return bad("expected <state>=<regex>");
  }
  auto state = ActivityFromName(flag.substr(0, eq));
  if (!state || (*state != ActivityState::kAsking && *state != ActivityState::kWaiting)) {
    return bad("the state must be asking or waiting");
  }
  ScreenPattern p;
  p.state = *state;
  p.text = std::string(flag.substr(eq + 1));
  if (p.text.empty() || p.text.size() > 512) {
    return bad("the regular expression must have 1 to 512 bytes");
  }
  // std::regex reports a bad expression by throwing; our code does not let it escape.
  try {
    p.re = std::regex(p.text, std::regex::ECMAScript | std::regex::optimize);
  } catch (const std::regex_error& e) {
    return bad(std::string("not a regular expression: ") + e.what());
  }
  return p;
}

}  // namespace coven::core
