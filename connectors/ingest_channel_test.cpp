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

TEST_CASE("Queued events reach the core in one message, each with its token", "[connectors][bus]") {
  FakeCore core;
  IngestChannel channel(core.context, core.catalogs);
  const Event event = Decode(kEvent);
  Event other = event;
  other.id = "e-2";
  channel.Queue(event, 5);
  channel.Queue(other, 0);  // no reply wanted
  bool refused = false;
  channel.Flush([&](uint64_t, const BusEvent&) { refused = true; });
  CHECK_FALSE(refused);
  channel.Flush([&](uint64_t, const BusEvent&) { refused = true; });  // nothing queued: no message

  auto frames = core.Receive();
  REQUIRE(frames.size() == 4);
  CHECK(frames[1].to_string_view() == "B");
  std::unique_ptr<BusBatch> batch = TakeBatch(frames[3]);
  REQUIRE(batch);
  REQUIRE(batch->events.size() == 2);
  CHECK(batch->events[0].token == 5);
  CHECK(batch->events[0].event->event.id == "e-1");
  CHECK(batch->events[0].event->body == CanonicalJson(event));
  CHECK(batch->events[1].token == 0);
  CHECK(batch->events[1].event->event.id == "e-2");
  CHECK(*batch->in_flight == 2);  // until the core says it took them
  core.router.set(zmq::sockopt::rcvtimeo, 100);
  std::vector<zmq::message_t> more;
  CHECK_FALSE(zmq::recv_multipart(core.router, std::back_inserter(more)));
}

TEST_CASE("Batches the core has not taken count against the high-water mark, in events",
          "[connectors][bus]") {
  FakeCore core;
  IngestChannel channel(core.context, core.catalogs);
  const Event event = Decode(kEvent);
  const int per_batch = 1000;
  auto queue_batch = [&](uint64_t first_token) {
    for (int i = 0; i < per_batch; ++i) channel.Queue(event, first_token + i);
  };
  std::vector<uint64_t> refused;
  auto flush = [&] {
    channel.Flush([&](uint64_t token, const BusEvent& e) {
      CHECK(e.event.id == "e-1");
      refused.push_back(token);
    });
  };
  for (int b = 0; b < kIngestHighWaterMark / per_batch; ++b) {
    queue_batch(1 + b * per_batch);
    flush();
  }
  CHECK(refused.empty());
  queue_batch(1'000'000);  // one event too many: the whole batch is refused, in order
  flush();
  REQUIRE(refused.size() == per_batch);
  CHECK(refused.front() == 1'000'000);
  CHECK(refused.back() == 1'000'000 + per_batch - 1);

  // The core takes one batch: room for one more.
  auto frames = core.Receive();
  std::unique_ptr<BusBatch> taken = TakeBatch(frames[3]);
  REQUIRE(taken);
  taken->in_flight->fetch_sub(static_cast<int64_t>(taken->events.size()));
  refused.clear();
  queue_batch(2'000'000);
  flush();
  CHECK(refused.empty());
  // Free what the fake core never took.
  core.router.set(zmq::sockopt::rcvtimeo, 100);
  for (;;) {
    std::vector<zmq::message_t> left;
    if (!zmq::recv_multipart(core.router, std::back_inserter(left))) break;
    TakeBatch(left[3]);
  }
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
