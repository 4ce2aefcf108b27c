#include "daemon/notify_config.h"

#include <filesystem>

#include <boost/json.hpp>

#include "core/unique_fd.h"

namespace coven::daemon {
namespace json = boost::json;
using core::Error;
using core::ErrorCode;

namespace {

Error Bad(const std::string& field, const std::string& rule) {
  return Error(ErrorCode::kInvalidRequest, "`notify." + field + "` " + rule);
}

// The seconds fields: whole numbers in [0, max].
struct SecondsField {
  const char* name;
  std::chrono::seconds NotifyConfig::*member;
  int64_t max;
};
constexpr SecondsField kSeconds[] = {
    {"minWorkSeconds", &NotifyConfig::min_work, 86400},
    {"minIntervalSeconds", &NotifyConfig::min_interval, 86400},
    {"timeoutSeconds", &NotifyConfig::timeout, 600},
};

core::Status ParseCommand(const json::value& v, NotifyConfig* config) {
  if (!v.is_array() || v.as_array().empty()) {
    return Bad("command", "must be a non-empty array of non-empty strings");
  }
  for (const json::value& arg : v.as_array()) {
    if (!arg.is_string() || arg.as_string().empty()) {
      return Bad("command", "must be a non-empty array of non-empty strings");
    }
    config->command.emplace_back(arg.as_string());
  }
  if (config->command[0].front() != '/') {
    return Bad("command", "must start with an absolute path to the program");
  }
  return core::Ok();
}

}  // namespace

core::Result<NotifyConfig> ParseNotifyConfig(std::string_view text) {
  boost::system::error_code ec;
  json::value root = json::parse(text, ec);
  if (ec || !root.is_object()) {
    return Error(ErrorCode::kInvalidRequest, "not a JSON object");
  }
  NotifyConfig config;
  const json::value* notify = root.as_object().if_contains("notify");
  if (notify == nullptr) {
    return config;
  }
  if (!notify->is_object()) {
    return Error(ErrorCode::kInvalidRequest, "`notify` must be an object");
  }
  const json::object& o = notify->as_object();
  if (const json::value* cmd = o.if_contains("command"); cmd != nullptr) {
    if (core::Status s = ParseCommand(*cmd, &config); !s) {
      return s.error();
    }
  }
  if (const json::value* desktop = o.if_contains("desktop"); desktop != nullptr) {
    if (!desktop->is_bool()) {
      return Bad("desktop", "must be true or false");
    }
    config.desktop = desktop->get_bool();
  }
  for (const SecondsField& f : kSeconds) {
    const json::value* v = o.if_contains(f.name);
    if (v == nullptr) {
      continue;
    }
    if (!v->is_int64() || v->as_int64() < 0 || v->as_int64() > f.max) {
      return Bad(f.name, "must be a whole number of seconds from 0 to " + std::to_string(f.max));
    }
    config.*f.member = std::chrono::seconds(v->as_int64());
  }
  return config;
}

core::Result<NotifyConfig> LoadNotifyConfig(const std::string& path) {
  std::error_code exists_ec;
  if (!std::filesystem::exists(path, exists_ec)) {
    return NotifyConfig{};
  }
  auto text = core::ReadFile(path);
  if (!text) {
    return text.error().WithContext(path);
  }
  auto config = ParseNotifyConfig(*text);
  if (!config) {
    return config.error().WithContext(path);
  }
  return config;
}

}  // namespace coven::daemon
