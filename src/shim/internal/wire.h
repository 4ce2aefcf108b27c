// shim/internal/wire.h: frames of shim.sock (the socket itself is core/unix_socket.h) (see shim.h
// for the protocol). Shared by the shim (server side), the command functions and ShimWatcher.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.h"
#include "core/unique_fd.h"

namespace coven::shim::internal {

enum class FrameType : uint8_t {
  // Commands.
  kInput = 1,
  kResize = 2,
  kKill = 3,
  kHello = 4,
  kSubscribe = 5,
  kScreen = 6,
  kAttach = 7,
  // kAttach handing over the user's terminal (SCM_RIGHTS with the frame; payload: the
  // detach key, 0 for none): the shim then reads keys from it and writes output to it
  // itself, as tmux's server does, and the link carries only control (see shim.h).
  kAttachTerminal = 8,
  // Replies and notifications.
  kOk = 16,
  kError = 17,
  kAppended = 18,
  kExited = 19,
  kActivity = 20,  // payload: terminal_activity.h's EncodeActivity
  kOutput = 21,    // to an attached client: raw output bytes
  kDetached = 22,  // to a terminal-attached client: the detach key was read; terminal released
};

// First payload byte of a kError frame; the message text follows.
enum class WireError : uint8_t {
  kOther = 0,
  kNotLive = 1,      // the harness has exited
  kInvalid = 2,      // a malformed or unacceptable command
  kStorageFull = 3,  // the event log cannot grow (disk full): nothing was done
};

inline constexpr size_t kFrameHeaderBytes = 5;
// Larger frames are a protocol error; input payloads become one log record each, and the
// event log caps records at 4 MiB.
inline constexpr size_t kMaxFramePayload = 4u << 20;
// Bound for every blocking socket operation of the daemon side.
inline constexpr std::chrono::seconds kSocketTimeout{10};

struct Frame {
  FrameType type = FrameType::kOk;
  std::string payload;
};

void PutU16(std::string* out, uint16_t v);
void PutU32(std::string* out, uint32_t v);
void PutU64(std::string* out, uint64_t v);
// Little-endian reads at `offset`; the caller checks the size.
uint16_t GetU16(std::string_view s, size_t offset);
uint32_t GetU32(std::string_view s, size_t offset);
uint64_t GetU64(std::string_view s, size_t offset);

// Appends one encoded frame to `out`.
void AppendFrame(std::string* out, FrameType type, std::string_view payload);
std::string ErrorPayload(WireError kind, std::string_view message);
// The error a kError frame's payload stands for (kSessionNotLive, kInvalidRequest,
// kStorageFull, else kIo), its message prefixed with "shim: ".
core::Error ErrorFromReply(const std::string& payload);

// Splits a byte stream into frames, across partial reads. Not thread-safe.
class FrameParser {
 public:
  void Feed(std::string_view bytes);
  // The next complete frame, nullopt when more bytes are needed; kCorrupt when a frame
  // claims more than kMaxFramePayload (the stream cannot be resynchronized).
  core::Result<std::optional<Frame>> Next();
  bool empty() const { return pos_ == buf_.size(); }
  // The bytes not yet returned as frames (whole frames and a partial one), for a reader
  // that takes the stream over from here; the parser is empty afterwards.
  std::string TakeRest();

 private:
  std::string buf_;
  size_t pos_ = 0;
};

// Connects to `path` with blocking I/O bounded by kSocketTimeout. kSessionNotLive when
// no shim listens there (ENOENT, ECONNREFUSED); kIo otherwise.
core::Result<core::UniqueFd> ConnectUnix(const std::string& path);

// Sends all of `data` on a blocking socket (MSG_NOSIGNAL). kIo on failure or timeout.
core::Status SendAll(int fd, std::string_view data);

// Reads from a blocking socket until `parser` yields a frame. kSessionNotLive on EOF (the
// shim went away), kIo on errors and timeouts, kCorrupt on a bad frame.
core::Result<Frame> ReadFrame(int fd, FrameParser* parser);

}  // namespace coven::shim::internal
