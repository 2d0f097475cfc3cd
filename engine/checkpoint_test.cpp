// SPDX-License-Identifier: Apache-2.0
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <set>

#include "engine/detail/byte_codec.h"
#include "engine/test_harness.h"

namespace {

using namespace vigia;
using namespace vigia::engine;
using vigia::engine::testing::Ev;
using vigia::engine::testing::Harness;
using vigia::engine::testing::Ids;
namespace fs = std::filesystem;

fs::path Source(const std::string& rel) { return fs::path(VIGIA_SOURCE_DIR) / rel; }

std::shared_ptr<const CompiledRules> LoadRules(const std::vector<fs::path>& files) {
  auto loaded = rules::LoadRuleFiles(files);
  INFO(RenderText(loaded.diagnostics()));
  REQUIRE(loaded.ok());
  auto set = std::make_shared<const rules::RuleSet>(std::move(loaded).value());
  return std::make_shared<const CompiledRules>(set, EngineDefaults{});
}

std::vector<fs::path> ExampleRuleFiles() {
  std::vector<fs::path> files;
  for (const auto& f : fs::directory_iterator(Source("rules/examples")))
    if (f.path().extension() == ".yaml") files.push_back(f.path());
  std::sort(files.begin(), files.end());
  return files;
}

std::vector<Event> ReadEvents(const fs::path& file) {
  EventDecoder decoder(Catalogs::Defaults(), DecodeLimits{});
  std::ifstream in(file);
  REQUIRE(in);
  std::vector<Event> out;
  for (std::string line; std::getline(in, line);) {
    if (line.empty()) continue;
    auto e = decoder.Decode(line);
    INFO(line);
    REQUIRE(e.has_value());
    out.push_back(std::move(*e));
  }
  return out;
}

Event Decode(const std::string& json) {
  EventDecoder decoder(Catalogs::Defaults(), DecodeLimits{});
  auto e = decoder.Decode(json);
  INFO(json);
  REQUIRE(e.has_value());
  return std::move(*e);
}

// The engine's output as lines: alerts as their JSON, retractions likewise.
class Recorder : public AlertSink {
 public:
  void OnAlert(const Alert& a) override {
    text += AlertJson(a) + "\n";
    alerts.push_back(a);
  }
  void OnRetraction(const Retraction& x) override {
    text += R"({"retraction":")" + x.alert_id + R"(","rule":")" + x.rule + R"(","event":")" +
            x.event_id + R"(","late_by":)" + std::to_string(x.late_by) + R"(,"at":")" +
            FormatRfc3339(x.at) + "\"}\n";
    ++retractions;
  }
  std::string text;
  std::vector<Alert> alerts;
  size_t retractions = 0;
};

// One step of a run: an event, a clock tick, or a sweep.
struct Action {
  TimeUs tick = 0;
  const Event* event = nullptr;
  bool sweep = false;
};

// The events in order, with ticks halfway to every third event (so deadlines
// also fire between events), a duplicate of an earlier event every 50 events,
// a conflicting copy every 97, a sweep every 40, and a last tick 30 days after
// the end.
struct Script {
  explicit Script(const std::vector<Event>& events) {
    extra.reserve(events.size());
    TimeUs newest = INT64_MIN;
    for (size_t i = 0; i < events.size(); ++i) {
      const Event& e = events[i];
      if (i % 3 == 2 && e.time > newest)
        actions.push_back({newest + (e.time - newest) / 2, nullptr});
      actions.push_back({0, &e});
      newest = std::max(newest, e.time);
      if (i % 50 == 49) actions.push_back({0, &events[i - 20]});
      if (i % 40 == 39) actions.push_back({0, nullptr, true});
      if (i % 97 == 96) {
        Event& conflict = extra.emplace_back(events[i - 10]);
        conflict.severity = conflict.severity.value_or(0) % 5 + 1;
        actions.push_back({0, &conflict});
      }
    }
    actions.push_back({newest + 30 * kDay, nullptr});
  }
  std::vector<Event> extra;  // reserved: actions point into it
  std::vector<Action> actions;
};

