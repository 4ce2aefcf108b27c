// client/internal/direct_attach.h: `coven attach` straight to a live session's shim
// (shim::AttachLink): the path keystrokes and output take when the terminal attaches to
// a live session (docs/screen.md). Private to client/.
#pragma once

#include "client/attach_client.h"
#include "core/unique_fd.h"
#include "shim/shim.h"

namespace coven::client::internal {

// Paints `link`'s screen on options.out_fd, then relays: bytes from options.in_fd become
// input (up to the detach key), SIGWINCH a resize, output frames are written to out_fd,
// until the session ends, the user detaches, or the link breaks ("disconnected"). One
// thread, blocked in poll() while nothing happens.
// When the link owns the terminal (shim::AttachLink::OpenWithTerminal), the shim reads the
// keys and writes the output itself and this only sends resizes and waits for the end.
core::Result<AttachOutcome> RunDirectAttach(const AttachOptions& options, shim::AttachLink link);

// A new open of the terminal the user attaches from, for the shim to read keys from and
// write output to: only when keys are forwarded and stdin and stdout are one terminal. A
// new open file, so the O_NONBLOCK the shim sets on it leaves our own stdin and stdout
// blocking. Invalid when any of that does not hold.
core::UniqueFd OpenOwnTerminal(const AttachOptions& options);

}  // namespace coven::client::internal
