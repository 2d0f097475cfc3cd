// SPDX-License-Identifier: Apache-2.0
// Engine::SaveState and Engine::LoadState (checkpoint.h).
//
// The engine's body, format 2 (format 1, still read, lacks what is marked [2]):
//   clock (i64; INT64_MIN before the first event), last seq, evaluation order,
//     events since the last sweep, sweep period
//   records — the events held by state, each stored once however many rules and
//     keys hold it: count, then in evaluation order: order − previous order − 1,
//     time − previous time (i64), id, region, has subject (u8) [subject],
//     groups (count, strings), depth, root events (count, strings)
//   rules: count, then per rule: id, the 9 counters, variants: count, then per
//     variant: FNV-1a 64 of its state signature (fixed 8 bytes), [2] the
//     evaluation order it began at (VariantState::born), its within and
//     lateness (i64; what its logged closing events are judged by), keys: count,
//     then per key in key order: key values (count, strings), has last alert
//     (u8) [last alert (i64)], entries, steps (count, then entries per step:
//     a sequence's candidates, held in one list tagged by step; 0 for the others),
//     open (u8), opened at (i64), deadline (i64), fired alerts (count, then per
//     alert: id, opened at (i64), deadline (i64))
//   [2] closing-event logs (detail/closer_log.h): count, then per table in
//     `by` order: its `by` signature, its conditions (count, strings; bit i is
//     the i-th), nodes: count, then per node in key order: key values (count,
//     strings), events: count, then per event in arrival order: record index,
//     clock (i64), condition bits, alert (u8)
//   entries: count, then per entry: record index, distinct value
// An entry's time and order are its record's: both are set once per evaluated
// event (Engine::Evaluate), and every entry of that event shares its record.
#include <algorithm>
#include <map>
#include <optional>

#include "engine/detail/byte_codec.h"
#include "engine/detail/closer_log.h"
#include "engine/detail/engine_internal.h"
#include "engine/engine.h"

