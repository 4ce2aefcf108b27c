// The shim's part of attention (docs/attention.md): terminal signals and screen patterns,
// reported to subscribers as kActivity frames. The daemon decides what they mean next to
// the harness's hooks (sessions/activity_board.h).
#include "shim/internal/shim_loop.h"

namespace coven::shim::internal {

core::Status Shim::LoadScreenPatterns() {
  for (const std::string& flag : options_.screen_patterns) {
    auto p = ParseScreenPattern(flag);
    if (!p) {
      return p.error();
    }
    screen_patterns_.push_back(std::move(*p));
  }
  return core::Ok();
}

// After output: the settle point moves (only output moves it: a quiet session has no timer
// at all); the terminal's signals are looked at once the model has the bytes (FlushScreen).
void Shim::AfterScreenFed() {
  if (!screen_patterns_.empty()) {
    settle_at_ = Clock::now() + kScreenSettle;
  }
}

screen::ScreenModel& Shim::Screen() {
  if (!log_full_) {
    EmitOutput(/*flush_tail=*/false);  // output held for the log batch goes to the model too
  }
  FlushScreen();
  return *screen_;
}

void Shim::FlushScreen() {
  screen_flush_at_.reset();
  if (screen_pending_.empty()) {
    return;
  }
  FeedScreen(screen_pending_);
  screen_pending_.clear();
}

void Shim::FeedScreen(std::string_view bytes) {
  screen_->Feed(bytes);
  screen::TerminalSignals signals = screen_->TakeSignals();
  if (!signals.empty()) {
    std::string title = screen_->title();
    if (auto report = FromTerminalSignals(signals, title, title_spinning_)) {
      SendActivity(*report);
    }
    title_spinning_ = IsSpinnerTitle(title);
  }
}

void Shim::MatchSettledScreen() {
  settle_at_.reset();
  ActivityReport report = MatchScreen(screen_patterns_, Screen().Lines());
  if (report == last_screen_report_) {
    return;
  }
  last_screen_report_ = report;
  SendActivity(report);
}

void Shim::SendActivity(const ActivityReport& report) {
  last_activity_ = report;
  std::string payload = EncodeActivity(report);
  for (const auto& c : clients_) {
    if (c->subscribed && !c->dead) {
      Reply(c.get(), FrameType::kActivity, payload);
      FlushClient(c.get());
    }
  }
}

void Shim::SendLastActivity(Client* client) {
  if (last_activity_) {
    Reply(client, FrameType::kActivity, EncodeActivity(*last_activity_));
  }
}

}  // namespace coven::shim::internal
