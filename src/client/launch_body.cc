#include "client/launch_body.h"

#include <boost/json.hpp>

namespace coven::client {
namespace json = boost::json;

std::string LaunchBodyJson(const LaunchInput& input) {
  json::object req;
  req["projectRoot"] = input.project_root;
  if (input.cwd) {
    req["cwd"] = *input.cwd;
  }
  req["harness"] = input.harness;
  req["prompt"] = input.prompt;
  if (input.title) {
    req["title"] = *input.title;
  }
  if (!input.harness_args.empty()) {
    json::array args;
    for (const std::string& arg : input.harness_args) {
      args.emplace_back(arg);
    }
    req["harnessArgs"] = std::move(args);
  }
  req["launchMode"] = input.mode == LaunchMode::kNonInteractive ? "nonInteractive" : "interactive";
  if (input.model) {
    req["model"] = *input.model;
  }
  if (input.size) {
    req["rows"] = input.size->first;
    req["cols"] = input.size->second;
  }
  return json::serialize(req);
}

}  // namespace coven::client
