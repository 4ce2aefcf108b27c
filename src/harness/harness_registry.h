// harness/harness_registry.h: the adapters Coven can launch (SPEC 4.3, Part A decision 12).
//
// An adapter says how to start one harness CLI with an initial prompt: the executable to
// find on PATH, an interactive argv template and optionally a non-interactive one (SPEC
// 4.4), a label, and an install hint quoted by `coven doctor` and by "not available"
// errors. It may also declare its model flag, the flags of the OpenClaw plugin's launch
// policy, whether it takes pass-through arguments (`coven run --harness-arg`, launch
// body `harnessArgs`), and how it starts a conversation under a chosen id or resumes one
// (claude `--session-id=<uuid>` / `--resume=<id>`, codex `resume <id>` / `exec resume <id>`). The
// built-ins live in one table in harness_registry.cc (documented in docs/harnesses.md); users add
// more with JSON manifests in
// `<COVEN_HOME>/adapters/<id>.json`.
//
// A prompt is data, never an option (SPEC Part A 15): every template passes it either as
// the element right after "--" (the end of options) or as the value inside one
// "--flag={prompt}" element, so a prompt such as `--version` cannot be parsed as a flag.
// CheckPromptForm enforces this for built-ins (tests) and manifests (at load). Options that
// Coven adds (model, launch policy, pass-through) go right before that prompt part, which
// keeps them after any subcommand (`codex exec ... --model=o3 -- <prompt>`).
//
// This module builds argv vectors and checks PATH; it never spawns anything (pty/ does).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "harness/activity_hooks.h"

namespace coven::harness {

// The argv text replaced by the prompt: a whole element after "--", or the end of one
// "--flag={prompt}" element.
inline constexpr std::string_view kPromptPlaceholder = "{prompt}";

// How the harness runs: a full-screen session you attach to, or a one-shot run that
// prints and exits (`codex exec`, `claude --print`).
enum class LaunchMode { kInteractive, kNonInteractive };

// The OpenClaw plugin's launch policy. The plugin sends exactly one policy (approval
// "never", sandbox "workspace-write"), so its presence is the policy; only the extra
// writable directories vary. Each must be an absolute path to an existing directory.
struct LaunchPolicy {
  std::vector<std::string> add_dirs;
};

// A conversation of the harness's own (its session or thread id): start one under a chosen
// id (kInit, the OpenClaw plugin's "init") or continue one (kResume).
enum class ConversationMode { kInit, kResume };
struct Conversation {
  ConversationMode mode = ConversationMode::kInit;
  std::string id;  // checked by CheckConversationId
};

// The argv text replaced by a conversation id in a resume template: a whole element.
inline constexpr std::string_view kConversationPlaceholder = "{conversation}";
inline constexpr size_t kMaxConversationIdBytes = 128;

// Limits on a model id.
inline constexpr size_t kMaxModelBytes = 256;

// Limits on pass-through arguments (BuildArgv's `extra_args`).
inline constexpr size_t kMaxExtraArgs = 64;
inline constexpr size_t kMaxExtraArgBytes = 4096;

struct Adapter {
  std::string id;
  std::string label;
  std::string executable;
  // The interactive argv. [0] is the executable; the prompt form passes CheckPromptForm.
  std::vector<std::string> argv_template;
  // The non-interactive argv, same rules; empty when the harness has none (then a
  // non-interactive launch is refused).
  std::vector<std::string> non_interactive_template;
  // The option that selects a model ("--model"), passed as "<flag>=<id>"; empty: none.
  std::string model_flag;
  // The launch policy's flags for non-interactive runs (approval never, sandbox
  // workspace-write) and the flag given once per extra directory ("<flag>=<dir>"). Empty
  // policy_args: the adapter takes no launch policy. Built-ins only (codex).
  std::vector<std::string> policy_args;
  std::string add_dir_flag;
  // Conversations. `conversation_id_flag` ("--session-id") starts a new conversation under
  // a chosen id ("<flag>=<id>"); `resume_flag` ("--resume") continues one ("<flag>=<id>",
  // in either mode's template); or the resume templates (codex `resume {conversation}`),
  // which replace the mode's template and take "{conversation}" as one whole element. An
  // adapter declares a flag or templates, not both; none of them: no resume.
  std::string conversation_id_flag;
  std::string resume_flag;
  std::vector<std::string> resume_template;
  std::vector<std::string> non_interactive_resume_template;
  // True when conversation ids must be UUIDs (claude); else any CheckConversationId token.
  bool conversation_id_is_uuid = false;
  std::string install_hint;
  // True when the CLI accepts extra options before its prompt, so BuildArgv may insert
  // pass-through arguments there (manifest field "passThrough", default false).
  bool pass_through = false;
  // How the harness reports its activity (activity_hooks.h); built-ins only.
  HookKind hooks = HookKind::kNone;
  // Screen patterns "<asking|waiting>=<regex>" (docs/attention.md), matched by the shim on
  // the settled screen; manifest field "screenPatterns": {"asking": [...], "waiting": [...]}.
  std::vector<std::string> screen_patterns;
  bool builtin = true;
  std::string manifest_path;  // the manifest file, for user adapters; empty for built-ins
};

// An immutable set of adapters. Thread-safe once built (all methods are const).
class HarnessRegistry {
 public:
  // The built-ins plus the user manifests `<adapters_dir>/<id>.json` (other files are
  // ignored). A missing folder is fine. An invalid manifest never fails the load: it is
  // skipped and described in problems() as "<file name>: <reason>". A manifest whose id
  // is a built-in's is refused the same way.
  static HarnessRegistry Load(const std::string& adapters_dir);
  static HarnessRegistry BuiltinsOnly();

