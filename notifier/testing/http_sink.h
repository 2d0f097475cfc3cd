// SPDX-License-Identifier: Apache-2.0
// A local HTTP or HTTPS server for notifier tests: listens on an ephemeral
// port of 127.0.0.1 (or another loopback address), records every request and
// answers as the test's responder says: a status, after a delay, or never.
// Runs its own thread; every method is thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace vigia::notifier::testing {

struct HttpRecord {
  std::string method;
  std::string target;
  std::vector<std::pair<std::string, std::string>> headers;  // as received
  std::string body;
  std::chrono::steady_clock::time_point at;

  // The first header of that name (case-insensitive), or "".
  std::string Header(std::string_view name) const;
};

struct HttpAnswer {
  int status = 200;
  bool hang = false;  // read the request, then never answer (until the client closes)
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
  };
  HttpSink();
  explicit HttpSink(Options options);
  ~HttpSink();
  HttpSink(const HttpSink&) = delete;
  HttpSink& operator=(const HttpSink&) = delete;

  uint16_t port() const;
  // "http://127.0.0.1:<port><path>" ("https://" with tls).
  std::string Url(std::string_view path, std::string_view host = "") const;
  std::vector<HttpRecord> requests() const;
  size_t connections() const;   // accepted so far
  size_t tls_failures() const;  // TLS handshakes that failed
  // Waits until at least `n` requests arrived. False on timeout.
  bool WaitForRequests(size_t n, std::chrono::milliseconds timeout) const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

// A port of 127.0.0.1 on which nothing listens (bound, then closed).
uint16_t ClosedPort();

}  // namespace vigia::notifier::testing
