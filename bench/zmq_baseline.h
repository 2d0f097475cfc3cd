// SPDX-License-Identifier: Apache-2.0
// `vigia-bench baseline`: what the bus itself allows (issue #6). Raw ZeroMQ
// DEALER → ROUTER over tcp loopback in one process, the ROUTER echoing on its
// own thread as vigiad's ack connector does, with ingest's framing
// ([index] [event] → [index] [reply]) and message sizes: round trips/s with
// the same window in flight, and round-trip latency at the same fixed rate.
// `ingest` runs it first, so that its figure reads as a fraction of this one.
// Thread rules: each function runs on its caller's thread (plus the echo's).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <boost/json/object.hpp>

#include "bench/ingest_bench.h"

namespace CLI {
class App;
}  // namespace CLI

namespace vigia::bench {

struct BaselineOptions {
  std::string base = "rules/examples/events.jsonl";  // the messages: ingest's events
  size_t size = 0;                                   // > 0: messages of this many bytes instead
  uint64_t events = 200000;                          // round trips of the throughput phase
  size_t window = 1000;                              // requests in flight
  uint64_t rate = 10000;                             // round trips/s of the latency phase
  double duration = 5;                               // seconds of the latency phase
  std::string json;                                  // also write the figures here
};

struct BaselineResult {
  bool ok = false;
  ThroughputResult throughput;
  uint64_t rate = 0;
  double duration = 0, send_rate = 0;
  Percentiles latency;  // round trips at `rate`
};

// Starts the echo ROUTER, sends `messages` with `window` in flight, then
// `message(i)` at `rate`; prints one line per phase.
BaselineResult MeasureBaseline(const std::vector<std::string>& messages, size_t window,
                               const std::function<std::string(uint64_t)>& message,
                               const FixedRateOptions& rate);
boost::json::object BaselineJson(const BaselineResult& result);

// The `baseline` mode: exit code 0, 1 on failure, 2 on bad input.
int RunBaseline(const BaselineOptions& options);
// Adds the `baseline` subcommand, its options bound to `options`.
CLI::App* AddBaselineCommand(CLI::App& app, BaselineOptions& options);

}  // namespace vigia::bench
