#include "support/temp_dir.h"

#include <stdlib.h>

#include <filesystem>
#include <system_error>

#include <gtest/gtest.h>

namespace coven::testing {

TempDir::TempDir() {
  char tmpl[] = "/tmp/cvt-XXXXXX";
  char* p = ::mkdtemp(tmpl);
  if (p == nullptr) {
    ADD_FAILURE() << "mkdtemp failed";
    return;
  }
  path_ = p;
}

TempDir::~TempDir() {
  std::error_code ec;
  if (!path_.empty()) {
    std::filesystem::remove_all(path_, ec);
  }
}

}  // namespace coven::testing
