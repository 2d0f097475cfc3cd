// SPDX-License-Identifier: Apache-2.0
// The log of closing events (engine/detail/closer_log.h) must not change what
// the engine says: over random streams, with events late and out of order,
// rules with several variants, reloads, checkpoints and sweeps, an engine that
// logs gives the same alerts and retractions as one whose sequences keep
// every closing event themselves.
#include <map>
#include <memory>
#include <random>

#include "core/event_decoder.h"
#include "engine/test_harness.h"

namespace vigia::engine {
namespace {

// Sequences by subject that share closing conditions (and one whose events can
// fill two steps), by region, fanned out by group, closed or opened by an alert
// (never late, so an alert can open on a check-in the rule found late; `i`
// alerts at once on reports however late, so its alerts open `h` hours back);
// with overrides of another window, lateness and a cooldown.
constexpr const char* kA = R"(
  - id: a-threat-then-missed
    level: warning
    sequence:
      steps:
        - {type: report, category: [threat, harassment]}
        - {type: checkin_missed}
      within: 2h
      by: [subject]
    overrides:
      - where: {region: [MX-GRO]}
        sequence: {within: 5h}
      - where: {group: [women_hrd]}
        level: critical
)";
constexpr const char* kB = R"(
  - id: b-report-report-attack
    level: info
    lateness: 30m
    sequence:
      steps:
        - {type: report}
        - {type: report}
        - {type: report, category: [attack]}
      within: 3h
      by: [subject]
)";
constexpr const char* kC = R"(
  - id: c-attack-then-missed-twice
    level: critical
    cooldown: 1h
    where: {region: [MX-CHH, MX-GRO]}
    sequence:
      steps:
        - {type: report, category: [attack]}
        - {type: checkin_missed}
        - {type: checkin_missed}
      within: 90m
      by: [subject]
)";
constexpr const char* kD = R"(
  - id: d-panic-then-threat-by-region
    level: info
    sequence:
      steps:
        - {type: panic}
        - {type: report, category: [threat]}
      within: 1h
      by: [region]
)";
constexpr const char* kE = R"(
  - id: e-threat-then-missed-by-group
    level: info
    sequence:
      steps:
        - {type: report, category: [threat]}
        - {type: checkin_missed}
      within: 1h
      by: [group]
)";
constexpr const char* kF = R"(
  - id: f-panic-then-alert
    level: info
    sequence:
      steps:
        - {type: panic}
        - {type: alert}
      within: 2h
      by: [subject]
)";
constexpr const char* kHI = R"(
  - id: i-surveillance
    level: info
    match: {type: report, category: [surveillance]}
  - id: h-alert-then-missed
    level: info
    lateness: 10m
    sequence:
      steps:
        - {type: alert}
        - {type: checkin_missed, region: [MX-CHH, MX-GRO, MX-OAX]}
      within: 6h
      by: [subject]
)";
// The reload: `a` with another window and no overrides (its state starts
// over), `c` gone, `g` new with the closing condition of `a` and `c` (it must
// not take what was logged before it began), the rest unchanged (their state
// carries over).
constexpr const char* kAReloaded = R"(
  - id: a-threat-then-missed
    level: warning
    sequence:
      steps:
        - {type: report, category: [threat, harassment]}
        - {type: checkin_missed}
      within: 3h
      by: [subject]
)";
constexpr const char* kG = R"(
  - id: g-harassment-then-missed
    level: warning
    sequence:
      steps:
        - {type: report, category: [harassment]}
        - {type: checkin_missed}
      within: 4h
      by: [subject]
)";
const std::string kRules = std::string("rules:\n") + kA + kB + kC + kD + kE + kF + kHI;
const std::string kReloaded = std::string("rules:\n") + kAReloaded + kB + kD + kE + kF + kG + kHI;

struct Lines : AlertSink {
  void OnAlert(const Alert& a) override { text.push_back(AlertJson(a)); }
  void OnRetraction(const Retraction& x) override {
    text.push_back("retraction " + x.alert_id + " " + x.event_id);
  }
  std::vector<std::string> text;
};

