// SPDX-License-Identifier: Apache-2.0
#include "engine/engine.h"

#include <algorithm>

#include "engine/detail/closer_log.h"
#include "engine/detail/engine_internal.h"
#include "engine/detail/state.h"

namespace vigia::engine {

using detail::Entry;
using detail::KeyState;
using rules::PatternKind;

Engine::Engine(std::shared_ptr<const CompiledRules> rules, AlertSink& sink)
    : rules_(std::move(rules)), sink_(sink), interner_(std::make_unique<detail::Interner>()) {
  for (const auto& r : rules_->rules()) {
    auto st = std::make_unique<detail::RuleState>();
    st->variants.resize(r.variants.size());
    for (auto& vs : st->variants) vs.id = next_state_id_++;
    state_.push_back(std::move(st));
  }
  counters_.resize(rules_->rules().size());
  ResetCaches();
  SetUpLogs(/*reborn=*/false);
}

void Engine::set_log_closers(bool on) {
  log_closers_ = on;
  SetUpLogs(/*reborn=*/false);
}

Engine::~Engine() = default;

void Engine::ResetCaches() {
  keys_.assign(rules_->key_slots(), Key{});
  tested_.assign(rules_->test_slots(), Tested{});
  slot_logs_.assign(rules_->key_slots(), SlotLog{});
  noted_slots_.clear();
}

void Engine::Process(const Event& event) {
  // Deadlines before the arrival fire first. One at exactly the arrival waits
  // until this event is evaluated: an all-clear stamped at the deadline closes it
  // (expect holds for time(x) ≤ deadline) instead of raising a false alarm.
  if (event.arrival > clock_) clock_ = event.arrival;
  FireDue(/*inclusive=*/false);
  last_seq_ = event.seq;
  Evaluate(event, nullptr);
  Drain();
  FireDue(/*inclusive=*/true);
  // Amortised: a sweep costs O(keys), so sweep after at least as many events.
  if (++events_since_sweep_ >= sweep_after_) Sweep();
}

void Engine::AdvanceTo(TimeUs now) {
  if (now > clock_) clock_ = now;
  FireDue(/*inclusive=*/true);
}

void Engine::FireDue(bool inclusive) {
  while (!deadlines_.empty() &&
         (deadlines_.begin()->at < clock_ || (inclusive && deadlines_.begin()->at == clock_))) {
    Deadline d = *deadlines_.begin();
    deadlines_.erase(deadlines_.begin());
    FireDeadline(d);
    Drain();
  }
}

void Engine::Drain() {
  while (!out_.empty()) {
    auto item = std::move(out_.front());
    out_.pop_front();
    if (auto* a = std::get_if<Alert>(&item)) {
      sink_.OnAlert(*a);
      if (a->depth < detail::kMaxAlertDepth) Evaluate(detail::AlertEvent(*a, clock_), a);
    } else {
      sink_.OnRetraction(std::get<Retraction>(item));
    }
  }
}

void Engine::Evaluate(const Event& e, const Alert* source) {
  const auto& candidates = rules_->CandidatesFor(e.type, e.category, e.region);
  ++order_;
  ++evaluation_;
  if (candidates.empty()) return;
  LazyRecord rec{e, order_, source, *interner_, nullptr};
  const bool is_alert = source != nullptr;
  for (const Candidate& c : candidates) {
    const CompiledRule& r = rules_->rules()[c.rule];
    ++counters_[r.index].evaluations;
    const rules::Rule& rule = *r.rule;
    if (!r.fan_out) {
      EvaluateRule(r, EventView{&e, nullptr}, rec, is_alert, c);
      continue;
    }
    // `by: [group]`: one copy per group that where.group allows.
    for (const std::string& g : e.groups) {
      if (rule.where.group &&
          std::find(rule.where.group->begin(), rule.where.group->end(), g) == rule.where.group->end())
        continue;
      EvaluateRule(r, EventView{&e, &g}, rec, is_alert, c);
    }
  }
  if (!noted_slots_.empty()) LogNoted(rec.get(), is_alert);
}

const detail::Record* Engine::LazyRecord::get() {
  if (!rec) rec = detail::MakeRecord(event, order, source, interner);
  return rec.get();
}

void Engine::EvaluateRule(const CompiledRule& r, const EventView& view, LazyRecord& rec,
                          bool is_alert, const Candidate& c) {
  if (r.kind == PatternKind::kSequence) return EvaluateSequence(r, view, rec, is_alert, c);
  const Event& e = *view.event;
  // The event as state, made only once some state takes it.
  auto entry = [&] { return Entry{e.time, rec.get()}; };
  bool late = false;
  auto is_late = [&](uint32_t v) {
    return !is_alert && r.stateful && e.time < clock_ - r.variants[v].lateness;
  };

  if (c.closing && r.kind == PatternKind::kAbsence && TestClosing(r, 0, view)) {
    if (const Key* key = KeyOf(r, view)) {
      for (uint32_t v = 0; v < r.variants.size(); ++v) {
        if (is_late(v)) { late = true; continue; }
        if (KeyState* ks = FindState(r, v, {key->text, key->hash}))
          OnAbsenceExpect(r, v, key->text, *ks, entry());
      }
    }
  }
  if (c.opening && (r.opening_where_empty || MatchesWhere(r.opening_where, view)) &&
      (!r.has_opening_test || TestOpening(r, view))) {
    uint32_t v = ChooseVariant(r, view);
    if (is_late(v)) {
      late = true;
    } else if (const Key* key = KeyOf(r, view)) {
      KeyState* state = StateFor(r, v, *key);
      if (!state) return;
      KeyState& ks = *state;
      switch (r.kind) {
        case PatternKind::kNone:
          OnNone(r, v, key->text, ks, entry());
          break;
        case PatternKind::kCount:
          OnCount(r, v, key->text, ks, view, entry());
          break;
        case PatternKind::kSpike:
          OnSpike(r, v, key->text, ks, entry());
          break;
        case PatternKind::kAbsence: OnAbsenceAfter(r, v, key->text, ks, entry()); break;
        case PatternKind::kHeartbeat: OnHeartbeat(r, v, key->text, ks, view, entry()); break;
        case PatternKind::kSequence: break;
      }
    }
  }
  if (late) ++counters_[r.index].late;
}

void Engine::EvaluateSequence(const CompiledRule& r, const EventView& view, LazyRecord& rec,
                              bool is_alert, const Candidate& c) {
  const Event& e = *view.event;
  const size_t k = r.closing_slots.size() + 1;   // the steps
  std::vector<uint8_t>& steps = steps_scratch_;  // not re-entered: alerts wait in out_
  steps.assign(k, false);
  bool closing = false;
  if (c.closing)
    for (size_t j = 1; j < k; ++j) closing |= steps[j] = TestClosing(r, j - 1, view);
  int64_t opening_variant = -1;
  if (c.opening && (r.opening_where_empty || MatchesWhere(r.opening_where, view)) &&
      (!r.has_opening_test || TestOpening(r, view)))
    opening_variant = ChooseVariant(r, view);
  if (!closing && opening_variant < 0) return;
  const Key* key = KeyOf(r, view);
  if (!key) return;
  auto is_late = [&](uint32_t v) { return !is_alert && e.time < clock_ - r.variants[v].lateness; };
  // A logging rule's key has a state only once opened: a closing event goes to
  // the states there are, and to the log for those to come (unless it is late
  // for every variant: none would take it).
  const RuleLog& log = rule_log_[r.index];
  if (log.table && closing) {
    bool seen = false;
    for (uint32_t v = 0; v < r.variants.size() && !seen; ++v) seen = !is_late(v);
    uint64_t bits = 0;
    for (size_t j = 1; j < k; ++j)
      if (steps[j]) bits |= log.step_bits[j - 1];
    if (seen) NoteClosing(r.key_slot, bits);
  }
  auto variant_state = [&](uint32_t v, bool opens) -> KeyState* {
    if (!log.table) return StateFor(r, v, *key);
    if (opens) return OpenLogged(r, v, *key);
    const detail::LogNode* node = LogNodeOf(r.key_slot, *key, /*create=*/false);
    return node && node->IsOpen(state_[r.index]->variants[v].id)
               ? FindState(r, v, {key->text, key->hash})
               : nullptr;
  };
  bool late = false;
  Entry entry{e.time, rec.get()};
  for (uint32_t v = 0; v < r.variants.size(); ++v) {
    const bool opens = opening_variant == static_cast<int64_t>(v);
    if (!closing && !opens) continue;
    if (is_late(v)) {
      late = true;
      continue;
    }
    steps[0] = opens;
    KeyState* ks = variant_state(v, opens);
    if (!ks || !OnSequence(r, v, key->text, *ks, entry, steps)) continue;
    // At most one firing per event and key, across the variants too: the later
    // variants do not take the event, so those logging take the log without it
    // (even past the key cap: else they could take the consumed event later).
    if (log.table && closing)
      for (uint32_t later = v + 1; later < r.variants.size(); ++later)
        if (!is_late(later)) OpenLogged(r, later, *key, /*past_cap=*/true);
    break;
  }
  if (late) ++counters_[r.index].late;
}

uint32_t Engine::ChooseVariant(const CompiledRule& r, const EventView& view) const {
  for (uint32_t v = 1; v < r.variants.size(); ++v)
    if (MatchesWhere(*r.variants[v].where, view)) return v;
  return 0;
}

const Engine::Key* Engine::KeyOf(const CompiledRule& r, const EventView& view) {
  // A fanned-out copy's key holds its group: not shared with the event's.
  Key& k = view.single_group ? fanned_key_ : keys_[r.key_slot];
  if (view.single_group || k.evaluation != evaluation_) {
    k.evaluation = evaluation_;
    k.found = true;
    k.text.clear();
    for (const rules::FieldRef& f : r.rule->by) {
      std::optional<std::string> value = KeyValue(f, view);
      if (!value || (f.field == rules::Field::kRegion && value->empty())) {
        k.found = false;
        break;
      }
      detail::AppendKeyPart(k.text, *value);
    }
    k.hash = detail::KeyHash{}(k.text);
  }
  if (!k.found) {
    ++counters_[r.index].no_key;
    return nullptr;
  }
  return &k;
}

template <typename GetCondition>
bool Engine::Test(uint32_t slot, const EventView& view, GetCondition condition) {
  if (view.single_group) return Matches(condition(), view);  // may test the copy's group
  Tested& t = tested_[slot];
  if (t.evaluation != evaluation_) t = {evaluation_, Matches(condition(), view)};
  return t.result;
}

bool Engine::TestOpening(const CompiledRule& r, const EventView& view) {
  return Test(r.opening_test_slot, view,
              [&]() -> const rules::Condition& { return *r.opening_test; });
}

bool Engine::TestClosing(const CompiledRule& r, size_t i, const EventView& view) {
  return Test(r.closing_slots[i], view, [&]() -> const rules::Condition& { return *r.closing[i]; });
}

KeyState* Engine::StateFor(const CompiledRule& r, uint32_t variant, const Key& key) {
  if (KeyState* ks = FindState(r, variant, {key.text, key.hash})) return ks;
  auto& keys = state_[r.index]->variants[variant].keys;
  if (keys.size() >= max_keys_) {
    ++counters_[r.index].keys_capped;
    return nullptr;
  }
  return &keys.try_emplace(key.text).first->second;
}

KeyState* Engine::FindState(const CompiledRule& r, uint32_t variant,
                             const detail::HashedKey& key) {
  auto& keys = state_[r.index]->variants[variant].keys;
  auto it = keys.find(key);
  return it == keys.end() ? nullptr : &it->second;
}

bool Engine::Fire(const CompiledRule& r, uint32_t v, std::string_view key, KeyState& ks,
                  std::span<const Entry> events, TimeUs time, int64_t count,
                  std::string* alert_id) {
  if (Cooling(r, v, ks, time)) {
    ++counters_[r.index].suppressed;
    return false;
  }
  ks.last_alert = std::max(ks.last_alert, time);  // kNever is below every time
  Alert a = detail::BuildAlert(r, v, detail::KeyValues(key), events, time, count, clock_);
  if (alert_id) *alert_id = a.id;
  ++counters_[r.index].firings;
  out_.emplace_back(std::move(a));
  return true;
}

void Engine::RetractAnswered(const CompiledRule& r, KeyState& ks, const Entry& by) {
  if (!ks.timer) return;  // nothing fired
  std::erase_if(ks.timer->fired, [&](const detail::Retractable& f) {
    if (by.time < f.opened_at) return false;
    Retraction x;
    x.alert_id = f.alert_id;
    x.rule = r.rule->id;
    x.event_id = by.rec->id();
    x.late_by = std::max<DurationUs>(0, by.time - f.deadline);
    x.at = clock_;
    ++counters_[r.index].retractions;
    out_.emplace_back(std::move(x));
    return true;
  });
}

void Engine::SwapRules(std::shared_ptr<const CompiledRules> rules) {
  std::unordered_map<std::string, uint32_t> old_index;
  for (const CompiledRule& r : rules_->rules()) old_index.emplace(r.rule->id, r.index);
  std::vector<std::unique_ptr<detail::RuleState>> state;
  std::vector<RuleCounters> counters(rules->rules().size());
  // Per old (rule, variant) whose state carries over: its new rule index.
  std::vector<std::vector<int64_t>> moved_to(rules_->rules().size());
  std::vector<Resettled> resettled;  // carried over with another within or lateness
  for (const CompiledRule& r : rules->rules()) {
    auto st = std::make_unique<detail::RuleState>();
    st->variants.resize(r.variants.size());
    for (auto& vs : st->variants) {
      vs.id = next_state_id_++;
      vs.born = order_;
    }
    auto it = old_index.find(r.rule->id);
    if (it != old_index.end()) {
      const CompiledRule& old = rules_->rules()[it->second];
      counters[r.index] = counters_[old.index];
      moved_to[old.index].assign(old.variants.size(), -1);
      for (uint32_t v = 0; v < r.variants.size() && v < old.variants.size(); ++v) {
        if (r.state_signatures[v] != old.state_signatures[v]) continue;
        st->variants[v] = std::move(state_[old.index]->variants[v]);
        moved_to[old.index][v] = r.index;
        const Variant &was = old.variants[v], &is = r.variants[v];
        if (was.within != is.within || was.lateness != is.lateness)
          resettled.push_back({r.index, v, was.within, was.lateness});
      }
    }
    state.push_back(std::move(st));
  }
  // The open deadlines of the state carried over, re-indexed in place (no
  // walk over every key). Rules are in id order before and after, so the new
  // indices keep the set's order and each node goes in at the end.
  std::set<Deadline> deadlines;
  while (!deadlines_.empty()) {
    auto node = deadlines_.extract(deadlines_.begin());
    const auto& to = moved_to[node.value().rule];
    const uint32_t v = node.value().variant;
    if (v >= to.size() || to[v] < 0) continue;
    node.value().rule = static_cast<uint32_t>(to[v]);
    deadlines.insert(deadlines.end(), std::move(node));
  }
  rules_ = std::move(rules);
  state_ = std::move(state);
  counters_ = std::move(counters);
  deadlines_ = std::move(deadlines);
  ResetCaches();
  SetUpLogs(/*reborn=*/true);
  Resettle(resettled);
}

void Engine::Resettle(const std::vector<Resettled>& list) {
  for (const Resettled& x : list) {
    const CompiledRule& r = rules_->rules()[x.rule];
    if (rule_log_[x.rule].table) SettleLogged(r, x.variant, x.within, x.lateness);
  }
  if (!list.empty()) SetUpTakers();
}

bool Engine::Cooling(const CompiledRule& r, uint32_t v, const KeyState& ks, TimeUs time) const {
  const Variant& var = r.variants[v];
  if (!var.cooldown || !ks.alerted()) return false;
  // Within the cooldown on either side of the last alert: a late firing next to
  // an alert already raised is the same situation; one far from it is not.
  const DurationUs distance = time > ks.last_alert ? time - ks.last_alert : ks.last_alert - time;
  if (distance >= *var.cooldown) return false;
  // Past this horizon no event the rule can still see is that close to the last
  // alert; the sweep frees the key then. Deciding by the clock (not by whether a
  // sweep ran) keeps the output independent of unrelated traffic.
  return clock_ < ks.last_alert + *var.cooldown + detail::CooldownHorizon(r, var);
}

Engine::Deadline Engine::MakeDeadline(TimeUs at, const CompiledRule& r, std::string_view key,
                                      uint32_t variant) {
  std::string text;
  for (const auto& v : detail::KeyValues(key)) (text += v).push_back('\x1f');
  return Deadline{at, r.index, std::move(text), std::string(key), variant};
}

size_t Engine::open_keys() const {
  size_t n = 0;
  for (const auto& rs : state_)
    for (const auto& vs : rs->variants) n += vs.keys.size();
  return n;
}

void Engine::Sweep() {
  events_since_sweep_ = 0;
  for (const CompiledRule& r : rules_->rules()) {
    auto& variants = state_[r.index]->variants;
    for (uint32_t v = 0; v < variants.size(); ++v) {
      const Variant& var = r.variants[v];
      auto& keys = variants[v].keys;
      for (auto it = keys.begin(); it != keys.end();) {
        KeyState& ks = it->second;
        PruneKey(r, v, ks);
        bool cooling = ks.alerted() && var.cooldown &&
                       clock_ < ks.last_alert + *var.cooldown + detail::CooldownHorizon(r, var);
        bool empty =
            ks.entries.empty() && !ks.open() && (!ks.timer || ks.timer->fired.empty()) && !cooling;
        // A logging sequence keeps its key while the log holds an event it took.
        if (empty && rule_log_[r.index].table) empty = !KeepForLog(r, v, it->first);
        // A heartbeat keeps its last beat (the newest time seen) while armed or fired.
        it = empty ? keys.erase(it) : std::next(it);
      }
    }
  }
  SweepLogs();
  interner_->Sweep();
  sweep_after_ = std::max<uint64_t>(4096, open_keys() + logged_keys());
}

}  // namespace vigia::engine
