// SPDX-License-Identifier: Apache-2.0
// The HTTP thread's link to the core thread (daemon/core.h): a DEALER for
// queries on kQueryEndpoint and an IngestChannel for events, with the thread's
// own EventDecoder.
// Thread rules: built, used and destroyed on the HTTP server's thread only (its
// ZeroMQ sockets never leave it). Calls block that thread for as long as the
// core takes to answer (microseconds normally; bounded by kCoreTimeout).
#pragma once

#include <chrono>
#include <memory>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json.hpp>
#include <zmq.hpp>

#include "connectors/ingest_channel.h"
#include "core/event_decoder.h"
#include "daemon/http/tokens.h"

namespace vigia::daemon::http {

// How long a request waits for the core before it is answered 503/overloaded.
inline constexpr std::chrono::milliseconds kCoreTimeout{5000};

struct QueryResult {
  int status = 503;          // the core's status, or 503 when it did not answer
  boost::json::value body;   // when status == 200
  std::string error;         // otherwise, for people
};

struct EventReply {
  std::string json;                // RenderAccepted / RenderError shape of events.md
  std::optional<ErrorCode> error;  // unset when accepted (or a duplicate)
};

class CoreClient {
 public:
  // `context` and `catalogs` must outlive the client. Events are validated
  // against the catalogs `catalogs` holds when they arrive (reloads included).
  CoreClient(zmq::context_t& context, const connectors::CatalogHandle& catalogs,
             DecodeLimits limits);
  CoreClient(const CoreClient&) = delete;
  CoreClient& operator=(const CoreClient&) = delete;

  // Sends one query ({"op": ...}, see Core::HandleQuery) and waits for its
  // answer, at most `timeout`. A late answer to a query that timed out is
  // never taken for another's.
  QueryResult Query(const boost::json::object& request,
                    std::chrono::milliseconds timeout = kCoreTimeout);

  // Decodes each event text, checks that `token` may post it (its `sources`
  // and `regions`), hands the valid ones to the core and waits for their
  // replies, at most `timeout` in all. One reply per event, in order. Invalid
  // and unauthorized events are dead-lettered; events the core did not take
  // (queue full) or did not answer in time get `overloaded`.
  std::vector<EventReply> PostEvents(const std::vector<std::string_view>& events,
                                     const TokenEntry& token,
                                     std::chrono::milliseconds timeout = kCoreTimeout);

  // Records a body rejected before any event could be read from it (a broken
  // array) in the dead-letter table.
  void DeadLetter(std::string_view raw, const EventError& error) { channel_.DeadLetter(raw, error); }

 private:
  void ConnectQuery();

  zmq::context_t& context_;
  zmq::socket_t query_;
  connectors::IngestChannel channel_;
  std::shared_ptr<const Catalogs> initial_catalogs_;  // what decoder_ starts with, kept alive
  EventDecoder decoder_;
  uint64_t last_token_ = 0;
};

}  // namespace vigia::daemon::http
