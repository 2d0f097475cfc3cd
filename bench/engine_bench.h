// SPDX-License-Identifier: Apache-2.0
// The hot-path modes of vigia-bench (shared/spec/daemon.md, "Benchmarks"):
//   parse:  EventDecoder over JSON Lines (a file or the synthetic stream), events/s
//   engine: decoded events through the engine on one core, events/s and alerts,
//           for the given rules, N generated rules, or each of several N
//           (--rule-counts: the growth from 10 to 10,000 rules)
//   keys:   engine memory per open key and events/s as the open keys grow
// Thread rules: run on one thread.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace vigia::bench {

struct HotPathOptions {
  std::string events_file;               // JSON Lines; or:
  size_t synthetic = 0;                  // > 0: this many generated events (synthetic.h)
  size_t subjects = 100000;              // of the generated stream
  uint64_t seed = 1;                     // of the generated events and rules
  std::vector<std::string> rule_args;    // rule files, folders or globs; or:
  size_t generate_rules = 0;             // > 0: this many generated rules
  std::vector<size_t> rule_counts;       // engine: one run per count of generated rules
  std::string rules_dir;                 // where generated rules go (default: a temp dir, removed)
  bool dedup = false;                    // engine: through OfflineRunner (duplicate check too)
  bool closer_log = true;                // engine: Engine::set_log_closers (false: for comparison)
  int rounds = 3;                        // the best is reported
  size_t top = 0;                        // engine: list the rules with the most alerts
  std::string json;                      // also write the figures here
};

// Exit codes: 0 ok, 1 a measurement failed (e.g. invalid events), 2 bad input
// (unreadable file, rules that do not load).
int RunParse(const HotPathOptions& options);
int RunEngine(const HotPathOptions& options);

struct KeysOptions {
  std::vector<size_t> keys = {1000, 10000, 100000, 1000000};
  int events_per_key = 8;  // the count window each key holds
  std::string json;
};
// REQUIRES: EnableAllocCounting() not called yet (it is called here).
int RunKeys(const KeysOptions& options);

}  // namespace vigia::bench
