// SPDX-License-Identifier: Apache-2.0
// vigia-bench: throughput of the hot paths over a JSON Lines file.
//   parse:  validation only (EventDecoder), events/s
//   engine: decoded events through dedup + engine (one core), events/s
// The synthetic stream generator and the daemon modes of spec/daemon.md come
// with issue #6; this measures what exists today on real input.
#include <CLI/CLI.hpp>

#include <chrono>
#include <fstream>
#include <iostream>

#include "core/event_decoder.h"
#include "daemon/cli/common.h"
#include "engine/offline_runner.h"

namespace {

using Clock = std::chrono::steady_clock;

class CountingSink : public vigia::engine::AlertSink {
 public:
  void OnAlert(const vigia::engine::Alert&) override { ++alerts; }
  void OnRetraction(const vigia::engine::Retraction&) override { ++retractions; }
  size_t alerts = 0, retractions = 0;
};

double Seconds(Clock::time_point since) {
  return std::chrono::duration<double>(Clock::now() - since).count();
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"vigia-bench: hot-path throughput"};
  std::string mode = "engine", events_file;
  std::vector<std::string> rule_args;
  int rounds = 3;
  app.add_option("mode", mode, "parse | engine")->check(CLI::IsMember({"parse", "engine"}));
  app.add_option("--rules", rule_args, "rule files, folders or globs (engine mode)");
  app.add_option("--events", events_file, "JSON Lines events")->required();
  app.add_option("--rounds", rounds, "repetitions; the best is reported");
  CLI11_PARSE(app, argc, argv);

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
  if (mode == "parse") return 0;

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
  std::printf("engine  %zu rules, %zu events: %.0f events/s (dedup + engine), %zu alerts, %zu "
              "retractions\n",
              rules->rules().size(), events.size(), events.size() / best_engine, sink.alerts,
              sink.retractions);
  return 0;
}
