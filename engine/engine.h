// SPDX-License-Identifier: Apache-2.0
// The engine: evaluates compiled rules on events in event time, deterministically
// (shared/spec/rules.md). A pure function of (rules, ordered events, clock
// ticks): the same input gives the same alerts, live or offline.
// Thread rules: single-threaded; all state is touched only by the owning thread.
// No locks.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <variant>
#include <vector>

#include <boost/smart_ptr/intrusive_ptr.hpp>

#include "core/event.h"
#include "core/result.h"
#include "engine/alert.h"
#include "engine/checkpoint.h"
#include "engine/compiled_rules.h"
#include "engine/matcher.h"

namespace vigia::engine {

namespace detail {
struct HashedKey;
class Interner;
class LogNode;
struct LogTable;
struct KeyState;
struct RuleState;
class Record;
struct Entry;
}  // namespace detail

// Per-rule counters (exported as metrics by the daemon).
struct RuleCounters {
  uint64_t evaluations = 0;  // events that reached the rule through the index
  uint64_t firings = 0;      // alerts raised
  uint64_t suppressed = 0;   // firings suppressed by cooldown
  uint64_t late = 0;         // events older than clock − lateness, not seen
  uint64_t no_key = 0;       // events lacking a `by` field
  // State entries dropped by a cap. A sequence's closing events that waited in
  // the log for their key's first opener are counted when it takes them.
  uint64_t dropped = 0;
  uint64_t ignored_hints = 0;  // attrs.next_checkin_within out of range or malformed
  uint64_t retractions = 0;
  uint64_t search_exhausted = 0;  // sequence searches cut short (hostile input)
  // Events not tracked because their (rule, variant) already held max_keys
  // keys (set_max_keys). Not checkpointed: it counts since the start.
  uint64_t keys_capped = 0;
};

// Open keys per (rule, variant) beyond which new keys are not tracked.
inline constexpr size_t kDefaultMaxKeys = 1'000'000;

class Engine {
 public:
  // `rules` is shared and immutable; `sink` must outlive the engine.
  Engine(std::shared_ptr<const CompiledRules> rules, AlertSink& sink);
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // Advances the clock to `event.arrival`, firing the deadlines before it first,
  // evaluates the event, then fires the deadlines at exactly the arrival (so an
  // event stamped at a deadline can still close it). Alerts (and alert events,
  // to depth 4) are handed to the sink before it returns.
  // REQUIRES: event validated; not a duplicate.
  void Process(const Event& event);

  // Advances the clock to `now` if it is ahead, then fires every deadline at or
  // before the clock, in (deadline, rule id, key) order.
  void AdvanceTo(TimeUs now);

  // Replaces the rules between two events. The state (and counters) of every
  // (rule id, variant) whose state signature is unchanged carries over, with its
  // open deadlines; other rules start empty from the next event.
  void SwapRules(std::shared_ptr<const CompiledRules> rules);

  // The whole evaluation state as a checkpoint blob (checkpoint.h): the clock,
  // the last seq processed, every (rule, variant, key) state with the events it
  // holds, and the counters. Open deadlines are not stored: they follow from the
  // states. Deterministic. REQUIRES: not called from the sink's callbacks.
  std::string SaveState() const;

  // Replaces the whole evaluation state with a blob's, which may have been
  // written under other rules: as in SwapRules, the state of every (rule id,
  // variant) whose state signature is unchanged is loaded, with its open
  // deadlines, and the rest is dropped; counters carry over by rule id. An
  // engine that loads a blob and then gets the events after it gives the same
  // output as the one that saved it. On error the engine is unchanged.
  // REQUIRES: not called from the sink's callbacks.
  Result<CheckpointStats, CheckpointError> LoadState(std::string_view blob);

  TimeUs clock() const { return clock_; }
  // The seq of the last event processed (0: none); carried by checkpoints.
  uint64_t last_seq() const { return last_seq_; }
  const CompiledRules& rules() const { return *rules_; }
  const std::vector<RuleCounters>& counters() const { return counters_; }
  // A hostile or broken feed inventing subjects must not exhaust memory: a
  // (rule, variant) holding `n` keys tracks no new key (keys_capped counts the
  // events); the keys it holds go on as before.
  void set_max_keys(size_t n) { max_keys_ = n; }
  // Number of (rule, variant, key) states held.
  size_t open_keys() const;
  // Whether sequences log their closing events once per key (the default) or
  // each keeps its own, as every sequence did before: the same output either
  // way, which the tests compare. REQUIRES: before the first event.
  void set_log_closers(bool on);

  // Frees expired windows, candidates and empty keys now (it also happens
  // periodically on its own).
  void Sweep();

 private:
  using RecordPtr = boost::intrusive_ptr<const detail::Record>;
  struct Deadline {
    TimeUs at;
    uint32_t rule;         // rules are sorted by id, so index order is id order
    std::string key_text;  // the key's values joined, for the (deadline, rule id, key) order
    std::string key;       // the state's key
    uint32_t variant;
    auto operator<=>(const Deadline&) const = default;
  };
  static Deadline MakeDeadline(TimeUs at, const CompiledRule& r, std::string_view key,
                               uint32_t variant);

