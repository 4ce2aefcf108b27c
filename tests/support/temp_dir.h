// tests/support/temp_dir.h: the one temporary-folder helper of every test binary. Kept out
// of testing.h's library (which needs the built `coven` binary) so that each module's unit
// tests can link it alone.
#pragma once

#include <string>

namespace coven::testing {

// A fresh directory under /tmp (short, so socket paths fit in sun_path), removed with its
// contents on destruction. A failure to make it fails the current test.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  TempDir(TempDir&&) = delete;
  TempDir& operator=(TempDir&&) = delete;
  const std::string& path() const { return path_; }
  std::string operator/(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

}  // namespace coven::testing
