// SPDX-License-Identifier: Apache-2.0
// Engine internals shared by its .cpp files. Not included outside engine/.
#pragma once

#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/event.h"
#include "engine/alert.h"
#include "engine/compiled_rules.h"
#include "engine/detail/state.h"

namespace vigia::engine::detail {

// A sequence keeps at most this many candidates per key and step (rules.md).
inline constexpr size_t kMaxCandidatesPerStep = 32;

// Alerts of this depth are not offered to the rules again (rules.md).
inline constexpr int kMaxAlertDepth = 4;

// What state keeps of `e`, the `order`-th event evaluated; `source` is the
// alert an alert event stands for.
RecordPtr MakeRecord(const Event& e, uint64_t order, const Alert* source, Interner& interner);

// The alert as an event of type `alert` (rules.md, "Alerts as events").
Event AlertEvent(const Alert& a, TimeUs clock);

// Builds the alert of rule `r`, variant `v` from `events` (oldest first).
Alert BuildAlert(const CompiledRule& r, uint32_t v, const std::vector<std::string>& key_values,
                 std::span<const Entry> events, TimeUs time, int64_t count, TimeUs fired_at);

// How long after a cooldown ends its last alert still matters: the rule's
// lateness, or 30 days for stateless rules (they see events of any age).
inline DurationUs CooldownHorizon(const CompiledRule& r, const Variant& v) {
  return r.stateful ? v.lateness : 30 * kDay;
}

// Appends one `by` value to a state key. Length-prefixed, so no value can make
// two keys collide.
inline void AppendKeyPart(std::string& key, std::string_view value) {
  key += std::to_string(value.size());
  key.push_back(':');
  key += value;
}

// The `by` values of a key made by AppendKeyPart, in order.
std::vector<std::string> KeyValues(std::string_view key);

}  // namespace vigia::engine::detail
