// SPDX-License-Identifier: Apache-2.0
// The text of the default catalog files (config/regions/mx.yaml, config/groups.yaml,
// config/taxonomy.yaml), embedded at build time by detail/embed_catalogs.cmake.
// The returned views point to static storage.
#pragma once

#include <string_view>

namespace vigia::detail {

inline constexpr std::string_view kDefaultRegionsFile = "config/regions/mx.yaml";
inline constexpr std::string_view kDefaultGroupsFile = "config/groups.yaml";
inline constexpr std::string_view kDefaultTaxonomyFile = "config/taxonomy.yaml";

std::string_view DefaultRegionsYaml();
std::string_view DefaultGroupsYaml();
std::string_view DefaultTaxonomyYaml();

}  // namespace vigia::detail
