// SPDX-License-Identifier: Apache-2.0
// none and count (rules.md, "Patterns and their exact semantics").
#include <algorithm>

#include "engine/detail/engine_internal.h"
#include "engine/engine.h"

namespace vigia::engine {

using detail::Entry;
using detail::KeyState;

void Engine::OnNone(const CompiledRule& r, uint32_t v, std::string_view key, KeyState& ks,
                    Entry entry) {
  const TimeUs time = entry.time;
  Fire(r, v, key, ks, std::span<const Entry>(&entry, 1), time, 1);
}

void Engine::OnCount(const CompiledRule& r, uint32_t v, std::string_view key, KeyState& ks,
                     const EventView& view, Entry entry) {
  const Variant& var = r.variants[v];
  auto& list = ks.entries;
  boost::intrusive_ptr<const detail::DistinctValue> value_ref;  // until the list holds it
  if (const auto& distinct = r.rule->distinct) {
    // Events without the field are ignored; only the newest per value is kept.
    auto value = KeyValue(*distinct, view);
    if (!value) return;
    value_ref = new detail::DistinctValue(std::move(*value));
    entry.distinct = value_ref.get();
    auto same = std::find_if(list.begin(), list.end(), [&](const Entry& x) {
      return x.distinct_value() == entry.distinct_value();
    });
    if (same != list.end()) {
      if (!same->Before(entry)) return;
      list.erase(same);
    }
  }
  PruneKey(r, v, ks);
  const detail::Record* rec = entry.rec;
  list.InsertSorted(entry);

  const size_t n = static_cast<size_t>(var.at_least);
  const size_t cap = std::max<size_t>(2 * n, 64);
  while (list.size() > cap) {
    list.erase(list.begin());
    ++counters_[r.index].dropped;
  }
  auto it = std::find_if(list.begin(), list.end(), [&](const Entry& x) { return x.rec == rec; });
  if (it == list.end()) return;  // dropped by the cap: it was the oldest
  const size_t pos = static_cast<size_t>(it - list.begin());

  // Runs of n consecutive events that include the new one, earliest end first.
  for (size_t i = pos + 1 >= n ? pos + 1 - n : 0; i <= pos; ++i) {
    if (i + n > list.size()) break;
    if (list[i + n - 1].time - list[i].time > var.within) continue;
    const auto run = std::span(list.view()).subspan(i, n);
    if (Fire(r, v, key, ks, run, run.back().time, static_cast<int64_t>(n)))
      list.erase(list.begin() + i, list.begin() + i + n);
    break;
  }
}

void Engine::PruneKey(const CompiledRule& r, uint32_t v, KeyState& ks) {
  const Variant& var = r.variants[v];
  auto older_than = [](detail::EntryList& list, TimeUs horizon, bool inclusive) {
    auto keep = std::find_if(list.begin(), list.end(), [&](const Entry& e) {
      return inclusive ? e.time > horizon : e.time >= horizon;
    });
    list.erase(list.begin(), keep);
  };
  switch (r.rule->kind) {
    case rules::PatternKind::kCount:
      older_than(ks.entries, clock_ - var.within - var.lateness, false);
      break;
    case rules::PatternKind::kSpike:
      older_than(ks.entries, clock_ - var.lateness - var.window - var.baseline, true);
      break;
    case rules::PatternKind::kSequence:
      older_than(ks.entries, clock_ - var.within - var.lateness, false);
      break;
    default:
      break;  // absence and heartbeat state lives until its deadline or next beat
  }
}

}  // namespace vigia::engine
