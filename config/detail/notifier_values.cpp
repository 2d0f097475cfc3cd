// SPDX-License-Identifier: Apache-2.0
#include "config/detail/notifier_values.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <fstream>

namespace vigia::config::detail {
namespace {

bool IsAlnum(char ch) { return std::isalnum(static_cast<unsigned char>(ch)) != 0; }

bool IsSpaceOrControl(char ch) { return static_cast<unsigned char>(ch) <= ' ' || ch == 0x7f; }

bool IsVariableName(std::string_view s) {
  if (s.empty() || std::isdigit(static_cast<unsigned char>(s.front()))) return false;
  return std::all_of(s.begin(), s.end(), [](char ch) { return IsAlnum(ch) || ch == '_'; });
}

}  // namespace

bool IsNotifierName(std::string_view name) {
  return !name.empty() && std::all_of(name.begin(), name.end(), [](char ch) {
    return IsAlnum(ch) || ch == '.' || ch == '_' || ch == '-';
  });
}

bool IsHeaderName(std::string_view name) {
  constexpr std::string_view kSymbols = "!#$%&'*+-.^_`|~";
  return !name.empty() && std::all_of(name.begin(), name.end(), [&](char ch) {
    return IsAlnum(ch) || kSymbols.find(ch) != std::string_view::npos;
  });
}

bool IsEmailAddress(std::string_view text) {
  std::string_view address = text;
  if (size_t open = text.find('<'); open != std::string_view::npos) {
    if (!text.ends_with('>')) return false;
    address = text.substr(open + 1, text.size() - open - 2);
    if (std::any_of(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(open),
                    [](char ch) { return ch == '\r' || ch == '\n' || ch == '\0'; })) {
      return false;
    }
  }
  size_t at = address.find('@');
  if (at == 0 || at == std::string_view::npos || at + 1 == address.size() ||
      address.find('@', at + 1) != std::string_view::npos) {
    return false;
  }
  return std::none_of(address.begin(), address.end(), [](char ch) {
    return IsSpaceOrControl(ch) || ch == '<' || ch == '>' || ch == ',';
  });
}

Expansion ExpandVariables(std::string_view text, const Lookup& lookup) {
  Expansion out;
  size_t i = 0;
  while (i < text.size()) {
    if (text.substr(i).starts_with("$${")) {
      out.text += "${";
      i += 3;
      continue;
    }
    if (!text.substr(i).starts_with("${")) {
      out.text += text[i++];
      continue;
    }
    size_t close = text.find('}', i + 2);
    if (close == std::string_view::npos) {
      if (out.malformed.empty()) out.malformed = std::string(text.substr(i));
      break;
    }
    std::string name(text.substr(i + 2, close - i - 2));
    if (!IsVariableName(name)) {
      if (out.malformed.empty()) out.malformed = std::string(text.substr(i, close + 1 - i));
    } else if (const char* value = lookup(name)) {
      out.text += value;
      out.expanded = true;
    } else if (std::find(out.unset.begin(), out.unset.end(), name) == out.unset.end()) {
      out.unset.push_back(std::move(name));
    }
    i = close + 1;
  }
  return out;
}

std::optional<Problem> UrlProblem(std::string_view url, const UrlRules& rules) {
  if (std::any_of(url.begin(), url.end(), IsSpaceOrControl)) {
    return Problem{"it holds a space or a control character", "percent-encode it: %20"};
  }
  size_t sep = url.find("://");
  std::string_view scheme = sep == std::string_view::npos ? "" : url.substr(0, sep);
  if (std::find(rules.schemes.begin(), rules.schemes.end(), scheme) == rules.schemes.end()) {
    std::string wanted;
    for (std::string_view s : rules.schemes) {
      wanted += (wanted.empty() ? "" : " or ") + std::string(s) + "://";
    }
    return Problem{"it must start with " + wanted, ""};
  }
  std::string_view rest = url.substr(sep + 3);
  size_t end = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, end);
  std::string_view tail = end == std::string_view::npos ? "" : rest.substr(end);
  if (size_t at = authority.rfind('@'); at != std::string_view::npos) {
    if (!rules.userinfo) {
      return Problem{"it must not hold credentials", "give them as 'username' and 'password'"};
    }
    authority = authority.substr(at + 1);
  }
  std::string_view host = authority;
  std::optional<std::string_view> port;
  if (authority.starts_with('[')) {
    size_t close = authority.find(']');
    if (close == std::string_view::npos) return Problem{"its IPv6 host lacks a ']'", ""};
    host = authority.substr(1, close - 1);
    std::string_view after = authority.substr(close + 1);
    if (!after.empty() && after.front() != ':') return Problem{"text follows its IPv6 host", ""};
    if (!after.empty()) port = after.substr(1);
  } else if (size_t colon = authority.find(':'); colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
  }
  if (host.empty()) return Problem{"it has no host", ""};
  if (port) {
    bool digits =
        !port->empty() && port->size() <= 5 &&
        std::all_of(port->begin(), port->end(), [](char ch) { return ch >= '0' && ch <= '9'; });
    int number = digits ? std::stoi(std::string(*port)) : 0;
    if (number < 1 || number > 65535) {
      return Problem{"its port must be a number from 1 to 65535", ""};
    }
  }
  if (!rules.path && !tail.empty() && tail != "/") {
    return Problem{"it must hold a scheme, a host and a port only", ""};
  }
  if (!rules.query && tail.find_first_of("?#") != std::string_view::npos) {
    return Problem{"it must not have a query or a fragment", ""};
  }
  return std::nullopt;
}

std::optional<Problem> TimezoneProblem(const std::string& name,
                                       const std::filesystem::path& zoneinfo) {
  const std::string hint = "an IANA name such as America/Mexico_City or UTC: a file under " +
                           zoneinfo.string() + " (package tzdata)";
  bool well_formed =
      !name.empty() && !name.starts_with('/') && !name.ends_with('/') &&
      name.find("..") == std::string::npos && name.find("//") == std::string::npos &&
      std::all_of(name.begin(), name.end(), [](char ch) {
        return IsAlnum(ch) || ch == '/' || ch == '_' || ch == '-' || ch == '+' || ch == '.';
      });
  if (!well_formed) return Problem{"invalid time zone name", hint};
  std::filesystem::path file = zoneinfo / name;
  std::error_code ec;
  std::array<char, 4> magic{};
  if (std::filesystem::is_regular_file(file, ec)) {
    std::ifstream in(file, std::ios::binary);
    in.read(magic.data(), magic.size());
  }
  // zone.tab, leapseconds and the like are files there too, but not zones.
  if (std::string_view(magic.data(), magic.size()) != "TZif") {
    return Problem{"unknown time zone", hint};
  }
  return std::nullopt;
}

}  // namespace vigia::config::detail
