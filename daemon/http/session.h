// SPDX-License-Identifier: Apache-2.0
// One connection of the HTTP API: HTTP/1.1 requests with keep-alive, or,
// after an authorized GET /api/v1/stream, a Server-Sent Events stream that
// the server feeds with Send(). Plain TCP, or TLS when the server has a
// certificate (one implementation, templated on the stream, in session.cpp).
// Thread rules: the server's io_context thread only.
// Ownership: the server owns its sessions. A session never deletes itself: once
// it is closed and no operation of it is pending, it calls `finished`, and the
// server destroys it from a posted handler.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string_view>

#include <boost/asio/ip/tcp.hpp>

#include "daemon/http/api.h"

namespace boost::asio::ssl {
class context;
}  // namespace boost::asio::ssl

namespace vigia::daemon::http {

// The whole request header (request line included) may not exceed this: 431.
inline constexpr size_t kMaxHeader = 8 << 10;
// A request target longer than this is 414.
inline constexpr size_t kMaxTarget = 4 << 10;
// Deadlines, not idle timeouts: a TLS handshake, a request header (or the
// wait for the next one on a kept-alive connection), and a request body must
// each be complete within kReadTimeout, however slowly the client trickles
// bytes in ("slowloris"); otherwise the client is disconnected.
inline constexpr std::chrono::seconds kReadTimeout{10};
// A write that takes longer than this (a client that does not read) drops it.
inline constexpr std::chrono::seconds kWriteTimeout{10};
// How long a connection that is being closed waits for the client's EOF.
inline constexpr std::chrono::seconds kLinger{2};
// SSE text not yet taken by the kernel beyond this drops the client, so that
// memory stays bounded and other clients are not held up.
inline constexpr size_t kMaxStreamBacklog = 1 << 20;
inline constexpr int kStreamSendBuffer = 64 << 10;

struct SessionTimeouts {
  std::chrono::milliseconds read = kReadTimeout;
  std::chrono::milliseconds write = kWriteTimeout;
  std::chrono::milliseconds linger = kLinger;
};

class Session {
 public:
  virtual ~Session() = default;

  // Starts the TLS handshake (with TLS) and reading the first request.
  virtual void Start() = 0;

  // True once the connection is an SSE stream.
  virtual bool streaming() const = 0;
  // The hash of the token that opened the stream (when streaming()).
  virtual const Sha256& stream_token() const = 0;

  // SSE: queues `text` (whole SSE events or comments) for the client. A client
  // whose backlog would exceed kMaxStreamBacklog is dropped (counted).
  virtual void Send(std::string_view text) = 0;

  // Closes the connection; pending operations complete with errors, then
  // `finished` is called. Idempotent.
  virtual void Close() = 0;
};

// A session on `socket`; TLS when `tls` is not null (a server context with
// its certificate loaded). `tls`, `api` and `stats` must outlive the session.
std::unique_ptr<Session> MakeSession(boost::asio::ip::tcp::socket socket,
                                     boost::asio::ssl::context* tls, Api& api, HttpStats& stats,
                                     const SessionTimeouts& timeouts,
                                     std::function<void(Session*)> finished);

}  // namespace vigia::daemon::http
