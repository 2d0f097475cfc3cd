// SPDX-License-Identifier: Apache-2.0
// Turns one external feed into Events (STYLE.md E3). Run() is called once, on
// the connector's own thread; its sockets never leave it.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <string_view>

#include "connectors/ingest_channel.h"
#include "core/event_decoder.h"

namespace vigia::connectors {

class Connector {
 public:
  virtual ~Connector() = default;
  // Config id, e.g. "zmq.ack.tcp://127.0.0.1:7701". Never contains secrets.
  virtual std::string_view name() const = 0;
  // Binds/opens the feed. Called on the controller's thread before Run, so a
  // bind failure stops the start with a clear error. Returns an empty string
  // on success, else the reason.
  virtual std::string Open() = 0;
  // Publishes events until `stop` becomes true. Bad messages are answered (when
  // the feed has replies), counted and dead-lettered. Must return within
  // ~100 ms of `stop`.
  virtual void Run(IngestChannel& channel, EventDecoder& decoder, const std::atomic<bool>& stop) = 0;
};

}  // namespace vigia::connectors