  // The event's record, made on first use: most candidate rules do not match.
  struct LazyRecord {
    const Event& event;
    uint64_t order;
    const Alert* source;
    detail::Interner& interner;
    RecordPtr rec;
    const detail::Record* get();
  };

  // `source` is the alert an alert event stands for; nullptr for input events.
  void Evaluate(const Event& e, const Alert* source);
  void EvaluateRule(const CompiledRule& r, const EventView& view, LazyRecord& rec, bool is_alert,
                    const Candidate& c);
  void EvaluateSequence(const CompiledRule& r, const EventView& view, LazyRecord& rec,
                        bool is_alert, const Candidate& c);
  void FireDue(bool inclusive);
  void Drain();
  uint32_t ChooseVariant(const CompiledRule& r, const EventView& v) const;
  // An event's state key for the rules with the same `by`: the values joined (the
  // state tables' key) and its hash.
  struct Key {
    uint64_t evaluation = 0;  // the Evaluate call it was made for
    bool found = false;       // false: the event lacks a `by` field
    std::string text;         // the values joined by AppendKeyPart
    size_t hash = 0;          // detail::KeyHash of text
  };
  // The event's key for `r` (nullptr when it lacks a `by` field: counted), made
  // once per event for all the rules with the same `by`. Valid until the next
  // call for a fanned-out copy, or the next event.
  const Key* KeyOf(const CompiledRule& r, const EventView& v);
  // Matches(condition(), view), computed once per event for all the rules that
  // share the condition (`slot`), unless the view is a fanned-out copy; the
  // condition is read only when its slot has no result yet for this event.
  template <typename GetCondition>
  bool Test(uint32_t slot, const EventView& view, GetCondition condition);
  // Test for the rule's opening test and its closing condition `i`.
  bool TestOpening(const CompiledRule& r, const EventView& view);
  bool TestClosing(const CompiledRule& r, size_t i, const EventView& view);
  void ResetCaches();
  // nullptr when the key is new and the (rule, variant) is at max_keys_.
  detail::KeyState* StateFor(const CompiledRule& r, uint32_t variant, const Key& key);
  detail::KeyState* FindState(const CompiledRule& r, uint32_t variant,
                              const detail::HashedKey& key);

  // Patterns (one file each). `key` is the state's key (its `by` values joined),
  // `ks` its state, `view` the event, `entry` the event as state.
  void OnNone(const CompiledRule& r, uint32_t v, std::string_view key, detail::KeyState& ks,
              detail::Entry entry);
  void OnCount(const CompiledRule& r, uint32_t v, std::string_view key, detail::KeyState& ks,
               const EventView& view, detail::Entry entry);
  // `steps[j]`: the event matches step j (step 0 only for its own variant).
  // Returns whether it fired.
  bool OnSequence(const CompiledRule& r, uint32_t v, std::string_view key, detail::KeyState& ks,
                  const detail::Entry& entry, const std::vector<uint8_t>& steps);
  void OnSpike(const CompiledRule& r, uint32_t v, std::string_view key, detail::KeyState& ks,
               detail::Entry entry);
  void OnAbsenceAfter(const CompiledRule& r, uint32_t v, std::string_view key, detail::KeyState& ks,
                      detail::Entry entry);
  void OnAbsenceExpect(const CompiledRule& r, uint32_t v, std::string_view key,
                       detail::KeyState& ks, const detail::Entry& entry);
  void OnHeartbeat(const CompiledRule& r, uint32_t v, std::string_view key, detail::KeyState& ks,
                   const EventView& view, detail::Entry entry);
  void FireDeadline(const Deadline& d);

  // Raises an alert for `key` unless cooldown suppresses it; returns whether it
  // did. `events` are oldest first.
  bool Fire(const CompiledRule& r, uint32_t v, std::string_view key, detail::KeyState& ks,
            std::span<const detail::Entry> events, TimeUs time, int64_t count,
            std::string* alert_id = nullptr);
  // Resolves every fired alert of the key that `by` (time ≥ its opened_at) answers.
  void RetractAnswered(const CompiledRule& r, detail::KeyState& ks, const detail::Entry& by);
  // Whether a firing at `time` is within the cooldown of the key's last alert.
  bool Cooling(const CompiledRule& r, uint32_t v, const detail::KeyState& ks, TimeUs time) const;
  void PruneKey(const CompiledRule& r, uint32_t v, detail::KeyState& ks);

