// SPDX-License-Identifier: Apache-2.0
// A RuleSet compiled for evaluation: enabled rules sorted by id, each split into
// its variants (base + overrides, rules.md) with resolved parameters, and an
// index from event type to the rules an event of that type can touch, so the
// cost per event grows with the rules that can match it, not with all rules.
// Immutable; shared between threads as shared_ptr<const CompiledRules>.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/time.h"
#include "rules/rule.h"

namespace vigia::engine {

struct Variant {
  std::string name;                         // "base", "override-1", ...
  const rules::Where* where = nullptr;      // the override's scope; nullptr for base
  rules::Level level = rules::Level::kInfo;
  std::optional<DurationUs> cooldown;
  const std::string* summary = nullptr;     // nullptr: no summary
  DurationUs lateness = 0;                  // events older than clock − lateness are late
  // Resolved pattern parameters (override value, else the rule's).
  int64_t at_least = 0;
  DurationUs within = 0, every = 0, grace = 0, window = 0, baseline = 0;
  double ratio = 0;
  int64_t min_count = 0;
};

struct alignas(64) CompiledRule {
  // First, in one cache line, what every event the index offers the rule
  // reads: with 1,000 rules, an event reaches 34 of them.
  const rules::Rule* rule = nullptr;
  uint32_t index = 0;  // position in CompiledRules::rules()
  // Slots of the engine's per-event caches: rules with the same `by` share a key
  // slot, equal conditions a test slot (CompiledRules::key_slots, test_slots).
  uint32_t key_slot = 0;
  uint32_t opening_test_slot = 0;                       // when opening_test
  rules::PatternKind kind = rules::PatternKind::kNone;  // rule->kind
  bool fan_out = false;                                 // `by` contains `group`
  bool stateful = false;                                // any pattern but none
  bool opening_where_empty = true;                      // opening_where.empty()
  bool has_opening_test = false;                        // opening_test != nullptr
  std::vector<Variant> variants;                        // [0] is the base rule
  std::vector<uint32_t> closing_slots;                  // parallel to closing
  // Per variant: what its state depends on (pattern kind, by, distinct, where,
  // match, steps, the variant's scope). A reload keeps a (rule id, variant)'s
  // state when this is unchanged (daemon.md, "Signals and lifecycle").
  std::vector<std::string> state_signatures;
  // Per variant: the digest of the signature without its booleans and exact
  // numbers, as checkpoints written before those were added store it. Such a
  // checkpoint still loads with its state, but cannot tell `true` from `false`.
  std::vector<uint64_t> legacy_state_digests;
  const rules::Condition* opening = nullptr;  // step 1 / after / of (besides `match`)
  std::vector<const rules::Condition*> closing;  // sequence steps 2..k, or expect
  // What an opening event offered by the index still has to pass: `where`
  // without its regions, and `match` and `opening` without the tests of type,
  // category and region that the index has already decided (nullptr: nothing
  // left). Closers are checked in full.
  rules::Where opening_where;
  std::shared_ptr<const rules::Condition> opening_test;
};

// One rule an event of some type may touch, and in which roles.
struct Candidate {
  uint32_t rule = 0;
  bool opening = false;
  bool closing = false;
};

struct EngineDefaults {
  DurationUs allowed_lateness = kHour;  // absence and heartbeat (engine.allowed_lateness)
};

class CompiledRules {
 public:
  // `set` must be the loader's output (checked). Disabled rules are left out.
  CompiledRules(std::shared_ptr<const rules::RuleSet> set, const EngineDefaults& defaults);

  const std::vector<CompiledRule>& rules() const { return rules_; }
  // Distinct `by` lists and distinct conditions among the rules (see the slots).
  size_t key_slots() const { return key_slot_signatures_.size(); }
  size_t test_slots() const { return test_slot_signatures_.size(); }
  // What a slot stands for, the same text in any rule set: the `by` fields'
  // names, or the condition (with its exact values).
  const std::string& key_slot_signature(uint32_t slot) const { return key_slot_signatures_[slot]; }
  const std::string& test_slot_signature(uint32_t slot) const {
    return test_slot_signatures_[slot];
  }
  const rules::RuleSet& set() const { return *set_; }

  // The rules an event of `type`, `category` and `region` may touch, in rule
  // id order: a rule whose conditions (and `where`) name other types,
  // categories or regions is left out as an opener, and one whose closing
  // conditions name other types or categories as a closer (closers are
  // matched without `where`). Events of type "alert" reach only rules that
  // name `type: alert`.
  const std::vector<Candidate>& CandidatesFor(std::string_view type,
                                              const std::optional<std::string>& category,
                                              std::string_view region) const;

 private:
  // Transparent hashing: look-ups by string_view without a temporary string.
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  template <typename T>
  using StringMap = std::unordered_map<std::string, T, Hash, std::equal_to<>>;
  struct RegionIndex {
    StringMap<std::vector<Candidate>> by_region;  // regions some rule is limited to
    std::vector<Candidate> other;                 // any other region, or none
  };
  struct TypeIndex {
    StringMap<RegionIndex> by_category;  // categories some rule names
    RegionIndex other;                   // any other category, or none
  };

  std::shared_ptr<const rules::RuleSet> set_;
  std::vector<CompiledRule> rules_;
  std::vector<std::string> key_slot_signatures_, test_slot_signatures_;
  StringMap<TypeIndex> by_type_;
  TypeIndex any_type_;
};

}  // namespace vigia::engine
