// SPDX-License-Identifier: Apache-2.0
// Runs events through the duplicate check and the engine with the offline
// clock of rules.md ("The clock"): for bare JSON Lines and `vigia test`,
// arrival = the newest event time seen so far, and at the end the clock
// advances to `until` (default: the last event time). Used by `vigia replay`
// and `vigia test`. Single-threaded.
#pragma once

#include <memory>
#include <optional>

#include "engine/dedup_index.h"
#include "engine/engine.h"

namespace vigia::engine {

class OfflineRunner {
 public:
  // `sink` must outlive the runner.
  OfflineRunner(std::shared_ptr<const CompiledRules> rules, AlertSink& sink,
                DurationUs dedup_window = 30 * kDay);

  // Stamps seq and arrival, checks duplicates, evaluates the event if new.
  DedupIndex::Verdict Push(Event event);

  // Advances the clock to `until`, or to the last event time, firing deadlines.
  void Finish(std::optional<TimeUs> until);

  const Engine& engine() const { return engine_; }
  Engine& engine() { return engine_; }

 private:
  Engine engine_;
  DedupIndex dedup_;
  uint64_t seq_ = 0;
  std::optional<TimeUs> newest_;
};

}  // namespace vigia::engine