struct Checkpoint {
  std::string engine;
  std::string dedup;
  std::optional<TimeUs> newest;
  TimeUs clock = 0;
  uint64_t last_seq = 0;
};

// What the daemon does: the duplicate check, the journal's seq and arrival
// (offline: the newest event time), the engine; checkpoints of all three.
class Node {
 public:
  Node(std::shared_ptr<const CompiledRules> rules, AlertSink& sink)
      : engine(std::move(rules), sink), dedup(2 * kDay) {}

  void Do(const Action& a) {
    if (a.sweep) return engine.Sweep();
    if (!a.event) return engine.AdvanceTo(a.tick);
    Event e = *a.event;
    const TimeUs arrival = std::max(newest_.value_or(e.time), e.time);
    const auto verdict = dedup.Check(e, arrival);
    if (verdict == DedupIndex::Verdict::kConflict) return;
    newest_ = arrival;
    if (verdict != DedupIndex::Verdict::kNew) return;
    e.seq = engine.last_seq() + 1;
    e.arrival = arrival;
    engine.Process(e);
  }
  Checkpoint Save() const {
    return {engine.SaveState(), dedup.SaveState(), newest_, engine.clock(), engine.last_seq()};
  }
  void Load(const Checkpoint& c) {
    auto loaded = engine.LoadState(c.engine);
    REQUIRE(loaded.has_value());
    CHECK(loaded->variants_dropped == 0);
    REQUIRE(dedup.LoadState(c.dedup).has_value());
    CHECK(engine.clock() == c.clock);
    CHECK(engine.last_seq() == c.last_seq);
    newest_ = c.newest;
  }

  Engine engine;
  DedupIndex dedup;

 private:
  std::optional<TimeUs> newest_;
};

bool SameCounters(const std::vector<RuleCounters>& a, const std::vector<RuleCounters>& b) {
  auto fields = [](const RuleCounters& c) {
    return std::vector<uint64_t>{c.evaluations, c.firings, c.suppressed, c.late, c.no_key,
                                 c.dropped, c.ignored_hints, c.retractions, c.search_exhausted};
  };
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (fields(a[i]) != fields(b[i])) return false;
  return true;
}

struct SplitRun {
  Recorder full;
  std::vector<RuleCounters> counters;
  std::vector<Checkpoint> checkpoints;  // at every split point, from the checkpointed run
};

// Runs the script uninterrupted; then, for every 7th action (and 0 and the end),
// resumes a new engine from the checkpoint taken there. Every resumed run's
// output must complete the uninterrupted one's byte for byte.
SplitRun CheckSplits(const std::shared_ptr<const CompiledRules>& rules, const Script& script) {
  SplitRun out;
  const auto& actions = script.actions;
  {
    Node node(rules, out.full);
    for (const Action& a : actions) node.Do(a);
    out.counters = node.engine.counters();
  }
  // The same run saving at every split point: saving changes nothing.
  Recorder saving;
  Node node(rules, saving);
  std::vector<std::pair<size_t, size_t>> splits;  // (action, output bytes before it)
  for (size_t k = 0; k <= actions.size(); ++k) {
    if (k % 7 == 0 || k == actions.size()) {
      out.checkpoints.push_back(node.Save());
      CHECK(node.engine.SaveState() == out.checkpoints.back().engine);  // deterministic
      splits.emplace_back(k, saving.text.size());
    }
    if (k < actions.size()) node.Do(actions[k]);
  }
  REQUIRE(saving.text == out.full.text);

  for (size_t i = 0; i < splits.size(); ++i) {
    const auto [k, before] = splits[i];
    INFO("split before action " << k << " of " << actions.size());
    Recorder rest;
    Node resumed(rules, rest);
    resumed.Load(out.checkpoints[i]);
    // A loaded state saves to the bytes it was loaded from.
    CHECK(resumed.engine.SaveState() == out.checkpoints[i].engine);
    CHECK(resumed.dedup.SaveState() == out.checkpoints[i].dedup);
    for (size_t a = k; a < actions.size(); ++a) resumed.Do(actions[a]);
    REQUIRE(rest.text == out.full.text.substr(before));
    CHECK(SameCounters(resumed.engine.counters(), out.counters));
  }
  return out;
}

