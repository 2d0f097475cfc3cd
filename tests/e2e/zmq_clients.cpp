// SPDX-License-Identifier: Apache-2.0
#include "zmq_clients.h"

#include <algorithm>

#include <catch2/catch.hpp>
#include <zmq_addon.hpp>

namespace vigia::e2e {
namespace {

using Clock = std::chrono::steady_clock;

std::optional<std::vector<std::string>> ReceiveMultipart(zmq::socket_t& socket, Ms timeout) {
  zmq::pollitem_t item{socket.handle(), 0, ZMQ_POLLIN, 0};
  if (zmq::poll(&item, 1, timeout) <= 0) return std::nullopt;
  std::vector<zmq::message_t> parts;
  if (!zmq::recv_multipart(socket, std::back_inserter(parts), zmq::recv_flags::dontwait))
    return std::nullopt;
  std::vector<std::string> frames;
  for (const auto& p : parts) frames.push_back(p.to_string());
  return frames;
}

void SendMultipart(zmq::socket_t& socket, const std::vector<std::string>& frames) {
  for (size_t i = 0; i < frames.size(); ++i) {
    auto flags = i + 1 < frames.size() ? zmq::send_flags::sndmore : zmq::send_flags::none;
    if (!socket.send(zmq::buffer(frames[i]), flags)) FAIL("send timed out");
  }
}

void ClientOptions(zmq::socket_t& socket) {
  socket.set(zmq::sockopt::linger, 0);
  socket.set(zmq::sockopt::sndhwm, 0);
  socket.set(zmq::sockopt::rcvhwm, 0);
  socket.set(zmq::sockopt::sndtimeo, 10000);  // a stuck daemon fails the test, never hangs it
}

}  // namespace

boost::json::object ParseObject(std::string_view json) {
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(json, ec);
  if (ec || !v.is_object()) return {};
  return std::move(v.as_object());
}

AckClient::AckClient(zmq::context_t& context, const std::string& endpoint, bool delimiter)
    : socket_(context, zmq::socket_type::dealer), delimiter_(delimiter) {
  ClientOptions(socket_);
  socket_.connect(endpoint);
}

void AckClient::Send(std::string_view event) {
  if (delimiter_)
    SendMultipart(socket_, {std::string(), std::string(event)});
  else
    SendMultipart(socket_, {std::string(event)});
}

void AckClient::SendFrames(const std::vector<std::string>& frames) {
  SendMultipart(socket_, frames);
}

std::optional<std::vector<std::string>> AckClient::ReceiveFrames(Ms timeout) {
  return ReceiveMultipart(socket_, timeout);
}

std::optional<std::string> AckClient::Receive(Ms timeout) {
  auto frames = ReceiveMultipart(socket_, timeout);
  if (!frames || frames->empty()) return std::nullopt;
  return frames->back();
}

std::vector<std::string> AckClient::ReceiveMany(size_t n, Ms timeout) {
  std::vector<std::string> replies;
  replies.reserve(n);
  const auto deadline = Clock::now() + timeout;
  while (replies.size() < n) {
    const auto left = std::chrono::duration_cast<Ms>(deadline - Clock::now());
    if (left <= 0ms) break;
    if (auto reply = Receive(left)) replies.push_back(std::move(*reply));
  }
  return replies;
}

std::optional<std::string> AckClient::Request(std::string_view event, Ms timeout) {
  Send(event);
  return Receive(timeout);
}

ReqClient::ReqClient(zmq::context_t& context, const std::string& endpoint)
    : socket_(context, zmq::socket_type::req) {
  ClientOptions(socket_);
  socket_.connect(endpoint);
}

std::optional<std::vector<std::string>> ReqClient::Request(std::string_view event, Ms timeout) {
  SendMultipart(socket_, {std::string(event)});
  return ReceiveMultipart(socket_, timeout);
}

PushClient::PushClient(zmq::context_t& context, const std::string& endpoint)
    : socket_(context, zmq::socket_type::push) {
  ClientOptions(socket_);
  socket_.connect(endpoint);
}

void PushClient::Send(std::string_view event) { SendMultipart(socket_, {std::string(event)}); }

SubClient::SubClient(zmq::context_t& context, const std::string& endpoint,
                     const std::vector<std::string>& prefixes)
    : socket_(context, zmq::socket_type::sub) {
  socket_.set(zmq::sockopt::linger, 0);
  socket_.set(zmq::sockopt::rcvhwm, 0);
  for (const auto& p : prefixes) socket_.set(zmq::sockopt::subscribe, p);
  socket_.connect(endpoint);
}

std::optional<Published> SubClient::ReceiveAny(Ms timeout) {
  auto frames = ReceiveMultipart(socket_, timeout);
  if (!frames) return std::nullopt;
  REQUIRE(frames->size() == 2);  // topic, alert JSON
  Published p{(*frames)[0], (*frames)[1], ParseObject((*frames)[1])};
  return p;
}

std::optional<Published> SubClient::Receive(Ms timeout) {
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    const auto left = std::chrono::duration_cast<Ms>(deadline - Clock::now());
    auto p = ReceiveAny(std::max(left, 0ms));
    if (!p) return std::nullopt;
    const auto* rule = p->alert.if_contains("rule");
    if (!(rule && rule->is_string() && rule->as_string() == kProbeRuleId)) return p;
  }
}

}  // namespace vigia::e2e
