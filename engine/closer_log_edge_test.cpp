// SPDX-License-Identifier: Apache-2.0
// The log of closing events (engine/detail/closer_log.h) at its edges: rules
// reloaded or loaded from a checkpoint with another window or lateness, keys
// flooded with closing events, the key cap, damaged checkpoints. Each case
// feeds the same events to an engine that logs and to one whose sequences keep
// their closing events themselves (the reference), and compares what they say.
// Most cases come from a review of the log that found each of them diverging.
#include <functional>
#include <map>
#include <memory>
#include <random>

#include "core/event_decoder.h"
#include "engine/detail/byte_codec.h"
#include "engine/test_harness.h"

namespace vigia::engine {
namespace {

struct Out : AlertSink {
  void OnAlert(const Alert& a) override {
    std::string ev;
    for (auto& e : a.events) ev += e + ",";
    text.push_back("alert " + a.rule + " " + a.id + " [" + ev + "]");
  }
  void OnRetraction(const Retraction& x) override {
    text.push_back("retraction " + x.alert_id + " " + x.event_id);
  }
  std::vector<std::string> text;
};

TimeUs T(const std::string& hms) { return *ParseRfc3339("2024-05-01T" + hms + "Z"); }

Event Ev(const std::string& id, const std::string& type, TimeUs time, const std::string& subject,
         const std::string& category = "", const std::string& region = "MX-GRO") {
  Event e;
  e.id = id;
  e.type = type;
  e.time = time;
  e.source = "test";
  e.region = region;
  if (!subject.empty()) e.subject = subject;
  if (!category.empty()) e.category = category;
  return e;
}

// The same events, with explicit arrivals, to an engine that logs ([0]) and
// to the reference ([1]).
struct Twin {
  explicit Twin(const std::string& yaml, size_t max_keys = 0) {
    rules = testing::Harness::Compile(yaml);
    for (int i = 0; i < 2; ++i) {
      eng[i] = std::make_unique<Engine>(rules, out[i]);
      eng[i]->set_log_closers(i == 0);
      if (max_keys) eng[i]->set_max_keys(max_keys);
    }
  }
  void Push(Event e, TimeUs arrival) {
    e.seq = ++seq;
    for (int i = 0; i < 2; ++i) {
      e.arrival = std::max(arrival, eng[i]->clock());
      eng[i]->Process(e);
    }
  }
  void Swap(const std::string& yaml) {
    rules = testing::Harness::Compile(yaml);
    for (auto& e : eng) e->SwapRules(rules);
  }
  void Sweep() {
    for (auto& e : eng) e->Sweep();
  }
  void Restart(const std::string& yaml = "") {
    if (!yaml.empty()) rules = testing::Harness::Compile(yaml);
    for (int i = 0; i < 2; ++i) {
      const std::string blob = eng[i]->SaveState();
      eng[i] = std::make_unique<Engine>(rules, out[i]);
      eng[i]->set_log_closers(i == 0);
      REQUIRE(eng[i]->LoadState(blob).has_value());
    }
  }
  std::shared_ptr<const CompiledRules> rules;
  Out out[2];
  std::unique_ptr<Engine> eng[2];
  uint64_t seq = 0;
};

const char* kLate10m = R"(
rules:
  - id: r
    level: info
    lateness: 10m
    sequence:
      steps: [{type: report, category: [threat]}, {type: checkin_missed}]
      within: 2h
      by: [subject]
)";
const char* kLate3h = R"(
rules:
  - id: r
    level: info
    lateness: 3h
    sequence:
      steps: [{type: report, category: [threat]}, {type: checkin_missed}]
      within: 2h
      by: [subject]
)";