// An engine, replaced by one loaded from its checkpoint when asked.
struct Feed {
  Feed(std::shared_ptr<const CompiledRules> r, bool log) : rules(std::move(r)), log_closers(log) {
    Start();
  }
  void Start() {
    engine = std::make_unique<Engine>(rules, out);
    engine->set_log_closers(log_closers);
  }
  void Restart() {
    const std::string blob = engine->SaveState();
    Start();
    REQUIRE(engine->LoadState(blob).has_value());
    CHECK(engine->SaveState() == blob);
  }
  void Reload(std::shared_ptr<const CompiledRules> r) {
    rules = std::move(r);
    engine->SwapRules(rules);
  }
  std::shared_ptr<const CompiledRules> rules;
  bool log_closers;
  Lines out;
  std::unique_ptr<Engine> engine;
};

// Counts the alerts of each rule in `lines`.
std::map<std::string, int> AlertsByRule(const std::vector<std::string>& lines) {
  std::map<std::string, int> n;
  for (const auto& line : lines) {
    const auto at = line.find(R"("rule":")");
    if (at == std::string::npos) continue;
    const auto begin = at + 8;
    ++n[line.substr(begin, line.find('"', begin) - begin)];
  }
  return n;
}

}  // namespace

TEST_CASE("over random streams, logging closing events changes no alert",
          "[engine][sequence][closer_log]") {
  const auto rules = testing::Harness::Compile(kRules);
  const auto reloaded = testing::Harness::Compile(kReloaded);
  EventDecoder decoder{Catalogs::Defaults(), DecodeLimits{}};
  const char* regions[] = {"MX-CHH", "MX-GRO", "MX-OAX"};
  const char* categories[] = {"threat", "harassment", "attack", "surveillance"};
  const char* groups[] = {R"("groups":["journalist"])", R"("groups":["women_hrd"])",
                          R"("groups":["journalist","women_hrd"])", ""};

  for (uint64_t seed = 1; seed <= 6; ++seed) {
    INFO("seed " << seed);
    std::mt19937_64 rng(seed);
    Feed logged(rules, true), reference(rules, false);
    size_t keys_logged = 0, keys_reference = 0;  // summed over the stream
    TimeUs wall = 1'714'557'600'000'000;         // 2024-05-01T10:00:00Z
    for (uint64_t i = 1; i <= 4000; ++i) {
      wall += static_cast<TimeUs>(rng() % 240) * 1'000'000;
      // Mostly on time; some minutes to hours late (past some rules' lateness).
      TimeUs time = wall;
      if (rng() % 4 == 0) time -= static_cast<TimeUs>(rng() % (4 * 3600)) * 1'000'000;
      const uint64_t kind = rng() % 10;
      const std::string type = kind < 6 ? "report" : kind < 9 ? "checkin_missed" : "panic";
      // A few subjects often (their states live long), many now and then (their
      // states come and go: closing events wait in the log, openers take them).
      const uint64_t subject = rng() % 2 == 0 ? rng() % 6 : rng() % 300;
      std::string extra = R"("subject":"s-)" + std::to_string(subject) + "\"";
      if (type == "report") extra += R"(,"category":")" + std::string(categories[rng() % 4]) + "\"";
      if (const std::string g = groups[rng() % 4]; !g.empty()) extra += "," + g;
      auto event = decoder.Decode(testing::Ev("e" + std::to_string(i), FormatRfc3339(time), extra,
                                              regions[rng() % 3], type));
      REQUIRE(event.has_value());
      event->seq = i;
      for (Feed* f : {&logged, &reference}) {
        event->arrival = std::max(wall, f->engine->clock());
        f->engine->Process(*event);
      }
      keys_logged += logged.engine->open_keys();
      keys_reference += reference.engine->open_keys();
      if (i % 97 == 0)
        for (Feed* f : {&logged, &reference}) f->engine->Sweep();
      if (i % 701 == 0)
        for (Feed* f : {&logged, &reference}) f->Restart();
      if (i == 2000)
        for (Feed* f : {&logged, &reference}) f->Reload(reloaded);
      REQUIRE(logged.out.text.size() == reference.out.text.size());
    }
    for (Feed* f : {&logged, &reference}) f->engine->AdvanceTo(wall + 30 * kDay);
    CHECK(logged.out.text == reference.out.text);
    // The log did the work: keys had a state for less of the time. And every
    // sequence fired, before and after the reload.
    CHECK(keys_logged < keys_reference * 3 / 4);
    const auto fired = AlertsByRule(logged.out.text);
    for (const char* id :
         {"a-threat-then-missed", "b-report-report-attack", "c-attack-then-missed-twice",
          "d-panic-then-threat-by-region", "e-threat-then-missed-by-group", "f-panic-then-alert",
          "g-harassment-then-missed", "h-alert-then-missed"}) {
      INFO(id);
      CHECK(fired.count(id) == 1);
    }
  }
}

