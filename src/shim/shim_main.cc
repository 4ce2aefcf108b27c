// ShimMain: the command line of `coven shim` (and of the tests' stand-in host): one parser
// for ShimArgv's flags.
#include <cstdio>
#include <string>
#include <vector>

#include "core/strings.h"
#include "shim/internal/terminal_activity.h"
#include "shim/shim.h"

namespace coven::shim {
namespace {

int Usage(const std::string& why) {
  std::fprintf(stderr, "coven shim: %s (internal command; the daemon starts it)\n", why.c_str());
  return 2;
}

}  // namespace

core::Result<ShimOptions> ParseShimArgs(const std::vector<std::string>& args) {
  ShimOptions options;
  size_t i = 0;
  for (; i < args.size(); ++i) {
    const std::string& flag = args[i];
    if (flag == "--") {
      ++i;
      break;
    }
    if (i + 1 >= args.size()) {
      return core::Error(core::ErrorCode::kInvalidRequest, "flag " + flag + " needs a value");
    }
    const std::string& value = args[++i];
    auto number = core::ParseInt64(value);
    if (flag == "--session-id") {
      options.session_id = value;
    } else if (flag == "--session-dir") {
      options.session_dir = value;
    } else if (flag == "--cwd") {
      options.cwd = value;
    } else if (flag == "--rows" && number && *number > 0 && *number <= 1000) {
      options.rows = static_cast<uint16_t>(*number);
    } else if (flag == "--cols" && number && *number > 0 && *number <= 1000) {
      options.cols = static_cast<uint16_t>(*number);
    } else if (flag == "--ready-fd" && number && *number >= 0 && *number < 1024) {
      options.ready_fd = static_cast<int>(*number);
    } else if (flag == "--screen-pattern") {
      if (auto p = internal::ParseScreenPattern(value); !p) {
        return p.error();
      }
      options.screen_patterns.push_back(value);
    } else if (flag == "--kill-grace-ms" && number && *number >= 0) {
      options.kill_grace = std::chrono::milliseconds(*number);
    } else {
      return core::Error(core::ErrorCode::kInvalidRequest,
                         "bad flag or value: " + flag + " " + value);
    }
  }
  options.argv.assign(args.begin() + static_cast<std::ptrdiff_t>(i), args.end());
  if (options.session_id.empty() || options.session_dir.empty() || options.cwd.empty() ||
      options.argv.empty()) {
    return core::Error(core::ErrorCode::kInvalidRequest,
                       "needs --session-id, --session-dir, --cwd and a harness argv after --");
  }
  return options;
}

int ShimMain(const std::vector<std::string>& args) {
  auto options = ParseShimArgs(args);
  if (!options) {
    return Usage(options.error().message);
  }
  return RunShim(*options);
}

}  // namespace coven::shim
