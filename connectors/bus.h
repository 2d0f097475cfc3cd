// SPDX-License-Identifier: Apache-2.0
// The in-process bus between connectors and the core (journal + engine) thread:
// ZeroMQ inproc sockets, so that each socket stays on its thread and a full
// queue is visible (EAGAIN → `overloaded`), never an unbounded buffer.
//
// Connector → core (DEALER → ROUTER at kIngestEndpoint), frames:
//   [kind: "E" event | "D" dead letter] [token: u64] [payload]
//   "E": payload = the address of a heap BusEvent (ownership passes to the
//        core); a reply is wanted when token != 0.
//   "D": payload = the raw message (truncated to 4 KiB); a 2nd payload frame
//        holds the error reply JSON. No reply.
// Core → connector (same ROUTER, back to the DEALER): [replies], one frame
// holding one or more replies (AppendReply / TakeReply): the core sends what it
// owes a connector once per loop turn, not one message per event.
#pragma once

#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

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

// A batch of replies: per reply, its token (u64), the length of its JSON (u32),
// then the JSON; integers in the host's byte order (the bus is in-process).
inline void AppendReply(std::string& batch, uint64_t token, std::string_view json) {
  const auto size = static_cast<uint32_t>(json.size());
  batch.append(reinterpret_cast<const char*>(&token), sizeof token);
  batch.append(reinterpret_cast<const char*>(&size), sizeof size);
  batch.append(json);
}
// Takes the first reply off `batch`. False when it is empty or truncated.
inline bool TakeReply(std::string_view& batch, uint64_t* token, std::string_view* json) {
  uint32_t size = 0;
  if (batch.size() < sizeof *token + sizeof size) return false;
  std::memcpy(token, batch.data(), sizeof *token);
  std::memcpy(&size, batch.data() + sizeof *token, sizeof size);
  batch.remove_prefix(sizeof *token + sizeof size);
  if (batch.size() < size) return false;
  *json = batch.substr(0, size);
  batch.remove_prefix(size);
  return true;
}

// A valid event on its way to the core, with its journal body: the body is
// rendered on the connector's thread so that the core thread only moves it.
struct BusEvent {
  Event event;
  std::string body;  // CanonicalJson(event)
};

inline std::unique_ptr<BusEvent> MakeBusEvent(Event event) {
  auto e = std::make_unique<BusEvent>();
  e->event = std::move(event);
  e->body = CanonicalJson(e->event);
  return e;
}

// Moves a BusEvent into a frame (the address); the receiver must take it back
// with TakeEvent exactly once.
inline zmq::message_t EventFrame(std::unique_ptr<BusEvent> e) {
  BusEvent* raw = e.release();
  return zmq::message_t(&raw, sizeof raw);
}
inline std::unique_ptr<BusEvent> TakeEvent(const zmq::message_t& m) {
  BusEvent* raw = nullptr;
  if (m.size() == sizeof raw) std::memcpy(&raw, m.data(), sizeof raw);
  return std::unique_ptr<BusEvent>(raw);
}

}  // namespace vigia::connectors
