// harness/harness_registry.h: the adapters Coven can launch (SPEC 4.3, Part A decision 12).
//
// An adapter says how to start one harness CLI interactively with an initial prompt: the
// executable to find on PATH, an argv template whose single "{prompt}" element becomes the
// prompt (one argv element, never parsed by a shell), a label, and an install hint quoted
// by `coven doctor` and by "not available" errors. An adapter may also take pass-through
// arguments (`coven run --harness-arg`, launch body `harnessArgs`): extra argv elements
// placed right after the executable. The built-ins live in one table in
// harness_registry.cc (documented in docs/harnesses.md); users add more with JSON manifests
// in `<COVEN_HOME>/adapters/<id>.json`.
//
// This module builds argv vectors and checks PATH; it never spawns anything (pty/ does).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace coven::harness {

// The argv element replaced by the prompt.
inline constexpr std::string_view kPromptPlaceholder = "{prompt}";

// Limits on pass-through arguments (BuildArgv's `extra_args`).
inline constexpr size_t kMaxExtraArgs = 64;
inline constexpr size_t kMaxExtraArgBytes = 4096;

struct Adapter {
  std::string id;
  std::string label;
  std::string executable;
  // argv_template[0] is the executable; exactly one element is "{prompt}".
  std::vector<std::string> argv_template;
  std::string install_hint;
  // True when the CLI accepts extra options right after the executable, so BuildArgv may
  // insert pass-through arguments there (manifest field "passThrough", default false).
  bool pass_through = false;
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

  // The interactive argv for launching `id` with `prompt`: the template with the
  // "{prompt}" element replaced by `prompt` verbatim, as one element, and `extra_args`
  // inserted verbatim right after argv[0], one element each. Fails with kInvalidRequest:
  // "unsupported harness `<id>`" when the id is unknown; "harness `<id>` does not take
  // extra arguments (passThrough is off)" when `extra_args` is non-empty and the adapter
  // has no pass_through; or a message naming the bad argument when there are more than
  // kMaxExtraArgs, or one is empty, contains a NUL byte, or exceeds kMaxExtraArgBytes.
  core::Result<std::vector<std::string>> BuildArgv(
      std::string_view id, const std::string& prompt,
      const std::vector<std::string>& extra_args = {}) const;

 private:
  std::vector<Adapter> adapters_;
  std::vector<std::string> problems_;
};

// The built-in adapters, in table order.
const std::vector<Adapter>& BuiltinAdapters();

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
