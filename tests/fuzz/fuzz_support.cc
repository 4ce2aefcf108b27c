#include "fuzz/fuzz_support.h"

#include <stdlib.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include "api/api.h"
#include "control/control_plane.h"
#include "core/home.h"
#include "harness/harness_registry.h"
#include "sessions/session_manager.h"
#include "store/ledger.h"

namespace coven::fuzz {
namespace {

struct World {
  std::string dir;
  control::ControlPlane control = control::ControlPlane::WithBuiltins();
  std::unique_ptr<sessions::SessionManager> manager;
  std::unique_ptr<api::Api> api;

  World() {
    char tmpl[] = "/tmp/coven-fuzz-XXXXXX";
    if (::mkdtemp(tmpl) == nullptr) {
      std::perror("mkdtemp");
      std::abort();
    }
    dir = tmpl;
    core::HomePaths paths(dir);
    auto ledger = store::Ledger::Open(paths.ledger);
    if (!ledger) {
      std::fprintf(stderr, "ledger: %s\n", ledger.error().message.c_str());
      std::abort();
    }
    store::SessionRow row;
    row.id = kFuzzSessionId;
    row.project_root = dir;
    row.cwd = dir;
    row.harness = "codex";
    row.title = "fuzz";
    row.status = "completed";
    row.exit_code = 0;
    row.created_at = row.updated_at = "2026-01-01T00:00:00.000000000Z";
    if (auto s = ledger->InsertSession(row); !s) {
      std::fprintf(stderr, "insert: %s\n", s.error().message.c_str());
      std::abort();
    }
    // An empty PATH: no harness is ever found, so a valid launch body still starts nothing.
    sessions::SessionManager::Options options{
        paths, "/nonexistent/coven", "", {}, nullptr, nullptr, nullptr};
    manager = std::make_unique<sessions::SessionManager>(std::move(options), std::move(*ledger),
                                                         harness::HarnessRegistry::BuiltinsOnly());
    api = std::make_unique<api::Api>(api::DaemonInfo{1, "2026-01-01T00:00:00Z", dir + "/s"},
                                     control, manager.get());
  }
  ~World() {
    std::string cmd = "rm -rf '" + dir + "'";
    (void)std::system(cmd.c_str());  // NOLINT(concurrency-mt-unsafe): at exit, one thread
  }
  World(const World&) = delete;
  World& operator=(const World&) = delete;
  World(World&&) = delete;
  World& operator=(World&&) = delete;
};

World& TheWorld() {
  static World world;
  return world;
}

}  // namespace

const api::Api& FuzzApi() {
  return *TheWorld().api;
}

const char* FuzzDir() {
  return TheWorld().dir.c_str();
}

}  // namespace coven::fuzz
