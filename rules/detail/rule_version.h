// SPDX-License-Identifier: Apache-2.0
// Stage 3: a rule's version, so the engine keeps state across reloads exactly
// for rules that did not change. Internal to rules/.
#pragma once

#include <yaml-cpp/yaml.h>

#include <string>

#include "rules/detail/list_table.h"

namespace vigia::rules::detail {

// A canonical text of `node`: JSON-like, mapping keys sorted, scalars typed as
// YAML 1.2 core, `$name` replaced by the list's items. Comments, layout, flow
// or block style and key order do not change it; any value does.
std::string CanonicalText(const YAML::Node& node, const ListTable& lists);

// The first 8 hex digits of the SHA-256 of CanonicalText(node, lists).
std::string RuleVersion(const YAML::Node& node, const ListTable& lists);

}  // namespace vigia::rules::detail