  // The closing events of sequences, logged once per key (detail/closer_log.h;
  // closer_log.cpp). After the rules or the tables change: which rules log, in
  // which table, with which bits; a state that begins to log is registered with
  // its keys' nodes (`reborn`: and takes only the events logged from then on).
  void SetUpLogs(bool reborn);
  // The log node of the event's key in `slot`'s table, looked up once per
  // event; nullptr when there is none and `create` is false.
  detail::LogNode* LogNodeOf(uint32_t slot, const Key& key, bool create);
  // Per table and condition bit: the variants that take its events (after
  // SetUpLogs, and after a variant's `born` changes).
  void SetUpTakers();
  // The state of a logging sequence's key for an opening event: made (with the
  // closing events logged before it) if new; nullptr at max_keys_ unless
  // `past_cap`.
  detail::KeyState* OpenLogged(const CompiledRule& r, uint32_t v, const Key& key,
                               bool past_cap = false);
  // `ks`: new. Takes the logged closing events that the rule's variant would
  // have kept with `within` and `lateness`, as OnSequence would have kept them.
  void TakeLogged(const CompiledRule& r, uint32_t v, const detail::LogNode& node,
                  detail::KeyState& ks, DurationUs within, DurationUs lateness);
  // Makes the variant's state at `key` from the log, with `within` and
  // `lateness`, if it has none and would hold something.
  void MakeFromLog(const CompiledRule& r, uint32_t v, const std::string& key,
                   detail::LogNode& node, DurationUs within, DurationUs lateness);
  // A kept variant whose within or lateness changed (reload, checkpoint): the
  // states it held with the old ones are made from the log, and it takes only
  // what is logged from now on (what it held is judged by the old ones).
  void SettleLogged(const CompiledRule& r, uint32_t v, DurationUs within, DurationUs lateness);
  // A key whose log is full: every variant of the table that would hold
  // something gets its state, and the log starts over.
  void Overflow(detail::LogTable& table, const std::string& key, detail::LogNode& node);
  size_t logged_keys() const;  // log nodes, in all tables
  struct Resettled {
    uint32_t rule, variant;
    DurationUs within, lateness;  // before
  };
  void Resettle(const std::vector<Resettled>& list);  // SettleLogged each
  // Notes that the event matched closing conditions (`bits`) of slot's table.
  void NoteClosing(uint32_t slot, uint64_t bits);
  // Logs the event noted by NoteClosing (end of Evaluate).
  void LogNoted(const detail::Record* rec, bool is_alert);
  // Sweep: whether an empty logging state must stay, because the log still
  // holds an event it may have taken (which a new state would take again); if
  // not, its node forgets it. Then SweepLogs drops expired events, the states
  // gone and the empty nodes.
  bool KeepForLog(const CompiledRule& r, uint32_t v, const std::string& key);
  void SweepLogs();

  std::shared_ptr<const CompiledRules> rules_;
  AlertSink& sink_;
  TimeUs clock_ = INT64_MIN;
  uint64_t last_seq_ = 0;
  uint64_t order_ = 0;  // evaluation order: the (time, seq) tie-break
  // The records' regions and groups; declared before the state that points into it.
  std::unique_ptr<detail::Interner> interner_;
  std::vector<std::unique_ptr<detail::RuleState>> state_;
  std::vector<RuleCounters> counters_;
  size_t max_keys_ = kDefaultMaxKeys;
  std::set<Deadline> deadlines_;
  std::deque<std::variant<Alert, Retraction>> out_;
  uint64_t events_since_sweep_ = 0;
  uint64_t sweep_after_ = 4096;
  // Per-event caches (KeyOf, Test), valid while their evaluation is evaluation_.
  uint64_t evaluation_ = 0;  // Evaluate calls so far
  std::vector<Key> keys_;    // per CompiledRule::key_slot
  Key fanned_key_;           // a fanned-out copy's key (never shared)
  struct Tested {
    uint64_t evaluation = 0;  // the Evaluate call `result` is for
    bool result = false;
  };
  std::vector<Tested> tested_;  // per test slot
  // The closing-event logs. Per rule: its table and its closing steps' bits
  // (nullptr: the rule keeps its closing events itself).
  struct RuleLog {
    detail::LogTable* table = nullptr;
    std::vector<uint64_t> step_bits;  // step j ≥ 1 at j − 1
    uint64_t bits = 0;                // all of them
  };
  bool log_closers_ = true;
  // By `by` signature (detail::LogTables).
  std::unordered_map<std::string, std::unique_ptr<detail::LogTable>> log_tables_;
  std::vector<RuleLog> rule_log_;              // per rule
  std::vector<detail::LogTable*> slot_table_;  // per key slot (nullptr: no rule logs)
  std::vector<bool> logging_states_;           // by VariantState::id
  uint32_t next_state_id_ = 0;
  struct SlotLog {
    uint64_t evaluation = 0;  // the Evaluate call the rest is for
    bool looked_up = false;
    detail::LogNode* node = nullptr;
    uint64_t bits = 0;  // closing conditions matched (NoteClosing)
  };
  std::vector<SlotLog> slot_logs_;     // per key slot
  std::vector<uint32_t> noted_slots_;  // with bits, this evaluation
  // Scratch buffers reused across events (no allocation per event).
  std::vector<uint8_t> steps_scratch_;  // bytes, not bits: tested per candidate
  std::vector<uint32_t> step_counts_;  // OnSequence: candidates per step
};

}  // namespace vigia::engine
