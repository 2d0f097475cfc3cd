// SPDX-License-Identifier: Apache-2.0
#include "engine/offline_runner.h"

#include <algorithm>

namespace vigia::engine {

OfflineRunner::OfflineRunner(std::shared_ptr<const CompiledRules> rules, AlertSink& sink,
                             DurationUs dedup_window)
    : engine_(std::move(rules), sink), dedup_(dedup_window) {}

DedupIndex::Verdict OfflineRunner::Push(Event event) {
  newest_ = std::max(newest_.value_or(event.time), event.time);
  event.seq = ++seq_;
  event.arrival = *newest_;
  const auto verdict = dedup_.Check(event, event.arrival);
  if (verdict == DedupIndex::Verdict::kNew) engine_.Process(event);
  return verdict;
}

void OfflineRunner::Finish(std::optional<TimeUs> until) {
  if (until) engine_.AdvanceTo(*until);
  else if (newest_) engine_.AdvanceTo(*newest_);
}

}  // namespace vigia::engine
