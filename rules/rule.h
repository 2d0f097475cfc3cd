// SPDX-License-Identifier: Apache-2.0
// The rule language as data (shared/spec/rules.md): what the loader produces
// and the engine compiles. Pure values; `$lists` are already expanded and
// durations parsed. Immutable once loaded; safe to share across threads.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/diagnostic.h"
#include "core/event.h"
#include "core/time.h"

namespace re2 {
class RE2;
}

namespace vigia::rules {

enum class Level : uint8_t { kInfo = 1, kWatch = 2, kWarning = 3, kCritical = 4 };
std::string_view ToString(Level level);  // "info", ...

// A field of an event as named in a rule: a top-level field or attrs.NAME.
// In `by`, kGroups is written `group` and fans out.
enum class Field : uint8_t {
  kId, kType, kTime, kSource, kRegion, kMunicipality, kGroups, kSubject, kCategory,
  kSeverity, kTags, kAttr,
};
struct FieldRef {
  Field field = Field::kId;
  std::string attr;  // kAttr: NAME of attrs.NAME
  std::string name;  // as written ("region", "group", "groups", "attrs.project")
  bool operator==(const FieldRef& o) const { return field == o.field && attr == o.attr; }
};

// A condition tree. A cond-map is kAll of its entries; `field: {gte: 1, lte: 3}`
// is kAll of two leaves.
struct Condition {
  enum class Op : uint8_t {
    kAll, kAny, kNot,           // combinators: children
    kIn,                        // `field: x`, `field: [a, b]`, `{in: [...]}`: values
    kNotIn, kNe,                // negations: values (kNe has one)
    kGt, kGte, kLt, kLte,       // number
    kExists,                    // exists
    kPrefix, kContains,         // text
    kRegex,                     // text, regex
  };
  Op op = Op::kAll;
  FieldRef field;                          // leaves only
  std::vector<Scalar> values;              // kIn, kNotIn, kNe
  double number = 0;                       // kGt .. kLte
  bool exists = true;                      // kExists
  std::string text;                        // kPrefix, kContains, kRegex (the pattern)
  std::shared_ptr<const re2::RE2> regex;   // kRegex, compiled once at load
  std::vector<Condition> children;         // kAll, kAny, kNot (exactly one)
  SourcePos pos;
};

// Scope. An absent list means "any"; a present one must hold.
struct Where {
  std::optional<std::vector<std::string>> region;
  std::optional<std::vector<std::string>> group;   // holds when the event's groups share one
  std::optional<std::vector<std::string>> source;
  std::optional<std::vector<std::string>> municipality;
  SourcePos pos;
  bool empty() const { return !region && !group && !source && !municipality; }
};

enum class PatternKind : uint8_t { kNone, kCount, kSequence, kAbsence, kHeartbeat, kSpike };
std::string_view ToString(PatternKind kind);  // "none", "count", ...

// The numeric pattern fields, the only ones an override may change.
// In a Rule, the fields its pattern requires are set (the loader checks).
struct PatternParams {
  std::optional<int64_t> at_least;        // count
  std::optional<DurationUs> within;       // count, sequence, absence
  std::optional<DurationUs> every;        // heartbeat
  std::optional<DurationUs> grace;        // heartbeat (default 0)
  std::optional<double> ratio;            // spike
  std::optional<int64_t> min_count;       // spike
  std::optional<DurationUs> window;       // spike
  std::optional<DurationUs> baseline;     // spike
};

struct Override {
  Where where;
  std::optional<Level> level;
  std::optional<DurationUs> cooldown;
  std::optional<std::string> summary;
  PatternParams params;
  SourcePos pos;
};

struct Rule {
  std::string id;
  std::string description;
  Level level = Level::kInfo;
  Where where;
  std::optional<Condition> match;
  PatternKind kind = PatternKind::kNone;
  PatternParams params;
  std::optional<FieldRef> distinct;       // count
  std::vector<Condition> steps;           // sequence (≥ 2)
  std::optional<Condition> after;         // absence
  std::optional<Condition> expect;        // absence
  std::optional<Condition> of;            // heartbeat
  std::vector<FieldRef> by;               // from the rule or its pattern; empty = one key
  std::optional<DurationUs> cooldown;
  std::optional<DurationUs> lateness;
  std::vector<Override> overrides;
  std::optional<std::string> summary;
  bool enabled = true;
  bool shadow = false;
  // First 8 hex digits of the SHA-256 of the rule's definition after $list
  // expansion (canonical re-emission of its YAML): changes iff the rule does.
  std::string version;
  SourcePos pos;
};

struct RuleSet {
  std::vector<Rule> rules;  // in file order, files in the order given
  std::map<std::string, std::vector<std::string>> lists;
  std::vector<std::string> files;
};

}  // namespace vigia::rules
