// SPDX-License-Identifier: Apache-2.0
// Engine internals: the closing events of sequences, kept once per key for all
// the sequences with the same `by`. Not included outside engine/.
//
// A sequence keeps a closing event (a step after the first) even when nothing
// opened its key, since an opener may still arrive late (rules.md, sequence).
// Kept per rule, that is one state per (rule, key) for every closing event
// offered to it: with the example's generated 1,000 rules, three keys in four
// were such states. Instead, a rule's key gets its state only with its first
// opener, which takes the closing events logged before it, as the rule would
// have kept them; from then on the state takes them as they come.
#pragma once

#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include <boost/unordered/unordered_map.hpp>

#include "core/time.h"
#include "engine/detail/state.h"

namespace vigia::engine::detail {

// A table logs at most this many distinct closing conditions (one bit each in
// a logged event); the sequences whose conditions find no bit keep their
// closing events themselves, as before.
inline constexpr size_t kMaxLoggedConditions = 64;
// Per key and condition, past twice a step's cap the log keeps only what the
// rules' states would keep (LogNode::Trim). A key whose log passes
// kMaxLoggedClosers (a feed flooding one key with over 16 conditions) gets the
// states of every rule that would hold something, and its log starts over.
inline constexpr size_t kTrimAbove = 64;
inline constexpr size_t kMaxLoggedClosers = 1024;

// One closing event of a key.
struct LoggedCloser {
  const Record* rec = nullptr;  // held: its time, its order
  TimeUs clock = 0;             // the engine's clock when it was evaluated
  uint64_t conditions = 0;      // bits of the table's conditions it matched
  bool is_alert = false;        // alert events are never late

  // Whether a rule whose events are late past `lateness` saw it (as
  // EvaluateSequence decides).
  bool SeenWith(DurationUs lateness) const { return is_alert || rec->time >= clock - lateness; }
  // In (time, order) order, as candidates are.
  bool Before(const LoggedCloser& o) const {
    return rec->time != o.rec->time ? rec->time < o.rec->time : rec->order < o.rec->order;
  }
};

// A (rule, variant) whose steps have a logged condition: it takes the events
// evaluated after it began that it did not find late.
struct Taker {
  uint32_t rule = 0;
  DurationUs lateness = 0;
  uint64_t born = 0;
  uint32_t state_id = 0;  // VariantState::id
  DurationUs within = 0;

  bool Takes(const LoggedCloser& x) const { return x.rec->order > born && x.SeenWith(lateness); }
};

// The closing events of one key in arrival order, and the (rule, variant)
// states that exist for it.
class LogNode {
 public:
  LogNode() = default;
  LogNode(const LogNode&) = delete;
  LogNode& operator=(const LogNode&) = delete;
  LogNode(LogNode&& o) noexcept
      : log_(std::exchange(o.log_, {})), open_(std::exchange(o.open_, {})) {}
  ~LogNode() {
    for (const LoggedCloser& c : log_) intrusive_ptr_release(c.rec);
  }

