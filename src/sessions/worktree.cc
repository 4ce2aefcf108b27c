#include "sessions/worktree.h"

#include <filesystem>
#include <fstream>
#include <system_error>
#include <utility>
#include <vector>

#include "core/error.h"
#include "core/strings.h"
#include "core/unique_fd.h"
#include "pty/process_spawn.h"

extern char** environ;  // NOLINT(readability-redundant-declaration)

namespace coven::sessions {
namespace fs = std::filesystem;
using core::Error;
using core::ErrorCode;

namespace {

// git runs locally; a worktree add checks out a tree, which takes seconds on a big repo.
constexpr std::chrono::seconds kGitTimeout{120};
constexpr const char* kWorktreesDir = ".coven/worktrees";
constexpr const char* kBranchPrefix = "coven/";

Error BadField(const std::string& field, const std::string& message) {
  return Error(ErrorCode::kInvalidRequest, message).WithDetail("field", field);
}

bool IsNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == '-';
}

// The daemon's environment for git, minus what would point it at another repository or
// make it ask a question, with C messages.
std::vector<std::string> GitEnv() {
  std::vector<std::string> env;
  for (char** e = environ; *e != nullptr; ++e) {
    std::string_view kv(*e);
    if (kv.rfind("GIT_", 0) == 0 || kv.rfind("LC_ALL=", 0) == 0) {
      continue;
    }
    env.emplace_back(kv);
  }
  env.emplace_back("GIT_TERMINAL_PROMPT=0");
  env.emplace_back("LC_ALL=C");
  return env;
}

std::vector<std::string_view> Lines(std::string_view text) {
  std::vector<std::string_view> out;
  while (!text.empty()) {
    size_t nl = text.find('\n');
    out.push_back(text.substr(0, nl));
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
  }
  return out;
}

std::string FirstLine(const std::string& text) {
  return std::string(core::Trim(text.substr(0, text.find('\n'))));
}

// Adds ".coven/" to the repository's info/exclude once, so worktrees never show as
// untracked files of the main checkout.
core::Status ExcludeCovenDir(const std::string& common_dir) {
  const fs::path info = fs::path(common_dir) / "info";
  const fs::path exclude = info / "exclude";
  std::error_code ec;
  fs::create_directories(info, ec);
  if (ec) {
    return Error(ErrorCode::kIo, "create " + info.string() + ": " + ec.message());
  }
  std::string text;
  if (auto existing = core::ReadFile(exclude.string())) {
    text = std::move(*existing);
  }
  for (std::string_view line : Lines(text)) {
    if (core::Trim(line) == ".coven/" || core::Trim(line) == "/.coven/") {
      return core::Ok();
    }
  }
  std::ofstream out(exclude, std::ios::app);
  out << (text.empty() || text.back() == '\n' ? "" : "\n")
      << "# Coven session worktrees (coven run --worktree)\n.coven/\n";
  out.close();
  if (!out) {
    return Error(ErrorCode::kIo, "cannot write " + exclude.string());
  }
  return core::Ok();
}

}  // namespace

struct WorktreeTool::GitResult {
  bool ok = false;
  std::string output;
};

const char* WorktreeStateName(WorktreeState state) {
  static constexpr const char* kNames[] = {"clean", "dirty", "unmerged", "removed"};
  return kNames[static_cast<size_t>(state)];
}

core::Status WorktreeTool::CheckName(const std::string& name) {
  bool ok = !name.empty() && name.size() <= 64 && name.front() != '.' && name.front() != '-' &&
            name.front() != '_';
  for (char c : name) {
    ok = ok && IsNameChar(c);
  }
  ok = ok && name.find("..") == std::string::npos &&
       !(name.size() >= 5 && name.compare(name.size() - 5, 5, ".lock") == 0);
  if (!ok) {
    return BadField("worktree.name",
                    "`worktree.name` `" + name +
                        "` must be 1 to 64 letters, digits, '.', '_' or '-', starting with a "
                        "letter or digit (no \"..\", not ending in \".lock\")");
  }
  return core::Ok();
}

