// SPDX-License-Identifier: Apache-2.0
// The HTTP API of vigiad (shared/spec/daemon.md, "HTTP API") on Boost.Beast:
// health, Prometheus metrics, posting events, alerts and their
// acknowledgement, rules and their reload, dead letters, and a Server-Sent
// Events stream of alerts and updates. Routes, roles and status codes: api.h.
//
// Authentication: bearer tokens, checked against the SHA-256 hashes of a
// TokenTable. With an empty table (no tokens file configured) every /api/v1
// route answers 401: the API is closed unless tokens are configured; /healthz
// and /metrics need no token.
//
// HTTPS: with TlsFiles every connection is TLS (1.2 or later) with that
// certificate chain and key, loaded by Open(); plain HTTP on that port gets a
// 400 and is closed.
//
// Limits: request header 8 KiB (431), target 4 KiB (414), body per route
// (413); a handshake, a header and a body must each arrive within 10 s.
//
// Threads: Open() and the constructor on any thread; Run() on the server's own
// thread, which alone creates and uses the server's ZeroMQ sockets (a query
// DEALER to the core, an IngestChannel, a SUB on the alert stream) and runs
// one io_context for every connection; during Run() a worker thread runs the
// reload callback. SetTokens() is safe from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <zmq.hpp>

#include "connectors/ingest_channel.h"
#include "core/event_decoder.h"
#include "daemon/http/tokens.h"

namespace vigia::daemon::http {

// PEM files: the certificate chain (the server's certificate first) and its
// private key (not encrypted).
struct TlsFiles {
  std::filesystem::path cert, key;
};

class HttpServer {
 public:
  // Loads, compiles and swaps in the rules; returns {"ok":true,"rules":N} or
  // {"ok":false,"diagnostics":"<as vigia check prints>"}. Called on the
  // server's worker thread, one call at a time, in the order the requests
  // came: connections are served while it runs, and the reload request is
  // answered when it returns (500 if it throws).
  using ReloadFn = std::function<std::string()>;

  // `context` and `catalogs` must outlive the server; `catalogs` holds a
  // catalog set (non-null) and may be replaced on reload, as for the
  // connectors. `limits` apply to each posted event (as on ZeroMQ). `bind` is
  // "host:port" ("127.0.0.1:7780", "[::1]:7780", "localhost:0"); port 0 picks
  // a free port. An empty `reload` makes POST /api/v1/rules/reload answer 503.
  // With `tls`, the server speaks HTTPS only.
  HttpServer(zmq::context_t& context, const connectors::CatalogHandle& catalogs,
             DecodeLimits limits, TokenTable tokens, ReloadFn reload, std::string bind,
             std::optional<TlsFiles> tls = std::nullopt);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Loads the TLS certificate and key (with TLS), then resolves and binds the
  // listening socket. Empty on success, else why not (for the one line on
  // stderr at startup), e.g. an unreadable certificate or a key that does not
  // match it.
  std::string Open();
  // The port bound by Open() (the chosen one when the port was 0); 0 before.
  uint16_t bound_port() const;

  // Serves until `stop` becomes true, then closes every connection and
  // returns within about 100 ms (longer only while a request waits for the
  // core, at most 5 s, or while a reload in progress finishes). Never throws;
  // errors in handlers become 500 answers and a counter on /metrics.
  // REQUIRES: Open() succeeded; called once.
  void Run(const std::atomic<bool>& stop);

  // Replaces the tokens (SIGHUP); takes effect for the next request.
  void SetTokens(TokenTable tokens);

  // Test hook: the read deadline of later connections (kReadTimeout by default).
  // REQUIRES: called before Run().
  void SetReadTimeoutForTest(std::chrono::milliseconds timeout);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace vigia::daemon::http
