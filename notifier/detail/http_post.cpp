// SPDX-License-Identifier: Apache-2.0
#include "notifier/detail/http_post.h"

#include <optional>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include "notifier/detail/mime.h"
#include "notifier/detail/tls.h"

namespace vigia::notifier::detail {
namespace {

namespace http = boost::beast::http;

constexpr uint32_t kHeaderLimit = 16 * 1024;
constexpr int kMaxInterim = 3;

http::request<http::string_body> BuildRequest(const HttpPostRequest& r) {
  http::request<http::string_body> req{http::verb::post, r.target, 11};
  req.set(http::field::host, r.url.HostHeader());
  req.set(http::field::user_agent, "vigia");
  req.set(http::field::content_type, r.content_type);
  if (!r.url.user.empty() || !r.url.password.empty())
    req.set(http::field::authorization, "Basic " + Base64(r.url.user + ":" + r.url.password));
  for (const auto& [name, value] : r.headers) {
    // Framing and routing are ours: a configured header must not break them.
    if (boost::beast::iequals(name, "Host") || boost::beast::iequals(name, "Content-Length") ||
        boost::beast::iequals(name, "Transfer-Encoding") ||
        boost::beast::iequals(name, "Connection"))
      continue;
    req.set(name, value);
  }
  // One request per connection: the server need not keep it open for us.
  req.set(http::field::connection, "close");
  req.body() = r.body;
  req.prepare_payload();
  return req;
}

// Writes the request and reads the response's header on `stream`.
template <typename Stream>
net::awaitable<AttemptResult> Exchange(Stream& stream, const http::request<http::string_body>& req,
                                       AttemptGuard& guard) {
  constexpr auto kNoThrow = net::as_tuple(net::use_awaitable);
  auto [write_ec, written] = co_await http::async_write(stream, req, kNoThrow);
  if (write_ec || guard.over()) co_return IoFailure("write", write_ec, guard);
  boost::beast::flat_buffer buffer;
  // Interim 1xx answers (a "100 Continue" we did not ask for) come before the
  // real one; a few are skipped (each has its own parser: no body follows).
  for (int interim = 0;; ++interim) {
    http::response_parser<http::empty_body> parser;
    parser.header_limit(kHeaderLimit);
    auto [read_ec, read] = co_await http::async_read_header(stream, buffer, parser, kNoThrow);
    if (read_ec || guard.over()) co_return IoFailure("read", read_ec, guard);
    const int status = parser.get().result_int();
    if (status < 100 || status >= 200 || status == 101 || interim == kMaxInterim)
      co_return ClassifyHttpStatus(status);
  }
}

}  // namespace

AttemptResult ClassifyHttpStatus(int status) {
  const std::string detail = "HTTP " + std::to_string(status);
  if (status >= 200 && status < 300) return {true, false, detail};
  if (status >= 300 && status < 400) return {false, true, detail + " (redirects are not followed)"};
  if (status == 408 || status == 429) return {false, false, detail};
  if (status >= 400 && status < 500) return {false, true, detail};
  return {false, false, detail};  // 5xx; 1xx and nonsense: maybe a passing fault
}

net::awaitable<AttemptResult> HttpPost(const HttpPostRequest& request, AttemptGuard& guard) {
  const http::request<http::string_body> req = BuildRequest(request);
  tcp::socket socket(co_await net::this_coro::executor);
  auto watch = guard.Watching(socket);
  if (auto failed = co_await Connect(request.url, socket, guard)) co_return *failed;
  if (!request.url.tls()) co_return co_await Exchange(socket, req, guard);
  TlsStream stream(socket, *request.tls);
  if (auto failed = co_await TlsHandshake(stream, request.url, guard)) co_return *failed;
  // No TLS close_notify: the status is all we need, and a peer that stalls on
  // shutdown would hold the slot until the timeout.
  co_return co_await Exchange(stream, req, guard);
}

}  // namespace vigia::notifier::detail
