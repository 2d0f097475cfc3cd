// SPDX-License-Identifier: Apache-2.0
// vigia-bench: the figures of shared/spec/daemon.md ("Benchmarks").
//   parse:    validation only (EventDecoder) over a JSON Lines file, events/s
//   engine:   decoded events through dedup + engine (one core), events/s
//   recovery: restart recovery of a journal of N events (recovery_bench.h)
//   ingest:   ack ingest into the real vigiad: events/s, latencies (ingest_bench.h)
// The synthetic stream of N generated rules comes with issue #6; these modes
// use the example rules and (scaled) example events.
#include <CLI/CLI.hpp>

#include <fstream>
#include <iostream>

#include "bench/bench_util.h"
#include "bench/ingest_bench.h"
#include "bench/recovery_bench.h"
#include "core/event_decoder.h"
#include "daemon/cli/common.h"
#include "engine/offline_runner.h"

namespace {

using vigia::bench::Clock;
using vigia::bench::Seconds;

class CountingSink : public vigia::engine::AlertSink {
 public:
  void OnAlert(const vigia::engine::Alert&) override { ++alerts; }
  void OnRetraction(const vigia::engine::Retraction&) override { ++retractions; }
  size_t alerts = 0, retractions = 0;
};

// parse, and with `rule_args` engine: the best of `rounds`.
int RunHotPaths(const std::string& events_file, const std::vector<std::string>& rule_args,
                int rounds, bool engine) {
  std::ifstream in(events_file, std::ios::binary);
  if (!in) {
    std::cerr << "cannot open " << events_file << "\n";
    return 2;
  }
  std::vector<std::string> lines;
  size_t bytes = 0;
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) bytes += line.size(), lines.push_back(std::move(line));

  const auto& catalogs = vigia::Catalogs::Defaults();
  vigia::EventDecoder decoder(catalogs, vigia::DecodeLimits{});
  std::vector<vigia::Event> events;
  events.reserve(lines.size());
  double best_parse = 1e9;
  for (int r = 0; r < rounds; ++r) {
    events.clear();
    auto start = Clock::now();
    for (const auto& l : lines)
      if (auto e = decoder.Decode(l)) events.push_back(std::move(*e));
    best_parse = std::min(best_parse, Seconds(start));
  }
  std::printf("parse   %zu events (%zu valid), %.1f bytes/event: %.0f events/s\n", lines.size(),
              events.size(), static_cast<double>(bytes) / lines.size(), lines.size() / best_parse);
  if (!engine) return 0;

  auto rules = vigia::cli::LoadRulesOrReport(vigia::cli::ExpandRuleArgs(rule_args), catalogs);
  if (!rules) return 2;
  double best_engine = 1e9;
  CountingSink sink;
  for (int r = 0; r < rounds; ++r) {
    sink = CountingSink{};
    vigia::engine::OfflineRunner runner(rules, sink);
    auto start = Clock::now();
    for (const auto& e : events) runner.Push(e);
    runner.Finish(std::nullopt);
    best_engine = std::min(best_engine, Seconds(start));
  }
  std::printf(
      "engine  %zu rules, %zu events: %.0f events/s (dedup + engine), %zu alerts, %zu "
      "retractions\n",
      rules->rules().size(), events.size(), events.size() / best_engine, sink.alerts,
      sink.retractions);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"vigia-bench: the benchmarks of shared/spec/daemon.md"};
  app.require_subcommand(1);

  std::string events_file;
  std::vector<std::string> rule_args;
  int rounds = 3;
  auto* parse = app.add_subcommand("parse", "validation only, events/s");
  auto* engine = app.add_subcommand("engine", "dedup + engine over decoded events, events/s");
  for (auto* cmd : {parse, engine}) {
    cmd->add_option("--events", events_file, "JSON Lines events")->required();
    cmd->add_option("--rounds", rounds, "repetitions; the best is reported");
  }
  engine->add_option("--rules", rule_args, "rule files, folders or globs")->required();

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
  CLI11_PARSE(app, argc, argv);

  if (*parse || *engine) return RunHotPaths(events_file, rule_args, rounds, engine->parsed());
  if (*recovery) return vigia::bench::RunRecovery(rec);
  return vigia::bench::RunIngest(ing);
}
