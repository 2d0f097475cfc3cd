// SPDX-License-Identifier: Apache-2.0
// YAML → JSON text for the events of rule test files, so that they pass through
// the one event decoder like events from any other way in. Internal to rules/.
#pragma once

#include <yaml-cpp/yaml.h>

#include <string>

#include "rules/detail/reporter.h"

namespace vigia::rules::detail {

// `node` as compact JSON. Plain scalars are typed by YAML 1.2 core (`3` is a
// number, `2017-03-01T10:00:00Z` a string), quoted ones are strings. E103 for a
// repeated key, E100 for a non-scalar key, E105 for a number JSON cannot carry
// (.inf, .nan) or nesting deeper than 16; fails after recording all of them.
std::string YamlToJson(Reporter& r, const YAML::Node& node);

// `text` as a JSON string literal, quotes included.
std::string JsonQuote(const std::string& text);

}  // namespace vigia::rules::detail