TEST_CASE("a closing event that nothing opened makes no state; the opener takes it from the log",
          "[engine][sequence][closer_log]") {
  testing::Harness h(R"(
rules:
  - id: threat-then-missed
    level: warning
    sequence:
      steps:
        - {type: report, category: [threat]}
        - {type: checkin_missed}
      within: 2h
      by: [subject]
  - id: attack-then-missed
    level: warning
    sequence:
      steps:
        - {type: report, category: [attack]}
        - {type: checkin_missed}
      within: 2h
      by: [subject]
)");
  auto missed = [](const std::string& id, const std::string& t, const std::string& subject) {
    return testing::Ev(id, t, R"("subject":")" + subject + "\"", "MX-GRO", "checkin_missed");
  };
  for (int s = 0; s < 50; ++s)
    h.Push(missed("m" + std::to_string(s), "2024-05-01T10:30:00Z", "s-" + std::to_string(s)));
  CHECK(h.engine().open_keys() == 0);  // before: 100, one per rule and subject
  // A threat about s-7 stamped before its check-in was missed, arriving after.
  h.Push(
      testing::Ev("t", "2024-05-01T10:00:00Z", R"("category":"threat","subject":"s-7")", "MX-GRO"));
  REQUIRE(h.alerts.size() == 1);
  CHECK(h.alerts[0].events == testing::Ids({"t", "m7"}));
  CHECK(h.engine().open_keys() == 1);
  // Consumed: a second late threat finds nothing to close it.
  h.Push(testing::Ev("t2", "2024-05-01T10:05:00Z", R"("category":"threat","subject":"s-7")",
                     "MX-GRO"));
  CHECK(h.alerts.size() == 1);
  // Both closed the attack rule's key too: it takes the check-in, unconsumed there.
  h.Push(
      testing::Ev("a", "2024-05-01T10:10:00Z", R"("category":"attack","subject":"s-7")", "MX-GRO"));
  REQUIRE(h.alerts.size() == 2);
  CHECK(h.alerts[1].events == testing::Ids({"a", "m7"}));
}

TEST_CASE("an alert opens a sequence on a closing event logged hours before",
          "[engine][sequence][closer_log]") {
  // An alert is never late, and carries the time of its events: `i` raises one
  // at once on a report three and a half hours late, which opens `h` on a
  // missed check-in logged three hours before, that `h` alone would have found
  // late within minutes. It stays in the log for within + lateness.
  const char* rules = R"(
rules:
  - id: h-alert-then-missed
    level: info
    lateness: 10m
    sequence:
      steps:
        - {type: alert}
        - {type: checkin_missed}
      within: 6h
      by: [subject]
  - id: i-surveillance
    level: info
    match: {type: report, category: [surveillance]}
)";
  for (bool log : {true, false}) {
    INFO("log " << log);
    testing::Harness h(rules);
    h.engine().set_log_closers(log);
    h.Push(
        testing::Ev("m", "2024-05-01T10:00:00Z", R"("subject":"s-1")", "MX-GRO", "checkin_missed"));
    h.Push(testing::Ev("r", "2024-05-01T13:00:00Z", R"("category":"threat","subject":"s-2")"));
    h.engine().Sweep();
    CHECK(h.engine().open_keys() == (log ? 0 : 1));
    h.Push(testing::Ev("late", "2024-05-01T09:30:00Z",
                       R"("category":"surveillance","subject":"s-1")"));
    REQUIRE(h.alerts.size() == 2);
    CHECK(h.alerts[0].rule == "i-surveillance");
    CHECK(h.alerts[1].rule == "h-alert-then-missed");
    CHECK(h.alerts[1].events == std::vector<std::string>{h.alerts[0].id, "m"});
  }
}