// Per category of the taxonomy but the first, and per type of report: a rule
// of a panic, then such a report, by subject (36 closing conditions).
std::string OneRulePerCategory() {
  static const char* kCategories[] = {"harassment",
                                      "smear_campaign",
                                      "stigmatizing_statement",
                                      "online_attack",
                                      "surveillance",
                                      "criminalization",
                                      "arbitrary_detention",
                                      "defamation_suit",
                                      "raid",
                                      "assault",
                                      "sexual_violence",
                                      "attempted_killing",
                                      "killing",
                                      "disappearance",
                                      "abduction",
                                      "displacement",
                                      "reprisal",
                                      "dos_attack"};
  std::string y = "rules:\n";
  for (const char* type : {"report", "media_alert"})
    for (const char* c : kCategories)
      y += std::string("  - id: ") + type + "-" + c +
           "\n    level: info\n    sequence:\n      steps: [{type: panic}, {type: " + type +
           ", category: [" + c + "]}]\n      within: 2d\n      by: [subject]\n";
  return y;
}

// A pool of sequences whose window and lateness are drawn anew at each reload
// (the same rule id, the same state signature, other numbers).
struct Pool {
  Pool(std::mt19937_64& rng, int n) {
    const char* conds[] = {
        "{type: report, category: [threat]}",
        "{type: report, category: [threat, harassment]}",
        "{type: report}",
        "{type: report, category: [attack]}",
        "{type: checkin_missed}",
        "{type: panic}",
        "{type: alert}",
    };
    const char* bys[] = {"[subject]", "[subject]", "[region]", "[subject, region]"};
    for (int i = 0; i < n; ++i) {
      Rule r;
      r.head = "  - id: r" + std::to_string(i) + "\n    level: info\n";
      if (rng() % 4 == 0) r.head += "    cooldown: 30m\n";
      r.steps = "    sequence:\n      steps:\n";
      const int k = 2 + static_cast<int>(rng() % 2);
      for (int j = 0; j < k; ++j) r.steps += std::string("        - ") + conds[rng() % 7] + "\n";
      r.by = std::string("      by: ") + bys[rng() % 4] + "\n";
      r.overrides = static_cast<int>(rng() % 3);
      rules.push_back(std::move(r));
    }
  }
  // Some of the rules, each with a window and lateness drawn now.
  std::string Draw(std::mt19937_64& rng) const {
    const char* withins[] = {"30m", "1h", "2h", "5h"};
    const char* latenesses[] = {"", "10m", "1h", "3h"};
    const char* regions[] = {"[MX-CHH]", "[MX-GRO]"};
    std::string y = "rules:\n";
    for (const Rule& r : rules) {
      if (rng() % 3 == 0 && &r != &rules.front()) continue;
      y += r.head;
      if (const char* l = latenesses[rng() % 4]; *l) y += std::string("    lateness: ") + l + "\n";
      y += r.steps + "      within: " + withins[rng() % 4] + "\n" + r.by;
      if (r.overrides) y += "    overrides:\n";
      for (int j = 0; j < r.overrides; ++j) {
        y += std::string("      - where: {region: ") + regions[j] + "}\n";
        y += std::string("        sequence: {within: ") + withins[rng() % 4] + "}\n";
      }
    }
    return y;
  }
  struct Rule {
    std::string head, steps, by;
    int overrides = 0;
  };
  std::vector<Rule> rules;
};

}  // namespace

TEST_CASE(
    "a reload that raises a kept sequence's lateness does not make it take what it found late",
    "[engine][sequence][closer_log]") {
  Twin t(kLate10m);
  t.Push(Ev("m1", "checkin_missed", T("11:00:00"), "s1"), T("12:00:00"));  // late for r
  t.Swap(kLate3h);  // the same state signature: the state carries over
  t.Push(Ev("t1", "report", T("10:30:00"), "s1", "threat"), T("12:00:00"));
  CHECK(t.out[1].text.empty());
  CHECK(t.out[0].text == t.out[1].text);
}

