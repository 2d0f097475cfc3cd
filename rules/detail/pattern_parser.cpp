// SPDX-License-Identifier: Apache-2.0
#include "rules/detail/pattern_parser.h"

#include <algorithm>
#include <set>

#include "rules/detail/values.h"
#include "rules/detail/vocabulary.h"

namespace vigia::rules::detail {
namespace {

struct PatternShape {
  PatternKind kind;
  std::initializer_list<std::string_view> required;
  std::string_view example;
};
const PatternShape kShapes[] = {
    {PatternKind::kCount, {"at_least", "within"}, "count: {at_least: 3, within: 7d}"},
    {PatternKind::kSequence,
     {"steps", "within"},
     "sequence: {steps: [{type: threat}, {type: checkin_missed}], within: 72h}"},
    {PatternKind::kAbsence,
     {"after", "expect", "within"},
     "absence: {after: {type: panic}, expect: {type: checkin}, within: 30m}"},
    {PatternKind::kHeartbeat, {"of", "every"}, "heartbeat: {of: {type: checkin}, every: 24h}"},
    {PatternKind::kSpike,
     {"window", "baseline", "ratio", "min_count"},
     "spike: {window: 1d, baseline: 28d, ratio: 3, min_count: 5}"},
};

constexpr size_t kMinSteps = 2;

std::vector<Condition> ParseSteps(const ParseContext& ctx, const Entry& e) {
  if (!e.value.IsSequence()) {
    ctx.r.Fail("E100", e.anchor(),
               "'steps' must be a list of conditions, found " + DescribeKind(e.value));
  }
  if (e.value.size() < kMinSteps) {
    ctx.r.Fail("E121", e.anchor(),
               "a sequence needs at least 2 steps, found " + std::to_string(e.value.size()),
               "for a single kind of event, use 'count' or no pattern");
  }
  std::vector<Condition> steps;
  size_t errors = ctx.r.errors();
  size_t index = 0;
  for (const YAML::Node& step : e.value) {
    Reporter::Scope scope(ctx.r, "#" + std::to_string(++index));
    ctx.r.Guard([&] { steps.push_back(ParseConditionMap(ctx, step, step)); });
  }
  if (ctx.r.errors() > errors) throw DiagnosticError();
  return steps;
}

}  // namespace

void ParsePattern(const ParseContext& ctx, const Entry& e, Rule& rule, std::optional<Entry>& by) {
  Reporter& r = ctx.r;
  rule.kind = PatternFromName(e.name);
  Reporter::Scope scope(r, e.name);
  if (!e.value.IsMap()) {
    r.Fail("E100", e.anchor(),
           "'" + e.name + "' must be a mapping, found " + DescribeKind(e.value));
  }
  std::set<std::string> given;  // with the required keys that were probably misspelt
  size_t errors = r.errors();
  for (const Entry& field :
       CheckedEntries(r, e.value, PatternKeys(rule.kind), "'" + e.name + "'", &given)) {
    given.insert(field.name);
    r.Guard([&] {
      Reporter::Scope field_scope(r, field.name);
      if (field.name == "by") {
        by = field;
      } else if (field.name == "distinct") {
        rule.distinct = ParseDistinctValue(r, field);
      } else if (field.name == "steps") {
        rule.steps = ParseSteps(ctx, field);
      } else if (field.name == "after") {
        rule.after = ParseConditionMap(ctx, field.value, field.anchor());
      } else if (field.name == "expect") {
        rule.expect = ParseConditionMap(ctx, field.value, field.anchor());
      } else if (field.name == "of") {
        rule.of = ParseConditionMap(ctx, field.value, field.anchor());
      } else {
        ParseNumericParam(r, field, rule.params);
      }
    });
  }
  for (const PatternShape& shape : kShapes) {
    if (shape.kind != rule.kind) continue;
    for (std::string_view required : shape.required) {
      if (given.count(std::string(required)) == 0) {
        r.Error("E102", e.key, "'" + e.name + "' needs '" + std::string(required) + "'",
                "e.g. " + std::string(shape.example));
      }
    }
  }
  if (r.errors() > errors) throw DiagnosticError();
}

}  // namespace vigia::rules::detail