TEST_CASE("a key flooded with closing events keeps what each rule would, as without the log",
          "[engine][sequence][closer_log]") {
  // Three rules share the closing condition {type: report} with different
  // lateness (and so different events they find late); a fourth comes with a
  // reload and takes only what follows. Hundreds of reports about one subject,
  // some late, then openers: each rule keeps the newest 32 it saw.
  const std::string base = R"(
rules:
  - id: p-short
    level: info
    lateness: 20m
    sequence:
      steps: [{type: panic}, {type: report}]
      within: 2d
      by: [subject]
  - id: q-long
    level: info
    lateness: 1d
    sequence:
      steps: [{type: checkin_missed}, {type: report}]
      within: 2d
      by: [subject]
  - id: r-two-variants
    level: info
    sequence:
      steps: [{type: panic, region: [MX-CHH, MX-GRO]}, {type: report}]
      within: 1d
      by: [subject]
    overrides:
      - where: {region: [MX-GRO]}
        sequence: {within: 3h}
)";
  const std::string reloaded = base + R"(
  - id: s-new
    level: info
    sequence:
      steps: [{type: panic}, {type: report}, {type: report}]
      within: 2d
      by: [subject]
)";
  EventDecoder decoder{Catalogs::Defaults(), DecodeLimits{}};
  for (uint64_t seed = 1; seed <= 8; ++seed) {
    INFO("seed " << seed);
    std::mt19937_64 rng(seed);
    Feed logged(testing::Harness::Compile(base), true);
    Feed reference(testing::Harness::Compile(base), false);
    TimeUs wall = 1'714'557'600'000'000;
    uint64_t seq = 0;
    auto push = [&](const std::string& type, TimeUs late_by, const char* region) {
      ++seq;
      auto event =
          decoder.Decode(testing::Ev("e" + std::to_string(seq), FormatRfc3339(wall - late_by),
                                     R"("subject":"s-1")", region, type));
      REQUIRE(event.has_value());
      event->seq = seq;
      for (Feed* f : {&logged, &reference}) {
        event->arrival = std::max(wall, f->engine->clock());
        f->engine->Process(*event);
      }
    };
    for (int round = 0; round < 3; ++round) {
      for (int i = 0; i < 150; ++i) {
        wall += static_cast<TimeUs>(rng() % 120) * 1'000'000;
        const TimeUs late_by =
            rng() % 3 == 0 ? static_cast<TimeUs>(rng() % (3 * 3600)) * 1'000'000 : 0;
        push("report", late_by, "MX-CHH");
      }
      if (round == 1)
        for (Feed* f : {&logged, &reference}) f->Reload(testing::Harness::Compile(reloaded));
      // Openers, themselves late (up to hours: past some rules' lateness), so
      // that they precede all the reports kept, or only some.
      for (const char* type : {"panic", "checkin_missed"})
        for (const char* region : {"MX-CHH", "MX-GRO"})
          push(type, static_cast<TimeUs>(rng() % (3 * 3600)) * 1'000'000, region);
      for (Feed* f : {&logged, &reference}) f->engine->Sweep();
    }
    CHECK(logged.out.text == reference.out.text);
    CHECK(logged.out.text.size() >= 8);
  }
}

}  // namespace vigia::engine
