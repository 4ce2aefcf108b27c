#include "core/path_search.h"

namespace coven::core {

std::optional<std::string> SearchPath(std::string_view name, std::string_view path_env,
                                      const std::function<bool(const std::string&)>& accept) {
  size_t start = 0;
  while (start <= path_env.size()) {
    size_t end = path_env.find(':', start);
    if (end == std::string_view::npos) {
      end = path_env.size();
    }
    std::string dir(path_env.substr(start, end - start));
    start = end + 1;
    if (dir.empty() || dir.front() != '/') {
      continue;
    }
    while (dir.size() > 1 && dir.back() == '/') {
      dir.pop_back();
    }
    std::string candidate = (dir == "/" ? "" : dir) + "/" + std::string(name);
    if (accept(candidate)) {
      return candidate;
    }
  }
  return std::nullopt;
}

}  // namespace coven::core
