#include "api/launch_body.h"

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/json.hpp>

#include "core/error.h"
#include "core/strings.h"

namespace coven::api {
namespace json = boost::json;
using core::Error;
using core::ErrorCode;

namespace {

Error BadField(std::string_view field, const std::string& message) {
  return Error(ErrorCode::kInvalidRequest, message).WithDetail("field", std::string(field));
}

// Launch fields of the OpenClaw plugin client that change what runs and are not
// implemented: refused when present with a value (null is the same as absent).
constexpr std::array<std::string_view, 3> kRefusedFields = {"executionBinding", "familiarId",
                                                            "callerFamiliarId"};

// conversation.mode: the OpenClaw plugin's literals.
struct ConversationModeName {
  std::string_view wire;
  harness::ConversationMode mode;
};
constexpr std::array<ConversationModeName, 2> kConversationModes = {{
    {"init", harness::ConversationMode::kInit},
    {"resume", harness::ConversationMode::kResume},
}};

struct ModeName {
  std::string_view wire;
  harness::LaunchMode mode;
};
constexpr std::array<ModeName, 2> kModes = {{
    {"interactive", harness::LaunchMode::kInteractive},
    {"nonInteractive", harness::LaunchMode::kNonInteractive},
}};
constexpr std::string_view kAcceptedModes = "interactive, nonInteractive";

bool Present(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v != nullptr && !v->is_null();
}

std::optional<std::string> StringField(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr || !v->is_string()) {
    return std::nullopt;
  }
  return std::string(v->as_string());
}

core::Status RefuseUnimplemented(const json::object& o) {
  for (std::string_view field : kRefusedFields) {
    if (Present(o, field)) {
      return BadField(field, "`" + std::string(field) +
                                 "` is not supported by this Coven daemon; leave it out "
                                 "(health.capabilities lists what is supported)");
    }
  }
  return core::Ok();
}

core::Result<harness::LaunchMode> ModeField(const json::object& o) {
  if (!Present(o, "launchMode")) {
    return harness::LaunchMode::kInteractive;
  }
  auto name = StringField(o, "launchMode");
  for (const ModeName& m : kModes) {
    if (name && *name == m.wire) {
      return m.mode;
    }
  }
  std::string got = name ? "`" + *name + "`" : "a non-string value";
  return BadField("launchMode", "`launchMode` " + got + " is not supported; accepted values: " +
                                    std::string(kAcceptedModes));
}

core::Result<std::optional<std::string>> ModelField(const json::object& o) {
  if (!Present(o, "model")) {
    return std::optional<std::string>();
  }
  auto model = StringField(o, "model");
  if (!model) {
    return BadField("model", "`model` must be a string");
  }
  return std::optional<std::string>(std::string(core::Trim(*model)));
}

// The plugin's one policy: {approval:"never", sandbox:"workspace-write", addDirs?}. Any
// other value or key is refused by name, since it would change what runs.
core::Result<std::optional<harness::LaunchPolicy>> PolicyField(const json::object& o) {
  if (!Present(o, "launchPolicy")) {
    return std::optional<harness::LaunchPolicy>();
  }
  const json::value& v = o.at("launchPolicy");
  if (!v.is_object()) {
    return BadField("launchPolicy", "`launchPolicy` must be an object");
  }
  const json::object& p = v.as_object();
  struct Literal {
    std::string_view key, value;
  };
  for (Literal lit : {Literal{"approval", "never"}, Literal{"sandbox", "workspace-write"}}) {
    auto got = StringField(p, lit.key);
    if (!got || *got != lit.value) {
      std::string field = "launchPolicy." + std::string(lit.key);
      return BadField(field, "`" + field + "` must be \"" + std::string(lit.value) +
                                 "\" (the only policy Coven supports)");
    }
  }
  harness::LaunchPolicy policy;
  for (const auto& [key, value] : p) {
    if (key == "approval" || key == "sandbox" || (key == "addDirs" && value.is_null())) {
      continue;
    }
    if (key != "addDirs") {
      std::string field = "launchPolicy." + std::string(key);
      return BadField(field, "`" + field + "` is not supported; leave it out");
    }
    if (!value.is_array()) {
      return BadField("launchPolicy.addDirs", "`launchPolicy.addDirs` must be an array of strings");
    }
    for (const json::value& dir : value.as_array()) {
      if (!dir.is_string()) {
        return BadField("launchPolicy.addDirs",
                        "`launchPolicy.addDirs` must be an array of strings");
      }
      policy.add_dirs.emplace_back(dir.as_string());
    }
  }
  return std::optional<harness::LaunchPolicy>(std::move(policy));
}

// conversation: {mode: "init"|"resume", id}. `id` is required to resume; for init it may be
// left out (the daemon picks a UUID). Its form is the adapter's business (BuildArgv).
core::Result<std::optional<harness::Conversation>> ConversationField(const json::object& o) {
  if (!Present(o, "conversation")) {
    return std::optional<harness::Conversation>();
  }
  const json::value& v = o.at("conversation");
  if (!v.is_object()) {
    return BadField("conversation", "`conversation` must be an object {mode, id}");
  }
  const json::object& c = v.as_object();
  for (const auto& [key, value] : c) {
    if (key != "mode" && key != "id") {
      std::string field = "conversation." + std::string(key);
      return BadField(field, "`" + field + "` is not supported; leave it out");
    }
  }
  auto mode = StringField(c, "mode");
  harness::Conversation out;
  const ConversationModeName* found = nullptr;
  for (const ConversationModeName& m : kConversationModes) {
    if (mode && *mode == m.wire) {
      found = &m;
    }
  }
  if (found == nullptr) {
    std::string got = mode ? "`" + *mode + "`" : "missing or not a string";
    return BadField("conversation.mode", "`conversation.mode` " + got +
                                             " is not supported; accepted values: init, resume");
  }
  out.mode = found->mode;
  if (Present(c, "id")) {
    auto id = StringField(c, "id");
    if (!id) {
      return BadField("conversation.id", "`conversation.id` must be a string");
    }
    out.id = std::string(core::Trim(*id));
  }
  if (out.mode == harness::ConversationMode::kResume && out.id.empty()) {
    return BadField("conversation.id", "`conversation.id` is required to resume a conversation");
  }
  return std::optional<harness::Conversation>(std::move(out));
}

// worktree: {name?, base?} (both strings); true is the same as {}.
core::Result<std::optional<sessions::WorktreeRequest>> WorktreeField(const json::object& o) {
  if (!Present(o, "worktree") || (o.at("worktree").is_bool() && !o.at("worktree").as_bool())) {
    return std::optional<sessions::WorktreeRequest>();
  }
  const json::value& v = o.at("worktree");
  sessions::WorktreeRequest out;
  if (v.is_bool()) {
    return std::optional<sessions::WorktreeRequest>(out);
  }
  if (!v.is_object()) {
    return BadField("worktree", "`worktree` must be an object {name?, base?}");
  }
  for (const auto& [key, value] : v.as_object()) {
    std::string field = "worktree." + std::string(key);
    if (key != "name" && key != "base") {
      return BadField(field, "`" + field + "` is not supported; leave it out");
    }
    if (value.is_null()) {
      continue;
    }
    if (!value.is_string()) {
      return BadField(field, "`" + field + "` must be a string");
    }
    (key == "name" ? out.name : out.base) = std::string(core::Trim(value.as_string()));
  }
  return std::optional<sessions::WorktreeRequest>(std::move(out));
}

// harnessArgs (additive): optional array of strings, passed through to the harness; absent
// or null means none. The per-argument rules live in harness::HarnessRegistry::BuildArgv.
core::Result<std::vector<std::string>> HarnessArgsField(const json::object& o) {
  std::vector<std::string> out;
  if (!Present(o, "harnessArgs")) {
    return out;
  }
  const json::value& v = o.at("harnessArgs");
  if (!v.is_array()) {
    return BadField("harnessArgs", "harnessArgs must be an array of strings");
  }
  for (const json::value& e : v.as_array()) {
    if (!e.is_string()) {
      return BadField("harnessArgs", "harnessArgs must be an array of strings (element " +
                                         std::to_string(out.size() + 1) + " is not a string)");
    }
    out.emplace_back(e.as_string());
  }
  return out;
}

// rows/cols: optional positive integers up to 1000.
core::Result<uint16_t> SizeField(const json::object& o, std::string_view key, uint16_t fallback) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr || v->is_null()) {
    return fallback;
  }
  if (!v->is_int64() || v->as_int64() < 1 || v->as_int64() > 1000) {
    return BadField(key, std::string(key) + " must be an integer from 1 to 1000");
  }
  return static_cast<uint16_t>(v->as_int64());
}