  // The adapter with this id, or nullptr. The pointer lives as long as this registry.
  const Adapter* Find(std::string_view id) const;
  // Built-ins first in table order, then user adapters sorted by id.
  const std::vector<Adapter>& adapters() const { return adapters_; }
  // Manifests that were skipped, in file-name order.
  const std::vector<std::string>& problems() const { return problems_; }

  // The argv for launching `id`: the mode's template with its prompt placeholder replaced by
  // `args.prompt` verbatim (inside one element, never split), and right before the prompt
  // part ("--" or the "--flag={prompt}" element), in this order: "<model_flag>=<model>",
  // the policy's flags and one "<add_dir_flag>=<dir>" per directory, then `extra_args`
  // verbatim. Fails with kInvalidRequest, creating nothing:
  //  - "unsupported harness `<id>`" when the id is unknown;
  //  - the mode is non-interactive and the adapter has no non-interactive argv;
  //  - a model for an adapter without model_flag, or a model that is empty, too long or
  //    holds control characters;
  //  - a policy for an adapter without policy_args or in interactive mode, or an add_dirs
  //    entry that is not an absolute path to an existing directory;
  //  - a conversation the adapter declares no way for (naming `conversation`), or an id
  //    CheckConversationId refuses; an empty prompt, except when resuming interactively
  //    (then the prompt part, "--" included, is left out);
  //  - "harness `<id>` does not take extra arguments (passThrough is off)" when
  //    `extra_args` is non-empty and the adapter has no pass_through; or a message naming
  //    the bad argument when there are more than kMaxExtraArgs, or one is empty, contains a
  //    NUL byte, or exceeds kMaxExtraArgBytes.
  struct LaunchArgs {
    LaunchMode mode = LaunchMode::kInteractive;
    std::string prompt;
    std::vector<std::string> extra_args;
    std::optional<std::string> model;
    std::optional<LaunchPolicy> policy;
    std::optional<Conversation> conversation;
    // Added first, before the model: the activity hooks (HookOptions), built by the caller
    // for this session.
    std::vector<std::string> hook_options;
  };
  core::Result<std::vector<std::string>> BuildArgv(std::string_view id,
                                                   const LaunchArgs& args) const;
  // The interactive argv with pass-through arguments only.
  core::Result<std::vector<std::string>> BuildArgv(
      std::string_view id, const std::string& prompt,
      const std::vector<std::string>& extra_args = {}) const;

 private:
  std::vector<Adapter> adapters_;
  std::vector<std::string> problems_;
};

// The built-in adapters, in table order.
const std::vector<Adapter>& BuiltinAdapters();

// Where a template takes its prompt. kAfterEndOfOptions: the element after "--";
// kOptionValue: the end of one "--flag={prompt}" element.
enum class PromptForm { kAfterEndOfOptions, kOptionValue };
struct PromptSlot {
  PromptForm form = PromptForm::kAfterEndOfOptions;
  size_t index = 0;          // the element holding "{prompt}"
  size_t options_index = 0;  // where added options go: the "--" or the flag element
};
// Checks that `argv` (a template; argv[0] is the executable) passes its prompt as data:
// exactly one element holds "{prompt}", and it is either the whole element right after a
// "--" element or the end of an element "-<flag>={prompt}" (one leading '-' at least, no
// other "{prompt}"). The error (kInvalidRequest) names `field` (e.g. "`argv`") and says
// which form to use.
core::Result<PromptSlot> CheckPromptForm(const std::vector<std::string>& argv,
                                         std::string_view field);

// Whether the adapter can start a conversation under a chosen id / resume one in `mode`.
bool CanInitConversation(const Adapter& a);
bool CanResumeConversation(const Adapter& a, LaunchMode mode);

// A conversation id Coven passes on: 1 to kMaxConversationIdBytes of [A-Za-z0-9._:-],
// starting with a letter or digit (so never read as an option); a lowercase-or-uppercase
// 8-4-4-4-12 hex UUID when `uuid`. The error (kInvalidRequest, detail field
// "conversation.id") says which.
core::Status CheckConversationId(const std::string& id, bool uuid);

// Checks a resume template: CheckPromptForm's rules, and "{conversation}" exactly once, as
// a whole element before the prompt part and not right after "--". Errors name `field`.
core::Result<PromptSlot> CheckResumeTemplate(const std::vector<std::string>& argv,
                                             std::string_view field);

// Parses and validates one manifest (see docs/harnesses.md). `file_stem` is the file
// name without ".json"; the manifest's id must equal it. On failure the error
// (kInvalidRequest) says what is wrong, without the file name. Never throws.
core::Result<Adapter> ParseManifest(std::string_view json_text, std::string_view file_stem);

// SPEC 4.3 availability: the full path "<dir>/<executable>" of the first PATH entry that
// holds a regular file (symlinks followed) with any execute bit, or nullopt. Names that
// are empty, ".", "..", or contain '/' or '\\' never match. Empty and relative PATH
// entries are skipped: a daemon must not find programs through its own cwd.
// Thread-safe (reads only the file system).
std::optional<std::string> FindOnPath(const std::string& executable, const std::string& path_env);

}  // namespace coven::harness
