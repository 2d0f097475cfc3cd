// SPDX-License-Identifier: Apache-2.0
// parse and engine modes of vigia-bench (engine_bench.h).
#include "bench/engine_bench.h"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iostream>

#include "bench/alloc_counter.h"
#include "bench/bench_util.h"
#include "bench/counting_sink.h"
#include "bench/json_report.h"
#include "bench/synthetic.h"
#include "core/event_decoder.h"
#include "daemon/cli/common.h"
#include "engine/offline_runner.h"

namespace vigia::bench {
namespace {

namespace fs = std::filesystem;

struct Input {
  std::vector<std::string> lines;
  size_t bytes = 0;
  std::string what;  // for the header
};

bool ReadInput(const HotPathOptions& o, Input& in) {
  if (o.synthetic > 0) {
    StreamOptions s;
    s.events = o.synthetic;
    s.subjects = o.subjects;
    s.seed = o.seed;
    const auto start = Clock::now();
    in.lines = GenerateEvents(s);
    std::fprintf(stderr, "generated %zu events in %.1f s\n", in.lines.size(), Seconds(start));
    in.what = "synthetic, seed " + std::to_string(o.seed) + ", " + std::to_string(o.subjects) +
              " subjects";
  } else {
    std::ifstream file(o.events_file, std::ios::binary);
    if (!file) {
      std::cerr << "cannot open " << o.events_file << "\n";
      return false;
    }
    for (std::string line; std::getline(file, line);)
      if (!line.empty()) in.lines.push_back(std::move(line));
    in.what = o.events_file;
  }
  for (const auto& l : in.lines) in.bytes += l.size();
  return true;
}

// Decodes every line `rounds` times; the best time. `invalid` counts the lines
// refused. With `keep`, `events` gets the valid events; without, each is
// dropped once decoded (as the connector hands it on), so that the figure is
// not one of a heap growing by a gigabyte.
double Decode(const Input& in, int rounds, std::vector<Event>& events, size_t& invalid,
              bool keep = true) {
  EventDecoder decoder(Catalogs::Defaults(), DecodeLimits{});
  double best = 1e9;
  for (int r = 0; r < rounds; ++r) {
    events.clear();
    if (keep) events.reserve(in.lines.size());
    invalid = 0;
    const auto start = Clock::now();
    for (const auto& l : in.lines) {
      if (auto e = decoder.Decode(l)) {
        if (keep) events.push_back(std::move(*e));
      } else {
        ++invalid;
      }
    }
    best = std::min(best, Seconds(start));
  }
  return best;
}

void PrintParse(const Input& in, size_t valid, double seconds) {
  const size_t n = in.lines.size();
  std::printf("parse   %zu events (%zu valid), %.1f bytes/event: %.0f events/s\n", n, valid,
              n ? static_cast<double>(in.bytes) / n : 0.0, n / seconds);
}

struct EngineRun {
  size_t rules = 0, variants = 0;
  double load_ms = 0;
  double seconds = 0;  // best round
  size_t alerts = 0, retractions = 0, open_keys = 0;
  int64_t state_bytes = 0;  // heap the engine holds after the stream (last round)
  std::vector<engine::RuleCounters> counters;  // of the last round
};

// Seq and arrival as the journal (and OfflineRunner) would stamp them.
void Stamp(std::vector<Event>& events) {
  TimeUs newest = INT64_MIN;
  uint64_t seq = 0;
  for (Event& e : events) {
    newest = std::max(newest, e.time);
    e.seq = ++seq;
    e.arrival = newest;
  }
}

EngineRun Measure(const std::shared_ptr<const engine::CompiledRules>& rules,
                  const std::vector<Event>& events, int rounds, bool dedup, bool closer_log) {
  EngineRun run;
  run.rules = rules->rules().size();
  for (const auto& r : rules->rules()) run.variants += r.variants.size();
  run.seconds = 1e9;
  for (int round = 0; round < rounds; ++round) {
    CountingSink sink;
    size_t open_keys = 0;
    double seconds = 0;
    int64_t live0 = 0;
    if (dedup) {
      engine::OfflineRunner runner(rules, sink);
      runner.engine().set_log_closers(closer_log);
      live0 = LiveBytes();
      const auto start = Clock::now();
      for (const Event& e : events) runner.Push(e);
      runner.Finish(std::nullopt);
      seconds = Seconds(start);
      open_keys = runner.engine().open_keys();
      run.state_bytes = LiveBytes() - live0;
      run.counters = runner.engine().counters();
    } else {
      engine::Engine engine(rules, sink);
      engine.set_log_closers(closer_log);
      live0 = LiveBytes();
      const auto start = Clock::now();
      for (const Event& e : events) engine.Process(e);
      if (!events.empty()) engine.AdvanceTo(events.back().arrival);
      seconds = Seconds(start);
      open_keys = engine.open_keys();
      run.state_bytes = LiveBytes() - live0;
      run.counters = engine.counters();
    }
    run.seconds = std::min(run.seconds, seconds);
    run.alerts = sink.alerts;
    run.retractions = sink.retractions;
    run.open_keys = open_keys;
  }
  return run;
}

// Writes (when `count` > 0) and loads the rules; nullptr when they do not load.
std::shared_ptr<const engine::CompiledRules> Rules(const HotPathOptions& o, size_t count,
                                                   double& load_ms) {
  std::vector<fs::path> files;
  fs::path temp;
  if (count > 0) {
    fs::path dir = o.rules_dir;
    if (dir.empty()) dir = temp = MakeTempDir(fs::temp_directory_path(), "vigia-bench-rules-");
    if (dir.empty()) {
      std::cerr << "cannot make a temp dir\n";
      return nullptr;
    }
    try {
      files = WriteRules(RuleSetOptions{count, o.seed}, dir);
    } catch (const std::exception& e) {
      std::cerr << "cannot write the generated rules: " << e.what() << "\n";
      return nullptr;
    }
  } else {
    files = cli::ExpandRuleArgs(o.rule_args);
  }
  const auto start = Clock::now();
  auto rules = cli::LoadRulesOrReport(files, Catalogs::Defaults());
  load_ms = Seconds(start) * 1000;
  std::error_code ec;
  if (!temp.empty()) fs::remove_all(temp, ec);
  return rules;
}

// The `top` rules with the most alerts, for tuning the generated sets.
void PrintTopRules(const engine::CompiledRules& rules, const EngineRun& run, size_t top) {
  std::vector<uint32_t> order(run.counters.size());
  for (uint32_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) {
    return run.counters[a].firings > run.counters[b].firings;
  });
  order.resize(std::min(order.size(), top));
  std::printf("  %-28s %10s %12s %10s %10s\n", "rule", "alerts", "evaluations", "suppressed",
              "dropped");
  for (uint32_t i : order) {
    const auto& c = run.counters[i];
    std::printf("  %-28s %10llu %12llu %10llu %10llu\n", rules.rules()[i].rule->id.c_str(),
                static_cast<unsigned long long>(c.firings),
                static_cast<unsigned long long>(c.evaluations),
                static_cast<unsigned long long>(c.suppressed),
                static_cast<unsigned long long>(c.dropped));
  }
}

}  // namespace

