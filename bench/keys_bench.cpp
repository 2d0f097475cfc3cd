// SPDX-License-Identifier: Apache-2.0
// `vigia-bench keys` (engine_bench.h): engine memory per open key, and events/s
// as the number of open keys grows.
//
// One count rule keyed by subject that never fires (at_least 9, within 30d), and
// K subjects sending 8 reports each, round-robin (the 8 rounds of all K keys in
// time order), so that at the end K keys each hold a window of 8 events.
//
// What is counted: the live heap bytes allocated and not freed while the engine
// is fed (alloc_counter.h), divided by K. That is everything the engine keeps
// for a key: the hash map node and bucket, the key string, the per-key state,
// its window of 8 entries, and the 8 per-event records the entries point to
// (each record is shared by every rule that holds the event, but here only this
// rule holds it, so all of it is the key's). The events themselves are not
// counted: one Event is reused and overwritten in place, with strings whose
// capacity is reserved before the count starts, so feeding allocates nothing
// outside the engine. Ids have 19 characters, like the spec's
// "redtdt-2017-000412", so a record's copy of the id is a heap block as in
// production; subjects ("p-0004d2") fit in std::string's inline buffer.
// A second run with 1 event per key splits the figure into a fixed cost per key
// and a cost per held event. RSS growth (after malloc_trim) is shown too: it
// adds the allocator's per-block headers and free-list slack.
#include <cstdio>
#include <iostream>
#include <memory>

#include "bench/alloc_counter.h"
#include "bench/bench_util.h"
#include "bench/counting_sink.h"
#include "bench/engine_bench.h"
#include "bench/json_report.h"
#include "engine/engine.h"
#include "rules/loader.h"

namespace vigia::bench {
namespace {

constexpr const char* kRule = R"(rules:
  - id: open-keys
    level: info
    match: {type: report}
    count: {at_least: 9, within: 30d}
    by: [subject]
)";

struct Fill {
  int64_t live_bytes = 0;  // heap growth over the feed
  int64_t rss_bytes = 0;   // RSS growth over the feed
  double seconds = 0;
  size_t open_keys = 0, alerts = 0;
};

Fill Feed(const std::shared_ptr<const engine::CompiledRules>& rules, size_t keys, int per_key) {
  TrimHeap();
  CountingSink sink;
  auto engine = std::make_unique<engine::Engine>(rules, sink);
  engine->set_max_keys(keys + 1);
  Event e;
  e.type = "report";
  e.source = "redtdt";
  e.region = "MX-GRO";
  e.category = "threat";
  e.id.reserve(32);
  e.subject.emplace().reserve(32);
  // Warm up the scratch buffers of the engine with one key that is not counted.
  e.id = "redtdt-2017-warmup00";
  *e.subject = "warm";
  e.time = e.arrival = 1488326400LL * kSecond;
  e.seq = 1;
  engine->Process(e);

  Fill fill;
  char buf[32];
  const int64_t live0 = LiveBytes(), rss0 = ResidentBytes();
  const auto start = Clock::now();
  uint64_t n = 1;
  for (int round = 0; round < per_key; ++round) {
    for (size_t k = 0; k < keys; ++k) {
      ++n;
      std::snprintf(buf, sizeof buf, "redtdt-2017-%07llu", static_cast<unsigned long long>(n));
      e.id.assign(buf);
      std::snprintf(buf, sizeof buf, "p-%06zx", k);
      e.subject->assign(buf);
      e.time = e.arrival = e.time + kSecond / 1000;
      e.seq = n;
      engine->Process(e);
    }
  }
  fill.seconds = Seconds(start);
  fill.live_bytes = LiveBytes() - live0;
  fill.rss_bytes = ResidentBytes() - rss0;
  fill.open_keys = engine->open_keys() - 1;  // the warm-up key
  fill.alerts = sink.alerts;
  return fill;
}

}  // namespace

int RunKeys(const KeysOptions& o) {
  EnableAllocCounting();
  auto loaded = rules::LoadRuleTexts({{"keys.yaml", kRule}});
  if (!loaded.ok()) {
    std::cerr << RenderText(loaded.diagnostics());
    return 2;
  }
  auto set = std::make_shared<const rules::RuleSet>(std::move(loaded).value());
  auto rules = std::make_shared<const engine::CompiledRules>(set, engine::EngineDefaults{});

  JsonReport report("keys");
  report.top().Add("events_per_key", o.events_per_key);
  std::printf("keys    one count rule by subject, %d events per key (its window), engine only\n",
              o.events_per_key);
  std::printf("%9s %10s %12s %12s %12s %12s %12s\n", "keys", "events", "events/s", "bytes/key",
              "RSS B/key", "fixed/key", "per event");
  int rc = 0;
  for (size_t keys : o.keys) {
    const Fill full = Feed(rules, keys, o.events_per_key);
    const Fill one = o.events_per_key > 1 ? Feed(rules, keys, 1) : full;
    const double k = static_cast<double>(keys);
    const double per_key = full.live_bytes / k;
    const double per_event =
        o.events_per_key > 1 ? (full.live_bytes - one.live_bytes) / k / (o.events_per_key - 1) : 0;
    const double fixed = one.live_bytes / k - per_event;
    const double events = k * o.events_per_key;
    std::printf("%9zu %10.0f %12.0f %12.1f %12.1f %12.1f %12.1f\n", keys, events,
                events / full.seconds, per_key, full.rss_bytes / k, fixed, per_event);
    std::fflush(stdout);
    if (full.open_keys != keys || full.alerts != 0) {
      std::cerr << "keys: expected " << keys << " open keys and no alert, got " << full.open_keys
                << " and " << full.alerts << "\n";
      rc = 1;
    }
    report.AddRow()
        .Add("keys", keys)
        .Add("events", events)
        .Add("events_per_s", events / full.seconds)
        .Add("bytes_per_key", per_key)
        .Add("rss_bytes_per_key", full.rss_bytes / k)
        .Add("fixed_bytes_per_key", fixed)
        .Add("bytes_per_held_event", per_event);
  }
  if (!report.WriteTo(o.json)) rc = 1;
  return rc;
}

}  // namespace vigia::bench
