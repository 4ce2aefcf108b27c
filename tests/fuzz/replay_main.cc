// main() for the fuzz targets in builds without libFuzzer (GCC: the asan-ubsan preset that
// CI runs): replays every input file given (a folder means each file in it) through
// LLVMFuzzerTestOneInput, then, with --mutate-seconds=N, feeds mutations of those inputs
// (bit flips, byte changes, inserts, erases, splices; a fixed seed, so a failure repeats)
// for N seconds. Not coverage-guided: scripts/fuzz.sh runs the same targets under libFuzzer.
// The sequence of mutations depends only on the inputs, so a failure repeats when the same
// command is run again.
#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "fuzz/fuzz_support.h"

namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

void Collect(const std::string& path, std::vector<std::string>& inputs) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    std::fprintf(stderr, "replay: cannot read %s\n", path.c_str());
    std::exit(2);
  }
  if (!S_ISDIR(st.st_mode)) {
    inputs.push_back(ReadFile(path));
    return;
  }
  DIR* dir = ::opendir(path.c_str());
  std::vector<std::string> names;
  for (dirent* e = dir != nullptr ? ::readdir(dir) : nullptr; e != nullptr; e = ::readdir(dir)) {
    if (e->d_name[0] != '.') {
      names.emplace_back(e->d_name);
    }
  }
  if (dir != nullptr) {
    ::closedir(dir);
  }
  std::sort(names.begin(), names.end());
  for (const std::string& name : names) {
    Collect(path + "/" + name, inputs);
  }
}

void Run(const std::string& input) {
  (void)LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(input.data()), input.size());
}

std::string Mutate(const std::vector<std::string>& pool, std::mt19937_64& rng) {
  std::string s = pool[rng() % pool.size()];
  int steps = 1 + static_cast<int>(rng() % 4);
  for (int i = 0; i < steps; ++i) {
    size_t at = s.empty() ? 0 : rng() % s.size();
    switch (rng() % 5) {
      case 0:
        if (!s.empty()) {
          s[at] = static_cast<char>(s[at] ^ (1 << (rng() % 8)));
        }
        break;
      case 1:
        if (!s.empty()) {
          s[at] = static_cast<char>(rng());
        }
        break;
      case 2:
        s.insert(at, 1 + rng() % 8, static_cast<char>(rng()));
        break;
      case 3:
        if (!s.empty()) {
          s.erase(at, 1 + rng() % 8);
        }
        break;
      default: {
        const std::string& other = pool[rng() % pool.size()];
        size_t from = other.empty() ? 0 : rng() % other.size();
        s.insert(at, other.substr(from, rng() % 64));
        break;
      }
    }
  }
  return s.size() > 65536 ? s.substr(0, 65536) : s;
}

}  // namespace

int main(int argc, char** argv) {
  double seconds = 0;
  std::vector<std::string> inputs;
  for (int i = 1; i < argc; ++i) {
    if (std::strncmp(argv[i], "--mutate-seconds=", 17) == 0) {
      seconds = std::atof(argv[i] + 17);
    } else {
      Collect(argv[i], inputs);
    }
  }
  for (const std::string& input : inputs) {
    Run(input);
  }
  std::printf("replay: %zu inputs\n", inputs.size());
  if (seconds <= 0 || inputs.empty()) {
    return 0;
  }
  std::mt19937_64 rng(20261130);
  auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  size_t runs = 0;
  while (std::chrono::steady_clock::now() < end) {
    Run(Mutate(inputs, rng));
    ++runs;
  }
  std::printf("replay: %zu mutated inputs in %.0f s\n", runs, seconds);
  return 0;
}
