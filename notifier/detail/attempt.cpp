// SPDX-License-Identifier: Apache-2.0
#include "notifier/detail/attempt.h"

#include <chrono>
#include <vector>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "notifier/detail/tls.h"

namespace vigia::notifier::detail {

struct AttemptGuard::State {
  State(const net::any_io_executor& executor, DurationUs timeout_in)
      : timer(executor), timeout(timeout_in) {}

  void Close() {
    boost::system::error_code ignored;
    if (socket) socket->close(ignored);
    if (resolver) resolver->cancel();
  }

  net::steady_timer timer;
  DurationUs timeout;
  tcp::socket* socket = nullptr;
  tcp::resolver* resolver = nullptr;
  bool timed_out = false;
  bool cancelled = false;
};

AttemptGuard::AttemptGuard(const net::any_io_executor& executor, DurationUs timeout)
    : state_(std::make_shared<State>(executor, timeout)) {
  state_->timer.expires_after(std::chrono::microseconds(timeout));
  // A weak pointer: the handler may run after the guard is gone (it was
  // already queued when the attempt finished), and must not touch it then.
  state_->timer.async_wait([weak = std::weak_ptr<State>(state_)](boost::system::error_code ec) {
    auto state = weak.lock();
    if (ec || !state || state->cancelled) return;
    state->timed_out = true;
    state->Close();
  });
}

AttemptGuard::~AttemptGuard() { state_->timer.cancel(); }

AttemptGuard::Watch::~Watch() {
  if (socket_)
    guard_.state_->socket = nullptr;
  else
    guard_.state_->resolver = nullptr;
}

AttemptGuard::Watch AttemptGuard::Watching(tcp::socket& socket) {
  state_->socket = &socket;
  if (over()) state_->Close();
  return Watch(*this, true);
}

AttemptGuard::Watch AttemptGuard::Watching(tcp::resolver& resolver) {
  state_->resolver = &resolver;
  if (over()) state_->Close();
  return Watch(*this, false);
}

void AttemptGuard::Cancel() {
  if (over()) return;
  state_->cancelled = true;
  state_->timer.cancel();
  state_->Close();
}

bool AttemptGuard::timed_out() const { return state_->timed_out; }
bool AttemptGuard::cancelled() const { return state_->cancelled; }
DurationUs AttemptGuard::timeout() const { return state_->timeout; }

AttemptResult IoFailure(std::string_view stage, const boost::system::error_code& ec,
                        const AttemptGuard& guard) {
  if (guard.timed_out()) return {false, false, "timeout after " + FormatDuration(guard.timeout())};
  if (guard.cancelled()) return {false, false, "cancelled"};
  if (IsCertificateVerifyFailure(ec)) return {false, true, "TLS: certificate verify failed"};
  return {false, false, std::string(stage) + ": " + ec.message()};
}

net::awaitable<std::optional<AttemptResult>> Connect(const Url& url, tcp::socket& socket,
                                                     AttemptGuard& guard) {
  constexpr auto kNoThrow = net::as_tuple(net::use_awaitable);
  std::vector<tcp::endpoint> endpoints;
  boost::system::error_code ec;
  const auto address = net::ip::make_address(url.host, ec);
  if (!ec) {
    endpoints.emplace_back(address, url.port);
  } else {
    tcp::resolver resolver(co_await net::this_coro::executor);
    auto watch = guard.Watching(resolver);
    auto [resolve_ec, results] = co_await resolver.async_resolve(
        url.host, std::to_string(url.port), tcp::resolver::numeric_service, kNoThrow);
    if (resolve_ec || guard.over()) co_return IoFailure("resolve", resolve_ec, guard);
    for (const auto& entry : results) endpoints.push_back(entry.endpoint());
  }
  boost::system::error_code last = net::error::host_not_found;
  for (const tcp::endpoint& endpoint : endpoints) {
    // The guard closes the socket when the attempt is over: don't reopen it then.
    if (guard.over()) break;
    socket.close(ec);
    if (socket.open(endpoint.protocol(), ec)) {
      last = ec;
      continue;
    }
    auto [connect_ec] = co_await socket.async_connect(endpoint, kNoThrow);
    if (!connect_ec && !guard.over()) co_return std::nullopt;
    last = connect_ec;
  }
  co_return IoFailure("connect", last, guard);
}

}  // namespace vigia::notifier::detail
