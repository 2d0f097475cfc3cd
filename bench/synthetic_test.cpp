// SPDX-License-Identifier: Apache-2.0
#include "bench/synthetic.h"

#include <catch2/catch.hpp>

#include <filesystem>
#include <set>

#include "core/event_decoder.h"
#include "rules/loader.h"

namespace vigia::bench {
namespace {

StreamOptions Small(uint64_t seed) {
  StreamOptions o;
  o.seed = seed;
  o.events = 20000;
  o.subjects = 5000;
  o.rate = 100;  // 200 s of event time: all-clears and check-ins come round
  return o;
}

TEST_CASE("The synthetic stream is a function of its seed", "[bench][synthetic]") {
  const auto a = GenerateEvents(Small(7));
  CHECK(a.size() == 20000);
  CHECK(a == GenerateEvents(Small(7)));
  const auto b = GenerateEvents(Small(8));
  REQUIRE(b.size() == a.size());
  size_t same = 0;
  for (size_t i = 0; i < a.size(); ++i) same += a[i] == b[i];
  CHECK(same == 0);  // ids carry the seed
}

TEST_CASE("Every synthetic event decodes, with unique ids and increasing times",
          "[bench][synthetic]") {
  EventDecoder decoder(Catalogs::Defaults(), DecodeLimits{});
  std::set<std::string> ids, types, regions, groups, categories;
  TimeUs last = INT64_MIN;
  size_t subjects = 0, safe_checkins = 0;
  for (const std::string& line : GenerateEvents(Small(1))) {
    bool known = true;
    auto e = decoder.Decode(line, &known);
    INFO(line);
    REQUIRE(e);
    CHECK(known);
    CHECK(ids.insert(e->source + "/" + e->id).second);
    CHECK(e->time > last);
    last = e->time;
    types.insert(e->type);
    regions.insert(e->region);
    for (const auto& g : e->groups) groups.insert(g);
    if (e->category) categories.insert(*e->category);
    subjects += e->subject.has_value();
    if (const AttrValue* status = e->FindAttr("status"))
      safe_checkins += e->type == "checkin" && status->scalar.text == "safe";
  }
  CHECK(types == std::set<std::string>{"checkin", "checkin_missed", "measure", "media_alert",
                                       "panic", "report"});
  CHECK(regions.size() == 32);
  CHECK(groups.size() == 13);
  CHECK(categories.size() >= 17);  // the rarest (killing) may be missing from 20,000
  CHECK(subjects > 16000);
  CHECK(safe_checkins > 20);
}

TEST_CASE("A generated rule set is a function of its size and seed", "[bench][synthetic]") {
  const auto a = GenerateRuleTexts(RuleSetOptions{200, 4});
  CHECK(a == GenerateRuleTexts(RuleSetOptions{200, 4}));
  CHECK(a != GenerateRuleTexts(RuleSetOptions{200, 5}));
  CHECK(a.front().first == "gen-lists.yaml");
}

TEST_CASE("Generated rule sets load with no diagnostic and mix every pattern kind",
          "[bench][synthetic]") {
  for (size_t n : {size_t{10}, size_t{1000}}) {
    DYNAMIC_SECTION("N = " << n) {
      const auto texts = GenerateRuleTexts(RuleSetOptions{n, 3});
      auto loaded = rules::LoadRuleTexts(texts);
      INFO(RenderText(loaded.diagnostics()));
      REQUIRE(loaded.ok());
      CHECK(loaded.diagnostics().empty());
      const auto& set = loaded.value();
      CHECK(set.rules.size() == n);
      std::set<rules::PatternKind> kinds;
      size_t overrides = 0, region_overrides = 0, group_overrides = 0, distinct = 0,
             scoped = 0;
      for (const rules::Rule& r : set.rules) {
        kinds.insert(r.kind);
        distinct += r.distinct.has_value();
        scoped += r.where.region.has_value();
        overrides += !r.overrides.empty();
        for (const rules::Override& o : r.overrides) {
          region_overrides += o.where.region.has_value();
          group_overrides += o.where.group.has_value();
        }
      }
      CHECK(kinds.size() == 6);
      CHECK(distinct > 0);
      CHECK(overrides > 0);
      CHECK(scoped >= n * 8 / 10);  // state coordinators' rules
      if (n >= 1000) {
        CHECK(region_overrides > 0);
        CHECK(group_overrides > 0);
      }
    }
  }
}

TEST_CASE("WriteRules writes the texts and replaces an earlier set", "[bench][synthetic]") {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / "vigia-synthetic-test";
  fs::remove_all(dir);
  const auto big = WriteRules(RuleSetOptions{300, 1}, dir);
  const auto small = WriteRules(RuleSetOptions{10, 1}, dir);
  CHECK(big.size() > small.size());
  size_t on_disk = 0;
  for (const auto& entry : fs::directory_iterator(dir)) on_disk += entry.is_regular_file();
  CHECK(on_disk == small.size());
  auto loaded = rules::LoadRuleFiles(small);
  REQUIRE(loaded.ok());
  CHECK(loaded.value().rules.size() == 10);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace vigia::bench