TEST_CASE("a checkpoint loaded under rules with another lateness: what was late stays late",
          "[engine][sequence][closer_log][checkpoint]") {
  Twin t(kLate10m);
  t.Push(Ev("m1", "checkin_missed", T("11:00:00"), "s1"), T("12:00:00"));
  t.Restart(kLate3h);
  t.Push(Ev("t1", "report", T("10:30:00"), "s1", "threat"), T("12:00:00"));
  CHECK(t.out[1].text.empty());
  CHECK(t.out[0].text == t.out[1].text);
}

TEST_CASE("a reload widening a sequence's window does not let it take a consumed event again",
          "[engine][sequence][closer_log]") {
  // q keeps the key's log alive; r consumes m1, and its empty state goes at the
  // sweep; with r's window and lateness widened, m1 is in reach again.
  const std::string q = R"(
  - id: q
    level: info
    lateness: 1h
    sequence:
      steps: [{type: panic}, {type: checkin_missed}]
      within: 10h
      by: [subject]
)";
  auto r = [](const char* within) {
    return std::string(R"(
  - id: r
    level: info
    lateness: )") +
           within + R"(
    sequence:
      steps: [{type: report, category: [threat]}, {type: checkin_missed}]
      within: )" +
           within + R"(
      by: [subject]
)";
  };
  for (bool restart : {false, true}) {
    INFO("restart " << restart);
    Twin t("rules:" + q + r("1h"));
    t.Push(Ev("t1", "report", T("10:00:00"), "s1", "threat"), T("10:00:00"));
    t.Push(Ev("m1", "checkin_missed", T("10:30:00"), "s1"), T("10:30:00"));
    REQUIRE(t.out[1].text.size() == 1);
    t.Push(Ev("x", "panic", T("12:31:00"), "s9"), T("12:31:00"));
    t.Sweep();
    if (restart) {
      t.Restart("rules:" + q + r("3h"));
    } else {
      t.Swap("rules:" + q + r("3h"));
    }
    t.Push(Ev("t2", "report", T("10:00:00"), "s1", "threat"), T("12:31:00"));
    CHECK(t.out[1].text.size() == 1);
    CHECK(t.out[0].text == t.out[1].text);
  }
}

TEST_CASE("a key flooded with one condition's closing events keeps another rule's",
          "[engine][sequence][closer_log]") {
  Twin t(R"(
rules:
  - id: r1
    level: info
    sequence:
      steps: [{type: report, category: [threat]}, {type: checkin_missed}]
      within: 2h
      by: [subject]
  - id: r2
    level: info
    sequence:
      steps: [{type: report, category: [threat]}, {type: report, category: [attack]}]
      within: 2h
      by: [subject]
)");
  t.Push(Ev("a", "report", T("10:00:00"), "s1", "attack"), T("10:00:00"));
  for (int i = 0; i < 1100; ++i)
    t.Push(Ev("m" + std::to_string(i), "checkin_missed", T("10:01:00"), "s1"), T("10:01:00"));
  t.Push(Ev("t", "report", T("09:59:00"), "s1", "threat"), T("10:01:00"));
  CHECK(t.out[1].text.size() == 2);
  CHECK(t.out[0].text == t.out[1].text);
  CHECK(t.eng[0]->counters()[0].dropped == t.eng[1]->counters()[0].dropped);
}

TEST_CASE("a key flooded with closing events keeps the newest by time, whatever arrived first",
          "[engine][sequence][closer_log]") {
  Twin t(kLate3h);
  t.Push(Ev("m-new", "checkin_missed", T("11:00:00"), "s1"), T("11:00:00"));
  for (int i = 0; i < 1100; ++i)
    t.Push(Ev("m" + std::to_string(i), "checkin_missed", T("10:00:00"), "s1"), T("11:00:00"));
  t.Push(Ev("t", "report", T("10:30:00"), "s1", "threat"), T("11:00:00"));
  CHECK(t.out[1].text.size() == 1);
  CHECK(t.out[0].text == t.out[1].text);
}

