// The interactive session browser (`coven sessions` on a terminal, SPEC 6.4). The model
// and frame live in tui/browser.h; this file is the loop that owns the terminal, polls
// the daemon (about once a second while idle) and carries out the chosen action: archive,
// kill and sacrifice through the API in place; Rejoin, View Log and Summon by leaving the
// browser and running `coven attach|summon <id>`, exactly as typed in a shell.
#include <cstdio>
#include <string>
#include <vector>

#include <boost/json.hpp>

#include "cli/commands.h"
#include "cli/output.h"
#include "cli/session_client.h"
#include "cli/tui_support.h"
#include "core/clock.h"
#include "tui/browser.h"
#include "tui/frame.h"
#include "tui/keys.h"
#include "tui/terminal.h"
#include "tui/text.h"

namespace coven::cli {

namespace {
namespace json = boost::json;

constexpr size_t kPreviewKeepBytes = 16 * 1024;
constexpr int kPreviewPagesPerTick = 8;
constexpr size_t kPreviewLines = 6;

// The selected session's output so far (its tail), fetched incrementally by seq.
struct PreviewCache {
  std::string id;
  int64_t cursor = 0;
  std::string text;
};

// Fetches output events after the cache's cursor and keeps the last few KiB of text.
void RefreshPreview(const client::DaemonClient& c, const std::string& id, PreviewCache& cache) {
  if (cache.id != id) {
    cache = PreviewCache{id, 0, ""};
  }
  for (int page = 0; page < kPreviewPagesPerTick; ++page) {
    auto body = Call(
        c, "GET",
        "/api/v1/events?sessionId=" + id + "&limit=1000&afterSeq=" + std::to_string(cache.cursor));
    if (!body) {
      return;
    }
    boost::system::error_code ec;
    json::value v = json::parse(*body, ec);
    if (ec || !v.is_object() || !v.as_object().contains("events")) {
      return;
    }
    for (const json::value& e : v.at("events").as_array()) {
      cache.cursor = e.at("seq").to_number<int64_t>();
      if (e.at("kind") != "output") {
        continue;
      }
      json::value payload = json::parse(e.at("payload_json").as_string(), ec);
      if (!ec && payload.is_object() && payload.as_object().contains("data") &&
          payload.at("data").is_string()) {
        cache.text += std::string(payload.at("data").as_string());
      }
    }
    if (cache.text.size() > kPreviewKeepBytes) {
      // Cut at a line start so no escape sequence or character is split.
      size_t cut = cache.text.find('\n', cache.text.size() - kPreviewKeepBytes);
      cache.text.erase(0,
                       cut == std::string::npos ? cache.text.size() - kPreviewKeepBytes : cut + 1);
    }
    if (!v.at("hasMore").as_bool()) {
      return;
    }
  }
}

std::vector<tui::BrowserSession> FetchRows(const client::DaemonClient& c, bool all,
                                           std::string& error) {
  auto list = ListSessions(c, all);
  std::vector<tui::BrowserSession> rows;
  if (!list) {
    error = list.error().message;
    return rows;
  }
  error.clear();
  for (const SessionInfo& s : *list) {
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
  auto r = Call(c, "POST", "/api/v1/sessions/" + s->id + "/" + verb);
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

struct LoopResult {
  bool close = true;
  tui::BrowserAction action = tui::BrowserAction::kBack;
  std::string id;
};

// The browser on the terminal until it closes or an action needs the whole terminal.
LoopResult BrowserLoop(const client::DaemonClient& c, tui::BrowserModel& model) {
  bool color = UseColor(1);
  tui::KeyParser parser;
  tui::Frame shown(0, 0);
  tui::BrowserLayout layout;
  PreviewCache cache;
  std::string list_error;
  int64_t next_poll = 0;
  for (;;) {
    const tui::BrowserSession* s = model.Selected();
    bool selection_moved = s != nullptr && s->id != cache.id;
    if (core::NowNanos() >= next_poll || selection_moved) {
      if (!selection_moved) {
        model.SetSessions(FetchRows(c, model.all, list_error));
        if (!list_error.empty()) {
          model.notice = list_error;
          model.notice_is_error = true;
        }
      }
      if ((s = model.Selected()) != nullptr) {
        RefreshPreview(c, s->id, cache);
        model.preview = tui::TailLines(cache.text, kPreviewLines);
      } else {
        model.preview.clear();
      }
      next_poll = core::NowNanos() + 1'000'000'000;
    }
    auto size = tui::WindowSize(1).value_or(std::make_pair(uint16_t{24}, uint16_t{80}));
    tui::RenderedBrowser r = tui::RenderBrowser(model, std::max(size.second - 1, 18), size.first);
    layout = r.layout;
    tui::Frame next = tui::Frame::FromLines(r.lines, size.first, size.second, color);
    if (!tui::WriteString(1, tui::Diff(shown, next))) {
      return {};
    }
    shown = std::move(next);

    auto ready = tui::WaitReadable(0, parser.pending() ? 50 : 250);
    if (!ready) {
      return {};
    }
    std::vector<tui::Key> keys;
    if (*ready) {
      auto bytes = tui::ReadSome(0);
      if (!bytes || bytes->empty()) {
        return {};
      }
      keys = parser.Feed(*bytes);
    } else if (parser.pending()) {
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
      RunInPlace(c, model, step.action);
      next_poll = 0;  // show the change at once
    }
  }
}

}  // namespace

int RunSessionBrowser(Context& ctx, const core::HomePaths& paths, bool all) {
  auto c = EnsureDaemon(paths);
  if (!c) {
    return ctx.Fail(c.error());
  }
  std::string error;
  tui::BrowserModel model;
  model.all = all;
  model.SetSessions(FetchRows(*c, all, error));
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
    result = BrowserLoop(*c, model);
  }
  if (result.close) {
    std::printf("%s\n", model.changed ? "Closed session browser." : tui::kBrowserClosed);
    return 0;
  }
  const char* verb = result.action == tui::BrowserAction::kSummon ? "summon" : "attach";
  return RunCovenChild({verb, result.id});
}

}  // namespace coven::cli
