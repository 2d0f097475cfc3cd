// SPDX-License-Identifier: Apache-2.0
#include "notifier/detail/url.h"

#include <cctype>

#include <boost/asio/ip/address.hpp>

namespace vigia::notifier::detail {
namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool PercentDecode(std::string_view in, std::string& out) {
  out.clear();
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '%') {
      out.push_back(in[i]);
      continue;
    }
    if (i + 2 >= in.size()) return false;
    const int hi = HexValue(in[i + 1]), lo = HexValue(in[i + 2]);
    if (hi < 0 || lo < 0) return false;
    out.push_back(static_cast<char>(hi * 16 + lo));
    i += 2;
  }
  return true;
}

uint16_t DefaultPort(std::string_view scheme) {
  if (scheme == "http") return 80;
  if (scheme == "https") return 443;
  if (scheme == "smtp") return 587;
  return 465;  // smtps
}

bool HostChar(unsigned char c) { return std::isalnum(c) || c == '-' || c == '.' || c == '_'; }

}  // namespace

bool Url::host_is_ip() const {
  boost::system::error_code ec;
  boost::asio::ip::make_address(host, ec);
  return !ec;
}

std::string Url::HostHeader() const {
  std::string out = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  if (!default_port) out += ":" + std::to_string(port);
  return out;
}

Result<Url, std::string> ParseUrl(std::string_view text) {
  Url url;
  const size_t colon = text.find("://");
  if (colon == std::string_view::npos)
    return MakeError(std::string("expected scheme://host in URL"));
  url.scheme = Lower(text.substr(0, colon));
  if (url.scheme != "http" && url.scheme != "https" && url.scheme != "smtp" &&
      url.scheme != "smtps")
    return MakeError(std::string("unsupported URL scheme"));
  std::string_view rest = text.substr(colon + 3);
  if (const size_t hash = rest.find('#'); hash != std::string_view::npos)
    rest = rest.substr(0, hash);
  const size_t end = rest.find_first_of("/?");
  std::string_view authority = rest.substr(0, end);
  std::string_view target = end == std::string_view::npos ? std::string_view() : rest.substr(end);
  for (char c : target)
    if (static_cast<unsigned char>(c) <= ' ' || c == 0x7f)
      return MakeError(std::string("bad character in URL path"));

  if (const size_t at = authority.rfind('@'); at != std::string_view::npos) {
    std::string_view userinfo = authority.substr(0, at);
    authority = authority.substr(at + 1);
    const size_t sep = userinfo.find(':');
    if (!PercentDecode(userinfo.substr(0, sep), url.user) ||
        (sep != std::string_view::npos && !PercentDecode(userinfo.substr(sep + 1), url.password)))
      return MakeError(std::string("bad percent-encoding in URL userinfo"));
  }

  std::string_view port;
  if (!authority.empty() && authority.front() == '[') {
    const size_t close = authority.find(']');
    if (close == std::string_view::npos) return MakeError(std::string("unclosed '[' in URL host"));
    url.host = Lower(authority.substr(1, close - 1));
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return MakeError(std::string("expected ':port' after ']' in URL"));
      port = after.substr(1);
      if (port.empty()) return MakeError(std::string("bad port in URL"));
    }
    if (!url.host_is_ip()) return MakeError(std::string("bad IPv6 address in URL"));
  } else {
    const size_t c = authority.find(':');
    url.host = Lower(authority.substr(0, c));
    if (c != std::string_view::npos) {
      port = authority.substr(c + 1);
      if (port.empty()) return MakeError(std::string("bad port in URL"));
    }
    for (char ch : url.host)
      if (!HostChar(static_cast<unsigned char>(ch)))
        return MakeError(std::string("bad character in URL host"));
  }
  if (url.host.empty()) return MakeError(std::string("expected a host in URL"));

  url.port = DefaultPort(url.scheme);
  if (!port.empty()) {
    unsigned long value = 0;
    for (char c : port) {
      if (!std::isdigit(static_cast<unsigned char>(c)) || value > 65535)
        return MakeError(std::string("bad port in URL"));
      value = value * 10 + static_cast<unsigned long>(c - '0');
    }
    if (value == 0 || value > 65535) return MakeError(std::string("bad port in URL"));
    url.default_port = value == url.port;
    url.port = static_cast<uint16_t>(value);
  }
  url.target = target.empty() ? "/" : std::string(target);
  if (url.target.front() == '?') url.target.insert(0, "/");
  return url;
}

std::string JoinPath(std::string_view base, std::string_view path) {
  const size_t q = base.find('?');
  std::string_view base_path = base.substr(0, q);
  std::string_view query = q == std::string_view::npos ? std::string_view() : base.substr(q);
  while (!base_path.empty() && base_path.back() == '/') base_path.remove_suffix(1);
  while (!path.empty() && path.front() == '/') path.remove_prefix(1);
  std::string out(base_path);
  out += '/';
  out += path;
  out += query;
  return out;
}

}  // namespace vigia::notifier::detail
