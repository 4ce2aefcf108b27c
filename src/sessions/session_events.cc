// SessionManager's event queries (SPEC 2.13): pages from a session's event log through a
// cache of open readers, or from the ledger's legacy events table for sessions that
// predate the log.
#include <sys/stat.h>

#include "core/clock.h"
#include "eventlog/event_log.h"
#include "sessions/session_manager.h"
#include "shim/shim.h"

namespace coven::sessions {

// One cached reader. Its mutex is taken after readers_mu_ has been released, and before
// live_mu_ (a read asks IsLive when it is done).
struct SessionManager::CachedReader {
  core::Mutex mu;
  std::optional<eventlog::LogReader> reader GUARDED_BY(mu);
};

core::Result<EventPage> SessionManager::Events(const EventQuery& query) {
  auto row = RequireSession(query.session_id);
  if (!row) {
    return row.error();
  }
  std::string log_path = shim::EventLogPath(SessionDir(query.session_id));
  struct stat st {};
  if (::stat(log_path.c_str(), &st) != 0) {
    return ReadLegacy(query.session_id, query);
  }
  return ReadLog(query.session_id, query);
}

template <class Fn>
auto SessionManager::WithLogReader(const std::string& id, Fn&& fn)
    -> decltype(fn(std::declval<eventlog::LogReader&>())) {
  std::shared_ptr<CachedReader> cached;
  {
    core::MutexLock lock(&readers_mu_);
    auto& slot = readers_[id];
    if (!slot) {
      slot = std::make_shared<CachedReader>();
    }
    cached = slot;
  }
  core::MutexLock lock(&cached->mu);
  if (!cached->reader) {
    auto reader = eventlog::LogReader::Open(shim::EventLogPath(SessionDir(id)));
    if (!reader) {
      return reader.error();
    }
    cached->reader.emplace(std::move(*reader));
  }
  eventlog::LogReader& reader = *cached->reader;
  // A finished session's reader keeps its index but no fd (checked per read, so a session
  // that ended meanwhile is not left holding one).
  struct ReleaseUnlessLive {
    SessionManager* sm;
    const std::string& id;
    eventlog::LogReader& reader;
    ReleaseUnlessLive(SessionManager* manager, const std::string& session, eventlog::LogReader& r)
        : sm(manager), id(session), reader(r) {}
    ReleaseUnlessLive(const ReleaseUnlessLive&) = delete;
    ReleaseUnlessLive& operator=(const ReleaseUnlessLive&) = delete;
    ReleaseUnlessLive(ReleaseUnlessLive&&) = delete;
    ReleaseUnlessLive& operator=(ReleaseUnlessLive&&) = delete;
    ~ReleaseUnlessLive() {
      if (!sm->IsLive(id)) {
        reader.ReleaseFd();
      }
    }
  } release{this, id, reader};
  return fn(reader);
}

core::Result<shim::SessionScreen> SessionManager::Screen(const std::string& id) {
  auto row = RequireSession(id);
  if (!row) {
    return row.error();
  }
  struct stat st {};
  if (::stat(shim::EventLogPath(SessionDir(id)).c_str(), &st) != 0) {
    return core::Error(core::ErrorCode::kInvalidRequest,
                       "This session predates event logs; it has no screen to show.")
        .WithDetail("sessionId", id);
  }
  return shim::ReadScreen(SessionDir(id));
}

core::Result<int64_t> SessionManager::LastSeq(const std::string& id) {
  auto row = RequireSession(id);
  if (!row) {
    return row.error();
  }
  struct stat st {};
  if (::stat(shim::EventLogPath(SessionDir(id)).c_str(), &st) != 0) {
    return int64_t{0};  // a legacy session: its events are counted from the start
  }
  return WithLogReader(id, [](eventlog::LogReader& reader) -> core::Result<int64_t> {
    auto last = reader.LastSeq();
    if (!last) {
      return last.error();
    }
    return static_cast<int64_t>(*last);
  });
}

core::Result<EventPage> SessionManager::ReadLog(const std::string& id, const EventQuery& query) {
  return WithLogReader(id, [&](eventlog::LogReader& reader) -> core::Result<EventPage> {
    return ReadPage(reader, query);
  });
}

core::Result<EventPage> SessionManager::ReadPage(eventlog::LogReader& reader,
                                                 const EventQuery& query) {
  uint64_t after = 0;
  if (query.after_seq) {
    after = *query.after_seq < 0 ? 0 : static_cast<uint64_t>(*query.after_seq);
  } else if (query.after_event_id) {
    // Unknown ids mean "no cursor" (SPEC 2.13).
    after = eventlog::SeqFromEventId(reader.header(), *query.after_event_id).value_or(0);
  }
  auto page = reader.ReadAfter(after, query.max_events, query.max_payload_bytes);
  if (!page) {
    return page.error();
  }
  EventPage out;
  out.has_more = page->has_more;
  out.events.reserve(page->events.size());
  for (eventlog::Event& e : page->events) {
    SessionEvent se;
    se.seq = static_cast<int64_t>(e.seq);
    se.id = eventlog::EventId(reader.header(), e.seq);
    se.kind = eventlog::KindName(e.kind);
    se.payload_is_raw =
        e.kind == eventlog::EventKind::kOutput || e.kind == eventlog::EventKind::kInput;
    se.payload = std::move(e.payload);
    se.created_at = core::FormatTimestamp(e.time_ns);
    out.events.push_back(std::move(se));
  }
  return out;
}

core::Result<EventPage> SessionManager::ReadLegacy(const std::string& id, const EventQuery& query) {
  core::MutexLock lock(&ledger_mu_);
  std::optional<int64_t> after = query.after_seq;
  if (!after && query.after_event_id) {
    auto seq = ledger_.LegacyEventSeq(id, *query.after_event_id);
    if (!seq) {
      return seq.error();
    }
    after = *seq;
  }
  auto rows = ledger_.ListLegacyEvents(id, after, static_cast<int64_t>(query.max_events) + 1);
  if (!rows) {
    return rows.error();
  }
  EventPage out;
  out.has_more = rows->size() > query.max_events;
  if (out.has_more) {
    rows->pop_back();
  }
  for (store::LegacyEvent& e : *rows) {
    out.events.push_back(SessionEvent{e.seq, e.id, e.kind, e.payload_json, false, e.created_at});
  }
  return out;
}

void SessionManager::ReleaseReaderFd(const std::string& id) {
  std::shared_ptr<CachedReader> cached;
  {
    core::MutexLock lock(&readers_mu_);
    auto it = readers_.find(id);
    if (it != readers_.end()) {
      cached = it->second;
    }
  }
  if (cached) {
    core::MutexLock lock(&cached->mu);
    if (cached->reader) {
      cached->reader->ReleaseFd();
    }
  }
}

}  // namespace coven::sessions
