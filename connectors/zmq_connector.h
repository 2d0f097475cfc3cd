// SPDX-License-Identifier: Apache-2.0
// ZeroMQ ingest (daemon.md, "ZeroMQ"):
//   ack  (ROUTER): one reply per message, after the core has taken the event
//        (journal, then engine); replies keep the request's envelope and the
//        event/reply is the last frame. Works with REQ and pipelining DEALERs.
//   push (PULL): no reply; rejected messages are dead-lettered.
// With Curve (ingest.auth), the socket is a CurveZMQ server: the ZAP handler
// (zap_handler.h) admits only listed client keys and names the client in each
// message's User-Id; an event whose source or region that client may not send
// is answered (ack) and dead-lettered as `unauthorized`.
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include <zmq.hpp>

#include "connectors/connector.h"
#include "connectors/curve_auth.h"

namespace vigia::connectors {

enum class ZmqMode : uint8_t { kAck, kPush };

struct ZmqCurve {
  CurveServerKeys keys;
  const ClientKeyHandle* clients = nullptr;  // must outlive the connector
};

struct ZmqStats {
  std::atomic<uint64_t> received{0};
  std::atomic<uint64_t> overloaded{0};
  std::atomic<uint64_t> replies_dropped{0};  // a client that never reads its replies
};

class ZmqConnector : public Connector {
 public:
  // `context` and `stats` must outlive the connector. With `curve`, the socket
  // requires CurveZMQ (REQUIRES: the ZAP handler serves curve->keys.zap_domain).
  ZmqConnector(zmq::context_t& context, std::string endpoint, ZmqMode mode, size_t max_message,
               ZmqStats& stats, std::optional<ZmqCurve> curve = std::nullopt);

  std::string_view name() const override { return name_; }
  std::string Open() override;
  void Run(IngestChannel& channel, EventDecoder& decoder, const std::atomic<bool>& stop) override;

  // The endpoint actually bound (resolves a tcp port of 0 or *). After Open().
  const std::string& bound_endpoint() const { return bound_; }

 private:
  void OnMessage(IngestChannel& channel, EventDecoder& decoder);
  // With Curve: "source" or "region" when the message's client may not send
  // `event`, else empty. Sets `client` to the client's name.
  std::string_view Forbidden(const zmq::message_t& body, const Event& event, std::string& client) const;
  void Reply(uint64_t token, const std::string& json);
  void SendReply(std::vector<zmq::message_t>& envelope, const std::string& json);
  void FlushPending();
  // False when the peer's queue is full; true when sent or the peer is gone.
  bool TrySend(const std::vector<zmq::message_t>& envelope, const std::string& json);

  zmq::socket_t socket_;
  std::string endpoint_, bound_, name_;
  ZmqMode mode_;
  size_t max_message_;
  ZmqStats& stats_;
  std::optional<ZmqCurve> curve_;
  std::shared_ptr<const ClientKeySet> clients_;  // curve_->clients, as of this loop turn
  uint64_t next_token_ = 1;
  // Envelopes of events waiting for the core's reply.
  std::unordered_map<uint64_t, std::vector<zmq::message_t>> waiting_;
  // Replies the ROUTER could not send yet because that peer's queue was full,
  // per peer (routing id), so a client that does not read delays only itself.
  using Pending = std::deque<std::pair<std::vector<zmq::message_t>, std::string>>;
  std::unordered_map<std::string, Pending> pending_;
};

}  // namespace vigia::connectors
