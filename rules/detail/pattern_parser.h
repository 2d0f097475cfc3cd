// SPDX-License-Identifier: Apache-2.0
// Stage 2c: a rule's pattern mapping (count, sequence, absence, heartbeat,
// spike) → the pattern fields of a Rule. Internal to rules/.
#pragma once

#include <optional>

#include "rules/detail/condition_parser.h"
#include "rules/detail/reporter.h"
#include "rules/rule.h"

namespace vigia::rules::detail {

// Parses the pattern entry `e` (its name is the kind) into rule.kind, params,
// distinct, steps, after, expect and of. A `by` inside the pattern is set in
// `by`, unparsed (even when the pattern fails), for the rule to reconcile with
// its own. Records every problem (E100-E105, E121, and those of the
// conditions), then fails if any.
void ParsePattern(const ParseContext& ctx, const Entry& e, Rule& rule, std::optional<Entry>& by);

}  // namespace vigia::rules::detail
