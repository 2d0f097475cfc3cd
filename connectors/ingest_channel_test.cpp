// SPDX-License-Identifier: Apache-2.0
// The connectors' end of the bus to the core (ingest_channel.h, bus.h), against
// a stand-in core: a ROUTER bound at kIngestEndpoint in the test's context.
#include "connectors/ingest_channel.h"

#include <array>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <catch2/catch.hpp>
#include <zmq.hpp>
#include <zmq_addon.hpp>

#include "connectors/bus.h"
#include "core/catalog.h"
#include "core/event_decoder.h"

namespace vigia::connectors {
namespace {

constexpr std::string_view kEvent =
    R"({"id":"e-1","type":"report","time":"2017-03-23T08:15:00Z","source":"red-tdt",)"
    R"("region":"MX-CHH","groups":["journalist"],"subject":"p-7f3a9c","category":"threat",)"
    R"("severity":3,"attrs":{"note":"a \"quoted\" line\nand more","channel":"twitter"}})";

struct FakeCore {
  zmq::context_t context;
  zmq::socket_t router{context, zmq::socket_type::router};
  CatalogHandle catalogs{
      std::shared_ptr<const Catalogs>(&Catalogs::Defaults(), [](const Catalogs*) {})};
  FakeCore() {
    router.set(zmq::sockopt::rcvtimeo, 5000);
    router.bind(kIngestEndpoint);
  }

  // The next message a connector sent: [connector][kind][token][payload...].
  std::vector<zmq::message_t> Receive() {
    std::vector<zmq::message_t> frames;
    REQUIRE(zmq::recv_multipart(router, std::back_inserter(frames)));
    return frames;
  }
  void SendReplies(const zmq::message_t& connector, const std::string& replies) {
    std::array<zmq::const_buffer, 2> frames = {zmq::buffer(connector.data(), connector.size()),
                                               zmq::buffer(replies)};
    REQUIRE(zmq::send_multipart(router, frames));
  }
};

Event Decode(std::string_view json) {
  EventDecoder decoder(Catalogs::Defaults(), DecodeLimits{});
  auto event = decoder.Decode(json);
  REQUIRE(event.has_value());
  return std::move(*event);
}

// Waits (up to 5 s) for the next reply.
std::optional<IngestChannel::Reply> NextReply(IngestChannel& channel) {
  for (int i = 0; i < 500; ++i) {
    if (auto reply = channel.TryReceive()) return reply;
    zmq::pollitem_t item{channel.socket().handle(), 0, ZMQ_POLLIN, 0};
    zmq::poll(&item, 1, std::chrono::milliseconds(10));
  }
  return std::nullopt;
}

TEST_CASE("An event reaches the core with its journal body, the event's canonical JSON",
          "[connectors][bus]") {
  FakeCore core;
  IngestChannel channel(core.context, core.catalogs);
  const Event event = Decode(kEvent);
  REQUIRE(channel.Submit(event, 42));

  auto frames = core.Receive();
  REQUIRE(frames.size() == 4);
  CHECK(frames[1].to_string_view() == "E");
  CHECK(FrameU64(frames[2]) == 42);
  std::unique_ptr<BusEvent> ingested = TakeEvent(frames[3]);
  REQUIRE(ingested);
  CHECK(ingested->body == CanonicalJson(event));
  CHECK(ingested->body.find("\"attrs\":{\"channel\":\"twitter\",\"note\":") != std::string::npos);
  CHECK(ingested->event.id == "e-1");
  CHECK(ContentHash(ingested->event) == ContentHash(event));
}

TEST_CASE("Replies batched by the core come out one at a time, in order", "[connectors][bus]") {
  FakeCore core;
  IngestChannel channel(core.context, core.catalogs);
  REQUIRE(channel.Submit(Decode(kEvent), 1));  // so that the core knows the connector
  const auto frames = core.Receive();

  std::string first, second;
  AppendReply(first, 1, R"({"accepted":"a"})");
  AppendReply(first, 2, "");
  AppendReply(first, 3, R"({"accepted":"c","duplicate":true})");
  AppendReply(second, 7, R"({"error":{"code":"overloaded"}})");
  core.SendReplies(frames[0], first);
  core.SendReplies(frames[0], second);

  std::vector<std::pair<uint64_t, std::string>> got;
  while (got.size() < 4) {
    auto reply = NextReply(channel);
    REQUIRE(reply);
    got.emplace_back(reply->token, reply->json);
  }
  CHECK(got ==
        std::vector<std::pair<uint64_t, std::string>>{{1, R"({"accepted":"a"})"},
                                                      {2, ""},
                                                      {3, R"({"accepted":"c","duplicate":true})"},
                                                      {7, R"({"error":{"code":"overloaded"}})"}});
  CHECK_FALSE(channel.TryReceive());
  TakeEvent(frames[3]);  // frees the event
}

TEST_CASE("A truncated reply batch yields the replies before the cut", "[connectors][bus]") {
  std::string batch;
  AppendReply(batch, 5, "{}");
  AppendReply(batch, 6, "{\"accepted\":\"x\"}");
  std::string_view rest = std::string_view(batch).substr(0, batch.size() - 3);
  uint64_t token = 0;
  std::string_view json;
  REQUIRE(TakeReply(rest, &token, &json));
  CHECK(token == 5);
  CHECK(json == "{}");
  CHECK_FALSE(TakeReply(rest, &token, &json));
  std::string_view empty;
  CHECK_FALSE(TakeReply(empty, &token, &json));
}

}  // namespace
}  // namespace vigia::connectors
