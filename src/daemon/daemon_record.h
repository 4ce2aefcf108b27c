// daemon/daemon_record.h: `<home>/daemon.json`, the running daemon's pid, start time and
// socket (SPEC 5.1). Pretty JSON plus a newline, mode 0600, written atomically. One additive
// field beyond SPEC 5.1: "supervisor": "systemd" when a service manager started the daemon
// (absent otherwise, so the file stays exactly SPEC's for everyone else).
#pragma once

#include <string>

#include "core/result.h"

namespace coven::daemon {

struct DaemonRecord {
  int pid = 0;
  std::string started_at;
  std::string socket;
  std::string supervisor;  // "systemd" or empty
};

// Strict read. kIo (errno ENOENT) when missing; kCorrupt "failed to parse daemon status"
// when it is not the expected JSON. The file is never modified.
core::Result<DaemonRecord> ReadDaemonRecord(const std::string& path);
core::Status WriteDaemonRecord(const std::string& path, const DaemonRecord& record);
// Returns whether a file was removed.
bool RemoveDaemonRecord(const std::string& path);

// Parses a health body's `daemon` object (SPEC 2.4) into a record; kCorrupt otherwise.
core::Result<DaemonRecord> DaemonRecordFromHealth(const std::string& health_body);

}  // namespace coven::daemon
