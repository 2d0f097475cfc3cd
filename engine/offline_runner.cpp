// SPDX-License-Identifier: Apache-2.0
#include "engine/offline_runner.h"

#include <algorithm>

namespace vigia::engine {

OfflineRunner::OfflineRunner(std::shared_ptr<const CompiledRules> rules, AlertSink& sink,
                             DurationUs dedup_window)
    : engine_(std::move(rules), sink), dedup_(dedup_window) {}

DedupIndex::Verdict OfflineRunner::Push(Event event) {
  // A rejected event (duplicate_conflict) is not journaled: it must not move the clock.
  const TimeUs arrival = std::max(newest_.value_or(event.time), event.time);
  const auto verdict = dedup_.Check(event, arrival);
  if (verdict == DedupIndex::Verdict::kConflict) return verdict;
  newest_ = arrival;
  if (verdict == DedupIndex::Verdict::kNew) {
    event.seq = ++seq_;
    event.arrival = arrival;
    engine_.Process(event);
  }
  return verdict;
}

void OfflineRunner::Finish(std::optional<TimeUs> until) {
  if (until) engine_.AdvanceTo(*until);
  else if (newest_) engine_.AdvanceTo(*newest_);
}

}  // namespace vigia::engine
