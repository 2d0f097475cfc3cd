// SPDX-License-Identifier: Apache-2.0
// Test-only: an engine over rules given as YAML text, fed with compact events.
#pragma once

#include <catch2/catch.hpp>

#include <memory>
#include <string>
#include <vector>

#include "core/event_decoder.h"
#include "engine/offline_runner.h"
#include "rules/loader.h"

namespace vigia::engine::testing {

// A JSON event: the required fields plus `extra` (a JSON fragment of further
// fields, e.g. R"("groups":["journalist"],"category":"threat")").
inline std::string Ev(const std::string& id, const std::string& time, const std::string& extra = "",
                      const std::string& region = "MX-CHH", const std::string& type = "report") {
  std::string json = R"({"id":")" + id + R"(","type":")" + type + R"(","time":")" + time +
                     R"(","source":"test","region":")" + region + "\"";
  if (!extra.empty()) json += "," + extra;
  return json + "}";
}

class Harness : public AlertSink {
 public:
  explicit Harness(const std::string& yaml) {
    rules_ = Compile(yaml);
    runner_ = std::make_unique<OfflineRunner>(rules_, *this);
  }

  static std::shared_ptr<const CompiledRules> Compile(const std::string& yaml) {
    auto loaded = rules::LoadRuleTexts({{"test.yaml", yaml}});
    INFO(RenderText(loaded.diagnostics()));
    REQUIRE(loaded.ok());
    auto set = std::make_shared<const rules::RuleSet>(std::move(loaded).value());
    return std::make_shared<const CompiledRules>(set, EngineDefaults{});
  }

  // Reloads: swaps in new rules between two events.
  void Swap(const std::string& yaml) { engine().SwapRules(Compile(yaml)); }

  // Decodes and pushes one event (REQUIRE: valid).
  DedupIndex::Verdict Push(const std::string& json) {
    auto e = decoder_.Decode(json);
    INFO(json);
    REQUIRE(e.has_value());
    return runner_->Push(std::move(*e));
  }
  void Finish(const std::string& until = "") {
    runner_->Finish(until.empty() ? std::nullopt : ParseRfc3339(until));
  }
  void AdvanceTo(const std::string& t) { runner_->engine().AdvanceTo(*ParseRfc3339(t)); }

  void OnAlert(const Alert& a) override { alerts.push_back(a); }
  void OnRetraction(const Retraction& x) override { retractions.push_back(x); }

  Engine& engine() { return runner_->engine(); }
  const RuleCounters& counters(size_t rule = 0) { return engine().counters().at(rule); }

  std::vector<Alert> alerts;
  std::vector<Retraction> retractions;

 private:
  std::shared_ptr<const CompiledRules> rules_;
  std::unique_ptr<OfflineRunner> runner_;
  EventDecoder decoder_{Catalogs::Defaults(), DecodeLimits{}};
};

inline std::vector<std::string> Ids(std::initializer_list<const char*> ids) {
  return std::vector<std::string>(ids.begin(), ids.end());
}

}  // namespace vigia::engine::testing
