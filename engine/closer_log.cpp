// SPDX-License-Identifier: Apache-2.0
// The closing events of sequences, logged once per key (detail/closer_log.h).
//
// Why the output is the same as with every sequence keeping its own: a rule's
// key without a state has no candidate for step 1 (only an opener makes the
// state), so the rule could not have fired there; the closing events it would
// have kept are those logged since the rule began (born), that it did not
// find late, that have not expired — of each step the newest 32, as
// OnSequence's cap leaves them. A state goes (Sweep) only once every logged
// event it may have taken, or consumed, has expired for it, so a later state
// cannot take such an event again.
#include "engine/detail/closer_log.h"

#include <algorithm>
#include <bit>
#include <unordered_set>

#include "engine/detail/engine_internal.h"
#include "engine/engine.h"

namespace vigia::engine {

using detail::Entry;
using detail::KeyState;
using detail::LogNode;
using detail::LogTable;

void Engine::SetUpLogs(bool reborn) {
  const auto& rules = rules_->rules();
  const std::vector<bool> was_logging = std::move(logging_states_);
  rule_log_.assign(rules.size(), RuleLog{});
  slot_table_.assign(rules_->key_slots(), nullptr);
  for (auto& [by, table] : log_tables_) table->horizons.fill(0);
  std::unordered_set<const LogTable*> used;
  for (const CompiledRule& r : rules) {
    if (!log_closers_ || r.rule->kind != rules::PatternKind::kSequence || r.fan_out ||
        r.closing.empty())
      continue;
    auto& table = log_tables_[rules_->key_slot_signature(r.key_slot)];
    if (!table) table = std::make_unique<LogTable>();
    RuleLog log{table.get(), {}, 0};
    for (uint32_t slot : r.closing_slots) {
      const int bit = table->Bit(rules_->test_slot_signature(slot));
      if (bit < 0) break;
      log.step_bits.push_back(uint64_t{1} << bit);
      log.bits |= log.step_bits.back();
    }
    if (log.step_bits.size() != r.closing_slots.size()) continue;  // no bit left: keeps its own
    for (uint64_t bits = log.bits; bits != 0; bits &= bits - 1)
      for (const Variant& var : r.variants) {
        DurationUs& horizon = table->horizons[std::countr_zero(bits)];
        horizon = std::max(horizon, var.within + var.lateness);
      }
    slot_table_[r.key_slot] = table.get();
    used.insert(table.get());
    rule_log_[r.index] = std::move(log);
  }
  std::erase_if(log_tables_, [&](const auto& kv) { return !used.contains(kv.second.get()); });

  logging_states_.assign(next_state_id_, false);
  for (const CompiledRule& r : rules) {
    const RuleLog& log = rule_log_[r.index];
    if (!log.table) continue;
    for (detail::VariantState& vs : state_[r.index]->variants) {
      logging_states_[vs.id] = true;
      if (vs.id < was_logging.size() && was_logging[vs.id]) continue;
      // Begins to log: its keys' nodes learn of its states. It kept every
      // closing event until now, so it takes only those logged from now on.
      if (reborn) vs.born = std::max(vs.born, order_);
      for (const auto& kv : vs.keys) log.table->nodes[kv.first].Open(vs.id);
    }
  }
  SetUpTakers();
}

void Engine::SetUpTakers() {
  for (auto& [by, table] : log_tables_) {
    table->members.clear();
    for (auto& takers : table->takers) takers.clear();
    for (auto& kinds : table->kinds) kinds.clear();
  }
  for (const CompiledRule& r : rules_->rules()) {
    const RuleLog& log = rule_log_[r.index];
    if (!log.table) continue;
    for (uint32_t v = 0; v < r.variants.size(); ++v) {
      log.table->members.emplace_back(r.index, v);
      const detail::VariantState& vs = state_[r.index]->variants[v];
      const detail::Taker taker{r.index, r.variants[v].lateness, vs.born, vs.id,
                                r.variants[v].within};
      for (uint64_t bits = log.bits; bits != 0; bits &= bits - 1) {
        const int bit = std::countr_zero(bits);
        log.table->takers[bit].push_back(taker);
        auto& kinds = log.table->kinds[bit];
        if (std::none_of(kinds.begin(), kinds.end(), [&](const detail::Taker& k) {
              return k.lateness == taker.lateness && k.born == taker.born;
            }))
          kinds.push_back(taker);
      }
    }
  }
}

void Engine::SettleLogged(const CompiledRule& r, uint32_t v, DurationUs within,
                          DurationUs lateness) {
  for (auto& [key, node] : rule_log_[r.index].table->nodes)
    MakeFromLog(r, v, key, node, within, lateness);
  state_[r.index]->variants[v].born = order_;
}

void Engine::MakeFromLog(const CompiledRule& r, uint32_t v, const std::string& key, LogNode& node,
                         DurationUs within, DurationUs lateness) {
  detail::VariantState& vs = state_[r.index]->variants[v];
  if (node.IsOpen(vs.id)) return;
  KeyState ks;
  TakeLogged(r, v, node, ks, within, lateness);
  if (ks.entries.empty()) return;
  vs.keys.emplace(key, std::move(ks));
  node.Open(vs.id);
}

void Engine::Overflow(LogTable& table, const std::string& key, LogNode& node) {
  for (const auto& [rule, v] : table.members) {
    const CompiledRule& r = rules_->rules()[rule];
    MakeFromLog(r, v, key, node, r.variants[v].within, r.variants[v].lateness);
  }
  node.ClearLog();
}

LogNode* Engine::LogNodeOf(uint32_t slot, const Key& key, bool create) {
  SlotLog& s = slot_logs_[slot];
  if (s.evaluation != evaluation_) s = SlotLog{evaluation_};
  if (!s.looked_up || (!s.node && create)) {
    auto& nodes = slot_table_[slot]->nodes;
    auto it = nodes.find(detail::HashedKey{key.text, key.hash});
    if (it == nodes.end() && create) it = nodes.try_emplace(key.text).first;
    s.node = it == nodes.end() ? nullptr : &it->second;
    s.looked_up = true;
  }
  return s.node;
}

KeyState* Engine::OpenLogged(const CompiledRule& r, uint32_t v, const Key& key, bool past_cap) {
  detail::VariantState& vs = state_[r.index]->variants[v];
  if (const LogNode* node = LogNodeOf(r.key_slot, key, /*create=*/false);
      node && node->IsOpen(vs.id))
    return FindState(r, v, {key.text, key.hash});
  if (vs.keys.size() >= max_keys_ && !past_cap) {
    ++counters_[r.index].keys_capped;
    return nullptr;
  }
  KeyState& ks = vs.keys.try_emplace(key.text).first->second;
  LogNode& node = *LogNodeOf(r.key_slot, key, /*create=*/true);
  node.Open(vs.id);
  TakeLogged(r, v, node, ks, r.variants[v].within, r.variants[v].lateness);
  return &ks;
}

void Engine::TakeLogged(const CompiledRule& r, uint32_t v, const LogNode& node, KeyState& ks,
                        DurationUs within, DurationUs lateness) {
  const std::vector<uint64_t>& bits = rule_log_[r.index].step_bits;
  const uint64_t born = state_[r.index]->variants[v].born;
  const TimeUs horizon = clock_ - within - lateness;  // as PruneKey
  // In arrival order, an event's steps in step order (as OnSequence inserts).
  std::vector<Entry> taken;
  std::vector<uint32_t>& excess = step_counts_;
  excess.assign(bits.size() + 1, 0);
  for (const detail::LoggedCloser& c : node.log()) {
    if (c.rec->order <= born || c.rec->time < horizon || !c.SeenWith(lateness)) continue;
    for (uint32_t j = 1; j <= bits.size(); ++j) {
      if (!(c.conditions & bits[j - 1])) continue;
      taken.push_back(Entry{c.rec->time, c.rec, nullptr, j});
      ++excess[j];
    }
  }
  std::stable_sort(taken.begin(), taken.end(),
                   [](const Entry& a, const Entry& b) { return a.Before(b); });
  // Of each step the newest kMaxCandidatesPerStep: what inserting them one by
  // one, the oldest going past the cap, leaves.
  for (uint32_t& n : excess)
    n = n > detail::kMaxCandidatesPerStep ? n - detail::kMaxCandidatesPerStep : 0;
  for (const Entry& e : taken) {
    if (excess[e.step] > 0) {
      --excess[e.step];
      ++counters_[r.index].dropped;
      continue;
    }
    ks.entries.push_back(e);
  }
}

void Engine::NoteClosing(uint32_t slot, uint64_t bits) {
  SlotLog& s = slot_logs_[slot];
  if (s.evaluation != evaluation_) s = SlotLog{evaluation_};
  if (s.bits == 0) noted_slots_.push_back(slot);
  s.bits |= bits;
}

void Engine::LogNoted(const detail::Record* rec, bool is_alert) {
  for (uint32_t slot : noted_slots_) {
    LogTable& table = *slot_table_[slot];
    const uint64_t noted = slot_logs_[slot].bits;
    LogNode* node = LogNodeOf(slot, keys_[slot], /*create=*/false);
    if (!node && table.nodes.size() >= max_keys_ * std::max<size_t>(1, table.members.size())) {
      // As for states (max_keys_ per variant): a feed inventing keys must not
      // exhaust memory.
      uint32_t counted = UINT32_MAX;
      for (const auto& [rule, v] : table.members)
        if (rule != counted && (rule_log_[rule].bits & noted)) ++counters_[counted = rule].keys_capped;
      continue;
    }
    if (!node) node = LogNodeOf(slot, keys_[slot], /*create=*/true);
    node->PruneFront([&](const detail::LoggedCloser& x) { return table.Expired(x, clock_); });
    node->Append({rec, clock_, noted, is_alert});
    // A key flooded with one condition's events keeps what the states would.
    for (uint64_t bits = noted; bits != 0; bits &= bits - 1) {
      const int bit = std::countr_zero(bits);
      if (node->Count(uint64_t{1} << bit) <= detail::kTrimAbove) continue;
      node->Trim(uint64_t{1} << bit, table.kinds[bit], detail::kMaxCandidatesPerStep,
                 [&](const detail::LoggedCloser& x) {
                   // Counted for the variants without a state here (a state
                   // counts its own), for which it had not expired.
                   for (const detail::Taker& t : table.takers[bit])
                     if (t.Takes(x) && !node->IsOpen(t.state_id) &&
                         x.rec->time >= clock_ - t.within - t.lateness)
                       ++counters_[t.rule].dropped;
                 });
    }
    if (node->log().size() > detail::kMaxLoggedClosers) Overflow(table, keys_[slot].text, *node);
  }
  noted_slots_.clear();
}

bool Engine::KeepForLog(const CompiledRule& r, uint32_t v, const std::string& key) {
  auto& nodes = rule_log_[r.index].table->nodes;
  auto it = nodes.find(key);
  if (it == nodes.end()) return false;
  const Variant& var = r.variants[v];
  if (it->second.HoldsSince(clock_ - var.within - var.lateness, rule_log_[r.index].bits))
    return true;
  it->second.Close(state_[r.index]->variants[v].id);
  return false;
}

size_t Engine::logged_keys() const {
  size_t n = 0;
  for (const auto& [by, table] : log_tables_) n += table->nodes.size();
  return n;
}

void Engine::SweepLogs() {
  if (clock_ == INT64_MIN) return;  // nothing evaluated yet
  for (auto& by_table : log_tables_) {
    LogTable& table = *by_table.second;
    auto expired = [&](const detail::LoggedCloser& x) { return table.Expired(x, clock_); };
    for (auto it = table.nodes.begin(); it != table.nodes.end();) {
      LogNode& node = it->second;
      node.Prune(expired);
      node.CloseIf([&](uint32_t id) { return !logging_states_[id]; });
      it = node.empty() ? table.nodes.erase(it) : std::next(it);
    }
  }
}

}  // namespace vigia::engine
