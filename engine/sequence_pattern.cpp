// SPDX-License-Identifier: Apache-2.0
// sequence (rules.md, "Patterns and their exact semantics").
#include <algorithm>

#include "engine/detail/engine_internal.h"
#include "engine/engine.h"

namespace vigia::engine {

using detail::Entry;
using detail::KeyState;
using detail::kMaxCandidatesPerStep;

namespace {

inline constexpr size_t kMaxSearchSteps = 1 << 16;  // bounds the search on hostile input

// Finds the earliest match (by x1, then x2, ...) that includes the new event
// `e`: x1..xk from steps 1..k, times non-decreasing, within `within` of x1, no
// event twice. `list` holds every step's candidates in (time, order) order,
// each tagged with its step; `counts[j]` is the number of step j's.
class MatchSearch {
 public:
  MatchSearch(const std::vector<Entry>& list, const std::vector<uint32_t>& counts,
              DurationUs within, const Entry& e)
      : k_(counts.size()), within_(within), e_(e), begin_(k_ + 1), chosen_(k_), latest_after_(k_) {
    // The candidates grouped by step, each group in (time, order) order, so
    // that a step's loop sees only its own (and the work bound counts it all).
    for (size_t j = 0; j < k_; ++j) begin_[j + 1] = begin_[j] + counts[j];
    by_step_.resize(list.size());
    std::vector<size_t> next(begin_.begin(), begin_.end() - 1);
    for (const Entry& x : list) by_step_[next[x.step]++] = &x;
    // latest_after_[j]: the latest time any later step can still take; a step
    // chosen after it leaves no room for the rest (times are non-decreasing).
    TimeUs latest = INT64_MAX;
    for (size_t j = k_; j-- > 0;) {
      latest_after_[j] = latest;
      latest = std::min(latest,
                        begin_[j + 1] > begin_[j] ? by_step_[begin_[j + 1] - 1]->time : INT64_MIN);
    }
  }

  bool Run() { return Visit(0, false); }
  bool exhausted() const { return work_ > kMaxSearchSteps; }
  const std::vector<const Entry*>& chosen() const { return chosen_; }

 private:
  bool Visit(size_t j, bool has_e) {
    if (j == k_) return has_e;
    for (size_t i = begin_[j]; i < begin_[j + 1]; ++i) {
      const Entry& x = *by_step_[i];
      if (++work_ > kMaxSearchSteps) return false;
      // e must fit in the match: x1 no earlier than e − within, and once a step
      // is later than e, e can no longer come (times are non-decreasing).
      if (j == 0 && x.time < e_.time - within_) continue;
      if (!has_e && x.time > e_.time) break;
      if (x.time > latest_after_[j]) break;
      if (j > 0) {
        if (x.time < chosen_[j - 1]->time) continue;
        if (x.time > chosen_[0]->time + within_) break;  // sorted by time: no later one fits
        if (std::any_of(chosen_.begin(), chosen_.begin() + j,
                        [&](const Entry* c) { return c->rec == x.rec; }))
          continue;
      }
      chosen_[j] = &x;
      if (Visit(j + 1, has_e || x.rec == e_.rec)) return true;
    }
    return false;
  }

  size_t k_;
  DurationUs within_;
  const Entry& e_;
  std::vector<size_t> begin_;  // step j's candidates: by_step_[begin_[j], begin_[j + 1])
  std::vector<const Entry*> by_step_;
  std::vector<const Entry*> chosen_;
  std::vector<TimeUs> latest_after_;
  size_t work_ = 0;
};

}  // namespace

bool Engine::OnSequence(const CompiledRule& r, uint32_t v, std::string_view key, KeyState& ks,
                        const Entry& entry, const std::vector<uint8_t>& steps) {
  const Variant& var = r.variants[v];
  const size_t k = steps.size();
  auto& list = ks.entries;  // every step's candidates, tagged with their step
  PruneKey(r, v, ks);
  std::vector<uint32_t>& counts = step_counts_;
  counts.assign(k, 0);
  for (const Entry& x : list) ++counts[x.step];
  for (uint32_t j = 0; j < k; ++j) {
    if (!steps[j]) continue;
    Entry candidate = entry;
    candidate.step = j;
    list.InsertSorted(candidate);
    if (++counts[j] > kMaxCandidatesPerStep) {  // the step's oldest goes
      list.erase(
          std::find_if(list.begin(), list.end(), [&](const Entry& x) { return x.step == j; }));
      --counts[j];
      ++counters_[r.index].dropped;
    }
  }

  // A match takes an event from every step: none while a step has no candidate
  // (the common case for a closing event of a key nothing opened).
  if (std::find(counts.begin(), counts.end(), 0u) != counts.end()) return false;
  MatchSearch search(list.view(), counts, var.within, entry);
  if (!search.Run()) {
    if (search.exhausted()) ++counters_[r.index].search_exhausted;
    return false;
  }
  std::vector<Entry> run;
  for (const Entry* e : search.chosen()) run.push_back(*e);
  if (!Fire(r, v, key, ks, run, run.back().time, static_cast<int64_t>(run.size()))) return false;
  // Consumed: gone from every step's candidates.
  list.erase_if([&](const Entry& x) {
    return std::any_of(run.begin(), run.end(), [&](const Entry& c) { return c.rec == x.rec; });
  });
  return true;
}

}  // namespace vigia::engine