namespace vigia::engine {

using detail::ByteReader;
using detail::ByteWriter;
using detail::Entry;
using detail::KeyState;
using detail::Record;

namespace {

inline constexpr std::string_view kMagic = "VGCE";
inline constexpr uint64_t kVersion = 2;  // reads 1 too

// Event times (years 1-9999) and the deadlines built from them fit with room
// to spare; loaded times outside this range are rejected, so that the engine's
// arithmetic on them (time − within, time − last alert, ...) cannot overflow.
inline constexpr TimeUs kTimeLimit = TimeUs{1} << 62;
bool InRange(TimeUs t) { return t > -kTimeLimit && t < kTimeLimit; }

inline constexpr uint64_t RuleCounters::*kCounterFields[] = {
    &RuleCounters::evaluations, &RuleCounters::firings, &RuleCounters::suppressed,
    &RuleCounters::late,        &RuleCounters::no_key,  &RuleCounters::dropped,
    &RuleCounters::ignored_hints, &RuleCounters::retractions, &RuleCounters::search_exhausted,
};

using RecordIndex = std::unordered_map<const Record*, uint64_t>;

// The entries of `list` (of one sequence step when `step` is given).
void WriteEntries(ByteWriter& w, const detail::EntryList& list, const RecordIndex& index,
                  std::optional<uint32_t> step = std::nullopt) {
  auto included = [&](const Entry& e) { return !step || e.step == *step; };
  w.U64(static_cast<uint64_t>(std::count_if(list.begin(), list.end(), included)));
  for (const Entry& e : list) {
    if (!included(e)) continue;
    w.U64(index.at(e.rec));
    w.Str(e.distinct_value());
  }
}

void WriteStrings(ByteWriter& w, const std::vector<std::string>& list) {
  w.U64(list.size());
  for (const auto& s : list) w.Str(s);
}

// The step lists a key of `rule` stores: a sequence's candidates per step, for
// each of its steps; none for the other patterns (their events are in `entries`).
uint32_t StepLists(const rules::Rule& rule) {
  return rule.kind == rules::PatternKind::kSequence ? static_cast<uint32_t>(rule.steps.size()) : 0;
}

// `steps`: StepLists of the key's rule.
void WriteKey(ByteWriter& w, const std::string& key, const KeyState& ks, const RecordIndex& index,
              uint32_t steps) {
  WriteStrings(w, detail::KeyValues(key));
  w.U8(ks.alerted());
  if (ks.alerted()) w.I64(ks.last_alert);
  if (steps == 0) {
    WriteEntries(w, ks.entries, index);
    w.U64(0);
  } else {
    w.U64(0);
    w.U64(steps);
    for (uint32_t j = 0; j < steps; ++j) WriteEntries(w, ks.entries, index, j);
  }
  const detail::Timer none;
  const detail::Timer& t = ks.timer ? *ks.timer : none;
  w.U8(t.open);
  w.I64(t.opened_at);
  w.I64(t.deadline);
  w.U64(t.fired.size());
  for (const auto& f : t.fired) {
    w.Str(f.alert_id);
    w.I64(f.opened_at);
    w.I64(f.deadline);
  }
}

std::vector<std::string> ReadStrings(ByteReader& r) {
  std::vector<std::string> out(r.Count());
  for (auto& s : out) s = r.Str();
  return out;
}

bool ReadBool(ByteReader& r) {
  const uint8_t b = r.U8();
  if (b > 1) r.Fail();
  return b == 1;
}

TimeUs ReadTime(ByteReader& r) {
  const TimeUs t = r.I64();
  if (!InRange(t)) r.Fail();
  return t;
}

// A window or lateness: what the rules allow, with room to spare, and small
// enough that a time minus both cannot overflow.
DurationUs ReadDuration(ByteReader& r) {
  const DurationUs d = r.I64();
  if (d < 0 || d > kTimeLimit / 4) r.Fail();
  return d;
}

// What the entries being read point to, held until the lists hold them.
struct Held {
  std::vector<detail::RecordPtr> records;
  std::vector<boost::intrusive_ptr<const detail::DistinctValue>> distinct;
};

// Appends the entries of a list (tagged with `step`) to `out`. Lists are kept
// in (time, order) order; the patterns' searches rely on it.
void ReadEntries(ByteReader& r, Held& held, uint32_t step, std::vector<Entry>& out) {
  const size_t n = r.Count();
  for (size_t i = 0; i < n && r.ok(); ++i) {
    const uint64_t at = r.U64();
    std::string distinct = r.Str();
    if (at >= held.records.size()) {
      r.Fail();
      break;
    }
    Entry e{held.records[at]->time, held.records[at].get(), nullptr, step};
    if (!distinct.empty())
      e.distinct = held.distinct.emplace_back(new detail::DistinctValue(std::move(distinct))).get();
    if (i > 0 && e.Before(out.back())) r.Fail();
    out.push_back(e);
  }
}

// The key's state; its `by` values in `values`, its number of sequence steps
// in `steps` (0: not a sequence's).
KeyState ReadKey(ByteReader& r, Held& held, std::vector<std::string>& values, size_t& steps) {
  KeyState ks;
  values = ReadStrings(r);
  if (ReadBool(r)) ks.last_alert = ReadTime(r);
  std::vector<Entry> entries;
  ReadEntries(r, held, 0, entries);
  steps = r.Count();
  if (steps > 0 && !entries.empty()) r.Fail();  // a sequence keeps its events per step
  for (uint32_t j = 0; j < steps && r.ok(); ++j) ReadEntries(r, held, j, entries);
  // One list in (time, order) order; an event in two steps, by step (as
  // OnSequence inserts).
  std::stable_sort(entries.begin(), entries.end(),
                   [](const Entry& a, const Entry& b) { return a.Before(b); });
  for (const Entry& e : entries) ks.entries.push_back(e);
  detail::Timer t;
  t.open = ReadBool(r);
  t.opened_at = ReadTime(r);
  t.deadline = ReadTime(r);
  t.fired.resize(r.Count());
  for (auto& f : t.fired) {
    f.alert_id = r.Str();
    f.opened_at = ReadTime(r);
    f.deadline = ReadTime(r);
  }
  if (t.fired.size() > detail::kMaxRetractable) r.Fail();
  // Only absences and heartbeats have one; the others store it empty.
  if (t.open || t.opened_at != 0 || t.deadline != 0 || !t.fired.empty())
    ks.timer = std::make_unique<detail::Timer>(std::move(t));
  return ks;
}

}  // namespace

std::string_view ToString(CheckpointError error) {
  switch (error) {
    case CheckpointError::kNotACheckpoint: return "not_a_checkpoint";
    case CheckpointError::kUnknownVersion: return "unknown_version";
    case CheckpointError::kDamaged: return "damaged";
    case CheckpointError::kMalformed: return "malformed";
  }
  return "malformed";
}

std::string Engine::SaveState() const {
  // Every record held, in evaluation order (one record per evaluated event).
  std::map<uint64_t, const Record*> by_order;
  auto collect = [&](const detail::EntryList& list) {
    for (const Entry& e : list) by_order.emplace(e.rec->order, e.rec);
  };
  // Keys in key order, so that equal states give equal bytes.
  std::vector<std::vector<std::vector<const std::pair<const std::string, KeyState>*>>> sorted;
  for (const auto& rs : state_) {
    auto& rule = sorted.emplace_back();
    for (const auto& vs : rs->variants) {
      auto& keys = rule.emplace_back();
      for (const auto& kv : vs.keys) {
        keys.push_back(&kv);
        collect(kv.second.entries);
      }
      std::sort(keys.begin(), keys.end(),
                [](const auto* a, const auto* b) { return a->first < b->first; });
    }
  }
  // The logs, tables in `by` order and keys in key order.
  std::map<std::string_view, const detail::LogTable*> tables;
  for (const auto& [by, table] : log_tables_) {
    tables.emplace(by, table.get());
    for (const auto& kv : table->nodes)
      for (const detail::LoggedCloser& c : kv.second.log()) by_order.emplace(c.rec->order, c.rec);
  }

  ByteWriter w(kMagic, kVersion);
  w.I64(clock_);
  w.U64(last_seq_);
  w.U64(order_);
  w.U64(events_since_sweep_);
  w.U64(sweep_after_);

  RecordIndex index;
  w.U64(by_order.size());
  uint64_t prev_order = 0;
  uint64_t prev_time = 0;  // unsigned: the differences wrap instead of overflowing
  for (const auto& [order, rec] : by_order) {
    index.emplace(rec, index.size());
    w.U64(order - prev_order - 1);
    w.I64(static_cast<int64_t>(static_cast<uint64_t>(rec->time) - prev_time));
    prev_order = order;
    prev_time = static_cast<uint64_t>(rec->time);
    w.Str(rec->id());
    w.Str(*rec->region);
    w.U8(rec->has_subject());
    if (rec->has_subject()) w.Str(rec->subject());
    WriteStrings(w, rec->groups->list);
    w.U64(static_cast<uint64_t>(rec->depth));
    WriteStrings(w, rec->roots());
  }

  w.U64(rules_->rules().size());
  for (const CompiledRule& r : rules_->rules()) {
    w.Str(r.rule->id);
    for (auto field : kCounterFields) w.U64(counters_[r.index].*field);
    w.U64(r.variants.size());
    for (uint32_t v = 0; v < r.variants.size(); ++v) {
      w.Fixed64(detail::Fnv1a64(r.state_signatures[v]));
      w.U64(state_[r.index]->variants[v].born);
      w.I64(r.variants[v].within);
      w.I64(r.variants[v].lateness);
      const auto& keys = sorted[r.index][v];
      w.U64(keys.size());
      for (const auto* kv : keys) WriteKey(w, kv->first, kv->second, index, StepLists(*r.rule));
    }
  }

  w.U64(tables.size());
  for (const auto& [by, table] : tables) {
    w.Str(by);
    WriteStrings(w, table->conditions);
    std::vector<const std::pair<const std::string, detail::LogNode>*> nodes;
    for (const auto& kv : table->nodes) nodes.push_back(&kv);
    std::sort(nodes.begin(), nodes.end(),
              [](const auto* a, const auto* b) { return a->first < b->first; });
    w.U64(nodes.size());
    for (const auto* kv : nodes) {
      WriteStrings(w, detail::KeyValues(kv->first));
      w.U64(kv->second.log().size());
      for (const detail::LoggedCloser& c : kv->second.log()) {
        w.U64(index.at(c.rec));
        w.I64(c.clock);
        w.U64(c.conditions);
        w.U8(c.is_alert);
      }
    }
  }
  return std::move(w).Finish();
}

Result<CheckpointStats, CheckpointError> Engine::LoadState(std::string_view blob) {
  auto opened = ByteReader::Open(blob, kMagic, 1, kVersion);
  if (!opened) return MakeError(opened.error());
  ByteReader& r = *opened;
  const bool logs = r.version() >= 2;

  const TimeUs clock = r.I64();
  if (clock != INT64_MIN && !InRange(clock)) r.Fail();
  const uint64_t last_seq = r.U64();
  const uint64_t order = r.U64();
  const uint64_t events_since_sweep = r.U64();
  const uint64_t sweep_after = r.U64();

  Held held;
  auto& records = held.records;
  records.resize(r.Count());
  uint64_t prev_order = 0;
  uint64_t prev_time = 0;
  for (size_t i = 0; i < records.size() && r.ok(); ++i) {
    // Orders strictly increase and never pass the engine's: `order` is the last given.
    const uint64_t gap = r.U64();
    if (gap >= order - prev_order) r.Fail();
    prev_order += gap + 1;
    prev_time += static_cast<uint64_t>(r.I64());
    const std::string id = r.Str();
    const std::string region = r.Str();
    std::optional<std::string> subject;
    if (ReadBool(r)) subject = r.Str();
    auto rec = Record::Make(id, subject);
    rec->order = prev_order;
    rec->time = static_cast<TimeUs>(prev_time);
    if (!InRange(rec->time)) r.Fail();
    rec->region = interner_->Region(region);
    rec->groups = interner_->Groups(ReadStrings(r));
    const uint64_t depth = r.U64();
    if (depth > detail::kMaxAlertDepth) r.Fail();
    rec->depth = static_cast<int16_t>(depth);
    if (auto roots = ReadStrings(r); !roots.empty())
      rec->root_events = std::make_unique<const std::vector<std::string>>(std::move(roots));
    records[i] = std::move(rec);
  }

  std::unordered_map<std::string_view, uint32_t> current;
  std::vector<std::unique_ptr<detail::RuleState>> state;
  for (const CompiledRule& cr : rules_->rules()) {
    current.emplace(cr.rule->id, cr.index);
    auto st = std::make_unique<detail::RuleState>();
    st->variants.resize(cr.variants.size());
    for (auto& vs : st->variants) {
      vs.id = next_state_id_++;
      vs.born = order;  // unless loaded: begins now
    }
    state.push_back(std::move(st));
  }
  std::vector<RuleCounters> counters(rules_->rules().size());
  std::vector<bool> seen(rules_->rules().size());
  std::vector<Resettled> resettled;  // kept, saved with another within or lateness
  CheckpointStats stats;

  const size_t rule_count = r.Count();
  for (size_t i = 0; i < rule_count && r.ok(); ++i) {
    const std::string id = r.Str();
    RuleCounters c;
    for (auto field : kCounterFields) c.*field = r.U64();
    auto it = current.find(id);
    const CompiledRule* cr = it == current.end() ? nullptr : &rules_->rules()[it->second];
    if (cr) {
      if (seen[cr->index]) r.Fail();  // the same rule twice
      seen[cr->index] = true;
      counters[cr->index] = c;
    }
    const size_t variant_count = r.Count();
    for (uint32_t v = 0; v < variant_count && r.ok(); ++v) {
      const uint64_t digest = r.Fixed64();
      const bool keep = cr && v < cr->variants.size() &&
                        (digest == detail::Fnv1a64(cr->state_signatures[v]) ||
                         digest == cr->legacy_state_digests[v]);
      ++(keep ? stats.variants_kept : stats.variants_dropped);
      // Format 1 kept every closing event in the rules' states: nothing
      // logged before the checkpoint is the state's to take.
      const uint64_t born = logs ? r.U64() : 0;
      if (born > order) r.Fail();
      const DurationUs within = logs ? ReadDuration(r) : 0, lateness = logs ? ReadDuration(r) : 0;
      if (keep) {
        state[cr->index]->variants[v].born = born;
        const Variant& now = cr->variants[v];
        if (logs && (within != now.within || lateness != now.lateness))
          resettled.push_back({cr->index, v, within, lateness});
      }
      detail::VariantState dropped;
      auto& keys = keep ? state[cr->index]->variants[v].keys : dropped.keys;
      const size_t key_count = r.Count();
      for (size_t k = 0; k < key_count && r.ok(); ++k) {
        std::vector<std::string> values;
        size_t steps = 0;
        KeyState ks = ReadKey(r, held, values, steps);
        // The signature holds `by` and the steps, so a kept state must fit them
        // (ReadKey refused events outside the step lists of a sequence's key).
        if (keep && (values.size() != cr->rule->by.size() || steps != StepLists(*cr->rule)))
          r.Fail();
        std::string key;
        for (const auto& value : values) detail::AppendKeyPart(key, value);
        auto [at, inserted] = keys.emplace(std::move(key), std::move(ks));
        if (!inserted) r.Fail();  // a key twice
      }
      if (keep) stats.keys += keys.size();
    }
  }
  detail::LogTables tables;
  size_t logged_nodes = 0;
  const size_t table_count = logs ? r.Count() : 0;
  for (size_t i = 0; i < table_count && r.ok(); ++i) {
    auto& table = tables[r.Str()];
    if (table) r.Fail();  // the same `by` twice
    table = std::make_unique<detail::LogTable>();
    table->conditions = ReadStrings(r);
    if (table->conditions.size() > detail::kMaxLoggedConditions) {
      r.Fail();
      break;
    }
    const uint64_t known_bits = table->conditions.size() == 64
                                    ? ~uint64_t{0}
                                    : (uint64_t{1} << table->conditions.size()) - 1;
    const size_t node_count = r.Count();
    for (size_t n = 0; n < node_count && r.ok(); ++n) {
      std::string key;
      for (const auto& value : ReadStrings(r)) detail::AppendKeyPart(key, value);
      auto [at, inserted] = table->nodes.try_emplace(std::move(key));
      if (!inserted) r.Fail();  // a key twice
      ++logged_nodes;
      const size_t events = r.Count();
      if (events > detail::kMaxLoggedClosers) r.Fail();
      for (size_t e = 0; e < events && r.ok(); ++e) {
        const uint64_t rec = r.U64();
        detail::LoggedCloser c;
        c.clock = ReadTime(r);
        c.conditions = r.U64();
        c.is_alert = ReadBool(r);
        if (rec >= records.size() || c.conditions == 0 || (c.conditions & ~known_bits) != 0) {
          r.Fail();
          break;
        }
        c.rec = records[rec].get();
        at->second.Append(c);
      }
    }
  }
  // Before the first event there is no state (and the clock cannot be subtracted from).
  if (clock == INT64_MIN && (stats.keys > 0 || logged_nodes > 0)) r.Fail();
  if (!r.done()) return MakeError(CheckpointError::kMalformed);

  std::set<Deadline> deadlines;
  for (const CompiledRule& cr : rules_->rules())
    for (uint32_t v = 0; v < cr.variants.size(); ++v)
      for (const auto& [key, ks] : state[cr.index]->variants[v].keys)
        if (ks.open()) deadlines.insert(MakeDeadline(ks.timer->deadline, cr, key, v));
  state_ = std::move(state);
  counters_ = std::move(counters);
  deadlines_ = std::move(deadlines);
  clock_ = clock;
  last_seq_ = last_seq;
  order_ = order;
  events_since_sweep_ = events_since_sweep;
  sweep_after_ = sweep_after;
  log_tables_ = std::move(tables);
  ResetCaches();
  SetUpLogs(/*reborn=*/false);
  Resettle(resettled);
  return stats;
}

}  // namespace vigia::engine
