// SPDX-License-Identifier: Apache-2.0
#include "bench/zmq_baseline.h"

#include <atomic>
#include <cstdio>
#include <future>
#include <iostream>
#include <thread>

#include <CLI/CLI.hpp>
#include <zmq_addon.hpp>

#include "daemon/cli/common.h"

namespace vigia::bench {
namespace {

using namespace std::chrono_literals;

// About the size of vigiad's reply to an accepted event ({"accepted":"<id>"}).
constexpr std::string_view kReply = R"({"accepted":"echo-0000000000"})";

// A ROUTER on tcp://127.0.0.1 (a free port) that answers every [id] [index]
// [event] with [id] [index] [kReply], on its own thread, polled and read in
// batches of 256 as vigiad's ack connector does (connectors/zmq_connector.cpp).
class EchoRouter {
 public:
  explicit EchoRouter(zmq::context_t& context) {
    std::promise<std::string> bound;
    auto endpoint = bound.get_future();
    thread_ = std::thread([this, &context, &bound] { Run(context, bound); });
    endpoint_ = endpoint.get();
  }
  ~EchoRouter() {
    stop_ = true;
    thread_.join();
  }
  EchoRouter(const EchoRouter&) = delete;
  EchoRouter& operator=(const EchoRouter&) = delete;

  // tcp://127.0.0.1:PORT; empty when the bind failed.
  const std::string& endpoint() const { return endpoint_; }

 private:
  void Run(zmq::context_t& context, std::promise<std::string>& bound) {
    zmq::socket_t router(context, zmq::socket_type::router);
    try {
      router.set(zmq::sockopt::linger, 0);
      router.set(zmq::sockopt::sndhwm, 100000);  // as vigiad's
      router.set(zmq::sockopt::router_mandatory, 1);
      router.bind("tcp://127.0.0.1:*");
      bound.set_value(router.get(zmq::sockopt::last_endpoint));
    } catch (const zmq::error_t& e) {
      std::cerr << "vigia-bench baseline: cannot bind: " << e.what() << "\n";
      bound.set_value({});
      return;
    }
    zmq::pollitem_t item{router.handle(), 0, ZMQ_POLLIN, 0};
    std::vector<zmq::message_t> frames;
    while (!stop_.load(std::memory_order_relaxed)) {
      zmq::poll(&item, 1, 50ms);
      for (int i = 0; i < 256; ++i) {
        frames.clear();
        if (!zmq::recv_multipart(router, std::back_inserter(frames), zmq::recv_flags::dontwait))
          break;
        if (frames.size() != 3) continue;
        frames[2].rebuild(kReply.data(), kReply.size());
        try {
          zmq::send_multipart(router, frames, zmq::send_flags::dontwait);
        } catch (const zmq::error_t& e) {  // the peer went away (router_mandatory)
          std::cerr << "vigia-bench baseline: echo: " << e.what() << "\n";
        }
      }
    }
  }

  std::atomic<bool> stop_{false};
  std::string endpoint_;
  std::thread thread_;
};

}  // namespace

BaselineResult MeasureBaseline(const std::vector<std::string>& messages, size_t window,
                               const std::function<std::string(uint64_t)>& message,
                               const FixedRateOptions& rate) {
  BaselineResult b;
  b.rate = rate.rate;
  b.duration = rate.duration;
  zmq::context_t context{1};
  EchoRouter echo(context);
  if (echo.endpoint().empty()) return b;
  {
    AckClient client(context, echo.endpoint());
    const std::string load = LoadAverage();
    b.throughput = RunThroughput(client, messages, window);
    std::printf(
        "baseline  zmq DEALER→ROUTER echo, tcp loopback: %llu messages of %.0f bytes, window "
        "%zu, in %.2f s = %.0f round trips/s, load %s\n",
        static_cast<unsigned long long>(b.throughput.events), b.throughput.mean_bytes, window,
        b.throughput.seconds, b.throughput.rate(), load.c_str());
  }
  {
    AckClient client(context, echo.endpoint());  // a fresh connection, as each daemon run
    const FixedRateResult r = RunFixedRate(client, nullptr, message, rate);
    b.send_rate = r.send_rate;
    b.latency = r.AckLatency();
    b.ok = b.throughput.ok && r.ok && r.accepted == r.sent;
    std::printf("          at %llu round trips/s for %.0f s (sent at %.0f/s): round trip %s\n",
                static_cast<unsigned long long>(rate.rate), rate.duration, r.send_rate,
                ToString(b.latency).c_str());
  }
  std::fflush(stdout);
  return b;
}

boost::json::object BaselineJson(const BaselineResult& b) {
  return {{"ok", b.ok},
          {"messages", b.throughput.events},
          {"mean_bytes", b.throughput.mean_bytes},
          {"window", b.throughput.window},
          {"seconds", b.throughput.seconds},
          {"round_trips_per_s", b.throughput.rate()},
          {"rate", b.rate},
          {"duration_s", b.duration},
          {"send_rate", b.send_rate},
          {"round_trip", PercentilesJson(b.latency)}};
}

int RunBaseline(const BaselineOptions& o) {
  ScaledEvents events;
  std::function<std::string(uint64_t)> message;
  if (o.size > 0) {
    message = [size = o.size](uint64_t) { return std::string(size, 'x'); };
  } else {
    auto catalogs = cli::LoadCatalogsOrReport("");
    if (!catalogs) return 2;
    if (std::string err = events.Load(o.base, *catalogs); !err.empty()) {
      std::cerr << "vigia-bench baseline: " << err << "\n";
      return 2;
    }
    message = [&events](uint64_t i) { return EventJson(events, i, 0); };
  }
  std::vector<std::string> messages;
  messages.reserve(o.events);
  for (uint64_t i = 0; i < o.events; ++i) messages.push_back(message(i));
  const BaselineResult b =
      MeasureBaseline(messages, o.window, message, FixedRateOptions{o.rate, o.duration, 0, 0});
  if (!b.ok) std::cerr << "vigia-bench baseline: failed\n";
  if (!o.json.empty()) {
    boost::json::object j = BaselineJson(b);
    j["mode"] = "baseline";
    j["load_average"] = LoadAverage();
    if (!WriteJsonFile(o.json, j)) return 1;
  }
  return b.ok ? 0 : 1;
}

CLI::App* AddBaselineCommand(CLI::App& app, BaselineOptions& o) {
  auto* cmd = app.add_subcommand(
      "baseline", "raw ZeroMQ DEALER→ROUTER round trips over tcp loopback (the bus's limit)");
  cmd->add_option("--base", o.base, "the messages: these events, scaled as ingest sends them")
      ->capture_default_str();
  cmd->add_option("--size", o.size, "messages of this many bytes instead (0: the events)")
      ->capture_default_str();
  cmd->add_option("--events", o.events, "round trips of the throughput phase")
      ->capture_default_str();
  cmd->add_option("--window", o.window, "requests in flight")->capture_default_str();
  cmd->add_option("--rate", o.rate, "round trips/s of the latency phase")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->add_option("--duration", o.duration, "seconds of the latency phase")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->add_option("--json", o.json, "also write the figures to this file as JSON");
  return cmd;
}

}  // namespace vigia::bench
