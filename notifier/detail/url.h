// SPDX-License-Identifier: Apache-2.0
// The receiver URLs the dispatcher connects to: http, https (webhook,
// Alertmanager), smtp and smtps (email). Pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.h"

namespace vigia::notifier::detail {

struct Url {
  std::string scheme;        // lower case: "http", "https", "smtp", "smtps"
  std::string host;          // without the brackets of an IPv6 literal; lower case
  uint16_t port = 0;         // from the URL or the scheme's default (80, 443, 587, 465)
  bool default_port = true;  // no port in the URL, or the scheme's default port
  std::string target;        // path and query, "/" when empty; never the fragment
  std::string user;          // percent-decoded userinfo; never logged
  std::string password;

  bool tls() const { return scheme == "https" || scheme == "smtps"; }
  bool host_is_ip() const;
  // For the Host header: host, "[v6]" for IPv6, plus ":port" when not the default.
  std::string HostHeader() const;
};

// Errors are short and never quote the URL (it may hold credentials):
// "unsupported URL scheme", "bad port in URL", ...
Result<Url, std::string> ParseUrl(std::string_view text);

// `base` (a URL's target: path and maybe a query) with `path` appended to its
// path: one '/' between them whatever `base` ends with; the query stays last.
// JoinPath("/am/", "api/v2/alerts") == "/am/api/v2/alerts".
std::string JoinPath(std::string_view base, std::string_view path);

}  // namespace vigia::notifier::detail
