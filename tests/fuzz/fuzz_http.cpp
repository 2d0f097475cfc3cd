// SPDX-License-Identifier: Apache-2.0
// The HTTP API on arbitrary bytes, as a session sees them: Beast's request
// parser with the session's header and body limits (the per-route body limit
// checked once the header is read), then Api::TooLarge or Api::Handle. The
// core is a fake on its own thread behind the real inproc sockets: it answers
// every query 200 and accepts every event, so each request runs the real
// routing, percent-decoding, query parsing, token checks, event batch
// splitting, decoding and the CoreClient's framing.
// Tokens in the table: "viewer-token", "operator-token", "integrator-token",
// "admin-token", and "chh-token" (integrator, source red-tdt, region MX-CHH).
#include <array>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <future>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <boost/asio/buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/json.hpp>
#include <zmq.hpp>
#include <zmq_addon.hpp>

#include "connectors/bus.h"
#include "connectors/ingest_channel.h"
#include "core/event_decoder.h"
#include "daemon/core.h"
#include "daemon/http/api.h"
#include "daemon/http/core_client.h"
#include "daemon/http/session.h"
#include "daemon/http/tokens.h"

namespace {

namespace bhttp = boost::beast::http;
using namespace vigia::daemon::http;

// The core's two ROUTER sockets, served by one thread for the life of the
// process (never joined: the fuzzer ends with exit()).
void RunFakeCore(zmq::context_t& context, std::promise<void>& bound) {
  zmq::socket_t query(context, zmq::socket_type::router);
  zmq::socket_t ingest(context, zmq::socket_type::router);
  query.bind(vigia::daemon::kQueryEndpoint);
  ingest.bind(vigia::connectors::kIngestEndpoint);
  bound.set_value();
  std::vector<zmq::message_t> frames;
  for (;;) {
    zmq::pollitem_t items[] = {{query.handle(), 0, ZMQ_POLLIN, 0},
                               {ingest.handle(), 0, ZMQ_POLLIN, 0}};
    try {
      zmq::poll(items, 2, std::chrono::milliseconds(-1));
    } catch (const zmq::error_t& e) {
      if (e.num() == EINTR) continue;  // libFuzzer's timers signal the process
      throw;
    }
    frames.clear();
    if ((items[0].revents & ZMQ_POLLIN) &&
        zmq::recv_multipart(query, std::back_inserter(frames), zmq::recv_flags::dontwait)) {
      // [routing id][empty][request] → [routing id][empty][answer]
      if (frames.size() < 3) continue;
      const std::string request = frames.back().to_string();
      std::string answer;
      if (request.find("\"metrics\"") != std::string::npos)
        answer = R"({"status":200,"body":{"text":"vigia_events_received_total 1\n"}})";
      else if (request.find("\"id\":\"missing\"") != std::string::npos)
        answer = R"({"status":404,"error":"no such alert"})";
      else
        answer = R"({"status":200,"body":{"ok":true}})";
      frames.back() = zmq::message_t(answer.data(), answer.size());
      zmq::send_multipart(query, frames, zmq::send_flags::dontwait);
    }
    frames.clear();
    if ((items[1].revents & ZMQ_POLLIN) &&
        zmq::recv_multipart(ingest, std::back_inserter(frames), zmq::recv_flags::dontwait)) {
      // [connector][kind][token][payload...]; a reply [connector][replies] for "E".
      if (frames.size() < 4 || frames[1].to_string_view() != "E") continue;
      std::unique_ptr<vigia::connectors::BusEvent> ingested =
          vigia::connectors::TakeEvent(frames[3]);
      const uint64_t token = vigia::connectors::FrameU64(frames[2]);
      if (!ingested || token == 0) continue;
      std::string replies;
      vigia::connectors::AppendReply(replies, token,
                                     vigia::RenderAccepted(ingested->event.id, false));
      std::array<zmq::const_buffer, 2> out = {zmq::buffer(frames[0].data(), frames[0].size()),
                                              zmq::buffer(replies)};
      zmq::send_multipart(ingest, out, zmq::send_flags::dontwait);
    }
  }
}

TokenEntry Token(std::string name, Role role) {
  TokenEntry entry;
  entry.sha256 = Sha256Of(name);
  entry.name = std::move(name);
  entry.role = role;
  return entry;
}

struct Fixture {
  Fixture() {
    std::promise<void> bound;
    std::thread([this, &bound] { RunFakeCore(context, bound); }).detach();
    bound.get_future().wait();
    catalogs.store(std::shared_ptr<const vigia::Catalogs>(&vigia::Catalogs::Defaults(),
                                                          [](const vigia::Catalogs*) {}));
    client = std::make_unique<CoreClient>(context, catalogs, vigia::DecodeLimits{});
    TokenEntry chh = Token("chh-token", Role::kIntegrator);
    chh.sources = std::vector<std::string>{"red-tdt"};
    chh.regions = std::vector<std::string>{"MX-CHH"};
    tokens = TokenTable({Token("viewer-token", Role::kViewer), Token("operator-token", Role::kOperator),
                         Token("integrator-token", Role::kIntegrator),
                         Token("admin-token", Role::kAdmin), std::move(chh)});
    api = std::make_unique<Api>(*client, tokens, reload, stats);
  }

  zmq::context_t context;
  vigia::connectors::CatalogHandle catalogs;
  std::unique_ptr<CoreClient> client;
  TokenTable tokens;
  // The server runs reloads on a worker; here the answer comes at once.
  Api::StartReload reload = [](std::function<void(std::string)> done) {
    done(R"({"ok":true,"rules":1})");
  };
  HttpStats stats;
  std::unique_ptr<Api> api;
};

void Check(const ApiResponse& response) {
  if (response.status < 200 || response.status > 599) {
    std::fprintf(stderr, "fuzz_http: status %u\n", response.status);
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // Leaked on purpose: the fake core's thread outlives every static destructor.
  static Fixture* fixture = new Fixture;
  Api& api = *fixture->api;

  std::string_view in(reinterpret_cast<const char*>(data), size);
  bhttp::request_parser<bhttp::string_body> parser;
  parser.header_limit(kMaxHeader);
  parser.body_limit(kMaxEventsBody);
  boost::beast::error_code ec;
  auto put = [&] {
    if (in.empty()) return false;
    const size_t n = parser.put(boost::asio::buffer(in.data(), in.size()), ec);
    in.remove_prefix(n);
    return n > 0 && !ec;
  };
  while (!parser.is_header_done() && put()) {
  }
  if (!parser.is_header_done()) return 0;  // the session answers 400/431, or waits
  const Request& header = parser.get();
  const size_t limit = BodyLimitFor(header.target());
  if (auto length = parser.content_length(); length && *length > limit) {
    Check(api.TooLarge(header, *length));
    return 0;
  }
  parser.body_limit(limit);
  while (!parser.is_done() && put()) {
  }
  if (!parser.is_done()) {
    if (ec == bhttp::error::body_limit) Check(api.TooLarge(parser.get(), 0));
    return 0;
  }
  ApiResponse response = api.Handle(parser.get());
  if (response.reload) api.Reload([&](ApiResponse answer) { response = std::move(answer); });
  Check(response);
  ++fixture->stats.responses[response.status];
  return 0;
}
