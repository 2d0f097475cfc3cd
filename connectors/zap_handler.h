// SPDX-License-Identifier: Apache-2.0
// The ZAP handler (ZeroMQ RFC 27, ZAP 1.0) of vigiad's CurveZMQ sockets: a REP
// socket on inproc://zeromq.zap.01 on its own thread. A client key listed in
// the domain's ClientKeySet is accepted (200) with the ZAP User-Id set to the
// client's name, which the connection then carries on every message
// (zmq_msg_gets(msg, "User-Id")); anything else is refused (400) during the
// handshake, so the peer never gets to send.
// Thread rules: AddDomain and Start on the controller's thread; Decide is
// const and may run anywhere; the serving thread owns the socket. Refusals
// are reported through the callback on the serving thread, at most one a
// second (the rest counted), so a client retrying a refused key cannot flood
// the log. Never reports a key.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <thread>

#include <zmq.hpp>

#include "connectors/curve_auth.h"

namespace vigia::connectors {

inline constexpr const char* kZapEndpoint = "inproc://zeromq.zap.01";

struct ZapDecision {
  std::string status_code;  // "200", "400"
  std::string status_text;
  std::string user_id;  // the client's name when accepted
};

class ZapHandler {
 public:
  struct Refusal {
    std::string domain, address, reason;
    uint64_t suppressed = 0;  // refusals not reported since the last report
  };
  using RefusalLog = std::function<void(const Refusal&)>;

  // `context` must outlive the handler: the handler must serve every socket of
  // the context that uses a domain added here.
  ZapHandler(zmq::context_t& context, RefusalLog log);
  ~ZapHandler();  // Stop()
  ZapHandler(const ZapHandler&) = delete;
  ZapHandler& operator=(const ZapHandler&) = delete;

  // Accepts the keys `keys` holds at the time of each handshake for `domain`.
  // `keys` must outlive the handler. REQUIRES: before Start().
  void AddDomain(std::string domain, const ClientKeyHandle& keys);
  // Binds kZapEndpoint and starts serving; empty on success, else why not.
  std::string Start();
  // Stops serving and joins the thread. Idempotent.
  void Stop();

  // The answer to a handshake of `mechanism` ("CURVE") with `credentials` (the
  // client's 32-byte public key) on `domain`.
  ZapDecision Decide(std::string_view domain, std::string_view mechanism,
                     std::string_view credentials) const;

 private:
  void Serve();
  void Report(std::string_view domain, std::string_view address, std::string_view reason);

  zmq::context_t& context_;
  RefusalLog log_;
  std::map<std::string, const ClientKeyHandle*, std::less<>> domains_;
  zmq::socket_t socket_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  // Serving thread only.
  std::chrono::steady_clock::time_point last_report_{};
  uint64_t suppressed_ = 0;
};

}  // namespace vigia::connectors