std::set<rules::PatternKind> KindsFired(const CompiledRules& rules, const Recorder& r) {
  std::set<rules::PatternKind> kinds;
  for (const Alert& a : r.alerts)
    for (const CompiledRule& cr : rules.rules())
      if (cr.rule->id == a.rule) kinds.insert(cr.rule->kind);
  return kinds;
}

// A blob without its checksum, changed by `edit`, and sealed again: what gets
// past the checksum to the parser.
template <typename Edit>
std::string Reseal(const std::string& blob, Edit edit) {
  std::string body = blob.substr(0, blob.size() - 8);
  edit(body);
  const uint64_t sum = detail::Fnv1a64(body);
  for (int i = 0; i < 8; ++i) body.push_back(static_cast<char>((sum >> (8 * i)) & 0xff));
  return body;
}

using PK = rules::PatternKind;

}  // namespace

TEST_CASE("a checkpoint resumed at any point gives the uninterrupted output (example rules)",
          "[engine][checkpoint]") {
  auto rules = LoadRules(ExampleRuleFiles());
  const auto events = ReadEvents(Source("rules/examples/events.jsonl"));
  REQUIRE(events.size() == 709);
  Script script(events);
  SplitRun run = CheckSplits(rules, script);

  // What the splits cover: every pattern kind, distinct, overrides, cooldown,
  // alerts as events, retraction.
  const auto kinds = KindsFired(*rules, run.full);
  for (PK k : {PK::kNone, PK::kCount, PK::kSequence, PK::kAbsence, PK::kHeartbeat, PK::kSpike}) {
    INFO("pattern " << rules::ToString(k));
    CHECK(kinds.count(k) == 1);
  }
  std::set<std::string> fired;
  for (const Alert& a : run.full.alerts) fired.insert(a.rule);
  CHECK(fired.count("land-project-defenders-attacked") == 1);  // count with distinct
  CHECK(fired.count("two-warnings-one-state") == 1);           // alerts as events
  CHECK(std::any_of(run.full.alerts.begin(), run.full.alerts.end(),
                    [](const Alert& a) { return a.variant != "base"; }));
  uint64_t suppressed = 0;
  for (const auto& c : run.counters) suppressed += c.suppressed;
  CHECK(suppressed > 0);  // cooldown
  CHECK(run.full.retractions > 0);
  CHECK(run.checkpoints.size() > 100);
}

TEST_CASE("a checkpoint resumed at any point gives the uninterrupted output (golden mixed)",
          "[engine][checkpoint]") {
  auto rules = LoadRules({Source("tests/golden/mixed.yaml")});
  const auto events = ReadEvents(Source("tests/golden/mixed.jsonl"));
  Script script(events);
  SplitRun run = CheckSplits(rules, script);
  const auto kinds = KindsFired(*rules, run.full);
  for (PK k : {PK::kNone, PK::kCount, PK::kSequence, PK::kAbsence, PK::kHeartbeat}) {
    INFO("pattern " << rules::ToString(k));
    CHECK(kinds.count(k) == 1);
  }
  CHECK(run.full.retractions > 0);
}

TEST_CASE("saving is deterministic and the checkpoint carries the clock and last seq",
          "[engine][checkpoint]") {
  auto rules = LoadRules(ExampleRuleFiles());
  const auto events = ReadEvents(Source("rules/examples/events.jsonl"));
  Recorder out;
  Engine engine(rules, out);
  SECTION("an engine that saw nothing") {
    Engine other(rules, out);
    auto loaded = other.LoadState(engine.SaveState());
    REQUIRE(loaded.has_value());
    CHECK(loaded->keys == 0);
    CHECK(other.clock() == INT64_MIN);
    CHECK(other.SaveState() == engine.SaveState());
  }
  SECTION("after events") {
    for (size_t i = 0; i < 300; ++i) {
      Event e = events[i];
      e.seq = 100 + i;
      e.arrival = e.time;
      engine.Process(e);
    }
    const std::string blob = engine.SaveState();
    CHECK(engine.SaveState() == blob);
    Engine other(rules, out);
    auto loaded = other.LoadState(blob);
    REQUIRE(loaded.has_value());
    CHECK(loaded->keys == engine.open_keys());
    CHECK(loaded->keys > 0);
    CHECK(loaded->variants_dropped == 0);
    CHECK(other.clock() == engine.clock());
    CHECK(other.last_seq() == 399);
    CHECK(other.open_keys() == engine.open_keys());
    CHECK(SameCounters(other.counters(), engine.counters()));
  }
}

