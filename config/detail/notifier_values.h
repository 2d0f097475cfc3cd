// SPDX-License-Identifier: Apache-2.0
// The value syntaxes of the `notifier` section: names, ${VAR} references, URLs,
// email addresses, HTTP header names and time zones. Pure functions (apart from
// the tz database lookup), so each is tested alone. Internal to config/.
#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "config/detail/values.h"

namespace vigia::config::detail {

// A receiver or policy name: 1 or more of [A-Za-z0-9._-].
bool IsNotifierName(std::string_view name);

// An HTTP header name: RFC 9110's token.
bool IsHeaderName(std::string_view name);

// "local@domain" or "Name <local@domain>", without spaces, commas or control
// characters in the address.
bool IsEmailAddress(std::string_view text);

// `text` with each ${NAME} replaced by lookup(NAME) (NAME: [A-Za-z_][A-Za-z0-9_]*)
// and each $${ by a literal ${. A lookup that returns nullptr marks NAME unset.
struct Expansion {
  std::string text;                // valid only if unset and malformed are empty
  bool expanded = false;           // a variable was replaced: the text holds a secret
  std::vector<std::string> unset;  // in order, without repeats
  std::string malformed;           // the first bad reference as written ("${a b}", "${x"), if any
};
using Lookup = std::function<const char*(const std::string& name)>;
Expansion ExpandVariables(std::string_view text, const Lookup& lookup);

struct UrlRules {
  std::span<const std::string_view> schemes;  // "http", "https"
  bool path = true;                           // a path may follow the host
  bool query = true;                          // a ?query or #fragment is allowed
  bool userinfo = true;                       // user:password@ is allowed before the host
};

// nullopt if `url` is SCHEME://HOST[:PORT][...] within `rules`, else why not.
// The reasons never quote the URL: it may hold an expanded secret.
std::optional<Problem> UrlProblem(std::string_view url, const UrlRules& rules);

// The system's tz database, as the renderer reads it (date, USE_OS_TZDB).
inline constexpr char kZoneInfoDir[] = "/usr/share/zoneinfo";

// nullopt if `name` is a zone file (TZif) under `zoneinfo`, else why not. Absolute
// names and ".." are refused without looking.
std::optional<Problem> TimezoneProblem(const std::string& name,
                                       const std::filesystem::path& zoneinfo = kZoneInfoDir);

}  // namespace vigia::config::detail
