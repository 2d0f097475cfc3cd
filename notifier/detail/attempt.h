// SPDX-License-Identifier: Apache-2.0
// One delivery attempt on the dispatcher's io_context: its result, the guard
// that bounds it in time (the receiver's `timeout` covers resolve, connect,
// TLS, write and read) and lets Stop() cancel it, and the connect step shared
// by HTTP and SMTP. Only for notifier/ .cpp files: pulls in Asio.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "core/time.h"
#include "notifier/detail/url.h"

namespace vigia::notifier::detail {

namespace net = boost::asio;
using tcp = net::ip::tcp;

struct AttemptResult {
  bool ok = false;
  bool permanent = false;  // see Outcome::permanent
  std::string detail;      // see Outcome::detail: never a body, header value or password
};

// Closes the watched socket (or cancels the watched resolver) when the
// deadline passes or Cancel() is called, which fails the operation pending on
// it; the coroutine then asks timed_out()/cancelled() to say why. Not
// thread-safe: used on the io_context's thread only.
class AttemptGuard {
 public:
  // Starts the deadline: now + timeout.
  AttemptGuard(const net::any_io_executor& executor, DurationUs timeout);
  ~AttemptGuard();
  AttemptGuard(const AttemptGuard&) = delete;
  AttemptGuard& operator=(const AttemptGuard&) = delete;

  // While the returned object lives, the guard closes `socket` (cancels
  // `resolver`); at once if the attempt is already over. One socket and one
  // resolver at a time. REQUIRES: the object watched outlives the returned one.
  class [[nodiscard]] Watch {
   public:
    Watch(AttemptGuard& guard, bool socket) : guard_(guard), socket_(socket) {}
    ~Watch();
    Watch(const Watch&) = delete;
    Watch& operator=(const Watch&) = delete;

   private:
    AttemptGuard& guard_;
    bool socket_;
  };
  Watch Watching(tcp::socket& socket);
  Watch Watching(tcp::resolver& resolver);

  void Cancel();  // Stop(): the attempt's result is dropped
  bool timed_out() const;
  bool cancelled() const;
  bool over() const { return timed_out() || cancelled(); }
  DurationUs timeout() const;

 private:
  struct State;
  std::shared_ptr<State> state_;
};

// The result of an I/O error at `stage` ("connect", "TLS", "write", "read"):
// "timeout after 5s" when the guard's deadline passed, "TLS: certificate verify
// failed" (permanent) for a certificate that does not verify, else retryable
// "<stage>: <error message>".
AttemptResult IoFailure(std::string_view stage, const boost::system::error_code& ec,
                        const AttemptGuard& guard);

// Connects `socket` to the URL's host and port, trying each address in turn
// (a numeric host skips the resolver). nullopt on success, else the failure.
// REQUIRES: `socket` is watched by `guard`.
net::awaitable<std::optional<AttemptResult>> Connect(const Url& url, tcp::socket& socket,
                                                     AttemptGuard& guard);

}  // namespace vigia::notifier::detail