TEST_CASE("a checkpoint loaded under edited rules keeps only the unchanged rules' state",
          "[engine][checkpoint][reload]") {
  const std::string count_a =
      "  - id: a\n    level: LEVEL\n    match: {type: report}\n"
      "    count: {at_least: 3, within: 7d, by: [region]}\n";
  const std::string count_b =
      "  - id: b\n    level: warning\nWHERE    match: {type: report}\n"
      "    count: {at_least: 3, within: 7d, by: [region]}\n";
  const std::string hb =
      "  - id: c\n    level: warning\n"
      "    heartbeat: {of: {type: checkin}, every: 1h, by: [subject]}\n";
  auto text = [&](const std::string& level, const std::string& where, bool with_hb) {
    std::string a = count_a, b = count_b;
    a.replace(a.find("LEVEL"), 5, level);
    b.replace(b.find("WHERE"), 5, where);
    return "rules:\n" + a + b + (with_hb ? hb : "");
  };
  auto feed = [](Engine& engine, const std::string& json) {
    Event e = Decode(json);
    e.seq = engine.last_seq() + 1;
    e.arrival = std::max(e.time, engine.clock());
    engine.Process(e);
  };

  Recorder before;
  Engine old_engine(Harness::Compile(text("warning", "", true)), before);
  feed(old_engine, Ev("e1", "2017-03-01T10:00:00Z"));
  feed(old_engine, Ev("e2", "2017-03-02T10:00:00Z"));
  feed(old_engine, Ev("c1", "2017-03-02T10:30:00Z", R"("subject":"p-1")", "MX-OAX", "checkin"));
  REQUIRE(before.alerts.empty());
  const std::string blob = old_engine.SaveState();

  // a: level edited (state kept); b: where edited (dropped); c: removed; d: new.
  Recorder after;
  const std::string edited = text("critical", "    where: {region: [MX-CHH, MX-GRO]}\n", false) +
                             "  - id: d\n    level: info\n    match: {type: report}\n"
                             "    count: {at_least: 1, within: 1d}\n";
  Engine engine(Harness::Compile(edited), after);
  auto loaded = engine.LoadState(blob);
  REQUIRE(loaded.has_value());
  CHECK(loaded->variants_kept == 1);
  CHECK(loaded->variants_dropped == 2);
  CHECK(loaded->keys == 1);
  CHECK(engine.counters()[0].evaluations == 2);  // counters carry over by rule id
  CHECK(engine.counters()[2].evaluations == 0);
  feed(engine, Ev("e3", "2017-03-03T10:00:00Z"));
  engine.AdvanceTo(*ParseRfc3339("2017-03-05T00:00:00Z"));  // c's deadline is gone with it
  REQUIRE(after.alerts.size() == 2);
  CHECK(after.alerts[0].rule == "a");
  CHECK(after.alerts[0].level == rules::Level::kCritical);
  CHECK(after.alerts[0].events == Ids({"e1", "e2", "e3"}));
  CHECK(after.alerts[1].rule == "d");  // b counts again from e3
  CHECK(engine.open_keys() == 3);      // a (emptied by the firing), b and d
}

