// SPDX-License-Identifier: Apache-2.0
// A webhook receiver for the notifier's e2e tests (notifier.md "Delivery"): an
// HTTP/1.1 server on 127.0.0.1 (Boost.Beast, keep-alive honoured) that records
// every request it reads, whatever it then answers, with the wall-clock time it
// arrived, so tests can compare arrivals with an alert's fired_at. Per path it
// answers 200 (the default), another status (503: a receiver that is down), or
// nothing at all (hang: accepts and reads the request, never answers). Stop()
// closes the port (connections are refused) and Start() opens the same port
// again: a receiver that is away for a while.
//
// Thread rules: the server runs on its own thread; every public member may be
// called from any thread. No Catch2 macro runs on the server's thread.
#pragma once

#include <boost/json.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "zmq_clients.h"  // Ms, literals

namespace vigia::e2e {

struct HookRequest {
  std::string method;
  std::string target;  // as sent, with any query
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::chrono::system_clock::time_point at;  // when the whole request had been read
  unsigned answered = 0;                     // the status sent back; 0 when hung

  // The target without its query.
  std::string path() const;
  // The first header `name` (case-insensitive); "" when absent.
  std::string Header(std::string_view name) const;
  // The body's JSON object; empty when the body is not one.
  boost::json::object Json() const;
  // "POST /state key=<Idempotency-Key> 503 <first bytes of the body>", for failure messages.
  std::string Describe() const;
};

struct HookBehaviour {
  unsigned status = 200;  // answered with a small JSON body
  bool hang = false;      // read the request, never answer (until Stop())
};

class WebhookServer {
 public:
  // Listens on 127.0.0.1:`port` (0: a free port) and serves at once. Fails the
  // test when the port cannot be bound.
  explicit WebhookServer(uint16_t port = 0);
  ~WebhookServer();
  WebhookServer(const WebhookServer&) = delete;
  WebhookServer& operator=(const WebhookServer&) = delete;

  uint16_t port() const;
  // "http://127.0.0.1:<port><path>".
  std::string Url(std::string_view path) const;

  // How requests to `path` (query ignored) are answered from now on; requests
  // already hung stay hung.
  void SetBehaviour(std::string_view path, HookBehaviour behaviour);
  void Answer(std::string_view path, unsigned status) { SetBehaviour(path, {status, false}); }
  void Hang(std::string_view path) { SetBehaviour(path, {0, true}); }

  // Closes the listening socket and every connection, hung ones included: the
  // port refuses connections until Start(). Idempotent.
  void Stop();
  // Listens again on the same port (fails the test if it cannot within 5 s).
  void Start();
  bool running() const;

  // Every request read so far (or those to `path`), in arrival order.
  std::vector<HookRequest> Requests(std::string_view path = "") const;
  size_t Count(std::string_view path = "") const;
  // Requests left unanswered (hung) since the last Start().
  size_t Hung() const;
  // Forgets the requests recorded so far.
  void Clear();

  // Waits until `ready(requests)` holds for the requests recorded so far (all
  // paths); false after `timeout`. Wakes on every new request.
  bool WaitUntil(const std::function<bool(const std::vector<HookRequest>&)>& ready,
                 Ms timeout) const;
  // The first request to `path` for which `match` holds, waiting up to `timeout`.
  std::optional<HookRequest> WaitFor(std::string_view path,
                                     const std::function<bool(const HookRequest&)>& match,
                                     Ms timeout) const;
  // The first request to `path` whose Idempotency-Key is `key`.
  std::optional<HookRequest> WaitForKey(std::string_view path, std::string_view key,
                                        Ms timeout) const;

  // One line per recorded request (path, key, status, time, body prefix), for
  // failure messages; times relative to `origin` when given.
  std::string Describe(std::optional<std::chrono::system_clock::time_point> origin = {}) const;

  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace vigia::e2e
