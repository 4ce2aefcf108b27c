// tests/e2e/screen_helpers.h: comparing a session's /screen with a tmux pane (the reference
// rendering). Header-only.
#pragma once

#include <algorithm>
#include <string>
#include <vector>

#include "core/strings.h"
#include "e2e/session_helpers.h"
#include "e2e/tmux_helpers.h"

namespace coven::testing::sess {

// The pane's cursor as "x y" (0-based column, row).
inline std::string TmuxCursor(Tmux& tmux) {
  return std::string(
      core::Trim(tmux.Cmd({"display-message", "-p", "-t", "t", "#{cursor_x} #{cursor_y}"}).out));
}

inline std::vector<std::string> TrimEmptyTail(std::vector<std::string> rows) {
  while (!rows.empty() && rows.back().empty()) {
    rows.pop_back();
  }
  return rows;
}

// The `lines` of a GET /screen answer.
inline std::vector<std::string> Lines(const json::value& screen) {
  std::vector<std::string> lines;
  json::value arr = Field(screen, "lines");
  if (arr.is_array()) {
    for (const json::value& l : arr.as_array()) {
      lines.push_back(Str(l));
    }
  }
  return lines;
}

// The `cursor` of a GET /screen answer as "x y", as TmuxCursor.
inline std::string Cursor(const json::value& screen) {
  json::value c = Field(screen, "cursor");
  return std::to_string(Field(c, "col").as_int64()) + " " +
         std::to_string(Field(c, "row").as_int64());
}

// The rows where Coven's screen (`got`) and tmux's (`want`) differ, for a failure message.
inline std::string RowsDiff(const std::vector<std::string>& got,
                            const std::vector<std::string>& want) {
  std::string diff;
  for (size_t i = 0; i < std::max(got.size(), want.size()); ++i) {
    std::string g = i < got.size() ? got[i] : "<none>";
    std::string w = i < want.size() ? want[i] : "<none>";
    if (g != w) {
      diff += "row " + std::to_string(i + 1) + "\n  coven: " + g + "\n  tmux:  " + w + "\n";
    }
  }
  return diff;
}

}  // namespace coven::testing::sess
