// client/attach_client.h: the terminal side of `coven attach` and `coven run`.
//
// Connects to GET /api/v1/sessions/<id>/attach (WebSocket), writes every output byte to
// `out_fd`, and, when `in_fd` >= 0, forwards bytes read from it as input, except the
// detach key (default Ctrl-], 0x1d) which ends the attach and leaves the session running.
// SIGWINCH sends the new window size (from `window_size`) as a resize message. Returns
// when the session ends (with its final status), on detach, or on a broken connection.
// Blocks; uses its own event loop; not thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>

#include "core/result.h"

namespace coven::client {

struct AttachOptions {
  std::string socket_path;
  std::string session_id;
  int64_t after_seq = 0;  // replay output after this seq (0 = from the start)
  // Start from the session's current screen (docs/screen.md): the daemon sends the bytes
  // that paint it, then the output after the event it reflects. `after_seq` is ignored.
  bool paint_screen = false;
  // The session's folder (holding shim.sock). When set with paint_screen and the session
  // is live, the attach goes straight to its shim (shim::AttachLink): keystrokes and
  // output skip the daemon and the log (docs/screen.md). Otherwise, or when the shim does
  // not answer or predates direct attach, it goes through the daemon's WebSocket.
  std::string session_dir;
  int in_fd = -1;  // -1: do not forward input (view only)
  int out_fd = 1;
  unsigned char detach_key = 0x1d;
  // Current terminal size (rows, cols), or nullopt when unknown.
  std::function<std::optional<std::pair<uint16_t, uint16_t>>()> window_size;
};

struct AttachOutcome {
  bool detached = false;
  std::string status;  // the session's status when it ended ("completed", ...)
  std::optional<int64_t> exit_code;
};

core::Result<AttachOutcome> Attach(const AttachOptions& options);

}  // namespace coven::client
