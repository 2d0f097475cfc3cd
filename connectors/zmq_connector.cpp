// SPDX-License-Identifier: Apache-2.0
#include "connectors/zmq_connector.h"

#include <zmq_addon.hpp>

namespace vigia::connectors {
namespace {

// Replies held for peers that do not read; beyond this the oldest are dropped
// (counted) so one such client cannot hold the connector's memory.
constexpr size_t kMaxPendingReplies = 10000;
constexpr int kRouterSendHighWaterMark = 100000;
constexpr long kPollMs = 50;
// How long a stopping connector waits to pass on the core's last replies.
constexpr auto kDrainTimeout = std::chrono::seconds(8);

}  // namespace

ZmqConnector::ZmqConnector(zmq::context_t& context, std::string endpoint, ZmqMode mode,
                           size_t max_message, ZmqStats& stats, std::optional<ZmqCurve> curve)
    : socket_(context, mode == ZmqMode::kAck ? zmq::socket_type::router : zmq::socket_type::pull),
      endpoint_(std::move(endpoint)),
      name_(std::string(mode == ZmqMode::kAck ? "zmq.ack." : "zmq.push.") + endpoint_),
      mode_(mode),
      max_message_(max_message),
      stats_(stats),
      curve_(std::move(curve)) {}

std::string ZmqConnector::Open() {
  try {
    socket_.set(zmq::sockopt::linger, 0);
    // Oversize messages up to 16 MiB (or 16× the limit) are read and answered
    // `too_large`; anything larger makes ZeroMQ drop the connection before it
    // costs memory, and cannot be answered.
    socket_.set(zmq::sockopt::maxmsgsize,
                static_cast<int64_t>(std::max<size_t>(max_message_ * 16, size_t{16} << 20)));
    if (mode_ == ZmqMode::kAck) {
      socket_.set(zmq::sockopt::sndhwm, kRouterSendHighWaterMark);
      socket_.set(zmq::sockopt::router_mandatory, 1);
    }
    if (curve_) MakeCurveServer(socket_, curve_->keys);
    socket_.bind(endpoint_);
    bound_ = socket_.get(zmq::sockopt::last_endpoint);
  } catch (const zmq::error_t& e) {
    return "cannot bind " + endpoint_ + ": " + e.what();
  }
  return {};
}

void ZmqConnector::Run(IngestChannel& channel, EventDecoder& decoder, const std::atomic<bool>& stop) {
  zmq::pollitem_t items[] = {{socket_.handle(), 0, ZMQ_POLLIN, 0},
                             {channel.socket().handle(), 0, ZMQ_POLLIN, 0}};
  while (!stop.load(std::memory_order_relaxed)) {
    zmq::poll(items, 2, std::chrono::milliseconds(pending_.empty() ? kPollMs : 5));
    channel.RefreshDecoder(decoder);  // after the wait: a reload logged before it counts
    if (curve_) clients_ = curve_->clients->load();  // keys reloaded (SIGHUP): likewise
    if (items[1].revents & ZMQ_POLLIN)
      while (auto reply = channel.TryReceive()) Reply(reply->token, reply->json);
    if (items[0].revents & ZMQ_POLLIN)
      for (int i = 0; i < 256; ++i) {  // a batch, then look at replies again
        if (!(socket_.get(zmq::sockopt::events) & ZMQ_POLLIN)) break;
        OnMessage(channel, decoder);
      }
    if (!pending_.empty()) FlushPending();
  }
  // Stopped: read nothing new, but every event handed to the core still gets
  // its reply (the core keeps running until the connectors are done).
  const auto deadline = std::chrono::steady_clock::now() + kDrainTimeout;
  while ((!waiting_.empty() || !pending_.empty()) && std::chrono::steady_clock::now() < deadline) {
    zmq::poll(&items[1], 1, std::chrono::milliseconds(pending_.empty() ? kPollMs : 5));
    if (items[1].revents & ZMQ_POLLIN)
      while (auto reply = channel.TryReceive()) Reply(reply->token, reply->json);
    if (!pending_.empty()) FlushPending();
  }
}

void ZmqConnector::OnMessage(IngestChannel& channel, EventDecoder& decoder) {
  std::vector<zmq::message_t> frames;
  auto got = zmq::recv_multipart(socket_, std::back_inserter(frames), zmq::recv_flags::dontwait);
  if (!got || frames.empty()) return;
  stats_.received.fetch_add(1, std::memory_order_relaxed);
  // The event is the last frame; the rest is the envelope (routing id, the
  // REQ delimiter, anything a DEALER added), returned as it came.
  zmq::message_t body = std::move(frames.back());
  frames.pop_back();
  if (mode_ == ZmqMode::kAck && frames.empty()) return;  // no routing id: cannot happen on a ROUTER
  const std::string_view json(static_cast<const char*>(body.data()), body.size());

  auto event = decoder.Decode(json);
  if (!event) {
    channel.DeadLetter(json, event.error());
    if (mode_ == ZmqMode::kAck) SendReply(frames, RenderError(event.error()));
    return;
  }
  if (curve_) {
    std::string client;
    if (std::string_view field = Forbidden(body, *event, client); !field.empty()) {
      const EventError error{ErrorCode::kUnauthorized, event->id, std::string(field),
                             client.empty() ? "this connection's key is no longer authorised"
                                            : "client '" + client + "' may not send events with this " +
                                                  std::string(field)};
      channel.DeadLetter(json, error);
      if (mode_ == ZmqMode::kAck) SendReply(frames, RenderError(error));
      return;
    }
  }
  const std::string id = event->id;
  uint64_t token = 0;
  if (mode_ == ZmqMode::kAck) token = next_token_++;
  if (!channel.Submit(std::move(*event), token)) {
    stats_.overloaded.fetch_add(1, std::memory_order_relaxed);
    if (mode_ == ZmqMode::kAck)
      SendReply(frames, RenderError({ErrorCode::kOverloaded, id, "",
                                     "the daemon is shedding load; retry later"}));
    else
      channel.DeadLetter(json, {ErrorCode::kOverloaded, id, "", "the daemon is shedding load"});
    return;
  }
  if (mode_ == ZmqMode::kAck) waiting_.emplace(token, std::move(frames));
}

std::string_view ZmqConnector::Forbidden(const zmq::message_t& body, const Event& event,
                                         std::string& client) const {
  const char* user = zmq_msg_gets(body.handle(), "User-Id");  // set by the ZAP handler
  const ClientKey* key = user && clients_ ? clients_->FindByName(user) : nullptr;
  if (!key) return "source";  // revoked since the handshake (or no ZAP identity at all)
  client = key->name;
  return ForbiddenField(*key, event.source, event.region);
}

void ZmqConnector::Reply(uint64_t token, const std::string& json) {
  auto it = waiting_.find(token);
  if (it == waiting_.end()) return;
  auto envelope = std::move(it->second);
  waiting_.erase(it);
  SendReply(envelope, json);
}

bool ZmqConnector::TrySend(const std::vector<zmq::message_t>& envelope, const std::string& json) {
  std::vector<zmq::message_t> frames;
  frames.reserve(envelope.size() + 1);
  for (const auto& f : envelope) frames.emplace_back(f.data(), f.size());
  frames.emplace_back(json.data(), json.size());
  try {
    return zmq::send_multipart(socket_, frames, zmq::send_flags::dontwait).has_value();
  } catch (const zmq::error_t& e) {
    return e.num() == EHOSTUNREACH;  // the client is gone: nobody to answer
  }
}

void ZmqConnector::SendReply(std::vector<zmq::message_t>& envelope, const std::string& json) {
  const std::string peer = envelope.empty() ? std::string() : envelope.front().to_string();
  auto it = pending_.find(peer);
  if (it == pending_.end()) {
    if (TrySend(envelope, json)) return;
    it = pending_.try_emplace(peer).first;
  }
  // Behind the replies already waiting for this peer, in order.
  it->second.emplace_back(std::move(envelope), json);
  if (it->second.size() > kMaxPendingReplies) {
    it->second.pop_front();
    stats_.replies_dropped.fetch_add(1, std::memory_order_relaxed);
  }
}

void ZmqConnector::FlushPending() {
  for (auto it = pending_.begin(); it != pending_.end();) {
    Pending& queue = it->second;
    while (!queue.empty() && TrySend(queue.front().first, queue.front().second)) queue.pop_front();
    it = queue.empty() ? pending_.erase(it) : std::next(it);
  }
}

}  // namespace vigia::connectors
