#include "daemon/daemon_record.h"

#include <unistd.h>

#include <boost/json.hpp>

#include "core/unique_fd.h"

namespace coven::daemon {
namespace json = boost::json;
using core::Error;
using core::ErrorCode;

namespace {

core::Result<DaemonRecord> RecordFromJson(const json::value& v) {
  Error bad(ErrorCode::kCorrupt, "failed to parse daemon status");
  if (!v.is_object()) {
    return bad;
  }
  const json::object& o = v.as_object();
  const json::value* pid = o.if_contains("pid");
  const json::value* started = o.if_contains("startedAt");
  const json::value* socket = o.if_contains("socket");
  if (pid == nullptr || !pid->is_number() || started == nullptr || !started->is_string() ||
      socket == nullptr || !socket->is_string()) {
    return bad;
  }
  boost::system::error_code ec;
  auto pid_value = pid->to_number<int64_t>(ec);
  if (ec || pid_value <= 0 || pid_value > INT32_MAX) {
    return bad;
  }
  DaemonRecord record{static_cast<int>(pid_value), std::string(started->as_string()),
                      std::string(socket->as_string()), ""};
  if (const json::value* supervisor = o.if_contains("supervisor");
      supervisor != nullptr && supervisor->is_string()) {
    record.supervisor = std::string(supervisor->as_string());
  }
  return record;
}

}  // namespace

core::Result<DaemonRecord> ReadDaemonRecord(const std::string& path) {
  auto text = core::ReadFile(path);
  if (!text) {
    return text.error();
  }
  boost::system::error_code ec;
  json::value v = json::parse(*text, ec);
  if (ec) {
    return Error(ErrorCode::kCorrupt, "failed to parse daemon status");
  }
  return RecordFromJson(v);
}

core::Status WriteDaemonRecord(const std::string& path, const DaemonRecord& record) {
  std::string text = "{\n  \"pid\": " + std::to_string(record.pid) +
                     ",\n  \"startedAt\": " + json::serialize(json::value(record.started_at)) +
                     ",\n  \"socket\": " + json::serialize(json::value(record.socket));
  if (!record.supervisor.empty()) {
    text += ",\n  \"supervisor\": " + json::serialize(json::value(record.supervisor));
  }
  text += "\n}\n";
  return core::WriteFileAtomic(path, text, 0600);
}

bool RemoveDaemonRecord(const std::string& path) {
  return ::unlink(path.c_str()) == 0;
}

core::Result<DaemonRecord> DaemonRecordFromHealth(const std::string& health_body) {
  boost::system::error_code ec;
  json::value v = json::parse(health_body, ec);
  if (ec || !v.is_object()) {
    return Error(ErrorCode::kCorrupt, "health reply is not a JSON object");
  }
  const json::value* ok = v.as_object().if_contains("ok");
  const json::value* daemon = v.as_object().if_contains("daemon");
  if (ok == nullptr || !ok->is_bool() || !ok->as_bool() || daemon == nullptr) {
    return Error(ErrorCode::kCorrupt, "health reply does not describe a daemon");
  }
  return RecordFromJson(*daemon);
}

}  // namespace coven::daemon
