// SPDX-License-Identifier: Apache-2.0
// The vocabulary shared by the synthetic stream and the synthetic rules
// (synthetic.h): regions by activity, groups and categories with their weights.
// Only for bench/synthetic*.cpp. Thread rules: none (functions of the default catalogs).
#pragma once

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

#include "core/catalog.h"

namespace vigia::bench::detail {

// The default catalog's region codes, the states with the most reported
// aggressions first (the rank that the Zipf skew of regions uses), then the
// others in catalog order.
inline std::vector<std::string> RegionsByActivity() {
  static const char* const kBusiest[] = {
      "MX-GRO", "MX-OAX", "MX-VER", "MX-CHH", "MX-MIC", "MX-CMX", "MX-CHP", "MX-TAM",
      "MX-SIN", "MX-JAL", "MX-MEX", "MX-SON", "MX-BCN", "MX-GUA", "MX-PUE", "MX-NLE",
      "MX-ZAC", "MX-MOR", "MX-COA", "MX-DUR", "MX-QUE", "MX-HID", "MX-SLP", "MX-TAB"};
  const Catalog& regions = Catalogs::Defaults().regions;
  std::vector<std::string> out;
  for (const char* code : kBusiest)
    if (regions.Contains(code)) out.emplace_back(code);
  for (const CatalogEntry& e : regions.entries())
    if (std::find(out.begin(), out.end(), e.code) == out.end()) out.push_back(e.code);
  return out;
}

struct WeightedCode {
  std::string_view code;
  double weight;
};

// Who the events concern; a catalog group missing here has weight 1.
inline constexpr WeightedCode kGroupWeights[] = {
    {"journalist", 20},      {"women_hrd", 15},       {"indigenous", 12},
    {"land_environment", 10}, {"disappeared_families", 9}, {"community", 8},
    {"lgbti", 5},            {"migrants", 5},         {"lawyer", 4},
    {"trade_union", 3},      {"academic", 3},         {"whistleblower", 2},
    {"nhri_staff", 2},
};

// Categories of incident reports: intimidation is common, lethal violence rare.
inline constexpr WeightedCode kReportCategories[] = {
    {"threat", 22},          {"harassment", 16},      {"surveillance", 8},
    {"online_attack", 6},    {"smear_campaign", 5},   {"stigmatizing_statement", 5},
    {"criminalization", 6},  {"arbitrary_detention", 4}, {"defamation_suit", 3},
    {"raid", 3},             {"assault", 6},          {"sexual_violence", 0.15},
    {"attempted_killing", 0.1}, {"killing", 0.05},    {"disappearance", 0.12},
    {"abduction", 0.08},     {"displacement", 3},     {"reprisal", 4},
    {"dos_attack", 1.5},
};

// Categories of media monitoring hits.
inline constexpr WeightedCode kMediaCategories[] = {
    {"smear_campaign", 30}, {"stigmatizing_statement", 30}, {"online_attack", 25},
    {"threat", 10},         {"defamation_suit", 5},
};

}  // namespace vigia::bench::detail
