// SPDX-License-Identifier: Apache-2.0
#include "config/detail/values.h"

#include <arpa/inet.h>
#include <sys/un.h>

#include <array>
#include <limits>

namespace vigia::config::detail {
namespace {

constexpr std::string_view kEndpointHint = "use tcp://HOST:PORT, ipc://PATH or inproc://NAME";
constexpr std::string_view kHostHint =
    "use an IP address: 127.0.0.1 for this machine only, 0.0.0.0 for every interface, or "
    "localhost";

struct Unit {
  std::string_view suffix;
  uint64_t bytes;
};
// Longest suffix first, so that "KiB" is not read as a number ending in "B".
constexpr std::array<Unit, 3> kUnits = {{{"MiB", 1024 * 1024}, {"KiB", 1024}, {"B", 1}}};

Unexpected<Problem> Fail(std::string message, std::string_view hint = kEndpointHint) {
  return MakeError(Problem{std::move(message), std::string(hint)});
}

bool IsIpv4(const std::string& host) {
  in_addr addr{};
  return inet_pton(AF_INET, host.c_str(), &addr) == 1;
}

bool IsIpv6(const std::string& host) {
  in6_addr addr{};
  return inet_pton(AF_INET6, host.c_str(), &addr) == 1;
}

// "HOST:PORT" of a tcp endpoint or listen address, HOST possibly "[v6]".
Result<Endpoint, Problem> ParseHostAndPort(std::string_view text) {
  Endpoint endpoint;
  std::string_view port;
  if (text.starts_with('[')) {
    size_t close = text.find(']');
    if (close == std::string_view::npos) return Fail("unclosed '[' in the IPv6 address");
    endpoint.host = std::string(text.substr(1, close - 1));
    if (!IsIpv6(endpoint.host)) {
      return Fail("'" + endpoint.host + "' is not an IPv6 address", kHostHint);
    }
    if (close + 1 >= text.size() || text[close + 1] != ':') return Fail("missing ':PORT'");
    port = text.substr(close + 2);
  } else {
    size_t colon = text.rfind(':');
    if (colon == std::string_view::npos) return Fail("missing ':PORT'");
    endpoint.host = std::string(text.substr(0, colon));
    port = text.substr(colon + 1);
    if (endpoint.host.find(':') != std::string::npos) {
      return Fail("an IPv6 address must be in brackets", "for example [::1]:7701");
    }
    if (endpoint.host.empty()) return Fail("missing the host", kHostHint);
    if (endpoint.host == "*") return Fail("no wildcard host '*'", kHostHint);
    if (endpoint.host != "localhost" && !IsIpv4(endpoint.host)) {
      return Fail("host '" + endpoint.host + "' is not an IP address or localhost", kHostHint);
    }
  }
  if (port == "*" || port == "0") {
    return Fail("no ephemeral port '" + std::string(port) + "': clients must know the port",
                "give a port number from 1 to 65535");
  }
  uint32_t number = 0;
  for (char c : port) {
    if (c < '0' || c > '9' || number > 65535) {
      number = 0;
      break;
    }
    number = number * 10 + static_cast<uint32_t>(c - '0');
  }
  if (number == 0 || number > 65535) {
    return Fail("invalid port '" + std::string(port) + "'", "give a port number from 1 to 65535");
  }
  endpoint.port = static_cast<uint16_t>(number);
  endpoint.text = std::string(text);
  return endpoint;
}

std::string_view CanonicalHost(const std::string& host) {
  return host == "localhost" ? std::string_view("127.0.0.1") : std::string_view(host);
}

bool IsWildcard(const std::string& host) {
  if (host == "0.0.0.0") return true;
  in6_addr addr{};
  return inet_pton(AF_INET6, host.c_str(), &addr) == 1 && IN6_IS_ADDR_UNSPECIFIED(&addr);
}

}  // namespace

std::optional<uint64_t> ParseSize(std::string_view text) {
  uint64_t multiplier = 1;
  for (const Unit& unit : kUnits) {
    if (text.ends_with(unit.suffix)) {
      text.remove_suffix(unit.suffix.size());
      multiplier = unit.bytes;
      break;
    }
  }
  if (text.empty()) return std::nullopt;
  uint64_t count = 0;
  const uint64_t max_count = std::numeric_limits<uint64_t>::max() / multiplier;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;  // signs, spaces, fractions
    uint64_t digit = static_cast<uint64_t>(c - '0');
    if (count > (max_count - digit) / 10) return std::nullopt;
    count = count * 10 + digit;
  }
  return count * multiplier;
}

std::string FormatSize(uint64_t bytes) {
  for (const Unit& unit : kUnits) {
    if (bytes != 0 && bytes % unit.bytes == 0) {
      return std::to_string(bytes / unit.bytes) + std::string(unit.suffix);
    }
  }
  return std::to_string(bytes) + "B";
}

Result<Endpoint, Problem> ParseZmqEndpoint(std::string_view text,
                                           const std::filesystem::path& base_dir) {
  size_t separator = text.find("://");
  if (separator == std::string_view::npos) return Fail("missing the transport");
  std::string_view transport = text.substr(0, separator);
  std::string_view address = text.substr(separator + 3);
  if (transport == "tcp") {
    Result<Endpoint, Problem> endpoint = ParseHostAndPort(address);
    if (endpoint) endpoint->text = std::string(text);
    return endpoint;
  }
  Endpoint endpoint;
  if (transport == "inproc") {
    if (address.empty()) return Fail("missing the inproc name");
    endpoint.transport = Transport::kInproc;
    endpoint.text = std::string(text);
    return endpoint;
  }
  if (transport != "ipc") {
    return Fail("unsupported transport '" + std::string(transport) + "'");
  }
  endpoint.transport = Transport::kIpc;
  if (address.empty()) return Fail("missing the ipc path");
  if (address == "*") {
    return Fail("no random ipc path '*': clients must know the path", "give a file path");
  }
  if (address.starts_with('@')) {  // Linux abstract socket: a name, not a file
    endpoint.text = std::string(text);
    return endpoint;
  }
  std::string path = Resolve(address, base_dir).string();
  // The kernel's limit, which ZeroMQ only reports when the bind fails.
  constexpr size_t kMaxPath = sizeof(sockaddr_un{}.sun_path) - 1;
  if (path.size() > kMaxPath) {
    return Fail("ipc path '" + path + "' is longer than " + std::to_string(kMaxPath) + " bytes",
                "use a shorter path, e.g. under /run");
  }
  endpoint.text = "ipc://" + path;
  return endpoint;
}

Result<Endpoint, Problem> ParseListenAddress(std::string_view text) {
  if (text.find("://") != std::string_view::npos) {
    return Fail("a listen address has no scheme", "write HOST:PORT, e.g. 127.0.0.1:7780");
  }
  return ParseHostAndPort(text);
}

bool PortsClash(const Endpoint& a, const Endpoint& b) {
  if (a.transport != Transport::kTcp || b.transport != Transport::kTcp || a.port != b.port) {
    return false;
  }
  return CanonicalHost(a.host) == CanonicalHost(b.host) || IsWildcard(a.host) || IsWildcard(b.host);
}

std::filesystem::path Resolve(std::string_view path, const std::filesystem::path& base_dir) {
  std::filesystem::path p(path);
  if (p.is_absolute()) return p.lexically_normal();
  return (base_dir / p).lexically_normal();
}

bool IsNodeName(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

}  // namespace vigia::config::detail
