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

// Whether a built-in takes pass-through arguments right after its executable.
enum class PassThrough { kNo, kYes };

Adapter Builtin(std::string id, std::string label, std::vector<std::string> argv,
                PassThrough pass_through, std::string hint) {
  Adapter a;
  a.pass_through = pass_through == PassThrough::kYes;
  a.id = std::move(id);
  a.label = std::move(label);
  a.executable = argv.front();
  a.argv_template = std::move(argv);
  a.install_hint = std::move(hint);
  return a;
}

// The built-in table. Where each argv comes from is in docs/harnesses.md; codex and
// claude keep SPEC 4.3's interactive argv and install-hint tokens exactly. Pass-through is
// on where the CLI takes its options right after the executable; hermes (a subcommand CLI)
// and demo are off.
std::vector<Adapter> MakeBuiltins() {
  return {
      Builtin("codex", "Codex", {"codex", "{prompt}"}, PassThrough::kYes,
              "Install Codex with `npm install -g @openai/codex` or `brew install --cask codex`; "
              "ensure `codex` is on PATH; run `codex login` (or `codex` once); "
              "retry `coven doctor`."),
      Builtin("claude", "Claude Code", {"claude", "{prompt}"}, PassThrough::kYes,
              "Install Claude Code with `npm install -g @anthropic-ai/claude-code`; "
              "ensure `claude` is on PATH; run `claude doctor`; retry `coven doctor`."),
      Builtin("gemini", "Gemini CLI", {"gemini", "--prompt-interactive", "{prompt}"},
              PassThrough::kYes,
              "Install Gemini CLI with `npm install -g @google/gemini-cli` or "
              "`brew install gemini-cli`; ensure `gemini` is on PATH; run `gemini` once to "
              "sign in; retry `coven doctor`."),
      Builtin("aider", "Aider", {"aider", "--message", "{prompt}"}, PassThrough::kYes,
              "Install Aider with `python -m pip install aider-install && aider-install` or "
              "`pipx install aider-chat`; ensure `aider` is on PATH; set your model "
              "provider's API key; retry `coven doctor`."),
      Builtin("opencode", "OpenCode", {"opencode", "--prompt", "{prompt}"}, PassThrough::kYes,
              "Install OpenCode with `npm install -g opencode-ai` or "
              "`curl -fsSL https://opencode.ai/install | bash`; ensure `opencode` is on PATH; "
              "run `opencode auth login`; retry `coven doctor`."),
      Builtin("hermes", "Hermes Agent", {"hermes", "chat", "--query", "{prompt}"}, PassThrough::kNo,
              "Install Hermes Agent with "
              "`curl -fsSL https://hermes-agent.nousresearch.com/install.sh | bash`; "
              "ensure `hermes` is on PATH; run `hermes setup`; retry `coven doctor`."),
      Builtin("demo", "Coven demo (no account needed)", {"coven-demo", "{prompt}"},
              PassThrough::kNo,
              "coven-demo ships with Coven (scripts/coven-demo); run the README's quick start."),
  };
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
  const Adapter* a = Find(id);
  if (a == nullptr) {
    return core::Error(core::ErrorCode::kInvalidRequest,
                       "unsupported harness `" + std::string(id) + "`");
  }
  if (!extra_args.empty()) {
    if (core::Status s = CheckExtraArgs(*a, extra_args); !s) {
      return s.error();
    }
  }
  std::vector<std::string> argv;
  argv.reserve(a->argv_template.size() + extra_args.size());
  for (size_t i = 0; i < a->argv_template.size(); ++i) {
    const std::string& arg = a->argv_template[i];
    // The prompt is one element, verbatim: execvp never hands it to a shell.
    argv.push_back(arg == kPromptPlaceholder ? prompt : arg);
    if (i == 0) {
      argv.insert(argv.end(), extra_args.begin(), extra_args.end());
    }
  }
  return argv;
}

}  // namespace coven::harness
