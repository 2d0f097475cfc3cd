// SPDX-License-Identifier: Apache-2.0
// spike (rules.md, "Patterns and their exact semantics").
#include <algorithm>

#include "engine/detail/engine_internal.h"
#include "engine/engine.h"

namespace vigia::engine {

using detail::Entry;
using detail::KeyState;

namespace {
inline constexpr size_t kMaxSpikeEvents = 1 << 16;  // per key, oldest dropped
inline constexpr size_t kMaxListed = 50;            // events listed in a spike alert
}  // namespace

void Engine::OnSpike(const CompiledRule& r, uint32_t v, std::string_view key, KeyState& ks,
                     Entry entry) {
  const Variant& var = r.variants[v];
  auto& list = ks.entries;
  PruneKey(r, v, ks);
  const TimeUs t = entry.time;
  list.InsertSorted(entry);
  if (list.size() > kMaxSpikeEvents) {
    list.erase(list.begin());
    ++counters_[r.index].dropped;
  }
  // Index of the first entry with time > x.
  auto after = [&](TimeUs x) {
    return static_cast<size_t>(
        std::upper_bound(list.begin(), list.end(), x,
                         [](TimeUs value, const Entry& e) { return value < e.time; }) -
        list.begin());
  };
  const size_t cur_begin = after(t - var.window), cur_end = after(t);
  const size_t base_begin = after(t - var.window - var.baseline);
  const int64_t current = static_cast<int64_t>(cur_end - cur_begin);
  const int64_t base = static_cast<int64_t>(cur_begin - base_begin);
  // current ≥ ratio × base × W / B, without the division (exact on the boundary).
  const long double lhs = static_cast<long double>(current) * var.baseline;
  const long double rhs = static_cast<long double>(var.ratio) * base * var.window;
  if (current < var.min_count || lhs < rhs) return;
  const size_t first = cur_end - std::min(cur_end - cur_begin, kMaxListed);
  Fire(r, v, key, ks, std::span(list.view()).subspan(first, cur_end - first), t,
       static_cast<int64_t>(cur_end - cur_begin));
}

}  // namespace vigia::engine
