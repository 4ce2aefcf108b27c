#include "boundary/launch_paths.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "support/temp_dir.h"

namespace coven::boundary {
namespace {

namespace fs = std::filesystem;

// A real temporary directory tree, removed on destruction:
//   <t>/repo/app/deep, <t>/repo/escape -> <t>/outside, <t>/repo/inner -> <t>/repo/app,
//   <t>/repo2, <t>/outside, <t>/file.txt, <t>/link-to-repo -> <t>/repo
class Tree {
 public:
  Tree() {
    base_ = fs::canonical(dir_.path()).string();
    fs::create_directories(Path("repo/app/deep"));
    fs::create_directories(Path("repo2"));
    fs::create_directories(Path("outside"));
    std::ofstream(Path("file.txt")) << "x";
    fs::create_directory_symlink(Path("outside"), Path("repo/escape"));
    fs::create_directory_symlink(Path("repo/app"), Path("repo/inner"));
    fs::create_directory_symlink(Path("repo"), Path("link-to-repo"));
  }
  ~Tree() = default;
  Tree(const Tree&) = delete;
  Tree& operator=(const Tree&) = delete;
  Tree(Tree&&) = delete;
  Tree& operator=(Tree&&) = delete;

  std::string Path(const std::string& rel) const { return base_ + "/" + rel; }

 private:
  testing::TempDir dir_;
  std::string base_;
};

struct OkCase {
  const char* name;
  std::string root;
  std::optional<std::string> cwd;
  std::string want_root;
  std::string want_cwd;
};

// Given roots and cwds that stay inside the project, we should return canonical paths.
TEST(LaunchPathsTest, AcceptsPathsInsideTheRoot) {
  Tree t;
  const std::string repo = t.Path("repo");
  const std::vector<OkCase> cases = {
      {"root itself, no cwd", repo, std::nullopt, repo, repo},
      {"root itself as cwd", repo, repo, repo, repo},
      {"blank cwd means the root", repo, "  ", repo, repo},
      {"child dir", repo, t.Path("repo/app"), repo, t.Path("repo/app")},
      {"relative cwd", repo, "app/deep", repo, t.Path("repo/app/deep")},
      {"relative dot", repo, ".", repo, repo},
      {"dotdot staying inside", repo, "app/deep/..", repo, t.Path("repo/app")},
      {"symlink inside pointing inside", repo, "inner", repo, t.Path("repo/app")},
      {"symlink root resolves", t.Path("link-to-repo"), "app", repo, t.Path("repo/app")},
      {"root trimmed", "  " + repo + "\t", std::nullopt, repo, repo},
      {"root with trailing slash", repo + "/", std::nullopt, repo, repo},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    std::optional<std::string_view> cwd;
    if (c.cwd) {
      cwd = *c.cwd;
    }
    auto got = ResolveLaunchPaths(c.root, cwd);
    ASSERT_TRUE(got.has_value()) << got.error().message;
    EXPECT_EQ(got->project_root, c.want_root);
    EXPECT_EQ(got->cwd, c.want_cwd);
  }
}

struct ErrCase {
  const char* name;
  std::string root;
  std::optional<std::string> cwd;
  std::string want_message;
};

// Given a bad root or a cwd that escapes it, we should refuse with invalid_request.
TEST(LaunchPathsTest, RefusesBadRootsAndEscapes) {
  Tree t;
  const std::string repo = t.Path("repo");
  const std::string outside = "cwd is outside the Coven project root";
  const std::vector<ErrCase> cases = {
      {"blank root", "   ", std::nullopt, "projectRoot is required"},
      {"empty root", "", std::nullopt, "projectRoot is required"},
      {"relative root", "repo", std::nullopt, "projectRoot must be an absolute path"},
      {"missing root", t.Path("nope"), std::nullopt,
       "projectRoot `" + t.Path("nope") + "` does not exist"},
      {"root is a file", t.Path("file.txt"), std::nullopt,
       "projectRoot `" + t.Path("file.txt") + "` is not a directory"},
      {"missing cwd", repo, "nope", "cwd `nope` does not exist"},
      {"cwd is a file", t.Path(""), "file.txt", "cwd `file.txt` is not a directory"},
      {"dotdot escaping", repo, "..", outside},
      {"dotdot escaping deep", repo, "app/../../outside", outside},
      {"absolute outside", repo, t.Path("outside"), outside},
      {"sibling prefix /repo2", repo, t.Path("repo2"), outside},
      {"relative sibling prefix", repo, "../repo2", outside},
      {"symlink inside pointing outside", repo, "escape", outside},
      {"filesystem root", repo, "/", outside},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    std::optional<std::string_view> cwd;
    if (c.cwd) {
      cwd = *c.cwd;
    }
    auto got = ResolveLaunchPaths(c.root, cwd);
    ASSERT_FALSE(got.has_value());
    EXPECT_EQ(got.error().code, core::ErrorCode::kInvalidRequest);
    EXPECT_EQ(got.error().message, c.want_message);
  }
}

// Given a cwd outside the root, we should name both canonical paths in the details.
TEST(LaunchPathsTest, OutsideErrorCarriesDetails) {
  Tree t;
  auto got = ResolveLaunchPaths(t.Path("repo"), std::string_view("escape"));
  ASSERT_FALSE(got.has_value());
  const auto& details = got.error().details;
  ASSERT_EQ(details.size(), 2U);
  EXPECT_EQ(details[0].first, "projectRoot");
  EXPECT_EQ(details[0].second, t.Path("repo"));
  EXPECT_EQ(details[1].first, "cwd");
  EXPECT_EQ(details[1].second, t.Path("outside"));
}

// Given a resolution, we should not have created anything on disk.
TEST(LaunchPathsTest, CreatesNothing) {
  Tree t;
  auto got = ResolveLaunchPaths(t.Path("repo"), std::string_view("missing/child"));
  ASSERT_FALSE(got.has_value());
  EXPECT_FALSE(fs::exists(t.Path("repo/missing")));
}

struct InsideCase {
  const char* root;
  const char* candidate;
  bool inside;
};

// Given canonical strings, we should compare whole path components only.
TEST(LaunchPathsTest, IsInsideComparesComponents) {
  const std::vector<InsideCase> cases = {
      {"/repo", "/repo", true},
      {"/repo", "/repo/a", true},
      {"/repo", "/repo/a/b", true},
      {"/repo", "/repo2", false},
      {"/repo", "/rep", false},
      {"/repo", "/", false},
      {"/repo", "/other/repo", false},
      {"/", "/anything", true},
      {"/", "/", true},
      {"", "/repo", false},
      {"/repo", "/repo-x/a", false},
      {"/repo/a", "/repo", false},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(IsInside(c.root, c.candidate), c.inside) << c.root << " vs " << c.candidate;
  }
}

}  // namespace
}  // namespace coven::boundary
