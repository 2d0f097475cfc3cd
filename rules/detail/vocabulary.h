// SPDX-License-Identifier: Apache-2.0
// The words of the rule language (shared/spec/rules.md): keys allowed in each
// mapping, event fields, levels and pattern names. One table each, used both to
// parse and to suggest corrections. Internal to rules/.
#pragma once

#include <optional>
#include <span>
#include <string_view>

#include "rules/rule.h"

namespace vigia::rules::detail {

inline constexpr std::string_view kTopLevelKeys[] = {"lists", "rules"};
inline constexpr std::string_view kRuleKeys[] = {
    "id",        "description", "level",     "where",  "match",   "count",
    "sequence",  "absence",     "heartbeat", "spike",  "by",      "cooldown",
    "overrides", "summary",     "enabled",   "shadow", "lateness"};
inline constexpr std::string_view kPatternNames[] = {"count", "sequence", "absence", "heartbeat",
                                                     "spike"};
inline constexpr std::string_view kWhereKeys[] = {"region", "group", "source", "municipality"};
inline constexpr std::string_view kOverrideBaseKeys[] = {"where", "level", "cooldown", "summary"};
inline constexpr std::string_view kLevelNames[] = {"info", "watch", "warning", "critical"};
inline constexpr std::string_view kConditionFields[] = {
    "id",     "type",    "time",     "source",   "region", "municipality",
    "groups", "subject", "category", "severity", "tags",   "attrs.NAME"};
inline constexpr std::string_view kCombinators[] = {"any", "all", "not"};
inline constexpr std::string_view kOperators[] = {
    "in", "not_in", "ne", "gt", "gte", "lt", "lte", "exists", "prefix", "contains", "regex"};
inline constexpr std::string_view kKeyFields[] = {"region", "group",     "subject", "municipality",
                                                  "source", "category",  "type",    "severity",
                                                  "id",     "attrs.NAME"};
inline constexpr std::string_view kSummaryBuiltins[] = {"count", "rule", "level", "first_time",
                                                        "last_time"};

// Every key of a pattern's mapping (`by` included), and its numeric ones: the
// only ones an override may change.
std::span<const std::string_view> PatternKeys(PatternKind kind);
std::span<const std::string_view> NumericKeys(PatternKind kind);

// kNone for a name that is not a pattern.
PatternKind PatternFromName(std::string_view name);
std::optional<Level> LevelFromName(std::string_view name);

// A field as a condition names it (top-level event field or attrs.NAME).
std::optional<FieldRef> ConditionField(std::string_view name);
// A key field as `by` or `distinct` names it (`group` for the groups, no time/tags).
std::optional<FieldRef> KeyField(std::string_view name);

}  // namespace vigia::rules::detail
