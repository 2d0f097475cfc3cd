// SPDX-License-Identifier: Apache-2.0
#include "engine/dedup_index.h"

namespace vigia::engine {

DedupIndex::Verdict DedupIndex::Check(const Event& e, TimeUs arrival) {
  while (!by_arrival_.empty() && by_arrival_.front().first < arrival - window_) {
    auto it = seen_.find(by_arrival_.front().second);
    if (it != seen_.end() && it->second.arrival == by_arrival_.front().first) seen_.erase(it);
    by_arrival_.pop_front();
  }
  std::string key;
  key.reserve(e.source.size() + 1 + e.id.size());
  key.append(e.source).push_back('\x1f');
  key.append(e.id);
  const uint64_t content = ContentHash(e);
  auto [it, inserted] = seen_.try_emplace(key, Seen{content, arrival});
  if (!inserted) return it->second.content == content ? Verdict::kDuplicate : Verdict::kConflict;
  by_arrival_.emplace_back(arrival, std::move(key));
  return Verdict::kNew;
}

}  // namespace vigia::engine
