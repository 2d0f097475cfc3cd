// SPDX-License-Identifier: Apache-2.0
// `vigia-bench checkpoint`: how long the engine checkpoint (daemon.md,
// "Storage and recovery") stops the core thread, measured on the daemon's own
// code (daemon::Core) with a duplicate check holding `events` keys.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace CLI {
class App;
}  // namespace CLI

namespace vigia::bench {

struct CheckpointOptions {
  uint64_t events = 600000;  // journal rows, so keys in the duplicate check
  std::vector<std::string> rules = {"rules/examples"};
  std::string base = "rules/examples/events.jsonl";  // scaled to `events` (ScaledEvents)
  std::string dir = "/tmp";                          // where the temp dir goes
  std::string sync = "normal";                       // the core's storage.sync
  int seconds = 10;                                  // each run of the core
  int checkpoint_every = 2;                          // seconds (the daemon: 60)
  int rounds = 2;     // runs; each after a restart on the same database
  std::string json;  // also write the figures here (empty: don't)
  bool keep = false;  // leave the database behind
};

// Journals `events` rows (temp dir; arrivals 100 µs apart, ending now), then
// `rounds` times: starts a core on the database (Core::Open() recovers), runs
// it for `seconds` with a checkpoint every `checkpoint_every` s while a client
// thread sends it a query every millisecond, and stops it (the shutdown
// checkpoint). Prints, per run, the core thread's time in each checkpoint
// (the core's `engine.checkpoint ... core_us=` debug lines) and the queries'
// round trips (what the core's pauses cost a client). Exit code 0, or 1 on
// failure (2: bad options).
int RunCheckpoint(const CheckpointOptions& options);

// Registers the `checkpoint` subcommand, its options bound to `options`.
CLI::App* AddCheckpointCommand(CLI::App& app, CheckpointOptions& options);

}  // namespace vigia::bench
