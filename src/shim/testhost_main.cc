// coven_shim_testhost: plays `coven shim` for the tests. Parses exactly ShimArgv's flags
// (argv[1] is "shim") and runs RunShim.
#include <cstdio>
#include <cstring>
#include <string>

#include "core/strings.h"
#include "shim/shim.h"

namespace {

int Usage(const char* why) {
  std::fprintf(stderr, "coven_shim_testhost: %s\n", why);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || std::strcmp(argv[1], "shim") != 0) {
    return Usage("expected `shim`");
  }
  coven::shim::ShimOptions options;
  int i = 2;
  for (; i < argc; ++i) {
    std::string flag = argv[i];
    if (flag == "--") {
      ++i;
      break;
    }
    if (i + 1 >= argc) {
      return Usage("flag without a value");
    }
    std::string value = argv[++i];
    auto number = coven::core::ParseInt64(value);
    if (flag == "--session-id") {
      options.session_id = value;
    } else if (flag == "--session-dir") {
      options.session_dir = value;
    } else if (flag == "--cwd") {
      options.cwd = value;
    } else if (flag == "--rows" && number && *number > 0 && *number <= 65535) {
      options.rows = static_cast<uint16_t>(*number);
    } else if (flag == "--cols" && number && *number > 0 && *number <= 65535) {
      options.cols = static_cast<uint16_t>(*number);
    } else if (flag == "--ready-fd" && number && *number >= 0) {
      options.ready_fd = static_cast<int>(*number);
    } else if (flag == "--kill-grace-ms" && number && *number >= 0) {
      options.kill_grace = std::chrono::milliseconds(*number);
    } else {
      return Usage("bad flag");
    }
  }
  for (; i < argc; ++i) {
    options.argv.emplace_back(argv[i]);
  }
  return coven::shim::RunShim(options);
}
