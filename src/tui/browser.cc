#include "tui/browser.h"

#include <algorithm>
#include <optional>

#include "core/clock.h"
#include "core/session_status.h"
#include "tui/text.h"

namespace coven::tui {

namespace {

constexpr const char* kPointer = "\xE2\x80\xBA";  // ›
constexpr const char* kBar = "\xE2\x94\x82";      // │

bool IsRunning(const BrowserSession& s) {
  return core::IsStatus(s.status, core::SessionStatus::kRunning);
}

std::vector<BrowserAction> ActionKinds(const BrowserSession* s) {
  std::vector<BrowserAction> out;
  if (s != nullptr) {
    for (const ActionItem& a : ActionsFor(*s)) {
      out.push_back(a.action);
    }
  }
  return out;
}

// Needing the user first: asking, then waiting, then the rest.
int AttentionRank(const BrowserSession& s) {
  if (!core::IsStatus(s.status, core::SessionStatus::kRunning)) {
    return 2;
  }
  return s.activity == "asking" ? 0 : s.activity == "waiting" ? 1 : 2;
}

// The colour of the state word: red for a question, accent for an agent that waits.
Style StateStyle(const BrowserSession& s) {
  if (!core::IsStatus(s.status, core::SessionStatus::kRunning)) {
    return Style::kPlain;
  }
  struct Entry {
    const char* activity;
    Style style;
  };
  static constexpr Entry kStyles[] = {
      {"asking", Style::kError}, {"waiting", Style::kAccent}, {"unknown", Style::kDim}};
  for (const Entry& e : kStyles) {
    if (s.activity == e.activity) {
      return e.style;
    }
  }
  return Style::kPlain;
}

Line Fitted(const std::string& text, int width, Style style = Style::kPlain) {
  return Line(Fit(text, static_cast<size_t>(std::max(width, 1))), style);
}

// Cuts every span of `line` so the whole row fits `width` columns.
Line FitLine(const Line& line, int width) {
  Line out;
  size_t room = static_cast<size_t>(std::max(width, 1));
  std::string all = line.Text();
  bool cut = Columns(all) > room;
  size_t budget = cut ? room - 1 : room;
  for (const Span& s : line.spans) {
    if (budget == 0) {
      break;
    }
    std::string part = TakeColumns(s.text, budget);
    budget -= Columns(part);
    out.Add(std::move(part), s.style);
  }
  if (cut) {
    out.Add("\xE2\x80\xA6");
  }
  return out;
}

void SelectAction(BrowserModel& model, BrowserAction action) {
  const BrowserSession* s = model.Selected();
  if (s == nullptr) {
    return;
  }
  std::vector<ActionItem> actions = ActionsFor(*s);
  for (size_t i = 0; i < actions.size(); ++i) {
    if (actions[i].action == action) {
      model.action = i;
    }
  }
}

// Runs `action` on the selected session: Back closes, Sacrifice opens the prompt.
BrowserStep Run(BrowserModel& model, BrowserAction action) {
  SelectAction(model, action);
  if (action == BrowserAction::kBack) {
    return {BrowserSignal::kClose, action};
  }
  if (action == BrowserAction::kSacrifice) {
    model.confirming = true;
    model.confirm_input.clear();
    model.notice.clear();
    return {};
  }
  return {BrowserSignal::kRun, action};
}

void Move(BrowserModel& model, int delta) {
  size_t n = model.sessions.size();
  if (n == 0) {
    return;
  }
  model.selected = (model.selected + (delta < 0 ? n - 1 : 1)) % n;
  model.action = 0;
  model.notice.clear();
}

BrowserStep ApplyConfirmKey(BrowserModel& model, const Key& key) {
  switch (key.kind) {
    case KeyKind::kText:
      model.confirm_input += key.text;
      return {};
    case KeyKind::kBackspace:
      if (!model.confirm_input.empty()) {
        model.confirm_input.pop_back();
      }
      return {};
    case KeyKind::kEnter: {
      bool confirmed = model.confirm_input == "sacrifice";
      model.confirming = false;
      model.confirm_input.clear();
      if (confirmed) {
        return {BrowserSignal::kRun, BrowserAction::kSacrifice};
      }
      model.notice = kSacrificeCancelled;
      model.notice_is_error = false;
      return {};
    }
    case KeyKind::kEscape:
    case KeyKind::kCtrlC:
      model.confirming = false;
      model.confirm_input.clear();
      model.notice = kSacrificeCancelled;
      model.notice_is_error = false;
      return {};
    default:
      return {};
  }
}

BrowserStep ApplyClick(BrowserModel& model, const Key& key, const BrowserLayout& layout) {
  int row = key.y - 1;
  int offset = row - layout.first_session_row;
  if (offset >= 0 && static_cast<size_t>(offset) < layout.shown_sessions) {
    size_t index = layout.first_session + static_cast<size_t>(offset);
    if (index < model.sessions.size() && index != model.selected) {
      model.selected = index;
      model.action = 0;
      model.notice.clear();
    }
    return {};
  }
  int action_offset = row - layout.first_action_row;
  const BrowserSession* s = model.Selected();
  if (s != nullptr && layout.first_action_row >= 0 && action_offset >= 0 &&
      static_cast<size_t>(action_offset) < layout.shown_actions) {
    std::vector<ActionItem> actions = ActionsFor(*s);
    if (static_cast<size_t>(action_offset) < actions.size()) {
      return Run(model, actions[static_cast<size_t>(action_offset)].action);
    }
  }
  return {};
}

// The last component of a project root ("/" for the root itself).
std::string ProjectName(const std::string& root) {
  size_t end = root.find_last_not_of('/');
  if (end == std::string::npos) {
    return root.empty() ? "" : "/";
  }
  size_t slash = root.rfind('/', end);
  return root.substr(slash == std::string::npos ? 0 : slash + 1,
                     end - (slash == std::string::npos ? 0 : slash + 1) + 1);
}

std::vector<Line> SelectedPanel(const BrowserSession& s, int width) {
  std::vector<Line> out;
  out.push_back(FitLine(Line("Selected  ", Style::kBold).Add(s.title), width));
  out.push_back(Fitted(
      "  Id: " + s.id.substr(0, 18) + "   Status: " + s.status + "   State: " + DisplayState(s),
      width));
  out.push_back(Fitted("  Harness: " + s.harness + "   Updated: " + s.updated_at, width));
  out.push_back(Fitted("  Project: " + s.project_root, width));
  return out;
}

// The column header, up to eight session rows (a window that follows the selection) and
// the "more" line.
void AppendSessionRows(const BrowserModel& model, int width, RenderedBrowser& out) {
  std::vector<Line>& lines = out.lines;
  lines.push_back(Fitted("  " + FitPad("TITLE", 30) + " " + FitPad("STATE", 9) + " " +
                             FitPad("HARNESS", 8) + " " + FitPad("AGE", 4) + " " +
                             FitPad("PROJECT", 12) + " ID",
                         width, Style::kDim));
  lines.push_back(Fitted("  " + std::string(30, '-') + " " + std::string(9, '-') + " " +
                             std::string(8, '-') + " " + std::string(4, '-') + " " +
                             std::string(12, '-') + " --------",
                         width, Style::kDim));
  size_t n = model.sessions.size();
  size_t shown = std::min(n, kBrowserVisibleSessions);
  size_t first = model.selected >= shown ? model.selected - shown + 1 : 0;
  out.layout.first_session_row = static_cast<int>(lines.size());
  out.layout.first_session = first;
  out.layout.shown_sessions = shown;
  for (size_t i = first; i < first + shown; ++i) {
    const BrowserSession& row = model.sessions[i];
    bool is_selected = i == model.selected;
    Style plain = is_selected ? Style::kReverse : Style::kPlain;
    Line line(std::string(is_selected ? kPointer : " ") + " ");
    line.Add(FitPad(row.title, 30) + " ", plain);
    line.Add(FitPad(DisplayState(row), 9), is_selected ? plain : StateStyle(row));
    line.Add(" " + FitPad(row.harness, 8) + " " +
                 FitPad(AgeLabel(row.updated_at, model.now_unix), 4) + " " +
                 FitPad(ProjectName(row.project_root), 12) + " " + row.id.substr(0, 8),
             plain);
    lines.push_back(FitLine(line, width));
  }
  size_t hidden = n - shown;
  if (hidden > 0) {
    lines.push_back(Fitted("  \xE2\x80\xA6 " + std::to_string(hidden) + " more (" +
                               std::to_string(first) + " above, " +
                               std::to_string(n - first - shown) + " below)",
                           width, Style::kDim));
  }
}

// The preview (shrunk first when rows are short), the actions and the notice or prompt.
void AppendPreviewAndActions(const BrowserModel& model, const BrowserSession& s, int width,
                             int max_rows, RenderedBrowser& out) {
  std::vector<Line>& lines = out.lines;
  std::vector<ActionItem> actions = ActionsFor(s);
  // Rows after the preview: blank, "Actions", the actions, the notice or prompt.
  int after = 1 + 1 + static_cast<int>(actions.size()) + 1;
  int preview_rows = 6;
  if (max_rows > 0) {
    preview_rows = std::clamp(max_rows - static_cast<int>(lines.size()) - 1 - after, 1, 6);
  }
  if (!s.worktree_path.empty()) {
    lines.push_back(
        Fitted("Worktree " + s.worktree_path + " (" + s.worktree_branch + ")", width, Style::kDim));
  }
  lines.push_back(Line("Preview", Style::kBold));
  std::vector<std::string> preview = model.preview;
  if (preview.size() > static_cast<size_t>(preview_rows)) {
    preview.erase(preview.begin(), preview.end() - static_cast<std::ptrdiff_t>(preview_rows));
  }
  if (preview.empty()) {
    lines.push_back(Fitted("  (no output yet)", width, Style::kDim));
  }
  for (const std::string& p : preview) {
    lines.push_back(FitLine(Line("  " + std::string(kBar) + " ", Style::kDim).Add(p), width));
  }
  lines.emplace_back("");
  lines.push_back(Line("Actions", Style::kBold));
  out.layout.first_action_row = static_cast<int>(lines.size());
  out.layout.shown_actions = actions.size();
  for (size_t i = 0; i < actions.size(); ++i) {
    bool is_selected = i == model.action;
    Line line(std::string("  ") + (is_selected ? kPointer : " ") + " ");
    line.Add(std::string("[") + actions[i].key + "] " + actions[i].label,
             is_selected ? Style::kReverse : Style::kPlain);
    lines.push_back(FitLine(line, width));
  }
  if (model.confirming) {
    lines.push_back(FitLine(Line("Type `sacrifice` and press Enter to delete this session and "
                                 "its event log for good: ",
                                 Style::kError)
                                .Add(model.confirm_input),
                            width));
  } else if (!model.notice.empty()) {
    lines.push_back(
        Fitted(model.notice, width, model.notice_is_error ? Style::kError : Style::kAccent));
  }
}

}  // namespace

std::vector<ActionItem> ActionsFor(const BrowserSession& s) {
  std::vector<ActionItem> out;
  bool running = IsRunning(s);
  out.push_back({BrowserAction::kAttach, 'a', running ? "Rejoin" : "View Log"});
  if (!running && !s.conversation_id.empty()) {
    out.push_back({BrowserAction::kResume, 'c', "Resume"});
  }
  if (s.archived) {
    out.push_back({BrowserAction::kSummon, 's', "Summon"});
  } else if (!running) {
    out.push_back({BrowserAction::kArchive, 'r', "Archive"});
  }
  if (running) {
    out.push_back({BrowserAction::kKill, 'K', "Kill"});
  } else {
    out.push_back({BrowserAction::kSacrifice, 'x', "Sacrifice"});
  }
  out.push_back({BrowserAction::kBack, 'q', "Back"});
  return out;
}

std::string DisplayState(const BrowserSession& s) {
  if (s.archived) {
    return "archived";
  }
  if (!s.activity.empty() && core::IsStatus(s.status, core::SessionStatus::kRunning)) {
    return s.activity;
  }
  struct Shown {
    core::SessionStatus status;
    const char* label;
  };
  static constexpr Shown kShown[] = {{core::SessionStatus::kRunning, "live"},
                                     {core::SessionStatus::kCompleted, "done"},
                                     {core::SessionStatus::kCreated, "queued"}};
  std::optional<core::SessionStatus> status = core::StatusFromName(s.status);
  for (const Shown& e : kShown) {
    if (status == e.status) {
      return e.label;
    }
  }
  return s.status;  // a status this build does not know is shown as it is
}

const BrowserSession* BrowserModel::Selected() const {
  return selected < sessions.size() ? &sessions[selected] : nullptr;
}

void BrowserModel::SetSessions(std::vector<BrowserSession> list) {
  std::string keep = Selected() != nullptr ? Selected()->id : "";
  std::vector<BrowserAction> old_actions = ActionKinds(Selected());
  size_t old_selected = selected;
  sessions = std::move(list);
  if (attention_first) {
    std::stable_sort(sessions.begin(), sessions.end(),
                     [](const BrowserSession& a, const BrowserSession& b) {
                       return AttentionRank(a) < AttentionRank(b);
                     });
  }
  selected = std::min(old_selected, sessions.empty() ? 0 : sessions.size() - 1);
  for (size_t i = 0; i < sessions.size(); ++i) {
    if (sessions[i].id == keep) {
      selected = i;
    }
  }
  // A new selection, or the same session in a new state, starts at its first action.
  if (const BrowserSession* s = Selected();
      s == nullptr || s->id != keep || ActionKinds(s) != old_actions) {
    action = 0;
  }
}

RenderedBrowser RenderBrowser(const BrowserModel& model, int width, int max_rows) {
  RenderedBrowser out;
  std::vector<Line>& lines = out.lines;
  std::string scope = model.all ? "all sessions" : "active sessions";
  lines.push_back(FitLine(
      Line("COVEN", Style::kBold)
          .Add(" sessions \xC2\xB7 " + scope + " (" + std::to_string(model.sessions.size()) + ")"),
      width));
  lines.push_back(
      Fitted("Up/Down or j/k select \xC2\xB7 Left/Right or Tab action \xC2\xB7 "
             "Enter run \xC2\xB7 n needing you first \xC2\xB7 q back",
             width, Style::kDim));
  const BrowserSession* s = model.Selected();
  if (s == nullptr) {
    lines.emplace_back("");
    lines.push_back(Fitted(kNoSessions, width, Style::kBold));
    lines.push_back(Fitted(kStartHint, width));
    lines.emplace_back("");
    lines.push_back(Fitted("Press q to close.", width, Style::kDim));
    if (!model.notice.empty()) {
      lines.push_back(
          Fitted(model.notice, width, model.notice_is_error ? Style::kError : Style::kAccent));
    }
    out.layout.shown_sessions = 0;
    return out;
  }
  AppendSessionRows(model, width, out);
  lines.emplace_back("");
  for (Line& l : SelectedPanel(*s, width)) {
    lines.push_back(std::move(l));
  }
  lines.emplace_back("");

  AppendPreviewAndActions(model, *s, width, max_rows, out);
  return out;
}

BrowserStep ApplyBrowserKey(BrowserModel& model, const Key& key, const BrowserLayout& layout) {
  if (model.confirming) {
    return ApplyConfirmKey(model, key);
  }
  const BrowserSession* s = model.Selected();
  std::vector<ActionItem> actions = s != nullptr ? ActionsFor(*s) : std::vector<ActionItem>{};
  size_t count = actions.size();
  switch (key.kind) {
    case KeyKind::kUp:
      Move(model, -1);
      return {};
    case KeyKind::kDown:
      Move(model, 1);
      return {};
    case KeyKind::kLeft:
    case KeyKind::kBackTab:
      if (count > 0) {
        model.action = (model.action + count - 1) % count;
      }
      return {};
    case KeyKind::kRight:
    case KeyKind::kTab:
      if (count > 0) {
        model.action = (model.action + 1) % count;
      }
      return {};
    case KeyKind::kEnter:
      if (count == 0) {
        return {BrowserSignal::kClose, BrowserAction::kBack};
      }
      return Run(model, actions[std::min(model.action, count - 1)].action);
    case KeyKind::kEscape:
    case KeyKind::kCtrlC:
      return {BrowserSignal::kClose, BrowserAction::kBack};
    case KeyKind::kMouse:
      return ApplyClick(model, key, layout);
    case KeyKind::kText:
      break;
    default:
      return {};
  }
  const std::string& t = key.text;
  if (t == "q" || t == "Q") {
    return {BrowserSignal::kClose, BrowserAction::kBack};
  }
  if (t == "k") {
    Move(model, -1);
    return {};
  }
  if (t == "n") {
    model.attention_first = !model.attention_first;
    std::vector<BrowserSession> list = model.sessions;  // a copy: SetSessions reads the old
    model.SetSessions(std::move(list));                 // list to keep the selection
    return {};
  }
  if (t == "j") {
    Move(model, 1);
    return {};
  }
  for (const ActionItem& item : actions) {
    if (t.size() == 1 && t[0] == item.key) {
      return Run(model, item.action);
    }
  }
  return {};
}

std::string AgeLabel(std::string_view rfc3339, int64_t now_unix) {
  if (now_unix <= 0) {
    return "";
  }
  std::optional<int64_t> nanos = core::ParseTimestamp(rfc3339);
  if (!nanos) {
    return "";
  }
  // Floor to whole seconds, as the age is counted in seconds.
  int64_t at = *nanos >= 0 ? *nanos / 1'000'000'000 : (*nanos - 999'999'999) / 1'000'000'000;
  int64_t age = std::max<int64_t>(0, now_unix - at);
  constexpr int64_t kMinute = 60;
  constexpr int64_t kHour = 60 * kMinute;
  constexpr int64_t kDay = 24 * kHour;
  constexpr int64_t kWeek = 7 * kDay;
  if (age < kMinute) {
    return "now";
  }
  if (age < kHour) {
    return std::to_string(age / kMinute) + "m";
  }
  if (age < kDay) {
    return std::to_string(age / kHour) + "h";
  }
  if (age < kWeek) {
    return std::to_string(age / kDay) + "d";
  }
  return std::to_string(std::min<int64_t>(age / kWeek, 999)) + "w";
}

}  // namespace coven::tui
