#include "harness/harness_registry.h"

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <system_error>
#include <utility>

#include "core/unique_fd.h"

namespace coven::harness {
namespace {

namespace fs = std::filesystem;

// A manifest is a few hundred bytes; anything this large is a mistake, not an adapter.
constexpr uintmax_t kMaxManifestBytes = uintmax_t{64} * 1024;

// Whether a built-in takes pass-through arguments before its prompt.
enum class PassThrough { kNo, kYes };

// One row of the built-in table. Templates use the safe prompt forms (CheckPromptForm).
struct BuiltinRow {
  const char* id;
  const char* label;
  std::vector<std::string> interactive;
  std::vector<std::string> non_interactive;  // empty: none
  const char* model_flag;                    // "": none
  PassThrough pass_through;
  const char* hint;
};

Adapter Builtin(BuiltinRow row) {
  Adapter a;
  a.id = row.id;
  a.label = row.label;
  a.executable = row.interactive.front();
  a.argv_template = std::move(row.interactive);
  a.non_interactive_template = std::move(row.non_interactive);
  a.model_flag = row.model_flag;
  a.pass_through = row.pass_through == PassThrough::kYes;
  a.install_hint = row.hint;
  return a;
}

// The built-in table. Where each argv comes from is in docs/harnesses.md; codex and
// claude keep SPEC 4.3's argv (with "--" before the prompt, SPEC Part A 15) and install-hint
// tokens exactly. Pass-through is on where the CLI takes options before its prompt;
// hermes (unsure where its options go) and demo are off. opencode and hermes declare no
// non-interactive argv: their one-shot forms take the prompt as a positional argument
// whose `--` handling is not documented.
std::vector<Adapter> MakeBuiltins() {
  std::vector<Adapter> out;
  out.push_back(
      Builtin({"codex",
               "Codex",
               {"codex", "--", "{prompt}"},
               {"codex", "exec", "--skip-git-repo-check", "--color", "never", "--", "{prompt}"},
               "--model",
               PassThrough::kYes,
               "Install Codex with `npm install -g @openai/codex` or `brew install "
               "--cask codex`; ensure `codex` is on PATH; run `codex login` (or "
               "`codex` once); retry `coven doctor`."}));
  // `codex exec --help` (0.171.0): exec has no --ask-for-approval (its TUI does), so the
  // approval policy is set through Codex's own config override.
  out.back().policy_args = {"--config=approval_policy=\"never\"", "--sandbox=workspace-write"};
  out.back().add_dir_flag = "--add-dir";
  // `codex resume --help` / `codex exec resume --help` (0.171.0): the id is the first
  // positional after the subcommand; its options (--model, -c) come after it; exec's own
  // options (--skip-git-repo-check, --color) come before `resume`. Ids are UUIDs or names.
  out.back().resume_template = {"codex", "resume", "{conversation}", "--", "{prompt}"};
  out.back().non_interactive_resume_template = {"codex",          "exec",  "--skip-git-repo-check",
                                                "--color",        "never", "resume",
                                                "{conversation}", "--",    "{prompt}"};
  // Codex's TUI approval overlays (0.171.0) ask before running a command or editing files.
  out.back().hooks = HookKind::kCodexNotify;
  out.back().screen_patterns = {
      "asking=Would you like to (run the following command|make the following edits)",
      "asking=Allow command\\?"};
  out.push_back(Builtin({"claude",
                         "Claude Code",
                         {"claude", "--", "{prompt}"},
                         {"claude", "--print", "--", "{prompt}"},
                         "--model",
                         PassThrough::kYes,
                         "Install Claude Code with `npm install -g @anthropic-ai/claude-code`; "
                         "ensure `claude` is on PATH; run `claude doctor`; retry `coven "
                         "doctor`."}));
  // `claude --help` (2.1.332): `--session-id <uuid>` (a UUID only) and `--resume [value]`,
  // whose value is optional, hence the "--resume=<id>" form.
  out.back().conversation_id_flag = "--session-id";
  out.back().resume_flag = "--resume";
  out.back().conversation_id_is_uuid = true;
  // Claude Code's permission dialogs (2.1.x): "Do you want to proceed?", "Do you want to make
  // this edit to ...?", "Do you want to create ...?".
  out.back().hooks = HookKind::kClaudeSettings;
  out.back().screen_patterns = {"asking=Do you want to (proceed|make this edit|create)"};
  out.push_back(Builtin({"gemini",
                         "Gemini CLI",
                         {"gemini", "--prompt-interactive={prompt}"},
                         {"gemini", "--prompt={prompt}"},
                         "--model",
                         PassThrough::kYes,
                         "Install Gemini CLI with `npm install -g @google/gemini-cli` or "
                         "`brew install gemini-cli`; ensure `gemini` is on PATH; run `gemini` "
                         "once to sign in; retry `coven doctor`."}));
  out.push_back(Builtin({"aider",
                         "Aider",
                         {"aider", "--message={prompt}"},
                         {"aider", "--message={prompt}"},
                         "--model",
                         PassThrough::kYes,
                         "Install Aider with `python -m pip install aider-install && "
                         "aider-install` or `pipx install aider-chat`; ensure `aider` is on "
                         "PATH; set your model provider's API key; retry `coven doctor`."}));
  out.push_back(Builtin({"opencode",
                         "OpenCode",
                         {"opencode", "--prompt={prompt}"},
                         {},
                         "--model",
                         PassThrough::kYes,
                         "Install OpenCode with `npm install -g opencode-ai` or "
                         "`curl -fsSL https://opencode.ai/install | bash`; ensure `opencode` is "
                         "on PATH; run `opencode auth login`; retry `coven doctor`."}));
  out.push_back(Builtin({"hermes",
                         "Hermes Agent",
                         {"hermes", "chat", "--query={prompt}"},
                         {},
                         "",
                         PassThrough::kNo,
                         "Install Hermes Agent with "
                         "`curl -fsSL https://hermes-agent.nousresearch.com/install.sh | bash`; "
                         "ensure `hermes` is on PATH; run `hermes setup`; retry `coven "
                         "doctor`."}));
  out.push_back(Builtin({"demo",
                         "Coven demo (no account needed)",
                         {"coven-demo", "--", "{prompt}"},
                         {"coven-demo", "--print", "--", "{prompt}"},
                         "",
                         PassThrough::kNo,
                         "coven-demo ships with Coven (scripts/coven-demo); run the README's "
                         "quick start."}));
  return out;
}

bool IsBuiltinId(std::string_view id) {
  const auto& b = BuiltinAdapters();
  return std::any_of(b.begin(), b.end(), [&](const Adapter& a) { return a.id == id; });
}

// Reads and validates one manifest file; the error message is the reason only.
core::Result<Adapter> LoadManifest(const fs::path& file) {
  std::error_code ec;
  fs::file_status st = fs::status(file, ec);
  if (ec || st.type() != fs::file_type::regular) {
    return core::Error(core::ErrorCode::kInvalidRequest, "not a regular file");
  }
  uintmax_t size = fs::file_size(file, ec);
  if (ec || size > kMaxManifestBytes) {
    return core::Error(core::ErrorCode::kInvalidRequest, "larger than 64 KiB");
  }
  auto text = core::ReadFile(file.string());
  if (!text) {
    return text.error();
  }
  const std::string name = file.filename().string();
  auto adapter = ParseManifest(*text, name.substr(0, name.size() - 5));
  if (!adapter) {
    return adapter.error();
  }
  if (IsBuiltinId(adapter->id)) {
    return core::Error(core::ErrorCode::kInvalidRequest,
                       "`id` `" + adapter->id + "` is a built-in adapter and cannot be redefined");
  }
  adapter->manifest_path = file.string();
  return adapter;
}

// The `*.json` entries of `dir`, sorted by name. A missing folder yields none.
core::Result<std::vector<fs::path>> ListManifests(const std::string& dir) {
  std::vector<fs::path> files;
  std::error_code ec;
  fs::file_status st = fs::status(dir, ec);
  if (st.type() == fs::file_type::not_found) {
    return files;
  }
  if (ec || st.type() != fs::file_type::directory) {
    return core::Error(core::ErrorCode::kIo, ec ? ec.message() : "not a directory");
  }
  fs::directory_iterator it(dir, ec);
  for (; !ec && it != fs::directory_iterator(); it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.size() > 5 && name.compare(name.size() - 5, 5, ".json") == 0) {
      files.push_back(it->path());
    }
  }
  if (ec) {
    return core::Error(core::ErrorCode::kIo, ec.message());
  }
  std::sort(files.begin(), files.end());
  return files;
}

// Pass-through arguments are allowed and each is a usable argv element.
core::Status CheckExtraArgs(const Adapter& a, const std::vector<std::string>& extra_args) {
  using core::Error;
  using core::ErrorCode;
  if (!a.pass_through) {
    return Error(ErrorCode::kInvalidRequest,
                 "harness `" + a.id + "` does not take extra arguments (passThrough is off)");
  }
  if (extra_args.size() > kMaxExtraArgs) {
    return Error(ErrorCode::kInvalidRequest, "too many harness arguments (" +
                                                 std::to_string(extra_args.size()) + "; at most " +
                                                 std::to_string(kMaxExtraArgs) + ")");
  }
  for (size_t i = 0; i < extra_args.size(); ++i) {
    const std::string& arg = extra_args[i];
    const std::string which = "harness argument " + std::to_string(i + 1);
    if (arg.empty()) {
      return Error(ErrorCode::kInvalidRequest, which + " is empty");
    }
    if (arg.find('\0') != std::string::npos) {
      return Error(ErrorCode::kInvalidRequest, which + " contains a NUL byte");
    }
    if (arg.size() > kMaxExtraArgBytes) {
      return Error(ErrorCode::kInvalidRequest,
                   which + " is longer than " + std::to_string(kMaxExtraArgBytes) + " bytes");
    }
  }
  return core::Ok();
}

core::Error BadConversation(const std::string& message) {
  return core::Error(core::ErrorCode::kInvalidRequest, message).WithDetail("field", "conversation");
}

// The conversation is one the adapter declares a way for, with an id it accepts.
core::Status CheckConversation(const Adapter& a, LaunchMode mode, const Conversation& c) {
  if (c.mode == ConversationMode::kInit && !CanInitConversation(a)) {
    return BadConversation("harness `" + a.id +
                           "` cannot start a conversation under a chosen id (its adapter "
                           "declares no conversationIdFlag); leave `conversation` out");
  }
  if (c.mode == ConversationMode::kResume && !CanResumeConversation(a, mode)) {
    return BadConversation(
        "harness `" + a.id + "` cannot resume a conversation" +
        (mode == LaunchMode::kNonInteractive ? " non-interactively" : "") +
        " (its adapter declares no resumeFlag or resume argv); leave `conversation` out");
  }
  return CheckConversationId(c.id, a.conversation_id_is_uuid);
}

// The template for `mode`, or why the adapter cannot run that way.
core::Result<const std::vector<std::string>*> TemplateFor(
    const Adapter& a, LaunchMode mode, const std::optional<Conversation>& conversation) {
  if (conversation && conversation->mode == ConversationMode::kResume && a.resume_flag.empty()) {
    return mode == LaunchMode::kInteractive ? &a.resume_template
                                            : &a.non_interactive_resume_template;
  }
  if (mode == LaunchMode::kInteractive) {
    return &a.argv_template;
  }
  if (a.non_interactive_template.empty()) {
    return core::Error(core::ErrorCode::kInvalidRequest,
                       "harness `" + a.id +
                           "` has no non-interactive mode (its adapter declares no "
                           "nonInteractiveArgv); launch it interactively");
  }
  return &a.non_interactive_template;
}

core::Status CheckModel(const Adapter& a, const std::string& model) {
  using core::Error;
  using core::ErrorCode;
  if (a.model_flag.empty()) {
    return Error(ErrorCode::kInvalidRequest,
                 "harness `" + a.id +
                     "` does not take a model (its adapter declares no modelFlag); leave "
                     "`model` out");
  }
  if (model.empty() || model.size() > kMaxModelBytes) {
    return Error(ErrorCode::kInvalidRequest,
                 "`model` must be 1 to " + std::to_string(kMaxModelBytes) + " bytes long");
  }
  for (unsigned char c : model) {
    if (c < 0x20 || c == 0x7f || c == ' ') {
      return Error(ErrorCode::kInvalidRequest,
                   "`model` must not contain spaces or control characters");
    }
  }
  return core::Ok();
}

core::Status CheckPolicy(const Adapter& a, LaunchMode mode, const LaunchPolicy& policy) {
  using core::Error;
  using core::ErrorCode;
  if (a.policy_args.empty() || mode != LaunchMode::kNonInteractive) {
    return Error(ErrorCode::kInvalidRequest,
                 "`launchPolicy` is supported only for non-interactive codex launches, not for "
                 "harness `" +
                     a.id + "` in " +
                     (mode == LaunchMode::kInteractive ? "interactive" : "non-interactive") +
                     " mode");
  }
  for (size_t i = 0; i < policy.add_dirs.size(); ++i) {
    const std::string& dir = policy.add_dirs[i];
    std::error_code ec;
    bool ok = !dir.empty() && dir.front() == '/' && dir.find('\0') == std::string::npos &&
              fs::is_directory(dir, ec);
    if (!ok) {
      return Error(ErrorCode::kInvalidRequest, "`launchPolicy.addDirs[" + std::to_string(i) +
                                                   "]` `" + dir +
                                                   "` must be an absolute path to an existing "
                                                   "directory");
    }
  }
  return core::Ok();
}

// The options Coven adds before the prompt: model, launch policy, pass-through.
core::Result<std::vector<std::string>> AddedOptions(const Adapter& a,
                                                    const HarnessRegistry::LaunchArgs& args) {
  // Coven's own activity hooks first (the adapter's, never user input).
  std::vector<std::string> out = args.hook_options;
  if (args.conversation) {
    const Conversation& c = *args.conversation;
    if (core::Status s = CheckConversation(a, args.mode, c); !s) {
      return s.error();
    }
    if (c.mode == ConversationMode::kInit) {
      out.push_back(a.conversation_id_flag + "=" + c.id);
    } else if (!a.resume_flag.empty()) {
      out.push_back(a.resume_flag + "=" + c.id);
    } else if (args.policy) {
      // `codex exec resume` takes no sandbox or --add-dir options (0.171.0).
      return core::Error(core::ErrorCode::kInvalidRequest,
                         "`launchPolicy` cannot be combined with resuming a `" + a.id +
                             "` conversation (its resume command takes no sandbox options)")
          .WithDetail("field", "launchPolicy");
    }
  }
  if (args.model) {
    if (core::Status s = CheckModel(a, *args.model); !s) {
      return s.error();
    }
    out.push_back(a.model_flag + "=" + *args.model);
  }
  if (args.policy) {
    if (core::Status s = CheckPolicy(a, args.mode, *args.policy); !s) {
      return s.error();
    }
    out.insert(out.end(), a.policy_args.begin(), a.policy_args.end());
    for (const std::string& dir : args.policy->add_dirs) {
      out.push_back(a.add_dir_flag + "=" + dir);
    }
  }
  if (!args.extra_args.empty()) {
    if (core::Status s = CheckExtraArgs(a, args.extra_args); !s) {
      return s.error();
    }
    out.insert(out.end(), args.extra_args.begin(), args.extra_args.end());
  }
  return out;
}

}  // namespace

