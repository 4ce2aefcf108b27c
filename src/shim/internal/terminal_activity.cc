#include "shim/internal/terminal_activity.h"

#include <algorithm>
#include <array>
#include <cctype>

namespace coven::shim::internal {
namespace {

using core::ActivitySource;
using core::ActivityState;

// Words that make a notification a question rather than an end of turn, lowercase. Claude
// Code says "Claude needs your permission to use Bash", Codex "Approval requested: ...".
constexpr std::array<std::string_view, 4> kAskingWords = {"permission", "approv", "allow",
                                                          "confirm"};

constexpr size_t kMaxDetailBytes = 200;

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

}  // namespace

bool IsSpinnerTitle(std::string_view title) {
  // U+2800-U+28FF is E2 A0 80 - E2 A3 BF in UTF-8.
  return title.size() >= 3 && static_cast<unsigned char>(title[0]) == 0xE2 &&
         static_cast<unsigned char>(title[1]) >= 0xA0 &&
         static_cast<unsigned char>(title[1]) <= 0xA3;
}

std::optional<ActivityReport> FromTerminalSignals(const screen::TerminalSignals& signals,
                                                  std::string_view title, bool was_spinning) {
  if (!signals.notifications.empty()) {
    const std::string& text = signals.notifications.back();
    std::string lower = Lower(text);
    bool asks = std::any_of(kAskingWords.begin(), kAskingWords.end(),
                            [&](std::string_view w) { return lower.find(w) != std::string::npos; });
    return ActivityReport{asks ? ActivityState::kAsking : ActivityState::kWaiting,
                          ActivitySource::kTerminal, text.substr(0, kMaxDetailBytes)};
  }
  if (signals.bells > 0) {
    return ActivityReport{ActivityState::kWaiting, ActivitySource::kTerminal, "bell"};
  }
  if (signals.title_changed && !was_spinning && IsSpinnerTitle(title)) {
    return ActivityReport{ActivityState::kWorking, ActivitySource::kTerminal,
                          std::string(title.substr(0, kMaxDetailBytes))};
  }
  return std::nullopt;
}

ActivityReport MatchScreen(const std::vector<ScreenPattern>& patterns,
                           const std::vector<std::string>& lines) {
  for (const ScreenPattern& p : patterns) {
    for (const std::string& line : lines) {
      if (std::regex_search(line, p.re)) {
        std::string detail = line.substr(
            line.find_first_not_of(' ') == std::string::npos ? 0 : line.find_first_not_of(' '));
        return ActivityReport{p.state, ActivitySource::kScreen, detail.substr(0, kMaxDetailBytes)};
      }
    }
  }
  return ActivityReport{ActivityState::kUnknown, ActivitySource::kScreen, ""};
}

std::string EncodeActivity(const ActivityReport& report) {
  std::string out;
  out.push_back(static_cast<char>(report.state));
  out.push_back(static_cast<char>(report.source));
  out += report.detail;
  return out;
}

std::optional<ActivityReport> DecodeActivity(std::string_view payload) {
  if (payload.size() < 2) {
    return std::nullopt;
  }
  auto state = static_cast<uint8_t>(payload[0]);
  auto source = static_cast<uint8_t>(payload[1]);
  if (state > static_cast<uint8_t>(ActivityState::kAsking) ||
      source > static_cast<uint8_t>(ActivitySource::kScreen)) {
    return std::nullopt;
  }
  return ActivityReport{static_cast<ActivityState>(state), static_cast<ActivitySource>(source),
                        std::string(payload.substr(2))};
}

}  // namespace coven::shim::internal