TEST_CASE("bad checkpoints are rejected without harm", "[engine][checkpoint]") {
  auto rules = LoadRules({Source("tests/golden/mixed.yaml")});
  const auto events = ReadEvents(Source("tests/golden/mixed.jsonl"));
  Script script(events);
  // The richest state of the run: an open absence, heartbeats, sequence candidates.
  Recorder out;
  Node node(rules, out);
  std::string blob;
  for (const Action& a : script.actions) {
    node.Do(a);
    if (a.event && node.engine.SaveState().size() > blob.size()) blob = node.engine.SaveState();
  }
  const std::string dedup_blob = node.dedup.SaveState();

  Recorder sink;
  Engine engine(rules, sink);
  // Whether a fresh engine holding `blob`'s state rejects `b`, and keeps its state then.
  auto rejected = [&](const std::string& b) {
    Engine e(rules, sink);
    REQUIRE(e.LoadState(blob).has_value());
    if (e.LoadState(b).has_value()) return false;
    CHECK(e.SaveState() == blob);
    return true;
  };
  // Whatever a damaged blob loads as, the engine must go on working on it.
  auto exercise = [&](const std::string& b) {
    Engine e(rules, sink);
    if (!e.LoadState(b).has_value()) return;
    for (size_t i = 0; i < 8 && i < events.size(); ++i) {
      Event ev = events[events.size() - 1 - i];
      ev.seq = e.last_seq() + 1;
      ev.arrival = std::max(ev.time, e.clock());
      e.Process(ev);
    }
    e.Sweep();
    e.AdvanceTo(e.clock() + 60 * kDay);
  };

  SECTION("wrong kind, version, empty") {
    auto not_ckpt = engine.LoadState(dedup_blob);
    REQUIRE(!not_ckpt.has_value());
    CHECK(not_ckpt.error() == CheckpointError::kNotACheckpoint);
    CHECK(!node.dedup.LoadState(blob).has_value());
    CHECK(engine.LoadState("").error() == CheckpointError::kNotACheckpoint);
    auto v3 = engine.LoadState(Reseal(blob, [](std::string& b) { b[4] = 3; }));
    REQUIRE(!v3.has_value());
    CHECK(v3.error() == CheckpointError::kUnknownVersion);
    CHECK(ToString(v3.error()) == "unknown_version");
  }
  SECTION("truncated at every length") {
    for (size_t n = 0; n < blob.size(); ++n) CHECK(rejected(blob.substr(0, n)));
    for (size_t n = 0; n < dedup_blob.size(); ++n)
      CHECK(!node.dedup.LoadState(dedup_blob.substr(0, n)).has_value());
  }
  SECTION("a flipped byte breaks the checksum") {
    std::mt19937 rng(42);
    for (int i = 0; i < 2000; ++i) {
      std::string b = blob;
      b[rng() % b.size()] ^= static_cast<char>(1 + rng() % 255);
      auto loaded = engine.LoadState(b);
      REQUIRE(!loaded.has_value());
      CHECK((loaded.error() == CheckpointError::kDamaged ||
             loaded.error() == CheckpointError::kNotACheckpoint ||
             loaded.error() == CheckpointError::kUnknownVersion));
    }
  }
  SECTION("past the checksum: truncated bodies are malformed") {
    const size_t body = blob.size() - 8;
    for (size_t n = 5; n < body; ++n)
      CHECK(rejected(Reseal(blob, [&](std::string& b) { b.resize(n); })));
    CHECK(!rejected(Reseal(blob, [](std::string&) {})));
  }
  SECTION("past the checksum: random damage gives an error or a working state") {
    std::mt19937 rng(7);
    size_t loaded = 0;
    for (int i = 0; i < 3000; ++i) {
      const std::string b = Reseal(blob, [&](std::string& body) {
        for (int flips = 1 + static_cast<int>(rng() % 3); flips > 0; --flips)
          body[5 + rng() % (body.size() - 5)] ^= static_cast<char>(1 << (rng() % 8));
      });
      if (!rejected(b)) {
        ++loaded;
        exercise(b);
      }
      DedupIndex d;
      const std::string db = Reseal(dedup_blob, [&](std::string& body) {
        body[5 + rng() % (body.size() - 5)] ^= static_cast<char>(1 << (rng() % 8));
      });
      if (d.LoadState(db).has_value()) d.Check(events[0], events[0].time);
    }
    CHECK(loaded > 0);  // some damage is only in values (times, ids)
  }
}

