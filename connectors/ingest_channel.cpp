// SPDX-License-Identifier: Apache-2.0
#include "connectors/ingest_channel.h"

#include <zmq_addon.hpp>

#include "connectors/bus.h"

namespace vigia::connectors {

IngestChannel::IngestChannel(zmq::context_t& context, const CatalogHandle& catalogs)
    : socket_(context, zmq::socket_type::dealer), catalogs_(catalogs), in_use_(catalogs.load()) {
  socket_.set(zmq::sockopt::sndhwm, kIngestHighWaterMark);
  socket_.set(zmq::sockopt::rcvhwm, 0);  // replies are bounded by what we sent
  socket_.set(zmq::sockopt::linger, 0);
  socket_.connect(kIngestEndpoint);
}

void IngestChannel::RefreshDecoder(EventDecoder& decoder) {
  auto current = catalogs_.load(std::memory_order_acquire);
  if (current == in_use_ || !current) return;
  decoder.SetCatalogs(*current);
  in_use_ = std::move(current);
}

bool IngestChannel::Submit(Event event, uint64_t token) {
  zmq::message_t payload = EventFrame(MakeBusEvent(std::move(event)));
  try {
    if (!socket_.send(zmq::buffer("E", 1), zmq::send_flags::sndmore | zmq::send_flags::dontwait)) {
      TakeEvent(payload);  // frees it
      return false;
    }
    // Once the first frame is queued, the rest of the message always is.
    socket_.send(U64Frame(token), zmq::send_flags::sndmore);
    socket_.send(payload, zmq::send_flags::none);
    return true;
  } catch (const zmq::error_t&) {
    TakeEvent(payload);
    return false;
  }
}

void IngestChannel::DeadLetter(std::string_view raw, const EventError& error) {
  const std::string reply = RenderError(error);
  const size_t n = std::min(raw.size(), kDeadLetterMax);
  try {
    if (!socket_.send(zmq::buffer("D", 1), zmq::send_flags::sndmore | zmq::send_flags::dontwait))
      return;  // the core is overloaded: the sender got its reply; the letter is counted there
    socket_.send(U64Frame(0), zmq::send_flags::sndmore);
    socket_.send(zmq::buffer(raw.data(), n), zmq::send_flags::sndmore);
    socket_.send(zmq::buffer(reply), zmq::send_flags::none);
  } catch (const zmq::error_t&) {
  }
}

std::optional<IngestChannel::Reply> IngestChannel::TryReceive() {
  uint64_t token = 0;
  std::string_view json;
  while (!TakeReply(unread_, &token, &json)) {
    unread_ = {};
    if (!socket_.recv(batch_, zmq::recv_flags::dontwait)) return std::nullopt;
    unread_ = batch_.to_string_view();
  }
  return Reply{token, std::string(json)};
}

}  // namespace vigia::connectors
