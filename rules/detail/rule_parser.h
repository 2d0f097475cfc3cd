// SPDX-License-Identifier: Apache-2.0
// Stage 2: one YAML rule mapping → Rule, with every problem of the rule
// recorded (a bad key does not hide the problems of the next key). Internal to
// rules/.
#pragma once

#include <yaml-cpp/yaml.h>

#include <optional>

#include "rules/detail/condition_parser.h"
#include "rules/rule.h"

namespace vigia::rules::detail {

// Parses rule number `index` (1-based, for messages while its id is unknown).
// nullopt if any error was recorded; warnings do not reject a rule.
std::optional<Rule> ParseRule(const ParseContext& ctx, const YAML::Node& node, size_t index);

}  // namespace vigia::rules::detail