  const std::vector<LoggedCloser>& log() const { return log_; }
  // REQUIRES: c.rec is not null. Holds it.
  void Append(const LoggedCloser& c) {
    intrusive_ptr_add_ref(c.rec);
    log_.push_back(c);
  }
  void ClearLog() { Erase(log_.begin(), log_.end()); }
  // Forgets the expired events at the front (`expired(event)`): events mostly
  // arrive in time order, so that is where they expire.
  template <typename Pred>
  void PruneFront(Pred expired) {
    Erase(log_.begin(), std::find_if_not(log_.begin(), log_.end(), expired));
  }
  // Forgets every expired event.
  template <typename Pred>
  void Prune(Pred expired) {
    Erase(std::stable_partition(log_.begin(), log_.end(), std::not_fn(expired)), log_.end());
  }
  // The number of events that matched the condition of `bit`.
  size_t Count(uint64_t bit) const {
    return static_cast<size_t>(std::count_if(log_.begin(), log_.end(), [&](const LoggedCloser& x) {
      return (x.conditions & bit) != 0;
    }));
  }
  // Of the events that matched the condition of `bit`, keeps for it only those
  // that some taker's state would keep: among the newest `keep` (by (time,
  // order)) that it takes. The others lose the bit (`on_drop(event)` first),
  // and go once they have none.
  template <typename OnDrop>
  void Trim(uint64_t bit, const std::vector<Taker>& takers, size_t keep, OnDrop&& on_drop) {
    std::vector<LoggedCloser*> newest_first;
    for (LoggedCloser& x : log_)
      if (x.conditions & bit) newest_first.push_back(&x);
    std::sort(newest_first.begin(), newest_first.end(),
              [](const LoggedCloser* a, const LoggedCloser* b) { return b->Before(*a); });
    std::vector<size_t> kept(takers.size());
    for (LoggedCloser* x : newest_first) {
      bool needed = false;
      for (size_t t = 0; t < takers.size(); ++t) {
        if (kept[t] >= keep || !takers[t].Takes(*x)) continue;
        ++kept[t];
        needed = true;
      }
      if (needed) continue;
      on_drop(*x);
      x->conditions &= ~bit;
    }
    Erase(std::stable_partition(log_.begin(), log_.end(),
                                [](const LoggedCloser& x) { return x.conditions != 0; }),
          log_.end());
  }
  // Whether an event that matched a condition of `bits` at or after `horizon`
  // is logged.
  bool HoldsSince(TimeUs horizon, uint64_t bits) const {
    return std::any_of(log_.begin(), log_.end(), [&](const LoggedCloser& x) {
      return (x.conditions & bits) != 0 && x.rec->time >= horizon;
    });
  }

  // The ids of the (rule, variant) states of the key (Engine: VariantState::id).
  bool IsOpen(uint32_t id) const { return std::binary_search(open_.begin(), open_.end(), id); }
  void Open(uint32_t id) {
    auto at = std::lower_bound(open_.begin(), open_.end(), id);
    if (at == open_.end() || *at != id) open_.insert(at, id);
  }
  void Close(uint32_t id) {
    auto at = std::lower_bound(open_.begin(), open_.end(), id);
    if (at != open_.end() && *at == id) open_.erase(at);
  }
  template <typename Pred>
  void CloseIf(Pred pred) {
    std::erase_if(open_, pred);
  }
  bool empty() const { return log_.empty() && open_.empty(); }

 private:
  using Iterator = std::vector<LoggedCloser>::iterator;
  void Erase(Iterator first, Iterator last) {
    for (auto it = first; it != last; ++it) intrusive_ptr_release(it->rec);
    log_.erase(first, last);
  }

  std::vector<LoggedCloser> log_;
  std::vector<uint32_t> open_;  // sorted
};

// The logs of every key of one `by` (a key slot's signature).
struct LogTable {
  boost::unordered_map<std::string, LogNode, KeyHash, KeyEqual> nodes;  // as VariantState::keys
  // The conditions logged, by bit; only ever appended to, so that a logged
  // event's bits keep their meaning across reloads.
  std::vector<std::string> conditions;
  // By bit: the longest within + lateness among the variants of the rules
  // whose steps have the condition. An event older than the clock minus the
  // longest of its conditions' has expired for every rule that could take it.
  std::array<DurationUs, kMaxLoggedConditions> horizons{};
  // By bit: the variants that may take its events (for their counters), and
  // the distinct (lateness, born) among them (what decides what they take).
  std::array<std::vector<Taker>, kMaxLoggedConditions> takers, kinds;
  // The (rule index, variant) of every variant logging here.
  std::vector<std::pair<uint32_t, uint32_t>> members;

  bool Expired(const LoggedCloser& x, TimeUs clock) const {
    for (uint64_t bits = x.conditions; bits != 0; bits &= bits - 1)
      if (x.rec->time >= clock - horizons[std::countr_zero(bits)]) return false;
    return true;
  }

  // The bit of `condition` (by its test slot's signature), added if new;
  // -1 when the table has no bit left.
  int Bit(const std::string& condition) {
    auto at = std::find(conditions.begin(), conditions.end(), condition);
    if (at != conditions.end()) return static_cast<int>(at - conditions.begin());
    if (conditions.size() >= kMaxLoggedConditions) return -1;
    conditions.push_back(condition);
    return static_cast<int>(conditions.size() - 1);
  }
};

// Per `by` signature.
using LogTables = std::unordered_map<std::string, std::unique_ptr<LogTable>>;

}  // namespace vigia::engine::detail