const std::vector<Adapter>& BuiltinAdapters() {
  static const std::vector<Adapter> builtins = MakeBuiltins();
  return builtins;
}

HarnessRegistry HarnessRegistry::BuiltinsOnly() {
  HarnessRegistry r;
  r.adapters_ = BuiltinAdapters();
  return r;
}

HarnessRegistry HarnessRegistry::Load(const std::string& adapters_dir) {
  HarnessRegistry r = BuiltinsOnly();
  auto files = ListManifests(adapters_dir);
  if (!files) {
    r.problems_.push_back(adapters_dir + ": cannot list adapters: " + files.error().message);
    return r;
  }
  std::vector<Adapter> user;
  for (const fs::path& file : *files) {
    auto adapter = LoadManifest(file);
    if (!adapter) {
      r.problems_.push_back(file.filename().string() + ": " + adapter.error().message);
      continue;
    }
    user.push_back(std::move(*adapter));
  }
  // The id equals the file stem, so file order is id order and ids are unique.
  std::sort(user.begin(), user.end(),
            [](const Adapter& a, const Adapter& b) { return a.id < b.id; });
  for (Adapter& a : user) {
    r.adapters_.push_back(std::move(a));
  }
  return r;
}

const Adapter* HarnessRegistry::Find(std::string_view id) const {
  for (const Adapter& a : adapters_) {
    if (a.id == id) {
      return &a;
    }
  }
  return nullptr;
}