core::Result<WorktreeTool::GitResult> WorktreeTool::Git(const std::string& dir,
                                                        std::vector<std::string> args) const {
  if (!git_) {
    return Error(ErrorCode::kInvalidRequest,
                 "worktrees need the `git` program, which is not on the daemon's PATH")
        .WithDetail("field", "worktree");
  }
  std::vector<std::string> argv = {*git_, "-C", dir};
  argv.insert(argv.end(), std::make_move_iterator(args.begin()),
              std::make_move_iterator(args.end()));
  auto run = pty::RunCaptured(argv, kGitTimeout, GitEnv());
  if (!run) {
    return run.error();
  }
  if (run->timed_out) {
    return Error(ErrorCode::kInternal, "git " + argv[3] + " did not finish in " +
                                           std::to_string(kGitTimeout.count()) + " s");
  }
  return GitResult{run->exit_code == 0, std::move(run->output)};
}

core::Result<Worktree> WorktreeTool::Create(const std::string& project_root, const std::string& cwd,
                                            const std::string& name,
                                            const std::optional<std::string>& base) const {
  if (core::Status s = CheckName(name); !s) {
    return s.error();
  }
  // --show-prefix: where the project root lies inside the repository, so the session's
  // cwd keeps its place inside the worktree (a project may be a subfolder of a repo).
  auto top = Git(project_root, {"rev-parse", "--show-prefix", "--git-common-dir"});
  if (!top) {
    return top.error();
  }
  if (!top->ok) {
    return BadField("worktree", "project `" + project_root +
                                    "` is not in a git repository, so it cannot have a "
                                    "worktree (git: " +
                                    FirstLine(top->output) + ")");
  }
  std::vector<std::string_view> lines = Lines(top->output);
  std::string prefix(lines.empty() ? "" : core::Trim(lines[0]));
  std::string common_dir(lines.size() < 2 ? ".git" : core::Trim(lines[1]));
  if (fs::path(common_dir).is_relative()) {
    common_dir = (fs::path(project_root) / common_dir).lexically_normal().string();
  }
  std::string base_rev = base.value_or("HEAD");
  if (base_rev.empty() || base_rev.front() == '-' || base_rev.find('\0') != std::string::npos) {
    return BadField("worktree.base", "`worktree.base` `" + base_rev + "` is not a revision");
  }
  auto commit = Git(project_root, {"rev-parse", "--verify", "--quiet", base_rev + "^{commit}"});
  if (!commit) {
    return commit.error();
  }
  if (!commit->ok) {
    return BadField("worktree.base",
                    "`worktree.base` `" + base_rev + "` does not resolve to a commit");
  }
  Worktree wt;
  wt.name = name;
  wt.branch = kBranchPrefix + name;
  wt.path = (fs::path(project_root) / kWorktreesDir / name).string();
  std::error_code ec;
  auto branch = Git(project_root, {"rev-parse", "--verify", "--quiet", "refs/heads/" + wt.branch});
  if (!branch) {
    return branch.error();
  }
  if (fs::exists(wt.path, ec) || branch->ok) {
    return BadField("worktree.name", "worktree name `" + name + "` is taken (" +
                                         (branch->ok ? "branch " + wt.branch : wt.path) +
                                         " exists); choose another name");
  }
  if (core::Status s = ExcludeCovenDir(common_dir); !s) {
    return s.error();
  }
  auto added = Git(project_root, {"worktree", "add", "--quiet", "-b", wt.branch, wt.path,
                                  FirstLine(commit->output)});
  if (!added) {
    return added.error();
  }
  if (!added->ok) {
    return Error(ErrorCode::kInternal, "git worktree add failed: " + FirstLine(added->output));
  }
  // The launch cwd, relative to the project root, inside the worktree's copy of it.
  fs::path rel = fs::path(cwd).lexically_relative(project_root);
  wt.cwd = (fs::path(wt.path) / prefix / rel).lexically_normal().string();
  if (!wt.cwd.empty() && wt.cwd.back() == '/') {
    wt.cwd.pop_back();
  }
  if (!fs::is_directory(wt.cwd, ec)) {
    (void)Remove(project_root, wt.path, wt.branch, /*force=*/true);
    return BadField("cwd", "`cwd` `" + rel.string() +
                               "` does not exist in the worktree (it is not tracked by git)");
  }
  return wt;
}

