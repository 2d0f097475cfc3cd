// SPDX-License-Identifier: Apache-2.0
// One connector's end of the bus to the core (connectors/bus.h). Owned and used
// by the connector's thread only.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <zmq.hpp>

#include "core/event.h"
#include "core/event_decoder.h"

namespace vigia::connectors {

// The catalogs events are validated against; replaced whole on reload.
// Shared by the controller (writer) and the connector threads (readers).
using CatalogHandle = std::atomic<std::shared_ptr<const Catalogs>>;

class IngestChannel {
 public:
  // `context` and `catalogs` must outlive the channel.
  IngestChannel(zmq::context_t& context, const CatalogHandle& catalogs);

  // Points `decoder` at the current catalogs if they were reloaded. Connectors
  // call it once per loop turn (not per message).
  void RefreshDecoder(EventDecoder& decoder);
  IngestChannel(const IngestChannel&) = delete;
  IngestChannel& operator=(const IngestChannel&) = delete;

  // Hands a valid event to the core, with its journal body rendered here (on
  // the caller's thread). `token` != 0 asks for a reply carrying it. False when
  // the core's queue is full: the caller answers `overloaded`.
  bool Submit(Event event, uint64_t token);

  // Records a rejected message (dead letter) with its error reply.
  void DeadLetter(std::string_view raw, const EventError& error);

  // The socket to poll (ZMQ_POLLIN) for replies.
  zmq::socket_t& socket() { return socket_; }

  struct Reply {
    uint64_t token;
    std::string json;
  };
  // A reply from the core, if one is waiting.
  std::optional<Reply> TryReceive();

 private:
  zmq::socket_t socket_;
  zmq::message_t batch_;     // the core's last batch of replies (bus.h)
  std::string_view unread_;  // its replies not yet returned by TryReceive
  const CatalogHandle& catalogs_;
  std::shared_ptr<const Catalogs> in_use_;  // keeps the decoder's catalogs alive
};

}  // namespace vigia::connectors
