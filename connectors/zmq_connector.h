// SPDX-License-Identifier: Apache-2.0
// ZeroMQ ingest (daemon.md, "ZeroMQ"):
//   ack  (ROUTER): one reply per message, after the core has taken the event
//        (journal, then engine); replies keep the request's envelope and the
//        event/reply is the last frame. Works with REQ and pipelining DEALERs.
//   push (PULL): no reply; rejected messages are dead-lettered.
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <string>
#include <unordered_map>
#include <vector>

#include <zmq.hpp>

#include "connectors/connector.h"

namespace vigia::connectors {

enum class ZmqMode : uint8_t { kAck, kPush };

struct ZmqStats {
  std::atomic<uint64_t> received{0};
  std::atomic<uint64_t> overloaded{0};
  std::atomic<uint64_t> replies_dropped{0};  // a client that never reads its replies
};

class ZmqConnector : public Connector {
 public:
  // `context` and `stats` must outlive the connector.
  ZmqConnector(zmq::context_t& context, std::string endpoint, ZmqMode mode, size_t max_message,
               ZmqStats& stats);

  std::string_view name() const override { return name_; }
  std::string Open() override;
  void Run(IngestChannel& channel, EventDecoder& decoder, const std::atomic<bool>& stop) override;

  // The endpoint actually bound (resolves a tcp port of 0 or *). After Open().
  const std::string& bound_endpoint() const { return bound_; }

 private:
  void OnMessage(IngestChannel& channel, EventDecoder& decoder);
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
  uint64_t next_token_ = 1;
  // Envelopes of events waiting for the core's reply.
  std::unordered_map<uint64_t, std::vector<zmq::message_t>> waiting_;
  // Replies the ROUTER could not send yet because that peer's queue was full,
  // per peer (routing id), so a client that does not read delays only itself.
  using Pending = std::deque<std::pair<std::vector<zmq::message_t>, std::string>>;
  std::unordered_map<std::string, Pending> pending_;
};

}  // namespace vigia::connectors