core::Result<WorktreeStatus> WorktreeTool::Inspect(const std::string& project_root,
                                                   const std::string& path,
                                                   const std::string& branch) const {
  WorktreeStatus st;
  std::error_code ec;
  bool has_dir = fs::is_directory(path, ec);
  auto has_branch = Git(project_root, {"rev-parse", "--verify", "--quiet", "refs/heads/" + branch});
  if (!has_branch) {
    return has_branch.error();
  }
  if (!has_dir && !has_branch->ok) {
    st.state = WorktreeState::kRemoved;
    return st;
  }
  if (has_dir) {
    auto status = Git(path, {"status", "--porcelain", "--untracked-files=normal"});
    if (!status) {
      return status.error();
    }
    if (!status->ok) {
      return Error(ErrorCode::kInternal, "git status failed: " + FirstLine(status->output));
    }
    if (!core::Trim(status->output).empty()) {
      st.state = WorktreeState::kDirty;
      return st;
    }
  }
  if (has_branch->ok) {
    // Commits reachable from the branch and from no other branch (local or remote);
    // --exclude takes the name without refs/heads/ for the --branches that follows it.
    auto count = Git(project_root, {"rev-list", "--count", "refs/heads/" + branch, "--not",
                                    "--exclude=" + branch, "--branches", "--remotes"});
    if (!count) {
      return count.error();
    }
    auto n = core::ParseInt64(core::Trim(count->output));
    if (!count->ok || !n) {
      return Error(ErrorCode::kInternal, "git rev-list failed: " + FirstLine(count->output));
    }
    if (*n > 0) {
      st.state = WorktreeState::kUnmerged;
      st.unique_commits = static_cast<int>(*n);
    }
  }
  return st;
}

core::Status WorktreeTool::Remove(const std::string& project_root, const std::string& path,
                                  const std::string& branch, bool force) const {
  if (!force) {
    auto st = Inspect(project_root, path, branch);
    if (!st) {
      return st.error();
    }
    if (st->state == WorktreeState::kDirty || st->state == WorktreeState::kUnmerged) {
      std::string what =
          st->state == WorktreeState::kDirty
              ? "uncommitted changes"
              : std::to_string(st->unique_commits) + " commit(s) that no other branch has";
      return Error(ErrorCode::kWorktreeNotClean,
                   "worktree " + path + " (branch " + branch + ") holds " + what +
                       "; commit or merge them, or force it (`--force`, API `force: true`) to "
                       "delete them")
          .WithDetail("worktree", path)
          .WithDetail("state", WorktreeStateName(st->state));
    }
  }
  std::error_code ec;
  if (fs::exists(path, ec)) {
    auto removed = Git(project_root, {"worktree", "remove", "--force", path});
    if (!removed) {
      return removed.error();
    }
    if (!removed->ok) {
      return Error(ErrorCode::kInternal,
                   "git worktree remove failed: " + FirstLine(removed->output));
    }
  } else {
    (void)Git(project_root, {"worktree", "prune"});  // forget a folder deleted by hand
  }
  auto has_branch = Git(project_root, {"rev-parse", "--verify", "--quiet", "refs/heads/" + branch});
  if (has_branch && has_branch->ok) {
    auto deleted = Git(project_root, {"branch", "-D", branch});
    if (!deleted) {
      return deleted.error();
    }
    if (!deleted->ok) {
      return Error(ErrorCode::kInternal, "git branch -D failed: " + FirstLine(deleted->output));
    }
  }
  return core::Ok();
}

}  // namespace coven::sessions
