// SPDX-License-Identifier: Apache-2.0
// Engine internals: the per-(rule, variant, key) state. Not included outside engine/.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/time.h"

namespace vigia::engine::detail {

// What state keeps of an event: shared by every rule that holds it.
struct Record {
  std::string id;
  TimeUs time = 0;
  std::string region;                  // empty: none
  std::optional<std::string> subject;
  std::vector<std::string> groups;
  int depth = 0;                       // 0 for input events; an alert event's depth
  std::vector<std::string> root_events;  // alert events: the input events at the root
};

// One event held by a state. Small and cheap to move: windows shift them.
struct Entry {
  TimeUs time = 0;
  uint64_t order = 0;
  std::shared_ptr<const Record> rec;
  // count with `distinct`: the event's value (null: none, read as "").
  std::shared_ptr<const std::string> distinct;

  bool Before(const Entry& o) const { return time != o.time ? time < o.time : order < o.order; }
  std::string_view distinct_value() const { return distinct ? *distinct : std::string_view(); }
};

// A fired absence/heartbeat alert that a late closing event may still retract.
inline constexpr size_t kMaxRetractable = 16;  // per key; the oldest is forgotten
struct Retractable {
  std::string alert_id;
  TimeUs opened_at = 0;
  TimeUs deadline = 0;
};

struct KeyState {
  const std::string* key = nullptr;      // its key in the table (KeyValues; nodes stay put)
  std::optional<TimeUs> last_alert;      // cooldown
  std::vector<Entry> entries;            // count/spike window; absence `after` events
  std::vector<std::vector<Entry>> steps; // sequence candidates per step
  bool open = false;                     // absence deadline open / heartbeat armed
  TimeUs opened_at = 0;                  // absence: first `after`; heartbeat: last beat time
  TimeUs deadline = 0;
  std::vector<Retractable> fired;        // oldest first, at most kMaxRetractable
};

// A key with its hash, computed once per event and reused by every rule with
// the same `by` (the tables look it up without hashing it again).
struct HashedKey {
  std::string_view text;
  size_t hash;
};

struct KeyHash {
  using is_transparent = void;
  size_t operator()(std::string_view key) const { return std::hash<std::string_view>{}(key); }
  size_t operator()(const HashedKey& key) const { return key.hash; }
};

struct KeyEqual {
  using is_transparent = void;
  bool operator()(std::string_view a, std::string_view b) const { return a == b; }
  bool operator()(const HashedKey& a, std::string_view b) const { return a.text == b; }
  bool operator()(std::string_view a, const HashedKey& b) const { return a == b.text; }
};

inline HashedKey Hashed(std::string_view key) { return {key, KeyHash{}(key)}; }

struct VariantState {
  std::unordered_map<std::string, KeyState, KeyHash, KeyEqual> keys;
};

struct RuleState {
  std::vector<VariantState> variants;
};

}  // namespace vigia::engine::detail