TEST_CASE("a key flooded with the closing events of many conditions gets its states",
          "[engine][sequence][closer_log]") {
  // 36 conditions, each kept to what its rule would hold (32 to 64 events), add
  // up past the log's 1,024: the key gets the state of every rule that would
  // hold something, and its log starts over.
  const char* categories[] = {"harassment",
                              "smear_campaign",
                              "online_attack",
                              "surveillance",
                              "raid",
                              "assault",
                              "killing",
                              "abduction",
                              "reprisal",
                              "dos_attack",
                              "criminalization",
                              "displacement",
                              "disappearance",
                              "attempted_killing",
                              "sexual_violence",
                              "defamation_suit",
                              "arbitrary_detention",
                              "stigmatizing_statement"};
  for (uint64_t seed = 1; seed <= 3; ++seed) {
    INFO("seed " << seed);
    std::mt19937_64 rng(seed);
    Twin t(OneRulePerCategory());
    TimeUs wall = T("06:00:00");
    bool states_before_openers = false;
    for (int i = 0; i < 3000; ++i) {
      wall += static_cast<TimeUs>(rng() % 3) * 1'000'000;
      t.Push(Ev("r" + std::to_string(i), rng() % 2 ? "report" : "media_alert", wall, "s1",
                categories[rng() % 18]),
             wall);
      states_before_openers |= t.eng[0]->open_keys() > 0;
    }
    CHECK(states_before_openers);
    for (int i = 0; i < 3; ++i) {
      const TimeUs late = static_cast<TimeUs>(rng() % 1800) * 1'000'000;
      t.Push(Ev("p" + std::to_string(i), "panic", wall - late, "s1"), wall);
    }
    CHECK(t.out[1].text.size() >= 36);
    CHECK(t.out[0].text == t.out[1].text);
  }
}

TEST_CASE("with the key cap, closing events take no key: the cap counts the states openers make",
          "[engine][sequence][closer_log]") {
  // A change from every sequence keeping its closing events: there, m1 made
  // s1's state and the cap (1) refused s2's.
  Twin t(kLate3h, /*max_keys=*/1);
  t.Push(Ev("m1", "checkin_missed", T("10:00:00"), "s1"), T("10:00:00"));
  t.Push(Ev("t2", "report", T("10:01:00"), "s2", "threat"), T("10:01:00"));
  t.Push(Ev("m2", "checkin_missed", T("10:02:00"), "s2"), T("10:02:00"));
  CHECK(t.out[1].text.empty());
  REQUIRE(t.out[0].text.size() == 1);
  CHECK(t.out[0].text[0].find("[t2,m2,]") != std::string::npos);
  CHECK(t.eng[0]->open_keys() == 1);
}

TEST_CASE("at the key cap, a later variant does not take the event an earlier one consumed",
          "[engine][sequence][closer_log]") {
  Twin t(R"(
rules:
  - id: r
    level: info
    sequence:
      steps: [{type: report, category: [threat]}, {type: checkin_missed}]
      within: 2h
      by: [subject]
    overrides:
      - where: {region: [MX-CHH]}
        level: critical
)",
         /*max_keys=*/1);
  // The override variant holds s2 (its cap).
  t.Push(Ev("t-s2", "report", T("06:00:00"), "s2", "threat", "MX-CHH"), T("06:00:00"));
  // Base variant: threat then missed for s1 fires; the missed is consumed.
  t.Push(Ev("t1", "report", T("09:59:00"), "s1", "threat"), T("10:00:00"));
  t.Push(Ev("m1", "checkin_missed", T("10:00:00"), "s1"), T("10:00:00"));
  // s2 expires and is swept: the override variant has room again.
  t.Push(Ev("x", "panic", T("10:01:00"), "s9"), T("10:01:00"));
  t.Sweep();
  // An override-variant threat about s1: nothing unconsumed closes it.
  t.Push(Ev("t2", "report", T("09:59:30"), "s1", "threat", "MX-CHH"), T("10:01:00"));
  CHECK(t.out[0].text.size() == 1);
}

