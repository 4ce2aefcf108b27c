// The interactive session browser (`coven sessions` on a terminal, SPEC 6.4). The model
// and frame live in tui/browser.h; this file is the loop that owns the terminal and carries
// out the chosen action: archive, kill and sacrifice through the API in place; Rejoin,
// View Log and Summon by leaving the browser and running `coven attach|summon <id>`,
// exactly as typed in a shell. Nothing polls: the list follows the daemon's list stream
// (GET /api/v1/sessions?watch=true) and the preview follows the selected session's event
// stream, showing the bottom of its current screen (GET .../screen, docs/screen.md) after
// each burst of events; the loop sleeps until one of them, a key or a resize wakes it. (Against a
// daemon without the list stream it re-reads the list once a second.)
#include <algorithm>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/output.h"
#include "cli/session_client.h"
#include "cli/tui_support.h"
#include "client/daemon_client.h"
#include "client/sse_stream.h"
#include "core/clock.h"
#include "tui/browser.h"
#include "tui/frame.h"
#include "tui/keys.h"
#include "tui/terminal.h"
#include "tui/text.h"

namespace coven::cli {

namespace {

constexpr size_t kPreviewKeepBytes = size_t{16} * 1024;
constexpr size_t kPreviewLines = 6;
constexpr int kPreviewTailEvents = 200;
constexpr int64_t kListRefreshNanos = 1'000'000'000;  // only without the list stream
constexpr int64_t kEscapeSilenceNanos = 50'000'000;

// The bottom lines of the selected session's screen, kept current by its event stream:
// fd() joins the loop's wait, Pump() takes in what arrived and re-reads the screen. Against
// a daemon without the screen route it shows the tail of the raw output instead.
class Preview {
 public:
  explicit Preview(const client::DaemonClient& c) : client_(c), socket_(c.socket_path()) {}

  // Starts following `id` from its first event unless it is already the one shown.
  void Select(const std::string& id) {
    if (id == id_) {
      return;
    }
    id_ = id;
    text_.clear();
    screen_lines_.reset();
    follower_.reset();
    if (!id.empty()) {
      ReadScreen();
      // The last events are enough for the last screen lines, however long the log is.
      if (auto f = client::SseStream::Open(socket_, "/api/v1/sessions/" + id + "/stream?tail=" +
                                                        std::to_string(kPreviewTailEvents))) {
        follower_ = std::move(*f);
      }
    }
  }
  void Clear() { Select(""); }

  // The stream's socket, or -1 once it ended (or when nothing is selected).
  int fd() const { return follower_ ? follower_->fd() : -1; }
  // Bytes already read with the stream's head wait for Pump().
  bool buffered() const { return follower_ && follower_->buffered(); }

  // Takes in what arrived (a bounded amount, so keys stay responsive on a long log).
  // Returns true when the session's exit came in.
  bool Pump() {
    if (!follower_) {
      return false;
    }
    std::vector<client::SseEvent> events;
    auto open = follower_->ReadAvailable(events);
    bool exited = false;
    for (const client::SseEvent& e : events) {
      exited = exited || e.event == "exit";
      if (e.event == "output") {
        AppendOutput(e.data);  // the event's record, as GET /events serves it
      }
    }
    if (!events.empty()) {
      ReadScreen();  // one read per burst, not per event
    }
    if (!open || !*open) {
      follower_.reset();  // ended (after the exit event) or broke: keep what is shown
    }
    return exited;
  }

  std::vector<std::string> Lines() const {
    return screen_lines_ ? *screen_lines_ : tui::TailLines(text_, kPreviewLines);
  }

 private:
  // The last kPreviewLines rows of the screen down to its last non-blank row; unset when
  // the daemon has no screen for it (the raw tail is shown then).
  void ReadScreen() {
    screen_lines_.reset();
    auto screen = client::ScreenLines(client_, id_);
    if (!screen) {
      return;
    }
    std::vector<std::string>& rows = *screen;
    while (!rows.empty() && rows.back().empty()) {
      rows.pop_back();
    }
    size_t from = rows.size() > kPreviewLines ? rows.size() - kPreviewLines : 0;
    screen_lines_.emplace(rows.begin() + static_cast<std::ptrdiff_t>(from), rows.end());
  }

  void AppendOutput(const std::string& record_json) {
    std::optional<client::EventRecord> record = client::ParseEventRecord(record_json);
    if (!record || !record->data) {
      return;
    }
    text_ += *record->data;
    if (text_.size() > kPreviewKeepBytes) {
      // Cut at a line start so no escape sequence or character is split.
      size_t cut = text_.find('\n', text_.size() - kPreviewKeepBytes);
      text_.erase(0, cut == std::string::npos ? text_.size() - kPreviewKeepBytes : cut + 1);
    }
  }

