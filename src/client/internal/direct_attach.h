// client/internal/direct_attach.h: `coven attach` straight to a live session's shim
// (shim::AttachLink): the path keystrokes and output take when the terminal attaches to
// a live session (docs/screen.md). Private to client/.
#pragma once

#include "client/attach_client.h"
#include "shim/shim.h"

namespace coven::client::internal {

// Paints `link`'s screen on options.out_fd, then relays: bytes from options.in_fd become
// input (up to the detach key), SIGWINCH a resize, output frames are written to out_fd,
// until the session ends, the user detaches, or the link breaks ("disconnected"). One
// thread, blocked in poll() while nothing happens.
core::Result<AttachOutcome> RunDirectAttach(const AttachOptions& options, shim::AttachLink link);

}  // namespace coven::client::internal