core::Result<std::vector<std::string>> HarnessRegistry::BuildArgv(
    std::string_view id, const std::string& prompt,
    const std::vector<std::string>& extra_args) const {
  LaunchArgs args;
  args.prompt = prompt;
  args.extra_args = extra_args;
  return BuildArgv(id, args);
}

core::Result<std::vector<std::string>> HarnessRegistry::BuildArgv(std::string_view id,
                                                                  const LaunchArgs& args) const {
  const Adapter* a = Find(id);
  if (a == nullptr) {
    return core::Error(core::ErrorCode::kInvalidRequest,
                       "unsupported harness `" + std::string(id) + "`");
  }
  auto options = AddedOptions(*a, args);
  if (!options) {
    return options.error();
  }
  auto tmpl = TemplateFor(*a, args.mode, args.conversation);
  if (!tmpl) {
    return tmpl.error();
  }
  // Resuming interactively may leave the prompt out: the harness opens the conversation
  // and waits. A one-shot resume needs its task. (Other launches check their prompt in
  // SessionManager, as before.)
  const bool resuming = args.conversation && args.conversation->mode == ConversationMode::kResume;
  const bool drop_prompt = args.prompt.empty() && resuming;
  if (drop_prompt && args.mode != LaunchMode::kInteractive) {
    return core::Error(core::ErrorCode::kInvalidRequest,
                       "prompt is required to resume a conversation non-interactively")
        .WithDetail("field", "prompt");
  }
  // Templates were checked when the adapter was made (built-in tests, manifest load).
  auto slot = CheckPromptForm(**tmpl, "argv");
  if (!slot) {
    return slot.error();
  }
  std::vector<std::string> argv;
  argv.reserve((*tmpl)->size() + options->size());
  for (size_t i = 0; i < (*tmpl)->size(); ++i) {
    if (i == slot->options_index) {
      argv.insert(argv.end(), options->begin(), options->end());
    }
    const std::string& arg = (**tmpl)[i];
    if (arg == kConversationPlaceholder && args.conversation) {
      argv.push_back(args.conversation->id);
      continue;
    }
    bool in_prompt_part = i == slot->index || (slot->form == PromptForm::kAfterEndOfOptions &&
                                               i == slot->options_index);
    if (drop_prompt && in_prompt_part) {
      continue;
    }
    if (i != slot->index) {
      argv.push_back(arg);
      continue;
    }
    // The prompt is inside one element, verbatim: execvp never hands it to a shell.
    argv.push_back(arg.substr(0, arg.size() - kPromptPlaceholder.size()) + args.prompt);
  }
  return argv;
}

