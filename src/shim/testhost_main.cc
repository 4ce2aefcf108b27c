// coven_shim_testhost: plays `coven shim` for the tests: argv[1] is "shim", the rest goes
// to ShimMain exactly as `coven shim` does.
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "shim/shim.h"

int main(int argc, char** argv) {
  if (argc < 2 || std::strcmp(argv[1], "shim") != 0) {
    std::fprintf(stderr, "coven_shim_testhost: expected `shim`\n");
    return 2;
  }
  return coven::shim::ShimMain(std::vector<std::string>(argv + 2, argv + argc));
}