TEST_CASE("the duplicate-check map round-trips through a checkpoint",
          "[engine][checkpoint][dedup]") {
  const auto events = ReadEvents(Source("rules/examples/events.jsonl"));
  // Arrival out of order now and then, so the expiry queue holds stale entries.
  auto arrival = [&](size_t i) { return events[i].time + (i % 5 == 0 ? -3 * kDay : 0); };
  auto replay = [&](size_t i) { return events[i / 3 * 2 % events.size()]; };
  for (size_t split : {size_t{0}, size_t{1}, size_t{250}, size_t{500}, events.size()}) {
    INFO("split at " << split);
    DedupIndex original(2 * kDay);
    for (size_t i = 0; i < split; ++i) original.Check(events[i], arrival(i));
    const std::string blob = original.SaveState();
    CHECK(original.SaveState() == blob);
    DedupIndex loaded(2 * kDay);
    auto n = loaded.LoadState(blob);
    REQUIRE(n.has_value());
    CHECK(*n == original.size());
    CHECK(loaded.size() == original.size());
    CHECK(loaded.SaveState() == blob);
    // The same verdicts from here on: new events, duplicates, conflicts.
    for (size_t i = split; i < events.size() + 200; ++i) {
      Event e = i < events.size() ? events[i] : replay(i);
      if (i % 7 == 0) e.severity = 5;
      const TimeUs at = i < events.size() ? arrival(i) : events.back().time;
      REQUIRE(loaded.Check(e, at) == original.Check(e, at));
    }
    CHECK(loaded.SaveState() == original.SaveState());
  }
}

// The segments of every checkpoint so far, as the daemon stores them.
struct StoredSegment {
  DedupIndex::Segment segment;
  bool deleted = false;
};

TEST_CASE("the duplicate check round-trips through incremental segments",
          "[engine][checkpoint][dedup]") {
  const auto events = ReadEvents(Source("rules/examples/events.jsonl"));
  REQUIRE(events.size() > 400);
  auto arrival = [&](size_t i) { return events[i].time + (i % 5 == 0 ? -3 * kDay : 0); };
  auto replay = [&](size_t i) { return events[i / 3 * 2 % events.size()]; };
  const DurationUs window = 2 * kDay;
  // Small segments, a few keys per tick: several segments per checkpoint,
  // checkpoints every 37 events, restarts at several of them.
  for (size_t restart_at : {size_t{37}, size_t{37 * 5}, size_t{37 * 10}}) {
    INFO("restart after " << restart_at << " events");
    DedupIndex original(window);
    std::vector<StoredSegment> stored;
    TimeUs newest_arrival = INT64_MIN;
    for (size_t i = 0; i < restart_at; ++i) {
      original.Check(events[i], arrival(i));
      newest_arrival = std::max(newest_arrival, arrival(i));
      original.ExtendSegments(original.recorded(), 3, 200);
      if ((i + 1) % 37 == 0) {
        REQUIRE(original.ExtendSegments(original.recorded(), UINT64_MAX, 200) == 0);
        for (auto& s : original.TakeSegments()) stored.push_back({std::move(s), false});
        // What the checkpoint writer prunes: segments all of whose keys the
        // window has passed.
        for (auto& s : stored)
          if (s.segment.newest < newest_arrival - window) s.deleted = true;
      }
    }
    CHECK(stored.size() > 2);
    DedupIndex loaded(window);
    size_t keys = 0;
    for (const auto& s : stored) {
      if (s.deleted) continue;
      auto n = loaded.LoadSegment(s.segment.blob);
      REQUIRE(n.has_value());
      CHECK(*n == s.segment.keys);
      keys += *n;
    }
    CHECK(loaded.segmented() == loaded.recorded());
    CHECK(loaded.recorded() == keys);
    // The same verdicts from here on: new events, duplicates, conflicts.
    for (size_t i = restart_at; i < events.size() + 200; ++i) {
      Event e = i < events.size() ? events[i] : replay(i);
      if (i % 7 == 0) e.severity = 5;
      const TimeUs at = i < events.size() ? arrival(i) : events.back().time;
      REQUIRE(loaded.Check(e, at) == original.Check(e, at));
    }
  }
}