  const client::DaemonClient& client_;
  std::string socket_;
  std::string id_;
  std::unique_ptr<client::SseStream> follower_;
  std::string text_;
  std::optional<std::vector<std::string>> screen_lines_;
};

// The session list, kept current by the daemon's list stream.
class ListWatch {
 public:
  // Opens the stream; ok() is false when the daemon does not offer it.
  ListWatch(const std::string& socket, bool all, std::string project)
      : project_(std::move(project)) {
    auto s = client::SseStream::Open(
        socket, std::string("/api/v1/sessions?watch=true") + (all ? "&all=true" : ""));
    if (s) {
      stream_ = std::move(*s);
    }
  }
  bool ok() const { return stream_ != nullptr; }
  int fd() const { return stream_ ? stream_->fd() : -1; }
  bool buffered() const { return stream_ && stream_->buffered(); }

  // Takes in what arrived; sets `rows` to the newest list when one came. False when the
  // stream broke (the caller falls back to reading the list itself).
  bool Pump(std::optional<std::vector<tui::BrowserSession>>& rows) {
    std::vector<client::SseEvent> events;
    auto open = stream_->ReadAvailable(events);
    for (const client::SseEvent& e : events) {
      if (e.event != "sessions") {
        continue;
      }
      if (auto list = client::ParseSessionList(e.data, project_)) {
        rows.emplace();
        for (const client::SessionRecord& info : *list) {
          rows->push_back(ToBrowserSession(info));
        }
      }
    }
    if (!open || !*open) {
      stream_.reset();
      return false;
    }
    return true;
  }

