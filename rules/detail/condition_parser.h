// SPDX-License-Identifier: Apache-2.0
// Stage 2a: a YAML cond-map → Condition tree (shared/spec/rules.md,
// "Conditions"). Every entry of a map is checked even after one fails, so all
// problems of a `match` are reported together. Internal to rules/.
#pragma once

#include <yaml-cpp/yaml.h>

#include <string>
#include <vector>

#include "core/catalog.h"
#include "rules/detail/list_table.h"
#include "rules/detail/reporter.h"
#include "rules/rule.h"

namespace vigia::rules::detail {

// What every rule stage needs. All references outlive the parse.
struct ParseContext {
  Reporter& r;
  const ListTable& lists;
  const Catalogs& catalogs;
};

// Parses a cond-map (a mapping of field → condition, with any/all/not) into a
// kAll node. `at` is where to point if `node` is not a mapping. Records every
// problem (E100, E105, E107, E108, E109, E110, E111, E112, E118; W202 for a
// condition that can never hold), then throws DiagnosticError if any was an error.
Condition ParseConditionMap(const ParseContext& ctx, const YAML::Node& node, const YAML::Node& at);

// The values of a list position (`[a, b]`, a scalar or `$name`) for `field`:
// texts for string fields, numbers for severity; E111/E112 for a region or group
// not in the catalogs (kRegion/kGroups only).
std::vector<Scalar> FieldValues(const ParseContext& ctx, const FieldRef& field,
                                const YAML::Node& node, const YAML::Node& at);

}  // namespace vigia::rules::detail
