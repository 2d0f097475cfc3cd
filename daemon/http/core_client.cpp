// SPDX-License-Identifier: Apache-2.0
#include "daemon/http/core_client.h"

#include <array>
#include <unordered_map>

#include <zmq_addon.hpp>

#include "connectors/bus.h"
#include "daemon/core.h"

namespace vigia::daemon::http {
namespace {

using Clock = std::chrono::steady_clock;

// Waits for POLLIN on `socket` until `deadline`; false when it passed.
bool WaitReadable(zmq::socket_t& socket, Clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  if (left.count() <= 0) return false;
  zmq::pollitem_t item{socket.handle(), 0, ZMQ_POLLIN, 0};
  zmq::poll(&item, 1, left);
  return true;
}

// The code of a {"error":{"code":...}} reply from the core.
ErrorCode ErrorCodeOf(std::string_view json) {
  boost::system::error_code ec;
  const boost::json::value v = boost::json::parse(json, ec);
  const boost::json::object* o = ec ? nullptr : v.if_object();
  const boost::json::value* error = o ? o->if_contains("error") : nullptr;
  const boost::json::value* code =
      error && error->is_object() ? error->as_object().if_contains("code") : nullptr;
  if (code && code->is_string())
    for (size_t c = 0; c < kErrorCodeCount; ++c)
      if (ToString(static_cast<ErrorCode>(c)) == code->as_string()) return static_cast<ErrorCode>(c);
  return ErrorCode::kInvalidEvent;
}

EventError Overloaded(std::string id, const char* why) {
  return {ErrorCode::kOverloaded, std::move(id), "", why};
}

}  // namespace

CoreClient::CoreClient(zmq::context_t& context, const connectors::CatalogHandle& catalogs,
                       DecodeLimits limits)
    : context_(context),
      channel_(context, catalogs),
      initial_catalogs_(catalogs.load()),
      decoder_(*initial_catalogs_, limits) {
  channel_.RefreshDecoder(decoder_);
  ConnectQuery();
}

void CoreClient::ConnectQuery() {
  query_ = zmq::socket_t(context_, zmq::socket_type::dealer);
  query_.set(zmq::sockopt::linger, 0);
  query_.connect(kQueryEndpoint);
}

QueryResult CoreClient::Query(const boost::json::object& request,
                              std::chrono::milliseconds timeout) {
  const std::string text = boost::json::serialize(request);
  QueryResult result;
  result.error = "the core did not answer in time";
  try {
    // [empty delimiter][request], as a REQ socket sends it; the answer comes
    // back as [empty delimiter][answer].
    std::array<zmq::const_buffer, 2> frames = {zmq::const_buffer(), zmq::buffer(text)};
    if (!zmq::send_multipart(query_, frames, zmq::send_flags::dontwait)) {
      result.error = "the core is not accepting queries";
      return result;
    }
    const auto deadline = Clock::now() + timeout;
    std::vector<zmq::message_t> reply;
    while (WaitReadable(query_, deadline)) {
      if (!zmq::recv_multipart(query_, std::back_inserter(reply), zmq::recv_flags::dontwait)) continue;
      if (reply.empty()) continue;
      boost::system::error_code ec;
      boost::json::value parsed = boost::json::parse(reply.back().to_string_view(), ec);
      const boost::json::object* o = ec ? nullptr : parsed.if_object();
      const boost::json::value* status = o ? o->if_contains("status") : nullptr;
      if (!status || !status->is_int64()) {
        result.status = 500;
        result.error = "the core gave an unreadable answer";
        return result;
      }
      result.status = static_cast<int>(status->as_int64());
      if (const auto* body = o->if_contains("body")) result.body = *body;
      if (const auto* error = o->if_contains("error"); error && error->is_string())
        result.error = std::string(error->as_string());
      else
        result.error.clear();
      return result;
    }
    // The answer may still come; a new socket (a new identity) makes sure it
    // is never taken for the answer to the next query.
    ConnectQuery();
  } catch (const zmq::error_t&) {
    result.error = "the core is not reachable";
  }
  return result;
}

std::vector<EventReply> CoreClient::PostEvents(const std::vector<std::string_view>& events,
                                               const TokenEntry& token,
                                               std::chrono::milliseconds timeout) {
  channel_.RefreshDecoder(decoder_);  // catalogs reloaded since the last request
  std::vector<EventReply> replies(events.size());
  std::unordered_map<uint64_t, size_t> waiting;  // bus token → index
  std::vector<std::string> ids(events.size());   // for an `overloaded` reply after a timeout
  auto reject = [&](size_t i, const EventError& error, bool dead_letter) {
    if (dead_letter) channel_.DeadLetter(events[i], error);
    replies[i] = {RenderError(error), error.code};
  };
  for (size_t i = 0; i < events.size(); ++i) {
    auto event = decoder_.Decode(events[i]);
    if (!event) {
      reject(i, event.error(), true);
      continue;
    }
    if (std::string_view field = ForbiddenField(token, event->source, event->region); !field.empty()) {
      reject(i, {ErrorCode::kUnauthorized, event->id, std::string(field),
                 "this token may not send events with this " + std::string(field)},
             true);
      continue;
    }
    ids[i] = event->id;
    const uint64_t bus_token = ++last_token_;
    if (!channel_.Submit(std::move(*event), bus_token)) {
      // As on the ack socket: answered, not dead-lettered (the client retries).
      reject(i, Overloaded(ids[i], "the daemon is shedding load; retry later"), false);
      continue;
    }
    waiting.emplace(bus_token, i);
  }
  // The core answers within microseconds, so this loop blocks the HTTP thread
  // only briefly; the bound keeps a stalled core from holding it for ever.
  const auto deadline = Clock::now() + timeout;
  try {
    while (!waiting.empty() && WaitReadable(channel_.socket(), deadline)) {
      while (auto reply = channel_.TryReceive()) {
        auto it = waiting.find(reply->token);
        if (it == waiting.end()) continue;  // for a request that already timed out
        const bool accepted = reply->json.rfind("{\"accepted\"", 0) == 0;
        EventReply& out = replies[it->second];
        out.json = std::move(reply->json);
        if (!accepted) out.error = ErrorCodeOf(out.json);
        waiting.erase(it);
      }
    }
  } catch (const zmq::error_t&) {
    // Answered as overloaded below.
  }
  for (const auto& [bus_token, i] : waiting)
    reject(i, Overloaded(ids[i], "no answer from the core in time; retry (a resent event is "
                                 "answered as a duplicate if it was accepted)"),
           false);
  return replies;
}

}  // namespace vigia::daemon::http