// SPEC 2.9's required and optional string fields.
core::Status BasicFields(const json::object& o, sessions::LaunchRequest& req) {
  auto root = StringField(o, "projectRoot");
  if (!root || core::Trim(*root).empty()) {
    return BadField("projectRoot", "projectRoot is required");
  }
  req.project_root = std::string(core::Trim(*root));
  req.cwd = StringField(o, "cwd");
  auto harness = StringField(o, "harness");
  if (!harness || core::Trim(*harness).empty()) {
    return BadField("harness", "harness is required");
  }
  req.harness = *harness;
  // Resuming a conversation interactively may leave the prompt out (BuildArgv decides).
  auto prompt = StringField(o, "prompt");
  bool resuming = req.conversation && req.conversation->mode == harness::ConversationMode::kResume;
  if ((!prompt && Present(o, "prompt")) ||
      (!resuming && (!prompt || core::Trim(*prompt).empty()))) {
    return BadField("prompt", "prompt is required");
  }
  req.prompt = prompt.value_or("");
  req.title = StringField(o, "title");
  return core::Ok();
}

}  // namespace

core::Result<sessions::LaunchRequest> ParseLaunchBody(const json::object& body) {
  sessions::LaunchRequest req;
  auto conversation = ConversationField(body);
  if (!conversation) {
    return conversation.error();
  }
  req.conversation = std::move(*conversation);
  if (core::Status s = BasicFields(body, req); !s) {
    return s.error();
  }
  if (core::Status s = RefuseUnimplemented(body); !s) {
    return s.error();
  }
  auto worktree = WorktreeField(body);
  if (!worktree) {
    return worktree.error();
  }
  req.worktree = std::move(*worktree);
  auto mode = ModeField(body);
  if (!mode) {
    return mode.error();
  }
  req.mode = *mode;
  auto model = ModelField(body);
  if (!model) {
    return model.error();
  }
  req.model = std::move(*model);
  auto policy = PolicyField(body);
  if (!policy) {
    return policy.error();
  }
  req.policy = std::move(*policy);
  auto harness_args = HarnessArgsField(body);
  if (!harness_args) {
    return harness_args.error();
  }
  req.harness_args = std::move(*harness_args);
  auto rows = SizeField(body, "rows", 24);
  if (!rows) {
    return rows.error();
  }
  auto cols = SizeField(body, "cols", 80);
  if (!cols) {
    return cols.error();
  }
  req.rows = *rows;
  req.cols = *cols;
  return req;
}

}  // namespace coven::api