TEST_CASE("a segment holds only the keys before the position asked for, each once",
          "[engine][checkpoint][dedup]") {
  const auto events = ReadEvents(Source("rules/examples/events.jsonl"));
  DedupIndex index;
  for (size_t i = 0; i < 10; ++i) index.Check(events[i], events[i].time);
  const uint64_t evaluated = index.recorded();
  for (size_t i = 10; i < 15; ++i) index.Check(events[i], events[i].time);  // waiting for their commit
  CHECK(index.ExtendSegments(evaluated, 4, 1 << 20) == evaluated - 4);
  CHECK(index.ExtendSegments(evaluated, 0, 1 << 20) == evaluated - 4);  // only says what is left
  CHECK(index.ExtendSegments(evaluated, UINT64_MAX, 1 << 20) == 0);
  auto segments = index.TakeSegments();
  REQUIRE(segments.size() == 1);
  CHECK(segments[0].keys == evaluated);
  CHECK(index.TakeSegments().empty());
  DedupIndex loaded;
  REQUIRE(loaded.LoadSegment(segments[0].blob).has_value());
  CHECK(loaded.Check(events[3], events[3].time) == DedupIndex::Verdict::kDuplicate);
  CHECK(loaded.Check(events[12], events[12].time) == DedupIndex::Verdict::kNew);
  // The rest comes in the next segment.
  CHECK(index.ExtendSegments(index.recorded(), UINT64_MAX, 1 << 20) == 0);
  segments = index.TakeSegments();
  REQUIRE(segments.size() == 1);
  CHECK(segments[0].keys == index.recorded() - evaluated);
}

TEST_CASE("a damaged segment is refused and leaves the index unchanged",
          "[engine][checkpoint][dedup]") {
  const auto events = ReadEvents(Source("rules/examples/events.jsonl"));
  DedupIndex index;
  for (size_t i = 0; i < 20; ++i) index.Check(events[i], events[i].time);
  index.ExtendSegments(index.recorded(), UINT64_MAX, 1 << 20);
  auto segments = index.TakeSegments();
  REQUIRE(segments.size() == 1);
  std::string blob = segments[0].blob;
  DedupIndex loaded;
  CHECK(!loaded.LoadSegment(blob.substr(0, blob.size() - 3)).has_value());
  blob[blob.size() / 2] ^= 0x20;
  CHECK(!loaded.LoadSegment(blob).has_value());
  CHECK(!loaded.LoadSegment(index.SaveState()).has_value());  // the whole-map format is not a segment
  CHECK(loaded.size() == 0);
  CHECK(loaded.recorded() == 0);
}

TEST_CASE("after a whole-map load every key goes into the next segments",
          "[engine][checkpoint][dedup]") {
  const auto events = ReadEvents(Source("rules/examples/events.jsonl"));
  DedupIndex old_format;
  for (size_t i = 0; i < 50; ++i) old_format.Check(events[i], events[i].time);
  DedupIndex index;
  REQUIRE(index.LoadState(old_format.SaveState()).has_value());
  CHECK(index.segmented() == 0);
  CHECK(index.ExtendSegments(index.recorded(), UINT64_MAX, 256) == 0);
  DedupIndex loaded;
  for (const auto& s : index.TakeSegments()) REQUIRE(loaded.LoadSegment(s.blob).has_value());
  CHECK(loaded.size() == old_format.size());
  for (size_t i = 0; i < 60; ++i)
    CHECK(loaded.Check(events[i], events[i].time) == old_format.Check(events[i], events[i].time));
}

