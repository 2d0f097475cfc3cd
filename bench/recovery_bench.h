// SPDX-License-Identifier: Apache-2.0
// `vigia-bench recovery`: the restart recovery of daemon.md ("Storage and
// recovery", "Benchmarks"), measured on the daemon's own code (daemon::Core).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace vigia::bench {

struct RecoveryOptions {
  uint64_t events = 1000000;        // journal rows
  uint64_t checkpoint_at = 900000;  // also measure with a checkpoint here; 0: don't
  std::vector<std::string> rules = {"rules/examples"};
  std::string base = "rules/examples/events.jsonl";  // scaled to `events` (ScaledEvents)
  std::string dir = "/tmp";                          // where the temp dir goes
  std::string sync = "full";                         // of the recovering core
  int rounds = 2;
  std::string json;  // also write the figures here (empty: don't)
  bool keep = false;  // leave the database behind
  // Set: only recover this database (as vigiad would, read-write), `rounds`
  // times; nothing is built or deleted.
  std::string db;
};

// Builds a database (temp dir) holding `events` journal rows, lets a first
// core raise and store their alerts (as the live daemon had), then times
// Core::Open() — open, newest checkpoint, stored alerts, journal replay
// (decode, duplicate check, engine), journal writer start — with the
// checkpoint at `checkpoint_at`, then with none. The peak RSS is the
// process's during Open() (VmHWM reset before it). Prints one line per figure;
// exit code 0, or 1 on failure (2: bad options).
int RunRecovery(const RecoveryOptions& options);

}  // namespace vigia::bench
