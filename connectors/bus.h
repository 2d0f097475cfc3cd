// SPDX-License-Identifier: Apache-2.0
// The in-process bus between connectors and the core (journal + engine) thread:
// ZeroMQ inproc sockets, so that each socket stays on its thread and a full
// queue is visible (EAGAIN → `overloaded`), never an unbounded buffer.
//
// Connector → core (DEALER → ROUTER at kIngestEndpoint), frames:
//   [kind: "E" event | "D" dead letter] [token: u64] [payload]
//   "E": payload = the address of a heap Event (ownership passes to the core);
//        a reply is wanted when token != 0.
//   "D": payload = the raw message (truncated to 4 KiB); a 2nd payload frame
//        holds the error reply JSON. No reply.
// Core → connector (same ROUTER, back to the DEALER): [token: u64] [reply JSON].
#pragma once

#include <cstdint>
#include <cstring>
#include <memory>
#include <string_view>

#include <zmq.hpp>

#include "core/event.h"

namespace vigia::connectors {

inline constexpr const char* kIngestEndpoint = "inproc://vigia.ingest";
inline constexpr size_t kDeadLetterMax = 4096;
// In-flight events one connector may have queued for the core before it
// answers `overloaded`.
inline constexpr int kIngestHighWaterMark = 20000;

inline zmq::message_t U64Frame(uint64_t v) { return zmq::message_t(&v, sizeof v); }
inline uint64_t FrameU64(const zmq::message_t& m) {
  uint64_t v = 0;
  if (m.size() == sizeof v) std::memcpy(&v, m.data(), sizeof v);
  return v;
}

// Moves an Event into a frame (the address); the receiver must take it back
// with TakeEvent exactly once.
inline zmq::message_t EventFrame(std::unique_ptr<Event> e) {
  Event* raw = e.release();
  return zmq::message_t(&raw, sizeof raw);
}
inline std::unique_ptr<Event> TakeEvent(const zmq::message_t& m) {
  Event* raw = nullptr;
  if (m.size() == sizeof raw) std::memcpy(&raw, m.data(), sizeof raw);
  return std::unique_ptr<Event>(raw);
}

}  // namespace vigia::connectors