int RunParse(const HotPathOptions& o) {
  Input in;
  if (!ReadInput(o, in)) return 2;
  std::vector<Event> events;
  size_t invalid = 0;
  const double seconds = Decode(in, o.rounds, events, invalid, /*keep=*/false);
  const size_t valid = in.lines.size() - invalid;
  PrintParse(in, valid, seconds);
  JsonReport report("parse");
  report.top()
      .Add("input", in.what)
      .Add("events", in.lines.size())
      .Add("valid", valid)
      .Add("bytes_per_event", in.lines.empty() ? 0.0 : double(in.bytes) / in.lines.size())
      .Add("events_per_s", in.lines.size() / seconds)
      .Add("rounds", o.rounds);
  if (!report.WriteTo(o.json)) return 1;
  return invalid > 0 && o.synthetic > 0 ? 1 : 0;  // the generator must never make a bad event
}

int RunEngine(const HotPathOptions& o) {
  // For B/key: what the engine holds after the stream (its state, records and
  // deadlines) over its open keys. One relaxed atomic add per allocation.
  EnableAllocCounting();
  Input in;
  if (!ReadInput(o, in)) return 2;
  std::vector<Event> events;
  size_t invalid = 0;
  const double parse_seconds = Decode(in, 1, events, invalid);
  PrintParse(in, events.size(), parse_seconds);
  if (invalid > 0 && o.synthetic > 0) return 1;
  Stamp(events);

  std::vector<size_t> counts = o.rule_counts;
  if (counts.empty()) counts.push_back(o.generate_rules);  // 0: --rules
  JsonReport report("engine");
  report.top()
      .Add("input", in.what)
      .Add("events", events.size())
      .Add("path", o.dedup ? "dedup + engine" : "engine")
      .Add("closer_log", o.closer_log)
      .Add("rounds", o.rounds);
  std::printf("engine  %zu events (%s), %s%s, best of %d rounds\n", events.size(), in.what.c_str(),
              o.dedup ? "dedup + engine" : "engine only",
              o.closer_log ? "" : ", no log of closing events", o.rounds);
  // `held MB`: that heap in all (a sequence's closing events logged for keys
  // it has not opened are held, but not open keys).
  std::printf("%8s %9s %8s %12s %9s %8s %11s %10s %9s %8s %10s %9s\n", "rules", "variants",
              "load ms", "events/s", "alerts", "alert %", "retractions", "open keys", "B/key",
              "held MB", "eval/event", "slowdown");
  double first = 0;
  for (size_t count : counts) {
    double load_ms = 0;
    auto rules = Rules(o, count, load_ms);
    if (!rules) return 2;
    const EngineRun run = Measure(rules, events, o.rounds, o.dedup, o.closer_log);
    const double eps = events.size() / run.seconds;
    if (first == 0) first = eps;
    const double alert_pct = events.empty() ? 0 : 100.0 * run.alerts / events.size();
    // Rules the type index offered each event (input and alert events).
    uint64_t evaluations = 0;
    for (const auto& c : run.counters) evaluations += c.evaluations;
    const double per_event = events.empty() ? 0 : double(evaluations) / events.size();
    const double per_key = run.open_keys ? double(run.state_bytes) / run.open_keys : 0;
    std::printf("%8zu %9zu %8.0f %12.0f %9zu %7.2f%% %11zu %10zu %9.0f %8.1f %10.1f %8.2fx\n",
                run.rules, run.variants, load_ms, eps, run.alerts, alert_pct, run.retractions,
                run.open_keys, per_key, run.state_bytes / 1e6, per_event, first / eps);
    if (o.top > 0) PrintTopRules(*rules, run, o.top);
    std::fflush(stdout);
    report.AddRow()
        .Add("rules", run.rules)
        .Add("generated", count > 0)
        .Add("variants", run.variants)
        .Add("load_ms", load_ms)
        .Add("events_per_s", eps)
        .Add("alerts", run.alerts)
        .Add("alerts_per_event", events.empty() ? 0.0 : double(run.alerts) / events.size())
        .Add("retractions", run.retractions)
        .Add("open_keys", run.open_keys)
        .Add("state_bytes", run.state_bytes)
        .Add("state_bytes_per_open_key", per_key)
        .Add("evaluations_per_event", per_event)
        .Add("slowdown", first / eps);
  }
  return report.WriteTo(o.json) ? 0 : 1;
}

}  // namespace vigia::bench
