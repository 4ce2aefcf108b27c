#include "api/streams.h"

#include <atomic>
#include <memory>

#include <boost/json.hpp>

#include "api/session_json.h"
#include "core/clock.h"
#include "core/redact.h"
#include "core/session_status.h"
#include "eventlog/asciicast.h"
#include "sessions/session_manager.h"

namespace coven::api {
namespace json = boost::json;

namespace {

constexpr size_t kPullEvents = 256;

// Shared cursor logic: reads the next page after `cursor_` and tells when the stream ends
// (the exit event was read, or the shim is gone and nothing is left).
class LogFollower {
 public:
  LogFollower(sessions::SessionManager& sm, std::string id, int64_t after_seq)
      : sm_(sm), id_(std::move(id)), cursor_(after_seq) {}
  ~LogFollower() {
    if (token_ != 0) {
      sm_.Unsubscribe(token_);
    }
  }
  LogFollower(const LogFollower&) = delete;
  LogFollower& operator=(const LogFollower&) = delete;
  LogFollower(LogFollower&&) = delete;
  LogFollower& operator=(LogFollower&&) = delete;

  void Subscribe(std::function<void()> wake) { token_ = sm_.Subscribe(id_, std::move(wake)); }

  // Next events; `ended` is set once nothing more will come (with the page that holds the
  // exit event, or when the shim is gone and nothing is left).
  std::vector<sessions::SessionEvent> Next(bool* ended) {
    *ended = false;
    if (saw_exit_) {
      *ended = true;
      return {};
    }
    bool live = sm_.IsLive(id_);  // read before the page: a shim gone now has logged all
    sessions::EventQuery q;
    q.session_id = id_;
    q.after_seq = cursor_;
    q.max_events = kPullEvents;
    auto page = sm_.Events(q);
    if (!page) {
      *ended = true;
      return {};
    }
    for (const auto& e : page->events) {
      cursor_ = e.seq;
      if (e.kind == "exit") {
        saw_exit_ = true;
        exit_payload_ = e.payload;
      } else if (e.kind == "kill") {
        saw_kill_ = true;
      }
    }
    // Ended as soon as the exit is read: the caller must not wait for another wake-up
    // (the one for the exit may already have been consumed with an earlier page).
    if (saw_exit_ || (page->events.empty() && !live)) {
      *ended = true;
    }
    return std::move(page->events);
  }

  sessions::SessionManager& sm() { return sm_; }
  const std::string& id() const { return id_; }
  const std::string& exit_payload() const { return exit_payload_; }
  bool saw_kill() const { return saw_kill_; }

 private:
  std::string exit_payload_;
  sessions::SessionManager& sm_;
  std::string id_;
  int64_t cursor_;
  uint64_t token_ = 0;
  bool saw_exit_ = false;
  bool saw_kill_ = false;
};

class EventStream : public StreamSource {
 public:
  EventStream(sessions::SessionManager& sm, std::string id, int64_t after_seq, bool raw)
      : follower_(sm, std::move(id), after_seq), raw_(raw) {}
  void OnReady(std::function<void()> wake) override { follower_.Subscribe(std::move(wake)); }
  bool Pull(std::string& out) override {
    bool ended = false;
    for (const auto& e : follower_.Next(&ended)) {
      out += "id: " + std::to_string(e.seq) + "\nevent: " + e.kind +
             "\ndata: " + EventRecordJson(e, follower_.id(), raw_) + "\n\n";
    }
    return !ended || !out.empty();
  }

 private:
  LogFollower follower_;
  bool raw_;
};

class AttachStream : public DuplexSource {
 public:
  // While an attach stream exists its session counts as attached: no notifications.
  AttachStream(sessions::SessionManager& sm, std::string id, int64_t after_seq, std::string paint)
      : follower_(sm, std::move(id), after_seq), paint_(std::move(paint)) {
    follower_.sm().AttachBegin(follower_.id());
  }
  ~AttachStream() override { follower_.sm().AttachEnd(follower_.id()); }
  AttachStream(const AttachStream&) = delete;
  AttachStream& operator=(const AttachStream&) = delete;
  AttachStream(AttachStream&&) = delete;
  AttachStream& operator=(AttachStream&&) = delete;
  void OnReady(std::function<void()> wake) override { follower_.Subscribe(std::move(wake)); }
  bool Pull(std::string& out) override {
    out += paint_;
    paint_.clear();
    bool ended = false;
    for (const auto& e : follower_.Next(&ended)) {
      if (e.kind == "output") {
        out += e.payload;
      }
    }
    return !ended || !out.empty();
  }
  core::Status Input(std::string_view bytes) override {
    return follower_.sm().Input(follower_.id(), std::string(bytes));
  }
  core::Status Control(std::string_view json_text) override {
    boost::system::error_code ec;
    json::value v = json::parse(json_text, ec);
    if (ec || !v.is_object()) {
      return core::Error(core::ErrorCode::kInvalidRequest, "control message must be JSON");
    }
    const auto& o = v.as_object();
    const auto* type = o.if_contains("type");
    const auto* rows = o.if_contains("rows");
    const auto* cols = o.if_contains("cols");
    if (type && type->is_string() && type->as_string() == "resize" && rows && cols &&
        rows->is_int64() && cols->is_int64() && rows->as_int64() > 0 && rows->as_int64() <= 1000 &&
        cols->as_int64() > 0 && cols->as_int64() <= 1000) {
      return follower_.sm().Resize(follower_.id(), static_cast<uint16_t>(rows->as_int64()),
                                   static_cast<uint16_t>(cols->as_int64()));
    }
    return core::Error(core::ErrorCode::kInvalidRequest, "unknown control message");
  }
  std::string Epilogue() override {
    json::object o;
    o["type"] = "exit";
    o["status"] = "unknown";
    o["exitCode"] = nullptr;
    auto row = follower_.sm().Get(follower_.id());
    if (row) {
      o["status"] = row->status;
      o["exitCode"] = row->exit_code ? json::value(*row->exit_code) : json::value(nullptr);
    }
    // The ledger may not have caught up with the exit we just streamed: trust the log.
    boost::system::error_code ec;
    json::value exit = json::parse(follower_.exit_payload(), ec);
    if (!ec && exit.is_object() &&
        (!row || core::IsStatus(row->status, core::SessionStatus::kRunning))) {
      if (const auto* st = exit.as_object().if_contains("status")) {
        o["status"] = *st;
      }
      if (const auto* code = exit.as_object().if_contains("exitCode")) {
        o["exitCode"] = *code;
      }
      if (follower_.saw_kill()) {
        // The exit keeps the raw result of the kill (a SIGHUP death reads `failed`); the
        // ledger will say `killed` once Kill() has recorded it.
        o["status"] = core::StatusText(core::SessionStatus::kKilled);
        o["exitCode"] = nullptr;
      }
    }
    return json::serialize(o);
  }

