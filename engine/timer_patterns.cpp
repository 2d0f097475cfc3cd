// SPDX-License-Identifier: Apache-2.0
// absence and heartbeat: deadlines, their firing, and retraction (rules.md).
#include <algorithm>

#include "engine/detail/engine_internal.h"
#include "engine/engine.h"

namespace vigia::engine {

using detail::Entry;
using detail::KeyState;

namespace {
inline constexpr size_t kMaxAfterEvents = 256;  // `after` events joined to one deadline
}

void Engine::OnAbsenceAfter(const CompiledRule& r, uint32_t v, std::string_view key, KeyState& ks,
                            Entry entry) {
  detail::Timer& t = ks.timer_state();
  if (!t.open) {
    t.open = true;
    t.opened_at = entry.time;
    t.deadline = entry.time + r.variants[v].within;
    ks.entries.clear();
    ks.entries.push_back(entry);
    deadlines_.insert(MakeDeadline(t.deadline, r, key, v));
    return;
  }
  // Joins the open deadline without moving it.
  ks.entries.InsertSorted(entry);
  if (ks.entries.size() > kMaxAfterEvents) {
    ks.entries.erase(ks.entries.begin() + 1);  // keep the opening event
    ++counters_[r.index].dropped;
  }
}

void Engine::OnAbsenceExpect(const CompiledRule& r, uint32_t v, std::string_view key, KeyState& ks,
                             const Entry& entry) {
  if (detail::Timer* t = ks.timer.get();
      t && t->open && t->opened_at <= entry.time && entry.time <= t->deadline) {
    deadlines_.erase(MakeDeadline(t->deadline, r, key, v));
    t->open = false;
    ks.entries.clear();
  }
  RetractAnswered(r, ks, entry);
}

void Engine::OnHeartbeat(const CompiledRule& r, uint32_t v, std::string_view key, KeyState& ks,
                         const EventView& view, Entry entry) {
  const Variant& var = r.variants[v];
  // An older, late heartbeat never moves the deadline back.
  if (!ks.entries.empty() && entry.time < ks.entries.front().time) return;
  RetractAnswered(r, ks, entry);

  DurationUs every = var.every;
  if (const AttrValue* hint = view.event->FindAttr("next_checkin_within")) {
    std::optional<DurationUs> d;
    if (!hint->is_array && hint->scalar.kind == Scalar::Kind::kString)
      d = ParseDuration(hint->scalar.text);
    if (d && *d >= kMinute && *d <= 30 * var.every) every = *d;
    else ++counters_[r.index].ignored_hints;
  }
  detail::Timer& t = ks.timer_state();
  if (t.open) deadlines_.erase(MakeDeadline(t.deadline, r, key, v));
  t.open = true;
  t.opened_at = entry.time;
  t.deadline = entry.time + every + var.grace;
  ks.entries.clear();
  ks.entries.push_back(entry);
  deadlines_.insert(MakeDeadline(t.deadline, r, key, v));
}

void Engine::FireDeadline(const Deadline& d) {
  const CompiledRule& r = rules_->rules()[d.rule];
  KeyState* ks = FindState(r, d.variant, detail::Hashed(d.key));
  if (!ks || !ks->open() || ks->timer->deadline != d.at) return;
  detail::Timer& t = *ks->timer;
  t.open = false;
  std::string id;
  const int64_t count = static_cast<int64_t>(ks->entries.size());
  if (Fire(r, d.variant, d.key, *ks, ks->entries.view(), d.at, count, &id)) {
    t.fired.push_back(detail::Retractable{id, t.opened_at, d.at});
    if (t.fired.size() > detail::kMaxRetractable) t.fired.erase(t.fired.begin());
  }
  // An absence's `after` events are done with; a heartbeat keeps its last beat.
  if (r.rule->kind == rules::PatternKind::kAbsence) ks->entries.clear();
}

}  // namespace vigia::engine
