// SPDX-License-Identifier: Apache-2.0
// Typed reads of the alert JSON object for the renderers: a field that is
// missing or of another type reads as empty. Internal to notifier/.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "core/time.h"

namespace vigia::notifier::detail {

// The string at `key`; empty when missing or not a string.
inline std::string_view StringAt(const boost::json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  if (!v || !v->is_string()) return {};
  const auto& s = v->get_string();
  return {s.data(), s.size()};
}

// The string elements of the array at `key`, joined by `sep`.
inline std::string JoinedAt(const boost::json::object& o, std::string_view key,
                            std::string_view sep) {
  std::string out;
  const auto* v = o.if_contains(key);
  if (!v || !v->is_array()) return out;
  for (const auto& x : v->get_array()) {
    if (!x.is_string() || x.get_string().empty()) continue;
    if (!out.empty()) out += sep;
    out.append(x.get_string().data(), x.get_string().size());
  }
  return out;
}

// The RFC 3339 time at `key`; nullopt when missing or malformed.
inline std::optional<TimeUs> TimeAt(const boost::json::object& o, std::string_view key) {
  const std::string_view text = StringAt(o, key);
  if (text.empty()) return std::nullopt;
  return ParseRfc3339(text);
}

}  // namespace vigia::notifier::detail
