// SPDX-License-Identifier: Apache-2.0
// Stage 2b: the typed values of rule keys (durations, counts, levels, key
// fields, scopes, summary templates), each checked with its own diagnostic.
// Each function fails (DiagnosticError) after recording its problems.
// Internal to rules/.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "rules/detail/condition_parser.h"
#include "rules/detail/reporter.h"
#include "rules/rule.h"

namespace vigia::rules::detail {

inline constexpr DurationUs kMaxLateness = 30 * kDay;

// E104 unless the value is a duration such as 15m.
DurationUs ParseDurationValue(Reporter& r, const Entry& e);
// E105 unless an integer ≥ `min`.
int64_t ParseIntegerValue(Reporter& r, const Entry& e, int64_t min);
// E105 unless true or false.
bool ParseBoolValue(Reporter& r, const Entry& e);
// E105 unless info, watch, warning or critical.
Level ParseLevelValue(Reporter& r, const Entry& e);

// `by`: a field name or a list of them. E115 for an unknown or unusable field,
// E105 for a repeated one.
std::vector<FieldRef> ParseByValue(Reporter& r, const Entry& e);
// `distinct`: one key field other than `group` (E115).
FieldRef ParseDistinctValue(Reporter& r, const Entry& e);

// Sets the numeric pattern field `e.name` (at_least, within, every, grace, ratio,
// min_count, window, baseline). REQUIRES: e.name is one of them.
void ParseNumericParam(Reporter& r, const Entry& e, PatternParams& params);

// `where`: a mapping of region/group/source/municipality to values. W202 for a
// dimension given as an empty list (`whose` names the owner: "rule 'x'").
Where ParseWhereValue(const ParseContext& ctx, const Entry& e, const std::string& whose);

// The placeholders a summary may use with these `by` fields.
std::vector<std::string> SummaryPlaceholders(const std::vector<FieldRef>& by);
// E116 for each `{name}` in the summary not in `allowed` (and for an unclosed '{'),
// pointing inside the string when it is written on one line.
std::string ParseSummaryValue(Reporter& r, const Entry& e, const std::vector<std::string>& allowed);

}  // namespace vigia::rules::detail