TEST_CASE("a checkpoint claiming 65 logged conditions is refused",
          "[engine][closer_log][checkpoint]") {
  auto rules = testing::Harness::Compile(kLate3h);
  Out out;
  Engine e(rules, out);
  const std::string before = e.SaveState();
  detail::ByteWriter w("VGCE", 2);
  w.I64(1'714'557'600'000'000);  // clock
  w.U64(0);                      // last seq
  w.U64(10);                     // order
  w.U64(0);                      // events since the last sweep
  w.U64(4096);                   // sweep period
  w.U64(0);                      // records
  w.U64(0);                      // rules
  w.U64(1);                      // tables
  w.Str("subject\n");
  w.U64(65);
  for (int i = 0; i < 65; ++i) w.Str("c" + std::to_string(i));
  w.U64(0);  // nodes
  auto loaded = e.LoadState(std::move(w).Finish());
  REQUIRE_FALSE(loaded.has_value());
  CHECK(loaded.error() == CheckpointError::kMalformed);
  CHECK(e.SaveState() == before);
}

namespace {

// Feeds `events` events, each made by `next` (its number; it advances the wall
// clock), to a Twin of rules drawn from `pool`, with sweeps and, when
// `reloads`, restarts and reloads under rules drawn again: the same output all
// along and at the end.
void CompareOverRandomStream(std::mt19937_64& rng, const Pool& pool, int events, bool reloads,
                             const std::function<Event(int, TimeUs&)>& next) {
  std::string yaml = pool.Draw(rng);
  Twin t(yaml);
  TimeUs wall = T("10:00:00");
  std::string ops;
  for (int i = 1; i <= events; ++i) {
    Event e = next(i, wall);
    t.Push(std::move(e), wall);
    const uint64_t op = rng() % 400;
    if (op < 8) {
      t.Sweep();
      ops += "sweep ";
    } else if (reloads && op < 10) {
      if (rng() % 2) yaml = pool.Draw(rng);
      t.Restart(yaml);
      ops += "restart ";
    } else if (reloads && op < 14) {
      yaml = pool.Draw(rng);
      t.Swap(yaml);
      ops += "reload ";
    }
    if (t.out[0].text != t.out[1].text) {
      INFO("diverged at event " << i << " after " << ops << "\nrules:\n" << yaml);
      REQUIRE(t.out[0].text == t.out[1].text);
    }
  }
  for (auto& e : t.eng) e->AdvanceTo(wall + kDay);
  CHECK(t.out[0].text == t.out[1].text);
}

const char* kRegions[] = {"MX-CHH", "MX-GRO", "MX-OAX"};
const char* kCategories[] = {"threat", "harassment", "attack", "surveillance"};

}  // namespace

TEST_CASE("over random rule sets reloaded with other windows and lateness, the log changes nothing",
          "[engine][sequence][closer_log]") {
  // Each seed: 8 sequences (2 or 3 steps, shared and repeated conditions, some
  // of alerts; by subject, region or both; overrides with their own window;
  // cooldowns), drawn again at reloads and restarts with other windows and
  // lateness; events on the minute (ties), some late, some without a subject.
  for (uint64_t seed = 1; seed <= 40; ++seed) {
    INFO("seed " << seed);
    std::mt19937_64 rng(seed * 7919);
    const Pool pool(rng, 8);
    CompareOverRandomStream(rng, pool, 3000, /*reloads=*/true, [&](int i, TimeUs& wall) {
      wall += static_cast<TimeUs>(rng() % 5) * 60'000'000;
      TimeUs time = wall;
      if (rng() % 4 == 0) time -= static_cast<TimeUs>(rng() % 48) * 5 * 60'000'000;
      const uint64_t kind = rng() % 10;
      const std::string type = kind < 5 ? "report" : kind < 8 ? "checkin_missed" : "panic";
      const std::string subject = rng() % 16 == 0 ? "" : "s" + std::to_string(rng() % 4);
      return Ev("e" + std::to_string(i), type, time, subject,
                type == "report" ? kCategories[rng() % 4] : "", kRegions[rng() % 3]);
    });
  }
}

// From a second review: the key cap, the dropped counter, the checkpoint's
// durations, floods.
const char* kTwoRules = R"(
rules:
  - id: a
    level: info
    sequence:
      steps: [{type: report, category: [threat]}, {type: checkin_missed}]
      within: 2h
      by: [subject]
  - id: b
    level: info
    sequence:
      steps: [{type: report, category: [threat]}, {type: report, category: [attack]}]
      within: 2h
      by: [subject]
)";

