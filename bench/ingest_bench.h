// SPDX-License-Identifier: Apache-2.0
// `vigia-bench ingest`: ack ingest over ZeroMQ tcp into the real vigiad with
// the journal on (daemon.md, "Benchmarks"): accepted events/s with a pipelining
// DEALER, then ack latency and ingest → alert latency at a fixed rate.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

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
};

// For each sync mode and phase: starts vigiad on a temp config (loopback tcp
// ack endpoint and alert stream on free ports, storage in the temp dir, the
// rules), waits for daemon.ready, runs the phase, stops it with SIGTERM.
// Prints one line per figure; exit code 0, or 1 on failure.
int RunIngest(const IngestOptions& options);

}  // namespace vigia::bench
