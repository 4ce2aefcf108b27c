// Conversation resume (issue 10, item 4): which adapters can start or continue a harness
// conversation, and the checks that keep a conversation id from ever being read as an option.
#include <string>

#include "harness/harness_registry.h"

namespace coven::harness {
namespace {

core::Error BadId(const std::string& message) {
  return core::Error(core::ErrorCode::kInvalidRequest, message)
      .WithDetail("field", "conversation.id");
}

bool IsHex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

bool IsUuid(const std::string& id) {
  if (id.size() != 36) {
    return false;
  }
  for (size_t i = 0; i < id.size(); ++i) {
    bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? id[i] != '-' : !IsHex(id[i])) {
      return false;
    }
  }
  return true;
}

bool IsAlnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

}  // namespace

bool CanInitConversation(const Adapter& a) {
  return !a.conversation_id_flag.empty();
}

bool CanResumeConversation(const Adapter& a, LaunchMode mode) {
  if (!a.resume_flag.empty()) {
    return mode == LaunchMode::kInteractive || !a.non_interactive_template.empty();
  }
  return mode == LaunchMode::kInteractive ? !a.resume_template.empty()
                                          : !a.non_interactive_resume_template.empty();
}

core::Status CheckConversationId(const std::string& id, bool uuid) {
  if (uuid) {
    if (!IsUuid(id)) {
      return BadId("`conversation.id` `" + id +
                   "` must be a UUID (8-4-4-4-12 hex digits) for this harness");
    }
    return core::Ok();
  }
  if (id.empty() || id.size() > kMaxConversationIdBytes) {
    return BadId("`conversation.id` must be 1 to " + std::to_string(kMaxConversationIdBytes) +
                 " bytes long");
  }
  // A leading letter or digit: the id may stand alone in argv (codex `resume <id>`), where a
  // leading '-' would make it an option.
  if (!IsAlnum(id.front())) {
    return BadId("`conversation.id` must start with a letter or a digit");
  }
  for (char c : id) {
    if (!IsAlnum(c) && c != '.' && c != '_' && c != ':' && c != '-') {
      return BadId("`conversation.id` may hold only letters, digits and . _ : -");
    }
  }
  return core::Ok();
}

core::Result<PromptSlot> CheckResumeTemplate(const std::vector<std::string>& argv,
                                             std::string_view field) {
  auto slot = CheckPromptForm(argv, field);
  if (!slot) {
    return slot.error();
  }
  const std::string name(field);
  auto bad = [&](const std::string& why) {
    return core::Error(core::ErrorCode::kInvalidRequest, name + " " + why);
  };
  size_t count = 0;
  size_t at = 0;
  for (size_t i = 1; i < argv.size(); ++i) {
    if (argv[i].find(kConversationPlaceholder) == std::string::npos) {
      continue;
    }
    if (argv[i] != kConversationPlaceholder) {
      return bad("must hold \"{conversation}\" as a whole element, not inside `" + argv[i] + "`");
    }
    ++count;
    at = i;
  }
  if (count != 1) {
    return bad("must contain \"{conversation}\" exactly once");
  }
  if (at >= slot->options_index || argv[at - 1] == "--") {
    return bad("must put \"{conversation}\" before the prompt part, not after \"--\"");
  }
  return slot;
}

}  // namespace coven::harness
