// SPDX-License-Identifier: Apache-2.0
// The duplicate check by (source, id) within the dedup window (events.md):
// a known key with the same content is a duplicate (accepted, not evaluated
// again); with different content, a conflict. Single-threaded.
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/event.h"
#include "core/result.h"
#include "core/time.h"
#include "engine/checkpoint.h"

namespace vigia::engine {

class DedupIndex {
 public:
  enum class Verdict : uint8_t { kNew, kDuplicate, kConflict };

  explicit DedupIndex(DurationUs window = 30 * kDay) : window_(window) {}

  // Checks and, when new, records the event's key at `arrival`. Keys older than
  // arrival − window are forgotten first.
  Verdict Check(const Event& e, TimeUs arrival);
  size_t size() const { return seen_.size(); }

  // The index as a checkpoint blob (checkpoint.h). Deterministic.
  std::string SaveState() const;
  // Replaces the index with a blob's; returns the number of keys. The window
  // stays this index's own: keys older than it are forgotten at the next Check.
  // On error the index is unchanged.
  Result<size_t, CheckpointError> LoadState(std::string_view blob);

 private:
  struct Seen {
    uint64_t content;
    TimeUs arrival;
  };
  DurationUs window_;
  std::unordered_map<std::string, Seen> seen_;           // source \x1f id → content
  std::deque<std::pair<TimeUs, std::string>> by_arrival_;  // expiry order
};

}  // namespace vigia::engine
