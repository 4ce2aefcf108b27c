// User adapter manifests (docs/harnesses.md): one JSON object per file, validated field by
// field so that `coven doctor` can say exactly what is wrong with a file.
#include <string>
#include <utility>

#include <boost/json.hpp>

#include "core/screen_pattern.h"
#include "harness/harness_registry.h"

namespace coven::harness {
namespace {

namespace json = boost::json;
using core::Error;
using core::ErrorCode;

Error Bad(std::string reason) {
  return {ErrorCode::kInvalidRequest, std::move(reason)};
}

// ^[a-z0-9][a-z0-9._-]{0,63}$, by hand (core and we avoid <regex>).
bool IsValidId(std::string_view id) {
  auto lower_or_digit = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  if (id.empty() || id.size() > 64 || !lower_or_digit(id.front())) {
    return false;
  }
  for (char c : id.substr(1)) {
    if (!lower_or_digit(c) && c != '.' && c != '_' && c != '-') {
      return false;
    }
  }
  return true;
}

// The string member `key`, or an error naming it. `required_non_empty` refuses "".
core::Result<std::string> StringField(const json::object& obj, const char* key,
                                      bool required_non_empty) {
  const json::value* v = obj.if_contains(key);
  if (v == nullptr) {
    return Bad(std::string("`") + key + "` is missing");
  }
  if (!v->is_string()) {
    return Bad(std::string("`") + key + "` must be a string");
  }
  std::string s(v->get_string());
  if (required_non_empty && s.empty()) {
    return Bad(std::string("`") + key + "` must not be empty");
  }
  return s;
}

// An argv template field (`argv`, `nonInteractiveArgv`): strings, [0] is the executable,
// and the prompt is passed as data (CheckPromptForm).
core::Result<std::vector<std::string>> ArgvField(const json::object& obj, const char* key,
                                                 const std::string& executable) {
  const std::string name = std::string("`") + key + "`";
  const json::value* v = obj.if_contains(key);
  if (v == nullptr) {
    return Bad(name + " is missing");
  }
  if (!v->is_array() || v->get_array().empty()) {
    return Bad(name + " must be a non-empty array of strings");
  }
  std::vector<std::string> argv;
  for (const json::value& e : v->get_array()) {
    if (!e.is_string()) {
      return Bad(name + " must be a non-empty array of strings");
    }
    argv.emplace_back(e.get_string());
  }
  if (argv.front() != executable) {
    return Bad(std::string("`") + key + "[0]` must equal `executable` (`" + executable + "`)");
  }
  if (auto slot = CheckPromptForm(argv, name); !slot) {
    return slot.error();
  }
  return argv;
}

// An option-name field (`modelFlag`, `resumeFlag`, ...): "--model" is passed as
// "--model=<value>". Absent: "".
core::Result<std::string> FlagField(const json::object& obj, const char* key, const char* example) {
  if (!obj.contains(key)) {
    return std::string();
  }
  auto flag = StringField(obj, key, true);
  if (!flag) {
    return flag.error();
  }
  bool ok = flag->size() >= 2 && flag->front() == '-' &&
            flag->find_first_of("= \t{}") == std::string::npos;
  if (!ok) {
    return Bad(std::string("`") + key + "` must be an option name such as \"" + example +
               "\" (no '=', spaces or braces)");
  }
  return flag;
}

// The conversation fields (docs/harnesses.md): conversationIdFlag, resumeFlag or
// resumeArgv/nonInteractiveResumeArgv (not both ways), conversationIdForm.
core::Status ConversationFields(const json::object& obj, Adapter& a) {
  auto init = FlagField(obj, "conversationIdFlag", "--session-id");
  if (!init) {
    return init.error();
  }
  a.conversation_id_flag = std::move(*init);
  auto resume = FlagField(obj, "resumeFlag", "--resume");
  if (!resume) {
    return resume.error();
  }
  a.resume_flag = std::move(*resume);
  for (auto [key, target] :
       {std::pair{"resumeArgv", &a.resume_template},
        std::pair{"nonInteractiveResumeArgv", &a.non_interactive_resume_template}}) {
    if (!obj.contains(key)) {
      continue;
    }
    if (!a.resume_flag.empty()) {
      return Bad(std::string("`") + key + "` and `resumeFlag` exclude each other: declare one");
    }
    auto argv = ArgvField(obj, key, a.executable);
    if (!argv) {
      return argv.error();
    }
    if (auto slot = CheckResumeTemplate(*argv, std::string("`") + key + "`"); !slot) {
      return slot.error();
    }
    *target = std::move(*argv);
  }
  if (const json::value* form = obj.if_contains("conversationIdForm"); form != nullptr) {
    if (!form->is_string() || (form->get_string() != "uuid" && form->get_string() != "token")) {
      return Bad("`conversationIdForm` must be \"uuid\" or \"token\"");
    }
    a.conversation_id_is_uuid = form->get_string() == "uuid";
  }
  return core::Ok();
}

}  // namespace

namespace {

// "screenPatterns": {"asking": ["regex", ...], "waiting": [...]} -> "<state>=<regex>" each,
// checked as the shim will compile them. At most 16 per state.
core::Result<std::vector<std::string>> ScreenPatternsField(const json::value& v) {
  if (!v.is_object()) {
    return Bad("`screenPatterns` must be an object with `asking` and/or `waiting` arrays");
  }
  std::vector<std::string> out;
  for (const auto& kv : v.as_object()) {
    std::string state(kv.key());
    if (state != "asking" && state != "waiting") {
      return Bad("`screenPatterns." + state + "`: only `asking` and `waiting` are accepted");
    }
    if (!kv.value().is_array() || kv.value().as_array().size() > 16) {
      return Bad("`screenPatterns." + state + "` must be an array of at most 16 strings");
    }
    for (const json::value& p : kv.value().as_array()) {
      if (!p.is_string()) {
        return Bad("`screenPatterns." + state + "` must be an array of at most 16 strings");
      }
      std::string flag = state + "=" + std::string(p.as_string());
      if (auto parsed = core::ParseScreenPattern(flag); !parsed) {
        return Bad("`screenPatterns." + state + "`: " + parsed.error().message);
      }
      out.push_back(std::move(flag));
    }
  }
  return out;
}

}  // namespace

core::Result<Adapter> ParseManifest(std::string_view json_text, std::string_view file_stem) {
  boost::system::error_code ec;
  json::value root = json::parse(json_text, ec);
  if (ec) {
    return Bad("not valid JSON: " + ec.message());
  }
  if (!root.is_object()) {
    return Bad("the manifest must be a JSON object");
  }
  const json::object& obj = root.get_object();

  Adapter a;
  a.builtin = false;
  auto id = StringField(obj, "id", true);
  if (!id) {
    return id.error();
  }
  if (!IsValidId(*id)) {
    return Bad("`id` `" + *id + "` must match ^[a-z0-9][a-z0-9._-]{0,63}$");
  }
  if (*id != file_stem) {
    return Bad("`id` `" + *id + "` must equal the file name stem `" + std::string(file_stem) + "`");
  }
  a.id = std::move(*id);

  if (obj.contains("label")) {
    auto label = StringField(obj, "label", false);
    if (!label) {
      return label.error();
    }
    a.label = std::move(*label);
  }
  if (a.label.empty()) {
    a.label = a.id;
  }

  auto exe = StringField(obj, "executable", true);
  if (!exe) {
    return exe.error();
  }
  if (exe->find_first_of("/\\") != std::string::npos || *exe == "." || *exe == "..") {
    return Bad("`executable` must be a bare program name found on PATH, not a path");
  }
  a.executable = std::move(*exe);

  auto argv = ArgvField(obj, "argv", a.executable);
  if (!argv) {
    return argv.error();
  }
  a.argv_template = std::move(*argv);
  if (obj.contains("nonInteractiveArgv")) {
    auto headless = ArgvField(obj, "nonInteractiveArgv", a.executable);
    if (!headless) {
      return headless.error();
    }
    a.non_interactive_template = std::move(*headless);
  }
  auto model_flag = FlagField(obj, "modelFlag", "--model");
  if (!model_flag) {
    return model_flag.error();
  }
  a.model_flag = std::move(*model_flag);
  if (core::Status s = ConversationFields(obj, a); !s) {
    return s.error();
  }

  if (const json::value* pass = obj.if_contains("passThrough"); pass != nullptr) {
    if (!pass->is_bool()) {
      return Bad("`passThrough` must be a boolean");
    }
    a.pass_through = pass->get_bool();
  }

  auto hint = StringField(obj, "installHint", true);
  if (!hint) {
    return hint.error();
  }
  a.install_hint = std::move(*hint);
  if (const json::value* patterns = obj.if_contains("screenPatterns"); patterns != nullptr) {
    auto parsed = ScreenPatternsField(*patterns);
    if (!parsed) {
      return parsed.error();
    }
    a.screen_patterns = std::move(*parsed);
  }
  return a;
}

}  // namespace coven::harness
