// SPDX-License-Identifier: Apache-2.0
// `vigia-bench ingest` and `vigia-bench latency`: ack ingest over ZeroMQ tcp
// into the real vigiad with the journal on (daemon.md, "Benchmarks").
//   ingest:  the transport baseline (zmq_baseline.h), then per sync mode
//            accepted events/s with a pipelining DEALER, and the latency phase;
//   latency: the latency phase alone: events at a fixed rate, ack latency and
//            ingest → alert published latency (the probes' alerts on the stream).
// Also the load generators the other modes reuse (baseline, reload).
// Thread rules: none shared; each function runs on its caller's thread.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <zmq.hpp>

#include "bench/bench_util.h"
#include "bench/daemon_process.h"
#include "bench/scaled_events.h"

namespace CLI {
class App;
}  // namespace CLI

namespace vigia::bench {

struct IngestOptions {
  std::string vigiad;                                   // empty: vigiad beside vigia-bench
  std::vector<std::string> syncs = {"full", "normal"};  // one daemon run each
  std::vector<std::string> rules = {"rules/examples"};  // files, or folders of *.yaml
  std::string base = "rules/examples/events.jsonl";     // scaled (ScaledEvents), re-timed to now
  std::string dir = "/tmp";                             // where the temp dirs go
  uint64_t events = 200000;                             // throughput phase
  size_t window = 1000;                                 // requests in flight
  uint64_t rate = 10000;                                // events/s in the latency phase
  double duration = 10;                                 // seconds of the latency phase
  uint64_t probe_every = 50;  // one event in this many fires lethal-attack
  bool keep = false;          // leave the temp dirs behind
  bool throughput = true;     // the throughput phase (off in `latency`)
  bool baseline = true;       // the transport baseline first (with the throughput phase)
  std::string json;           // also write the figures here
};

// For each sync mode and phase: starts vigiad on a temp config (loopback tcp
// ack endpoint and alert stream on free ports, storage in the temp dir, the
// rules), waits for daemon.ready, runs the phase, stops it with SIGTERM.
// Prints one line per figure; exit code 0, 1 on failure, 2 on bad input.
int RunIngest(const IngestOptions& options);
// RunIngest with only the latency phase (no throughput phase, no baseline).
int RunLatency(IngestOptions options);
// Adds the `latency` subcommand, its options bound to `options`.
CLI::App* AddLatencyCommand(CLI::App& app, IngestOptions& options);

// --- Load generators over an ack socket (ingest, latency, baseline, reload) ---

// Event `i` of the bench stream, timed now: a scaled example event, or every
// `probe_every`-th (0: never) a killing "probe-<i>" that lethal-attack alerts
// on at once.
std::string EventJson(const ScaledEvents& events, uint64_t i, uint64_t probe_every);

struct ThroughputResult {
  bool ok = false;  // every request answered
  uint64_t events = 0, accepted = 0;
  size_t window = 0;
  double seconds = 0, mean_bytes = 0;
  double rate() const { return seconds > 0 ? accepted / seconds : 0; }
};
// Sends `messages` (request i = messages[i]) keeping `window` in flight and
// waits for every reply; fails after 10 s without one.
ThroughputResult RunThroughput(AckClient& ack, const std::vector<std::string>& messages,
                               size_t window);

struct FixedRateOptions {
  uint64_t rate = 10000;     // events/s
  double duration = 10;      // seconds
  uint64_t probe_every = 0;  // which requests are probes (index % probe_every == 0); 0: none
  uint64_t first_index = 0;  // the requests are first_index, first_index + 1, ...
};
struct FixedRateResult {
  bool ok = false;  // every event answered, every accepted probe's alert received
  uint64_t sent = 0, accepted = 0, probes = 0;
  uint64_t extra_replies = 0;  // replies beyond the first of an event (none expected)
  double send_rate = 0;        // events/s actually sent
  // By event (request index − first_index):
  std::vector<Clock::time_point> sent_at;
  std::vector<int64_t> ack_us;       // send → first reply, µs; -1: none
  std::vector<uint8_t> accepted_at;  // 1: the first reply accepted it
  std::vector<int64_t> alert_us;     // probes: send → alert received on `sub`, µs
  Percentiles AckLatency() const;    // of the accepted events
};
// Sends `rate` events/s for `duration` from one thread (bursts of at most
// 1 ms), `message(index)` each, reading replies and, with `sub`, the probes'
// alerts (kProbeRule) as they come; then waits for the last replies (10 s
// without progress fails) and alerts (2 s).
FixedRateResult RunFixedRate(AckClient& ack, zmq::socket_t* sub,
                             const std::function<std::string(uint64_t)>& message,
                             const FixedRateOptions& options);

// {"n":…, "p50_ms":…, "p90_ms":…, "p99_ms":…, "p999_ms":…, "max_ms":…}
boost::json::object PercentilesJson(const Percentiles& p);
// Writes `value` (pretty enough: one line) to `path`; false with a message on stderr.
bool WriteJsonFile(const std::string& path, const boost::json::value& value);

}  // namespace vigia::bench
