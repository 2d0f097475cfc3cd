// SPDX-License-Identifier: Apache-2.0
// Evaluates rule conditions and scopes on events. Pure functions; no allocation
// on the evaluation path except for `by` key values.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/event.h"
#include "rules/rule.h"

namespace vigia::engine {

// An event as one rule sees it: with `by: [group]` fan-out, each copy sees a
// single group (rules.md, "Terms").
struct EventView {
  const Event* event = nullptr;
  const std::string* single_group = nullptr;  // non-null: the copy's only group

  bool HasGroup(std::string_view g) const;
  size_t group_count() const { return single_group ? 1 : event->groups.size(); }
  const std::string& group(size_t i) const { return single_group ? *single_group : event->groups[i]; }
};

bool Matches(const rules::Condition& cond, const EventView& view);
bool MatchesWhere(const rules::Where& where, const EventView& view);

// The value of a `by` or `distinct` field as text; nullopt when the event lacks
// it (also for null and array attrs, which cannot key state).
std::optional<std::string> KeyValue(const rules::FieldRef& field, const EventView& view);

}  // namespace vigia::engine
