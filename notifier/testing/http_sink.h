// SPDX-License-Identifier: Apache-2.0
// A local HTTP or HTTPS server for notifier tests, unit and end to end: listens
// on 127.0.0.1 (or another loopback address), records every request it reads,
// whatever it then answers, with the wall-clock time it arrived, and answers as
// the test says: per path (SetAnswer), else as the responder says, else 200.
// An answer is a status, after a delay, or none at all (hang). Stop() closes
// the port and every connection; Start() opens the same port again: a receiver
// that is away for a while.
//
// Thread rules: the server runs on its own thread; every public member may be
// called from any thread, except Start() and Stop(), which belong to the thread
// that owns the sink. The responder runs on the server's thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace vigia::notifier::testing {

struct HttpRecord {
  std::string method;
  std::string target;                                        // as sent, with any query
  std::vector<std::pair<std::string, std::string>> headers;  // as received
  std::string body;
  std::chrono::system_clock::time_point at;  // when the whole request had been read
  int answered = 0;                          // the status sent back; 0 when hung

  // The target without its query.
  std::string path() const;
  // The first header of that name (case-insensitive), or "".
  std::string Header(std::string_view name) const;
  // "POST /state key=<Idempotency-Key> -> 503 <first bytes of the body>", for failure messages.
  std::string Describe() const;
};

struct HttpAnswer {
  int status = 200;
  bool hang = false;  // read the request, then never answer (until the client leaves or Stop())
  std::chrono::milliseconds delay{0};
  bool interim = false;  // send "100 Continue" before the answer
};

class HttpSink {
 public:
  using Responder = std::function<HttpAnswer(const HttpRecord&)>;

  struct Options {
    Responder responder;  // empty: 200 for everything
    bool tls = false;     // HTTPS with TestCerts (cert for localhost and 127.0.0.1)
    std::string address = "127.0.0.1";
    uint16_t port = 0;  // 0: a free port
  };
  // Listens at once. Throws std::system_error when the port cannot be bound.
  HttpSink();
  explicit HttpSink(Options options);
  ~HttpSink();
  HttpSink(const HttpSink&) = delete;
  HttpSink& operator=(const HttpSink&) = delete;

  uint16_t port() const;
  // "http://127.0.0.1:<port><path>" ("https://" with tls; `host` instead of the address).
  std::string Url(std::string_view path, std::string_view host = "") const;

  // How requests to `path` (query ignored) are answered from now on, whatever
  // the responder says; requests already hung stay hung.
  void SetAnswer(std::string_view path, HttpAnswer answer);
  void Answer(std::string_view path, int status) { SetAnswer(path, {.status = status}); }
  void Hang(std::string_view path) { SetAnswer(path, {.hang = true}); }

  // Closes the listening socket and every connection, hung ones included: the
  // port refuses connections until Start(). Idempotent.
  void Stop();
  // Listens again on the same port, retrying for up to 5 s while it is taken.
  // Throws std::system_error when it stays taken. No-op while running.
  void Start();
  bool running() const;

  // Every request read so far (or those to `path`, query ignored), in arrival order.
  std::vector<HttpRecord> requests(std::string_view path = "") const;
  size_t Count(std::string_view path = "") const;
  // Forgets the requests recorded so far.
  void Clear();
  size_t connections() const;   // accepted so far
  size_t tls_failures() const;  // TLS handshakes that failed
  size_t hung() const;          // requests left unanswered since the last Start()

  // Waits until at least `n` requests arrived. False on timeout.
  bool WaitForRequests(size_t n, std::chrono::milliseconds timeout) const;
  // Waits until `ready(requests)` holds for all requests recorded so far;
  // false after `timeout`. Wakes on every new request.
  bool WaitUntil(const std::function<bool(const std::vector<HttpRecord>&)>& ready,
                 std::chrono::milliseconds timeout) const;
  // The first request to `path` for which `match` holds, waiting up to `timeout`.
  std::optional<HttpRecord> WaitFor(std::string_view path,
                                    const std::function<bool(const HttpRecord&)>& match,
                                    std::chrono::milliseconds timeout) const;
  // The first request to `path` whose Idempotency-Key is `key`.
  std::optional<HttpRecord> WaitForKey(std::string_view path, std::string_view key,
                                       std::chrono::milliseconds timeout) const;

  // One line per recorded request, for failure messages; times relative to
  // `origin` when given.
  std::string Describe(std::optional<std::chrono::system_clock::time_point> origin = {}) const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

// A port of 127.0.0.1 on which nothing listens (bound, then closed).
uint16_t ClosedPort();

}  // namespace vigia::notifier::testing
