// SPDX-License-Identifier: Apache-2.0
// One HTTP(S) POST for the webhook and Alertmanager receivers, on a fresh
// connection; the answer is classified from the status line alone (the
// response body is not read). Redirects are not followed.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ssl/context.hpp>

#include "notifier/detail/attempt.h"
#include "notifier/detail/url.h"

namespace vigia::notifier::detail {

struct HttpPostRequest {
  Url url;             // the connection: scheme, host, port, userinfo
  std::string target;  // the request target (path and query)
  std::string content_type;
  // Sent after Host, Content-Type, User-Agent and the URL's userinfo (as Basic
  // authorization), in order; a header named here replaces the default one,
  // except Host, Content-Length, Transfer-Encoding and Connection (ignored).
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  boost::asio::ssl::context* tls = nullptr;  // REQUIRES: set when url.tls(); outlives the call
};

// POSTs `request`. ok for 2xx; see ClassifyHttpStatus and IoFailure.
net::awaitable<AttemptResult> HttpPost(const HttpPostRequest& request, AttemptGuard& guard);

// "HTTP 200" ok; 408, 429 and 5xx retryable; 3xx permanent ("HTTP 302
// (redirects are not followed)"); other 4xx permanent; anything else retryable.
AttemptResult ClassifyHttpStatus(int status);

}  // namespace vigia::notifier::detail