TEST_CASE("A checkpoint keeps a rule's state only for the same booleans and numbers",
          "[engine][checkpoint]") {
  auto rules = [](const std::string& verified) {
    return "rules:\n  - id: verified-threats\n    level: warning\n"
           "    match: {type: report, attrs.verified: " +
           verified +
           ", attrs.score: {gte: 0.1234561}}\n"
           "    count: {at_least: 3, within: 7d, by: [region]}\n";
  };
  auto feed = [](Engine& engine, const std::string& id, const std::string& time) {
    Event e = Decode(Ev(id, time, R"("attrs":{"verified":true,"score":0.5})"));
    e.seq = engine.last_seq() + 1;
    e.arrival = std::max(e.time, engine.clock());
    engine.Process(e);
  };
  SECTION("written now") {
    Recorder before;
    Engine old_engine(Harness::Compile(rules("true")), before);
    feed(old_engine, "v1", "2017-03-01T10:00:00Z");
    feed(old_engine, "v2", "2017-03-02T10:00:00Z");
    const std::string blob = old_engine.SaveState();
    Recorder after;
    Engine same(Harness::Compile(rules("true")), after);
    REQUIRE(same.LoadState(blob).has_value());
    CHECK(same.open_keys() == 1);
    Engine edited(Harness::Compile(rules("false")), after);
    auto loaded = edited.LoadState(blob);
    REQUIRE(loaded.has_value());
    CHECK(loaded->variants_dropped == 1);
    CHECK(edited.open_keys() == 0);
  }
  SECTION("written before the signatures held them: still loads with its state") {
    // Written by vigia at 14726ed from the rule with `true` and events v1, v2.
    std::ifstream in(Source("tests/fixtures/engine/checkpoint-before-exact-signatures.bin"),
                     std::ios::binary);
    REQUIRE(in);
    const std::string blob{std::istreambuf_iterator<char>(in), {}};
    Recorder after;
    Engine engine(Harness::Compile(rules("true")), after);
    auto loaded = engine.LoadState(blob);
    REQUIRE(loaded.has_value());
    CHECK(loaded->variants_kept == 1);
    feed(engine, "v3", "2017-03-03T10:00:00Z");
    REQUIRE(after.alerts.size() == 1);
    CHECK(after.alerts[0].events == Ids({"v1", "v2", "v3"}));
  }
}

TEST_CASE("A checkpoint written before the compact state loads and resumes, and so does its resave",
          "[engine][checkpoint]") {
  // Written by vigia at 4f132fe: tests/fixtures/engine/compact-state/write_fixture.cpp has
  // how. The example rules and events, and a sequence whose first two steps take every
  // report (candidates of several steps, an event in two steps); the checkpoint after 400
  // events holds count windows with `distinct`, sequence candidates, absences and heartbeats
  // open and fired, records of alert events; expected.txt is what the rest gave then.
  const fs::path dir = Source("tests/fixtures/engine/compact-state");
  std::vector<fs::path> files;
  for (const auto& f : fs::directory_iterator(dir / "rules")) files.push_back(f.path());
  std::sort(files.begin(), files.end());
  auto rules = LoadRules(files);
  auto events = ReadEvents(dir / "events.jsonl");
  TimeUs newest = INT64_MIN;
  for (size_t i = 0; i < events.size(); ++i) {
    newest = std::max(newest, events[i].time);
    events[i].seq = i + 1;
    events[i].arrival = newest;
  }
  auto read = [&](const char* name) {
    std::ifstream in(dir / name, std::ios::binary);
    REQUIRE(in);
    return std::string{std::istreambuf_iterator<char>(in), {}};
  };
  const std::string blob = read("checkpoint.bin");

  struct Lines : AlertSink {
    void OnAlert(const Alert& a) override { text += AlertJson(a) + "\n"; }
    void OnRetraction(const Retraction& x) override {
      text += "retraction " + x.alert_id + " " + x.rule + " " + x.event_id + " " +
              std::to_string(x.late_by) + " " + FormatRfc3339(x.at) + "\n";
    }
    std::string text;
  } out;
  Engine engine(rules, out);
  auto loaded = engine.LoadState(blob);
  REQUIRE(loaded.has_value());
  CHECK(loaded->variants_dropped == 0);
  CHECK(loaded->keys == 59);
  // Saved again in format 2 (with the closing-event logs): the same state.
  const std::string resaved = engine.SaveState();
  CHECK(resaved != blob);
  Lines again;
  Engine reloaded(rules, again);
  REQUIRE(reloaded.LoadState(resaved).has_value());
  CHECK(reloaded.SaveState() == resaved);
  for (Engine* e : {&engine, &reloaded}) {
    for (size_t i = 400; i < events.size(); ++i) e->Process(events[i]);
    e->AdvanceTo(newest + 30 * kDay);
  }
  const std::string expected = read("expected.txt");
  CHECK(out.text == expected);
  CHECK(again.text == expected);
  CHECK(expected.find("fixture-reports-then-harassment") != std::string::npos);
  CHECK(expected.find("retraction ") != std::string::npos);
}
