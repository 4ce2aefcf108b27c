// The daemon's commands to a shim: one short-lived connection per command.
#include <errno.h>

#include <algorithm>

#include "core/strings.h"
#include "core/unix_socket.h"
#include "eventlog/event_log.h"
#include "shim/internal/wire.h"
#include "shim/shim.h"

namespace coven::shim {
namespace {

using core::ErrorCode;
using core::Result;
using internal::Frame;
using internal::FrameType;

// Sends one command and returns the payload of its kOk reply, which must be at least
// `min_reply` bytes long.
Result<std::string> RoundTrip(const std::string& session_dir, FrameType type,
                              std::string_view payload, size_t min_reply) {
  if (payload.size() > internal::kMaxFramePayload) {
    return core::Error(ErrorCode::kInvalidRequest, "shim: command too large");
  }
  auto fd = internal::ConnectUnix(ShimSocketPath(session_dir));
  if (!fd) {
    return fd.error();
  }
  if (!core::PeerIsOwner(fd->fd())) {
    return core::Error(ErrorCode::kIo, "shim socket is served by another user");
  }
  std::string out;
  internal::AppendFrame(&out, type, payload);
  if (core::Status s = internal::SendAll(fd->fd(), out); !s) {
    core::Error e = s.error();
    if (e.sys_errno == EPIPE || e.sys_errno == ECONNRESET) {
      e.code = ErrorCode::kSessionNotLive;  // the shim closed on us: it is ending
    }
    return e;
  }
  internal::FrameParser parser;
  auto reply = internal::ReadFrame(fd->fd(), &parser);
  if (!reply) {
    core::Error e = reply.error();
    if (e.sys_errno == ECONNRESET) {
      e.code = ErrorCode::kSessionNotLive;
    }
    return e;
  }
  if (reply->type == FrameType::kError) {
    return internal::ErrorFromReply(reply->payload);
  }
  if (reply->type != FrameType::kOk || reply->payload.size() < min_reply) {
    return core::Error(ErrorCode::kIo, "shim: unexpected reply");
  }
  return std::move(reply->payload);
}

// The unsigned integer after `"key":` in one of the shim's compact JSON payloads (keys are
// sorted and strings escaped, so `"key":` cannot occur inside a string), or nullopt.
std::optional<uint16_t> JsonSize(std::string_view json, std::string_view key) {
  std::string needle = "\"" + std::string(key) + "\":";
  size_t at = json.rfind(needle);
  if (at == std::string_view::npos) {
    return std::nullopt;
  }
  size_t from = at + needle.size();
  size_t to = json.find_first_not_of("0123456789", from);
  auto v =
      core::ParseInt64(json.substr(from, to == std::string_view::npos ? json.npos : to - from));
  if (!v || *v < 1 || *v > 0xFFFF) {
    return std::nullopt;
  }
  return static_cast<uint16_t>(*v);
}

// Bytes of events read per page while rebuilding a screen.
constexpr size_t kRebuildPageBytes = size_t{8} << 20;

// Replays the whole log into a fresh model: the start event's size, output, resizes.
Result<SessionScreen> RebuildScreen(const std::string& session_dir) {
  auto reader = eventlog::LogReader::Open(EventLogPath(session_dir));
  if (!reader) {
    return reader.error().WithContext("rebuild screen");
  }
  screen::ScreenModel model(24, 80);
  uint64_t seq = 0;
  for (;;) {
    auto page = reader->ReadAfter(seq, 4096, kRebuildPageBytes);
    if (!page) {
      return page.error().WithContext("rebuild screen");
    }
    for (const eventlog::Event& e : page->events) {
      seq = e.seq;
      if (e.kind == eventlog::EventKind::kOutput) {
        model.Feed(e.payload);
      } else if (e.kind == eventlog::EventKind::kStart || e.kind == eventlog::EventKind::kResize) {
        auto rows = JsonSize(e.payload, "rows");
        auto cols = JsonSize(e.payload, "cols");
        if (rows && cols) {
          model.Resize(*rows, *cols);
        }
      }
    }
    if (!page->has_more || page->events.empty()) {
      break;
    }
  }
  return SessionScreen{seq, ScreenSource::kRebuilt, model.Capture()};
}

// The seq and snapshot of a kScreen reply or a screen.final file.
Result<SessionScreen> DecodeScreen(std::string_view bytes, ScreenSource source) {
  if (bytes.size() < 8) {
    return core::Error(ErrorCode::kCorrupt, "screen: short reply");
  }
  auto snapshot = screen::ParseSnapshot(bytes.substr(8));
  if (!snapshot) {
    return snapshot.error();
  }
  return SessionScreen{internal::GetU64(bytes, 0), source, std::move(*snapshot)};
}

}  // namespace

Result<SessionScreen> ReadScreen(const std::string& session_dir) {
  auto reply = RoundTrip(session_dir, FrameType::kScreen, {}, 8);
  if (reply) {
    return DecodeScreen(*reply, ScreenSource::kLive);
  }
  if (reply.error().code != ErrorCode::kSessionNotLive) {
    return reply.error();
  }
  if (auto file = core::ReadFile(FinalScreenPath(session_dir)); file) {
    if (auto screen = DecodeScreen(*file, ScreenSource::kFinal); screen) {
      return screen;
    }
  }
  return RebuildScreen(session_dir);
}

Result<uint64_t> SendInput(const std::string& session_dir, std::string_view data) {
  auto reply = RoundTrip(session_dir, FrameType::kInput, data, 8);
  if (!reply) {
    return reply.error();
  }
  return internal::GetU64(*reply, 0);
}

core::Status SendResize(const std::string& session_dir, uint16_t rows, uint16_t cols) {
  std::string payload;
  internal::PutU16(&payload, rows);
  internal::PutU16(&payload, cols);
  auto reply = RoundTrip(session_dir, FrameType::kResize, payload, 0);
  if (!reply) {
    return reply.error();
  }
  return core::Ok();
}

Result<uint64_t> SendKill(const std::string& session_dir) {
  auto reply = RoundTrip(session_dir, FrameType::kKill, {}, 8);
  if (!reply) {
    return reply.error();
  }
  return internal::GetU64(*reply, 0);
}

Result<ShimHello> Hello(const std::string& session_dir) {
  auto reply = RoundTrip(session_dir, FrameType::kHello, {}, 12);
  if (!reply) {
    return reply.error();
  }
  return ShimHello{static_cast<pid_t>(internal::GetU32(*reply, 0)), internal::GetU64(*reply, 4)};
}

}  // namespace coven::shim