TEST_CASE("the log's key cap does not refuse a rule's key while no rule is at its cap",
          "[engine][sequence][closer_log]") {
  Twin t(kTwoRules, /*max_keys=*/1);
  t.Push(Ev("m1", "checkin_missed", T("10:00:00"), "s1"), T("10:00:00"));    // a's closer at s1
  t.Push(Ev("x2", "report", T("10:01:00"), "s2", "attack"), T("10:01:00"));  // b's closer at s2
  t.Push(Ev("t2", "report", T("10:00:30"), "s2", "threat"), T("10:02:00"));  // b's opener at s2
  // Neither engine's (rule, variant) holds more than one key: no cap is hit.
  CHECK(t.eng[1]->counters()[1].keys_capped == 0);
  CHECK(t.out[1].text.size() == 1);
  CHECK(t.out[0].text == t.out[1].text);
}

TEST_CASE("dropped counts an event once when a state holds the flooded key",
          "[engine][sequence][closer_log]") {
  Twin t(kLate3h);
  t.Push(Ev("t1", "report", T("09:00:00"), "s1", "threat"), T("09:00:00"));
  t.Push(Ev("t0", "report", T("09:00:00"), "s9", "threat"), T("09:00:00"));
  for (int i = 0; i < 100; ++i)
    t.Push(Ev("m" + std::to_string(i), "checkin_missed", T("08:00:00"), "s1"), T("09:00:00"));
  CHECK(t.out[0].text == t.out[1].text);
  CHECK(t.eng[0]->counters()[0].dropped == t.eng[1]->counters()[0].dropped);
}

TEST_CASE("dropped is not counted for an event that had expired for the rule",
          "[engine][sequence][closer_log]") {
  Twin t(R"(
rules:
  - id: a
    level: info
    sequence:
      steps: [{type: report, category: [threat]}, {type: checkin_missed}]
      within: 10m
      by: [subject]
  - id: b
    level: info
    sequence:
      steps: [{type: panic}, {type: checkin_missed}]
      within: 10h
      by: [subject]
)");
  for (int i = 0; i < 40; ++i)
    t.Push(Ev("o" + std::to_string(i), "checkin_missed", T("08:00:00"), "s1"), T("08:00:00"));
  for (int i = 0; i < 40; ++i)
    t.Push(Ev("n" + std::to_string(i), "checkin_missed", T("09:00:00"), "s1"), T("09:00:00"));
  t.Push(Ev("t", "report", T("09:01:00"), "s1", "threat"), T("09:01:00"));
  t.Push(Ev("p", "panic", T("08:30:00"), "s1"), T("09:01:00"));
  CHECK(t.out[0].text == t.out[1].text);
  // Not more than the reference: an event that expired for `a` is not a drop.
  // (Fewer: the reference counted the 8 oldest at 08:00, past 32 per step; the
  // log trims past 64, by when they had expired for `a`. Counted for `b`.)
  CHECK(t.eng[0]->counters()[0].dropped == 8);
  CHECK(t.eng[1]->counters()[0].dropped == 16);
  CHECK(t.eng[0]->counters()[1].dropped == t.eng[1]->counters()[1].dropped);
}

namespace {
std::string Leb(uint64_t v) {
  std::string s;
  do {
    uint8_t b = v & 0x7f;
    v >>= 7;
    if (v) b |= 0x80;
    s.push_back(static_cast<char>(b));
  } while (v);
  return s;
}
std::string Zig(int64_t v) {
  return Leb((static_cast<uint64_t>(v) << 1) ^ (v < 0 ? ~uint64_t{0} : 0));
}
}  // namespace

