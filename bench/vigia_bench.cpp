// SPDX-License-Identifier: Apache-2.0
// vigia-bench: the figures of shared/spec/daemon.md ("Benchmarks").
//   parse:    validation only (EventDecoder), events/s (hot_path_cli.h, engine_bench.h)
//   engine:   decoded events through the engine (one core), events/s, per rule count
//   keys:     engine memory per open key, events/s vs open keys
//   gen:      the synthetic event stream and rule sets of N rules (synthetic.h)
//   recovery: restart recovery of a journal of N events (recovery_bench.h)
//   ingest:   ack ingest into the real vigiad: events/s, latencies (ingest_bench.h)
//   latency:  its fixed-rate phase alone: ack and ingest → alert percentiles (ingest_bench.h)
//   baseline: raw ZeroMQ DEALER→ROUTER round trips, the bus's own limit (zmq_baseline.h)
//   reload:   reload of N rules, in process and in vigiad under load (reload_bench.h)
// recovery and ingest use the example rules and (scaled) example events.
#include <CLI/CLI.hpp>

#include <fstream>
#include <iostream>

#include "bench/bench_util.h"
#include "bench/checkpoint_bench.h"
#include "bench/hot_path_cli.h"
#include "bench/ingest_bench.h"
#include "bench/recovery_bench.h"
#include "bench/reload_bench.h"
#include "bench/zmq_baseline.h"
#include "core/event_decoder.h"
#include "daemon/cli/common.h"
#include "engine/offline_runner.h"

int main(int argc, char** argv) {
  CLI::App app{"vigia-bench: the benchmarks of shared/spec/daemon.md"};
  app.require_subcommand(1);

  vigia::bench::HotPathCli hot_paths(app);  // parse, engine, keys, gen

  vigia::bench::RecoveryOptions rec;
  auto* recovery = app.add_subcommand("recovery", "restart recovery of a journal (daemon::Core)");
  recovery->add_option("--events", rec.events, "journal rows")->capture_default_str();
  recovery
      ->add_option("--checkpoint-at", rec.checkpoint_at,
                   "also recover with a checkpoint after this many events (0: don't)")
      ->capture_default_str();
  recovery->add_option("--rules", rec.rules, "rule files, folders or globs")->capture_default_str();
  recovery->add_option("--base", rec.base, "events scaled to --events")->capture_default_str();
  recovery->add_option("--sync", rec.sync, "the recovering core's storage.sync")
      ->capture_default_str()
      ->check(CLI::IsMember({"full", "normal"}));
  recovery->add_option("--rounds", rec.rounds, "recoveries per variant")->capture_default_str();
  recovery->add_option("--dir", rec.dir, "parent of the temp dir (on the disk to measure)")
      ->capture_default_str();
  recovery->add_flag("--keep", rec.keep, "keep the database");
  recovery->add_option("--db", rec.db, "only recover this existing database (opened read-write)");
  recovery->add_option("--json", rec.json, "also write the figures to this file as JSON");

  vigia::bench::IngestOptions ing;
  auto* ingest = app.add_subcommand("ingest", "ack ingest into vigiad: events/s and latencies");
  ingest->add_option("--vigiad", ing.vigiad, "the vigiad binary (default: beside vigia-bench)");
  ingest->add_option("--sync", ing.syncs, "storage.sync, one daemon run each")
      ->capture_default_str()
      ->check(CLI::IsMember({"full", "normal"}));
  ingest->add_option("--rules", ing.rules, "rule files, or folders of them (*.yaml)")
      ->capture_default_str();
  ingest->add_option("--base", ing.base, "events scaled and re-timed to now")
      ->capture_default_str();
  ingest->add_option("--events", ing.events, "events of the throughput phase")
      ->capture_default_str();
  ingest->add_option("--window", ing.window, "requests in flight (throughput phase)")
      ->capture_default_str();
  ingest->add_option("--rate", ing.rate, "events/s of the latency phase")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  ingest->add_option("--duration", ing.duration, "seconds of the latency phase")
      ->capture_default_str();
  ingest
      ->add_option("--probe-every", ing.probe_every,
                   "one event in this many is a killing that fires lethal-attack")
      ->capture_default_str();
  ingest->add_option("--dir", ing.dir, "parent of the temp dirs (on the disk to measure)")
      ->capture_default_str();
  ingest->add_flag("--keep", ing.keep, "keep the temp dirs");
  ingest->add_flag("!--no-baseline", ing.baseline, "skip the transport baseline");
  ingest->add_option("--json", ing.json, "also write the figures to this file as JSON");
  vigia::bench::IngestOptions lat;
  auto* latency = vigia::bench::AddLatencyCommand(app, lat);
  vigia::bench::BaselineOptions base;
  auto* baseline = vigia::bench::AddBaselineCommand(app, base);
  vigia::bench::ReloadOptions rel;
  auto* reload = vigia::bench::AddReloadCommand(app, rel);
  vigia::bench::CheckpointOptions ckpt;
  auto* checkpoint = vigia::bench::AddCheckpointCommand(app, ckpt);
  CLI11_PARSE(app, argc, argv);

  if (auto rc = hot_paths.Run()) return *rc;
  if (*recovery) return vigia::bench::RunRecovery(rec);
  if (*latency) return vigia::bench::RunLatency(lat);
  if (*baseline) return vigia::bench::RunBaseline(base);
  if (*reload) return vigia::bench::RunReload(rel);
  if (*checkpoint) return vigia::bench::RunCheckpoint(ckpt);
  return vigia::bench::RunIngest(ing);
}
