// SPDX-License-Identifier: Apache-2.0
#include "rules/detail/vocabulary.h"

#include <algorithm>
#include <string>

namespace vigia::rules {

std::string_view ToString(Level level) {
  switch (level) {
    case Level::kInfo:
      return "info";
    case Level::kWatch:
      return "watch";
    case Level::kWarning:
      return "warning";
    case Level::kCritical:
      return "critical";
  }
  return "info";
}

std::string_view ToString(PatternKind kind) {
  switch (kind) {
    case PatternKind::kNone:
      return "none";
    case PatternKind::kCount:
      return "count";
    case PatternKind::kSequence:
      return "sequence";
    case PatternKind::kAbsence:
      return "absence";
    case PatternKind::kHeartbeat:
      return "heartbeat";
    case PatternKind::kSpike:
      return "spike";
  }
  return "none";
}

namespace detail {
namespace {

constexpr std::string_view kCountKeys[] = {"at_least", "within", "by", "distinct"};
constexpr std::string_view kSequenceKeys[] = {"steps", "within", "by"};
constexpr std::string_view kAbsenceKeys[] = {"after", "expect", "within", "by"};
constexpr std::string_view kHeartbeatKeys[] = {"of", "every", "grace", "by"};
constexpr std::string_view kSpikeKeys[] = {"window", "baseline", "ratio", "min_count", "by"};

constexpr std::string_view kCountNumeric[] = {"at_least", "within"};
constexpr std::string_view kWithinNumeric[] = {"within"};
constexpr std::string_view kHeartbeatNumeric[] = {"every", "grace"};
constexpr std::string_view kSpikeNumeric[] = {"window", "baseline", "ratio", "min_count"};

struct NamedField {
  std::string_view name;
  Field field;
};
constexpr NamedField kEventFields[] = {
    {"id", Field::kId},
    {"type", Field::kType},
    {"time", Field::kTime},
    {"source", Field::kSource},
    {"region", Field::kRegion},
    {"municipality", Field::kMunicipality},
    {"groups", Field::kGroups},
    {"subject", Field::kSubject},
    {"category", Field::kCategory},
    {"severity", Field::kSeverity},
    {"tags", Field::kTags},
};

std::optional<FieldRef> AttrField(std::string_view name) {
  constexpr std::string_view kPrefix = "attrs.";
  if (!name.starts_with(kPrefix)) return std::nullopt;
  std::string_view attr = name.substr(kPrefix.size());
  if (attr.empty() || std::any_of(attr.begin(), attr.end(), [](char c) {
        return c == ' ' || c == '\t' || c == '{' || c == '}';
      })) {
    return std::nullopt;
  }
  return FieldRef{Field::kAttr, std::string(attr), std::string(name)};
}

}  // namespace

std::span<const std::string_view> PatternKeys(PatternKind kind) {
  switch (kind) {
    case PatternKind::kCount:
      return kCountKeys;
    case PatternKind::kSequence:
      return kSequenceKeys;
    case PatternKind::kAbsence:
      return kAbsenceKeys;
    case PatternKind::kHeartbeat:
      return kHeartbeatKeys;
    case PatternKind::kSpike:
      return kSpikeKeys;
    case PatternKind::kNone:
      break;
  }
  return {};
}

std::span<const std::string_view> NumericKeys(PatternKind kind) {
  switch (kind) {
    case PatternKind::kCount:
      return kCountNumeric;
    case PatternKind::kSequence:
    case PatternKind::kAbsence:
      return kWithinNumeric;
    case PatternKind::kHeartbeat:
      return kHeartbeatNumeric;
    case PatternKind::kSpike:
      return kSpikeNumeric;
    case PatternKind::kNone:
      break;
  }
  return {};
}

PatternKind PatternFromName(std::string_view name) {
  for (PatternKind kind : {PatternKind::kCount, PatternKind::kSequence, PatternKind::kAbsence,
                           PatternKind::kHeartbeat, PatternKind::kSpike}) {
    if (ToString(kind) == name) return kind;
  }
  return PatternKind::kNone;
}

std::optional<Level> LevelFromName(std::string_view name) {
  for (Level level : {Level::kInfo, Level::kWatch, Level::kWarning, Level::kCritical}) {
    if (ToString(level) == name) return level;
  }
  return std::nullopt;
}

std::optional<FieldRef> ConditionField(std::string_view name) {
  for (const NamedField& f : kEventFields) {
    if (f.name == name) return FieldRef{f.field, "", std::string(name)};
  }
  return AttrField(name);
}

std::optional<FieldRef> KeyField(std::string_view name) {
  if (name == "group") return FieldRef{Field::kGroups, "", "group"};
  if (name == "groups" || name == "time" || name == "tags") return std::nullopt;
  return ConditionField(name);
}

}  // namespace detail
}  // namespace vigia::rules
