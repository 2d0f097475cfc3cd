// SPDX-License-Identifier: Apache-2.0
// The config's value syntaxes that are not YAML's: sizes, endpoints, listen
// addresses, paths and node names. Pure functions, so each is tested alone.
// Internal to config/.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.h"

namespace vigia::config::detail {

// Why a value was refused: the message's tail and a hint.
struct Problem {
  std::string message;
  std::string hint;
};

// Bytes from "65536", "512B", "64KiB", "1MiB" (units are powers of 1024 and
// case-sensitive, no space). nullopt when malformed or overflowing.
std::optional<uint64_t> ParseSize(std::string_view text);

// "64KiB", "1MiB", "100B": the largest unit that divides `bytes` exactly.
std::string FormatSize(uint64_t bytes);

enum class Transport { kTcp, kIpc, kInproc };

struct Endpoint {
  Transport transport = Transport::kTcp;
  std::string host;   // tcp: "127.0.0.1", "::1" (no brackets) or "localhost"
  uint16_t port = 0;  // tcp: 1-65535
  std::string text;   // normalised: ipc paths made absolute; tcp and inproc as written
};

// A ZeroMQ bind endpoint: tcp://HOST:PORT (HOST an IPv4 literal, a bracketed
// IPv6 literal or localhost; no wildcard host or ephemeral port, since clients
// must know where to connect), ipc://PATH (a relative PATH is resolved against
// `base_dir`; "@name" is Linux's abstract namespace and kept) or inproc://NAME.
Result<Endpoint, Problem> ParseZmqEndpoint(std::string_view text,
                                           const std::filesystem::path& base_dir);

// An HTTP listen address "HOST:PORT", HOST as for tcp endpoints.
Result<Endpoint, Problem> ParseListenAddress(std::string_view text);

// True if two tcp endpoints would claim the same port: same port and the same
// host, or either host a wildcard address (0.0.0.0, ::). localhost counts as
// 127.0.0.1.
bool PortsClash(const Endpoint& a, const Endpoint& b);

// `path` made absolute against `base_dir` (itself absolute), lexically normal.
std::filesystem::path Resolve(std::string_view path, const std::filesystem::path& base_dir);

// A node name: 1-64 characters of [A-Za-z0-9._-], the characters of host names.
bool IsNodeName(std::string_view name);

}  // namespace vigia::config::detail
