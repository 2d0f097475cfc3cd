// SPDX-License-Identifier: Apache-2.0
#include "daemon/cli/alert_line.h"

#include <cctype>

#include <boost/json.hpp>

namespace vigia::cli {

std::string JsonField(const boost::json::object& o, std::string_view key) {
  if (const auto* v = o.if_contains(key)) {
    if (v->is_string()) return std::string(v->as_string());
    if (v->is_int64()) return std::to_string(v->as_int64());
    if (v->is_uint64()) return std::to_string(v->as_uint64());
  }
  return {};
}

std::string AlertLine(const boost::json::object& a) {
  std::string level = JsonField(a, "level");
  for (auto& c : level) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  const std::string region = JsonField(a, "region");
  std::string line = JsonField(a, "time") + " " + level + " " + (region.empty() ? "-" : region) +
                     " " + JsonField(a, "rule") + " (" + JsonField(a, "count") + " events)";
  if (const std::string summary = JsonField(a, "summary"); !summary.empty()) line += " " + summary;
  return line + " [" + JsonField(a, "alert") + "]";
}

}  // namespace vigia::cli