 private:
  std::string project_;
  std::unique_ptr<client::SseStream> stream_;
};

std::vector<tui::BrowserSession> FetchRows(const client::DaemonClient& c, bool all,
                                           const std::string& project, std::string& error) {
  auto list = client::ListSessions(c, all, project);
  std::vector<tui::BrowserSession> rows;
  if (!list) {
    error = list.error().message;
    return rows;
  }
  error.clear();
  for (const client::SessionRecord& s : *list) {
    rows.push_back(ToBrowserSession(s));
  }
  return rows;
}

// Carries out an in-place action through the daemon and reports it in the model.
void RunInPlace(const client::DaemonClient& c, tui::BrowserModel& model,
                tui::BrowserAction action) {
  const tui::BrowserSession* s = model.Selected();
  if (s == nullptr) {
    return;
  }
  const char* verb = action == tui::BrowserAction::kArchive     ? "archive"
                     : action == tui::BrowserAction::kSacrifice ? "sacrifice"
                                                                : "kill";
  auto r = client::Call(c, "POST", "/api/v1/sessions/" + s->id + "/" + verb);
  if (!r) {
    model.notice = r.error().message;
    model.notice_is_error = true;
    return;
  }
  model.changed = true;
  model.notice_is_error = false;
  model.notice = action == tui::BrowserAction::kArchive ? "archived session"
                 : action == tui::BrowserAction::kSacrifice
                     ? "sacrificed session; its event log was permanently deleted"
                     : "kill requested; the session's process group is being stopped";
}

// Resume: a new session continuing the selected one's conversation, in its project and
// cwd, launched here through the API (the browser's own cwd may be anywhere). Returns the
// new session's id, or nullopt with the error in the model's notice.
std::optional<std::string> LaunchResume(const client::DaemonClient& c, tui::BrowserModel& model) {
  const tui::BrowserSession* s = model.Selected();
  auto fail = [&model](const std::string& message) {
    model.notice = message;
    model.notice_is_error = true;
    return std::optional<std::string>();
  };
  auto body = client::Call(c, "GET", "/api/v1/sessions/" + s->id);
  auto record = body ? client::ParseSessionRecord(*body) : body.error();
  if (!record) {
    return fail(record.error().message);
  }
  client::LaunchRequest req = client::ResumeRequest(*record);
  if (auto size = tui::WindowSize(1)) {
    req.rows = size->first;
    req.cols = size->second;
  }
  auto launched = client::Call(c, "POST", "/api/v1/sessions", client::LaunchBody(req));
  auto session = launched ? client::ParseSessionRecord(*launched) : launched.error();
  if (!session) {
    return fail(session.error().message);
  }
  model.changed = true;
  return session->id;
}

struct LoopResult {
  bool close = true;
  tui::BrowserAction action = tui::BrowserAction::kBack;
  std::string id;
};

// The browser on the terminal until it closes or an action needs the whole terminal.
LoopResult BrowserLoop(const client::DaemonClient& c, tui::BrowserModel& model,
                       const std::string& project) {
  bool color = UseColor(1);
  tui::KeyParser parser;
  tui::Frame shown(0, 0);
  tui::BrowserLayout layout;
  tui::ResizeSignal resize;
  Preview preview(c);
  ListWatch watch(c.socket_path(), model.all, project);
  std::string list_error;
  // Without the list stream, the list is re-read once a second; the caller just read it.
  int64_t next_list = watch.ok() ? -1 : core::NowNanos() + kListRefreshNanos;
  int64_t last_key = 0;  // when stdin last gave bytes
  for (;;) {
    if (next_list >= 0 && core::NowNanos() >= next_list) {
      model.SetSessions(FetchRows(c, model.all, project, list_error));
      if (!list_error.empty()) {
        model.notice = list_error;
        model.notice_is_error = true;
      }
      next_list = core::NowNanos() + kListRefreshNanos;
    }
    if (const tui::BrowserSession* s = model.Selected()) {
      preview.Select(s->id);
    } else {
      preview.Clear();
    }
    model.preview = preview.Lines();
    model.now_unix = core::NowNanos() / 1'000'000'000;
    auto size = tui::WindowSize(1).value_or(std::make_pair(uint16_t{24}, uint16_t{80}));
    tui::RenderedBrowser r = tui::RenderBrowser(model, std::max(size.second - 1, 18), size.first);
    layout = r.layout;
    tui::Frame next = tui::Frame::FromLines(r.lines, size.first, size.second, color);
    if (!tui::WriteString(1, tui::Diff(shown, next))) {
      return {};
    }
    shown = std::move(next);

    // Sleep until a key, a resize, a list change, new output of the selected session, or
    // (without the list stream) the next list read; at the latest at the next minute, for
    // the AGE column. A lone Esc is told from a key sequence by 50 ms of silence on stdin.
    int64_t now = core::NowNanos();
    int64_t wake_at = (now / 60'000'000'000 + 1) * 60'000'000'000;
    if (next_list >= 0) {
      wake_at = std::min(wake_at, next_list);
    }
    if (parser.pending()) {
      wake_at = std::min(wake_at, last_key + kEscapeSilenceNanos);
    }
    bool buffered = preview.buffered() || watch.buffered();
    int wait_ms =
        buffered ? 0 : static_cast<int>(std::max<int64_t>(0, (wake_at - now) / 1'000'000));
    auto ready = tui::WaitAny({0, resize.fd(), preview.fd(), watch.fd()}, wait_ms);
    if (!ready) {
      return {};
    }
    (*ready)[2] = (*ready)[2] || preview.buffered();
    (*ready)[3] = (*ready)[3] || watch.buffered();
    resize.Consume();  // the next turn renders at the new size
    if ((*ready)[2] && preview.Pump() && next_list >= 0) {
      next_list = 0;  // the selected session ended: show its new status now
    }
    if ((*ready)[3]) {
      std::optional<std::vector<tui::BrowserSession>> rows;
      if (!watch.Pump(rows)) {
        next_list = 0;  // the stream broke: read the list ourselves from now on
      }
      if (rows) {
        model.SetSessions(std::move(*rows));
      }
    }
    std::vector<tui::Key> keys;
    if ((*ready)[0]) {
      auto bytes = tui::ReadSome(0);
      if (!bytes || bytes->empty()) {
        return {};
      }
      keys = parser.Feed(*bytes);
      last_key = core::NowNanos();
    } else if (parser.pending() && core::NowNanos() >= last_key + kEscapeSilenceNanos) {
      keys = parser.Flush();
    }
    for (const tui::Key& key : keys) {
      tui::BrowserStep step = tui::ApplyBrowserKey(model, key, layout);
      if (step.signal == tui::BrowserSignal::kClose) {
        return {};
      }
      if (step.signal != tui::BrowserSignal::kRun || model.Selected() == nullptr) {
        continue;
      }
      if (step.action == tui::BrowserAction::kAttach ||
          step.action == tui::BrowserAction::kSummon) {
        return {false, step.action, model.Selected()->id};
      }
      if (step.action == tui::BrowserAction::kResume) {
        if (auto id = LaunchResume(c, model)) {
          return {false, tui::BrowserAction::kAttach, *id};
        }
        continue;
      }
      RunInPlace(c, model, step.action);
      if (next_list >= 0) {
        next_list = 0;  // show the change at once (the list stream does it by itself)
      }
    }
  }
}

}  // namespace

int RunSessionBrowser(Context& ctx, const core::HomePaths& paths, bool all,
                      const std::string& project) {
  auto c = EnsureDaemon(paths);
  if (!c) {
    return ctx.Fail(c.error());
  }
  std::string error;
  tui::BrowserModel model;
  model.all = all;
  model.SetSessions(FetchRows(*c, all, project, error));
  if (!error.empty()) {
    return ctx.Fail(core::Error(core::ErrorCode::kInternal, error));
  }
  if (model.sessions.empty()) {
    std::printf("%s\n%s\n", tui::kNoSessions, tui::kStartHint);
    return 0;
  }
  LoopResult result;
  {
    tui::TerminalModeGuard guard(0, tui::ScreenOptions{1, true, true});
    if (!guard.active()) {
      return -1;
    }
    result = BrowserLoop(*c, model, project);
  }
  if (result.close) {
    std::printf("%s\n", model.changed ? "Closed session browser." : tui::kBrowserClosed);
    return 0;
  }
  const char* verb = result.action == tui::BrowserAction::kSummon ? "summon" : "attach";
  return RunCovenChild({verb, result.id});
}

}  // namespace coven::cli
