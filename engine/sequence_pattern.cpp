// SPDX-License-Identifier: Apache-2.0
// sequence (rules.md, "Patterns and their exact semantics").
#include <algorithm>

#include "engine/detail/engine_internal.h"
#include "engine/engine.h"

namespace vigia::engine {

using detail::Entry;
using detail::KeyState;

namespace {

inline constexpr size_t kMaxCandidatesPerStep = 32;
inline constexpr size_t kMaxSearchSteps = 1 << 16;  // bounds the search on hostile input

// Finds the earliest match (by x1, then x2, ...) that includes the event with
// `order`: x1..xk from steps 1..k, times non-decreasing, within `within` of x1,
// no event twice.
class MatchSearch {
 public:
  MatchSearch(const std::vector<std::vector<Entry>>& steps, DurationUs within, uint64_t order)
      : steps_(steps), within_(within), order_(order), chosen_(steps.size()) {}

  bool Run() { return Visit(0); }
  const std::vector<const Entry*>& chosen() const { return chosen_; }

 private:
  bool Visit(size_t j) {
    if (j == steps_.size()) {
      return std::any_of(chosen_.begin(), chosen_.end(),
                         [&](const Entry* e) { return e->order == order_; });
    }
    for (const Entry& x : steps_[j]) {
      if (++work_ > kMaxSearchSteps) return false;
      if (j > 0) {
        if (x.time < chosen_[j - 1]->time) continue;
        if (x.time > chosen_[0]->time + within_) break;  // sorted by time: no later one fits
        if (std::any_of(chosen_.begin(), chosen_.begin() + j,
                        [&](const Entry* c) { return c->order == x.order; }))
          continue;
      }
      chosen_[j] = &x;
      if (Visit(j + 1)) return true;
    }
    return false;
  }

  const std::vector<std::vector<Entry>>& steps_;
  DurationUs within_;
  uint64_t order_;
  std::vector<const Entry*> chosen_;
  size_t work_ = 0;
};

}  // namespace

void Engine::OnSequence(const CompiledRule& r, uint32_t v, KeyState& ks, const Entry& entry,
                        const std::vector<bool>& steps) {
  const Variant& var = r.variants[v];
  ks.steps.resize(steps.size());
  PruneKey(r, v, ks);
  for (size_t j = 0; j < steps.size(); ++j) {
    if (!steps[j]) continue;
    auto& list = ks.steps[j];
    detail::InsertSorted(list, entry);
    if (list.size() > kMaxCandidatesPerStep) {
      list.erase(list.begin());
      ++counters_[r.index].dropped;
    }
  }

  MatchSearch search(ks.steps, var.within, entry.order);
  if (!search.Run()) return;
  std::vector<Entry> run;
  for (const Entry* e : search.chosen()) run.push_back(*e);
  if (!Fire(r, v, ks, run, run.back().time, static_cast<int64_t>(run.size()))) return;
  // Consumed: gone from every step's candidates.
  for (auto& list : ks.steps)
    std::erase_if(list, [&](const Entry& x) {
      return std::any_of(run.begin(), run.end(), [&](const Entry& c) { return c.order == x.order; });
    });
}

}  // namespace vigia::engine
