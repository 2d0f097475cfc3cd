// SPDX-License-Identifier: Apache-2.0
// A small synchronous HTTP/1.1 client (Boost.Beast) for the `vigia` commands
// that go through vigiad's HTTP API. Plain http only: vigiad listens on
// loopback, or behind a TLS terminator on the same machine.
// Thread rules: an HttpClient is immutable; each call uses its own io_context
// and connection, so concurrent calls are safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.h"

namespace vigia::cli {

// http://HOST[:PORT][/PREFIX]. HOST is a name or an IP address (IPv6 in brackets).
struct HttpUrl {
  std::string host;  // without brackets
  uint16_t port = 80;
  std::string prefix;  // "" or a path such as "/vigia", without the trailing slash
  std::string text;    // as given, for messages
};

// Parses an http:// URL. The error is a sentence such as "https is not supported: ...".
Result<HttpUrl, std::string> ParseHttpUrl(std::string_view url);

// Percent-encodes every byte but the RFC 3986 unreserved characters (A-Z a-z 0-9 - . _ ~).
std::string PercentEncode(std::string_view text);

// "?k=v&k2=v2", names and values percent-encoded, pairs with an empty value left
// out; "" when none is left.
std::string QueryString(const std::vector<std::pair<std::string, std::string>>& params);

enum class HttpMethod { kGet, kPost, kDelete };

struct HttpReply {
  unsigned status = 0;
  std::string body;
};

// Why no reply came. `connected` tells "cannot reach" from "stopped answering".
struct HttpFailure {
  bool connected = false;
  std::string reason;  // "Connection refused", "no reply within 10 s", ...
};

struct HttpTimeouts {
  std::chrono::milliseconds connect{3000};
  std::chrono::milliseconds request{10000};  // sending the request and reading the whole reply
};

inline constexpr size_t kMaxReplyBody = 64 << 20;

// One request per connection (Connection: close).
class HttpClient {
 public:
  // `token`, when not empty, is sent as "Authorization: Bearer <token>" and
  // nowhere else (not in failures).
  HttpClient(HttpUrl url, std::string token, HttpTimeouts timeouts = {})
      : url_(std::move(url)), token_(std::move(token)), timeouts_(timeouts) {}

  // REQUIRES: `target` starts with '/' and is already percent-encoded; it is
  // appended to the URL's prefix. A non-empty `body` is sent as application/json.
  // Any HTTP status is a reply; a failure means no complete reply came. Never throws.
  Result<HttpReply, HttpFailure> Send(HttpMethod method, std::string_view target,
                                      std::string body = {}) const;
  Result<HttpReply, HttpFailure> Get(std::string_view target) const {
    return Send(HttpMethod::kGet, target);
  }
  Result<HttpReply, HttpFailure> Post(std::string_view target, std::string body) const {
    return Send(HttpMethod::kPost, target, std::move(body));
  }

  const HttpUrl& url() const { return url_; }

 private:
  HttpUrl url_;
  std::string token_;
  HttpTimeouts timeouts_;
};

}  // namespace vigia::cli
