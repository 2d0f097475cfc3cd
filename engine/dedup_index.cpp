// SPDX-License-Identifier: Apache-2.0
#include "engine/dedup_index.h"

namespace vigia::engine {

DedupIndex::Verdict DedupIndex::Check(const Event& e, TimeUs arrival) {
  std::string key;
  key.reserve(e.source.size() + 1 + e.id.size());
  key.append(e.source).push_back('\x1f');  // source has no control characters (events.md)
  key.append(e.id);
  const uint64_t content = ContentHash(e);
  auto it = seen_.find(key);
  if (it != seen_.end() && it->second.arrival >= arrival - window_)
    return it->second.content == content ? Verdict::kDuplicate : Verdict::kConflict;
  // New (or known only from before the window): record it, then forget what the
  // window has passed. Only accepted events move the window.
  if (it != seen_.end()) it->second = Seen{content, arrival};
  else seen_.emplace(key, Seen{content, arrival});
  by_arrival_.emplace_back(arrival, std::move(key));
  while (!by_arrival_.empty() && by_arrival_.front().first < arrival - window_) {
    auto old = seen_.find(by_arrival_.front().second);
    if (old != seen_.end() && old->second.arrival == by_arrival_.front().first) seen_.erase(old);
    by_arrival_.pop_front();
  }
  return Verdict::kNew;
}

}  // namespace vigia::engine
