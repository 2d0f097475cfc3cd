// SPDX-License-Identifier: Apache-2.0
// The duplicate check by (source, id) within the dedup window (events.md):
// a known key with the same content is a duplicate (accepted, not evaluated
// again); with different content, a conflict. Single-threaded.
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <unordered_map>

#include "core/event.h"
#include "core/time.h"

namespace vigia::engine {

class DedupIndex {
 public:
  enum class Verdict : uint8_t { kNew, kDuplicate, kConflict };

  explicit DedupIndex(DurationUs window = 30 * kDay) : window_(window) {}

  // Checks and, when new, records the event's key at `arrival`. Keys older than
  // arrival − window are forgotten first.
  Verdict Check(const Event& e, TimeUs arrival);
  size_t size() const { return seen_.size(); }

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