core::Result<PromptSlot> CheckPromptForm(const std::vector<std::string>& argv,
                                         std::string_view field) {
  const std::string name(field);
  auto bad = [&](const std::string& why) {
    return core::Error(core::ErrorCode::kInvalidRequest,
                       name + " " + why +
                           ": write \"--\", \"{prompt}\" or \"--flag={prompt}\" so that a prompt "
                           "beginning with - is never read as an option");
  };
  std::optional<size_t> at;
  for (size_t i = 1; i < argv.size(); ++i) {
    size_t pos = argv[i].find(kPromptPlaceholder);
    if (pos == std::string::npos) {
      continue;
    }
    if (at || argv[i].find(kPromptPlaceholder, pos + 1) != std::string::npos) {
      return bad("must contain \"{prompt}\" exactly once");
    }
    at = i;
  }
  if (!at) {
    return bad("must contain \"{prompt}\" exactly once (argv[0] is the executable)");
  }
  const std::string& elem = argv[*at];
  PromptSlot slot;
  slot.index = *at;
  if (elem == kPromptPlaceholder) {
    if (argv[*at - 1] != "--") {
      return bad("puts \"{prompt}\" where it could be read as an option");
    }
    slot.form = PromptForm::kAfterEndOfOptions;
    slot.options_index = *at - 1;
    return slot;
  }
  const size_t flag_len = elem.size() - kPromptPlaceholder.size();
  // "-<name>=" then the placeholder: a leading '-', a name that is not only dashes, and
  // the element's only '=' right before "{prompt}".
  const size_t name_at = elem.find_first_not_of('-');
  bool is_flag_value = elem.size() > kPromptPlaceholder.size() + 2 &&
                       elem.compare(flag_len, std::string::npos, kPromptPlaceholder) == 0 &&
                       elem[0] == '-' && name_at < flag_len - 1 && elem[flag_len - 1] == '=' &&
                       elem.find('=') == flag_len - 1;
  if (!is_flag_value) {
    return bad("has \"{prompt}\" inside `" + elem + "`, which is not of the form --flag={prompt}");
  }
  slot.form = PromptForm::kOptionValue;
  slot.options_index = *at;
  return slot;
}

}  // namespace coven::harness
