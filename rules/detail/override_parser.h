// SPDX-License-Identifier: Apache-2.0
// Stage 2d: a rule's `overrides` → Override values, and the checks that need
// the whole list: an override shadowed by an earlier one (W201), an override
// whose scope cannot meet the rule's (W202). Internal to rules/.
#pragma once

#include <string>
#include <vector>

#include "rules/detail/condition_parser.h"
#include "rules/detail/reporter.h"
#include "rules/rule.h"

namespace vigia::rules::detail {

// Parses the `overrides` entry into rule.overrides. REQUIRES: rule.kind and
// rule.where are set. `placeholders` are the summary placeholders allowed
// (nullptr: the rule's `by` is broken, so summaries are not checked). Records
// every problem (E100-E105, E116, E117, W201, W202), then fails on any error.
void ParseOverrides(const ParseContext& ctx, const Entry& e, Rule& rule,
                    const std::vector<std::string>* placeholders);

// True when every event in `narrow` (within the rule's `scope`) is also in
// `wide`: each dimension of `wide` is absent or a superset. An event has one
// region, source and municipality but may have several groups, so `narrow`'s
// groups are intersected with the scope's only when `single_group` (the rule
// fans out by group: each copy has one).
bool WhereImplies(const Where& narrow, const Where& wide, const Where& scope, bool single_group);

}  // namespace vigia::rules::detail