 private:
  LogFollower follower_;
  std::string paint_;  // sent once, first
};

class RecordingStream : public StreamSource {
 public:
  RecordingStream(sessions::SessionManager& sm, std::string id, std::string title, bool raw)
      : sm_(sm), id_(std::move(id)), cast_(std::move(title)), raw_(raw) {}
  void OnReady(std::function<void()> /*wake*/) override {}
  // Never returns without bytes while it goes on: the body is not SSE and has no idle
  // comments, so every Pull writes something or ends the stream.
  bool Pull(std::string& out) override {
    for (;;) {
      sessions::EventQuery q;
      q.session_id = id_;
      q.after_seq = cursor_;
      q.max_events = kPullEvents;
      auto page = sm_.Events(q);
      if (!page) {
        out += cast_.Finish();
        return false;  // the headers are gone: a cut recording is the only way to say it
      }
      for (const sessions::SessionEvent& e : page->events) {
        cursor_ = e.seq;
        auto kind = eventlog::KindFromName(e.kind);
        auto time = core::ParseTimestamp(e.created_at);
        if (!kind || !time) {
          continue;
        }
        out += cast_.Add(*kind, *time,
                         raw_ || !e.payload_is_raw ? e.payload : core::RedactSecrets(e.payload));
      }
      if (!page->has_more) {
        out += cast_.Finish();
        return false;
      }
      if (!out.empty()) {
        return true;
      }
    }
  }

 private:
  sessions::SessionManager& sm_;
  std::string id_;
  eventlog::CastWriter cast_;
  bool raw_;
  int64_t cursor_ = 0;
};

class SessionListStream : public StreamSource {
 public:
  SessionListStream(sessions::SessionManager& sm, bool include_archived,
                    std::function<core::Result<std::string>(bool)> list_json)
      : sm_(sm), include_archived_(include_archived), list_json_(std::move(list_json)) {}
  ~SessionListStream() override {
    if (token_ != 0) {
      sm_.Unsubscribe(token_);
    }
  }
  SessionListStream(const SessionListStream&) = delete;
  SessionListStream& operator=(const SessionListStream&) = delete;
  SessionListStream(SessionListStream&&) = delete;
  SessionListStream& operator=(SessionListStream&&) = delete;

  void OnReady(std::function<void()> wake) override {
    // The flag is shared with the listener, which may run after this object is gone.
    std::shared_ptr<std::atomic<bool>> dirty = dirty_;
    token_ = sm_.Subscribe(sessions::SessionManager::kAnySession, [dirty, wake] {
      dirty->store(true);
      wake();
    });
  }
  bool Pull(std::string& out) override {
    if (dirty_->exchange(false)) {
      auto list = list_json_(include_archived_);
      if (!list) {
        dirty_->store(true);  // never send a wrong (empty) list: retry on the next wake-up
        return true;
      }
      out += "event: sessions\ndata: " + *list + "\n\n";
    }
    return true;
  }

 private:
  sessions::SessionManager& sm_;
  bool include_archived_;
  std::function<core::Result<std::string>(bool)> list_json_;
  std::shared_ptr<std::atomic<bool>> dirty_ = std::make_shared<std::atomic<bool>>(true);
  uint64_t token_ = 0;
};

}  // namespace

std::shared_ptr<StreamSource> MakeEventStream(sessions::SessionManager& sm, std::string id,
                                              int64_t after_seq, bool raw) {
  return std::make_shared<EventStream>(sm, std::move(id), after_seq, raw);
}

std::shared_ptr<DuplexSource> MakeAttachStream(sessions::SessionManager& sm, std::string id,
                                               int64_t after_seq, std::string paint) {
  return std::make_shared<AttachStream>(sm, std::move(id), after_seq, std::move(paint));
}

std::shared_ptr<StreamSource> MakeRecordingStream(sessions::SessionManager& sm, std::string id,
                                                  std::string title, bool raw) {
  return std::make_shared<RecordingStream>(sm, std::move(id), std::move(title), raw);
}

std::shared_ptr<StreamSource> MakeSessionListStream(
    sessions::SessionManager& sm, bool include_archived,
    std::function<core::Result<std::string>(bool include_archived)> list_json) {
  return std::make_shared<SessionListStream>(sm, include_archived, std::move(list_json));
}

}  // namespace coven::api
