// client/launch_body.h: the body of POST /api/v1/sessions as the CLI sends it (the wire
// names live here and in api/launch_body.cc, not in cli/).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace coven::client {

// How the harness runs (the wire's `launchMode`).
enum class LaunchMode { kInteractive, kNonInteractive };

struct LaunchInput {
  std::string project_root;
  std::optional<std::string> cwd;
  std::string harness;
  std::string prompt;
  std::optional<std::string> title;
  std::vector<std::string> harness_args;
  LaunchMode mode = LaunchMode::kInteractive;
  std::optional<std::string> model;
  std::optional<std::pair<uint16_t, uint16_t>> size;  // rows, cols
};

// The JSON text of the launch body. Optional fields that are unset are left out.
std::string LaunchBodyJson(const LaunchInput& input);

}  // namespace coven::client