TEST_CASE("a checkpoint with a negative within and lateness is refused",
          "[engine][closer_log][checkpoint]") {
  auto rules = testing::Harness::Compile(kLate10m);  // within 2h, lateness 10m
  Out out;
  Engine e(rules, out);
  Event m = Ev("m1", "checkin_missed", T("10:00:00"), "s1");
  m.arrival = T("10:00:00");
  m.seq = 1;
  e.Process(m);
  std::string blob = e.SaveState();
  blob.resize(blob.size() - 8);
  const std::string pair = Zig(2LL * 3600 * 1'000'000) + Zig(600LL * 1'000'000);
  const auto at = blob.find(pair);
  REQUIRE(at != std::string::npos);
  REQUIRE(blob.find(pair, at + 1) == std::string::npos);
  const int64_t neg = -((int64_t{1} << 62) - 1);
  blob.replace(at, pair.size(), Zig(neg) + Zig(neg));
  const uint64_t sum = detail::Fnv1a64(blob);
  for (int i = 0; i < 8; ++i) blob.push_back(static_cast<char>(sum >> (8 * i)));
  Engine f(rules, out);
  // (Loaded, Resettle would compute clock - within - lateness: an overflow.)
  CHECK_FALSE(f.LoadState(blob).has_value());
}

TEST_CASE("over random floods on two keys, the log changes nothing",
          "[engine][sequence][closer_log]") {
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    INFO("seed " << seed);
    std::mt19937_64 rng(seed * 104729);
    const Pool pool(rng, 8);
    CompareOverRandomStream(rng, pool, 4000, /*reloads=*/seed % 2 == 0, [&](int i, TimeUs& wall) {
      wall += static_cast<TimeUs>(rng() % 3) * 20'000'000;
      TimeUs time = wall;
      if (rng() % 3 == 0) time -= static_cast<TimeUs>(rng() % 48) * 5 * 60'000'000;
      const uint64_t kind = rng() % 20;
      const std::string type = kind < 12 ? "report" : kind < 19 ? "checkin_missed" : "panic";
      const std::string subject = "s" + std::to_string(rng() % 2);
      return Ev("e" + std::to_string(i), type, time, subject,
                type == "report" ? kCategories[rng() % 4] : "", kRegions[rng() % 3]);
    });
  }
}

TEST_CASE("the same condition at two steps, with two lateness, flooded",
          "[engine][sequence][closer_log]") {
  for (int late : {0, 1}) {
    Twin t(R"(
rules:
  - id: a
    level: info
    lateness: 1h
    sequence:
      steps: [{type: report, category: [threat]}, {type: checkin_missed}, {type: checkin_missed}]
      within: 3h
      by: [subject]
  - id: b
    level: info
    sequence:
      steps: [{type: panic}, {type: checkin_missed}]
      within: 3h
      by: [subject]
    overrides:
      - where: {region: [MX-CHH]}
        sequence: {within: 1h}
)");
    TimeUs wall = T("10:00:00");
    for (int i = 0; i < 300; ++i) {
      wall += 10'000'000;
      t.Push(Ev("m" + std::to_string(i), "checkin_missed",
                wall - (i % 3 == 0 ? 40 * 60'000'000LL : 0), "s1"),
             wall);
    }
    t.Push(Ev("t", "report", wall - (late ? 50 : 5) * 60'000'000LL, "s1", "threat"), wall);
    t.Push(Ev("p", "panic", wall - 30 * 60'000'000LL, "s1", "", "MX-CHH"), wall);
    t.Push(Ev("p2", "panic", wall - 30 * 60'000'000LL, "s1"), wall);
    CHECK(t.out[0].text.size() >= 2);
    CHECK(t.out[0].text == t.out[1].text);
  }
}

}  // namespace vigia::engine
