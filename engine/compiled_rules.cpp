// SPDX-License-Identifier: Apache-2.0
#include "engine/compiled_rules.h"

#include <algorithm>
#include <map>
#include <optional>
#include <set>

namespace vigia::engine {
namespace {

using rules::Condition;
using rules::PatternKind;

// The event types a condition requires, when its top level pins `type` to
// string values; nullopt when any type may match.
std::optional<std::set<std::string>> RequiredTypes(const Condition* c) {
  if (!c) return std::nullopt;
  auto leaf = [](const Condition& l) -> std::optional<std::set<std::string>> {
    if (l.op != Condition::Op::kIn || l.field.field != rules::Field::kType) return std::nullopt;
    std::set<std::string> out;
    for (const auto& v : l.values) out.insert(v.text);
    return out;
  };
  if (c->op != Condition::Op::kAll) return leaf(*c);
  for (const auto& child : c->children)
    if (auto t = leaf(child)) return t;
  return std::nullopt;
}

std::optional<std::set<std::string>> Intersect(std::optional<std::set<std::string>> a,
                                               std::optional<std::set<std::string>> b) {
  if (!a) return b;
  if (!b) return a;
  std::set<std::string> out;
  std::set_intersection(a->begin(), a->end(), b->begin(), b->end(), std::inserter(out, out.end()));
  return out;
}

Variant MakeVariant(const rules::Rule& r, const rules::Override* o, size_t k,
                    const EngineDefaults& defaults) {
  const rules::PatternParams& base = r.params;
  const rules::PatternParams none;
  const rules::PatternParams& p = o ? o->params : none;
  Variant v;
  v.name = o ? "override-" + std::to_string(k) : "base";
  v.where = o ? &o->where : nullptr;
  v.level = o && o->level ? *o->level : r.level;
  v.cooldown = o && o->cooldown ? o->cooldown : r.cooldown;
  if (o && o->summary) v.summary = &*o->summary;
  else if (r.summary) v.summary = &*r.summary;
  v.at_least = p.at_least.value_or(base.at_least.value_or(1));
  v.within = p.within.value_or(base.within.value_or(0));
  v.every = p.every.value_or(base.every.value_or(0));
  v.grace = p.grace.value_or(base.grace.value_or(0));
  v.window = p.window.value_or(base.window.value_or(0));
  v.baseline = p.baseline.value_or(base.baseline.value_or(0));
  v.ratio = p.ratio.value_or(base.ratio.value_or(0));
  v.min_count = p.min_count.value_or(base.min_count.value_or(1));
  if (r.kind == PatternKind::kSpike && !v.cooldown) v.cooldown = v.window;
  if (r.lateness) {
    v.lateness = *r.lateness;
  } else {
    switch (r.kind) {
      case PatternKind::kCount: case PatternKind::kSequence: v.lateness = v.within; break;
      case PatternKind::kSpike: v.lateness = v.window; break;
      default: v.lateness = defaults.allowed_lateness; break;
    }
  }
  return v;
}

}  // namespace

CompiledRules::CompiledRules(std::shared_ptr<const rules::RuleSet> set,
                             const EngineDefaults& defaults)
    : set_(std::move(set)) {
  std::vector<const rules::Rule*> enabled;
  for (const auto& r : set_->rules)
    if (r.enabled) enabled.push_back(&r);
  std::sort(enabled.begin(), enabled.end(),
            [](const rules::Rule* a, const rules::Rule* b) { return a->id < b->id; });

  // type → candidates; std::map keeps the merge below deterministic.
  std::map<std::string, std::map<uint32_t, Candidate>> typed;
  std::map<uint32_t, Candidate> untyped;
  auto add = [&](const std::optional<std::set<std::string>>& types, uint32_t idx, bool opening) {
    auto mark = [&](Candidate& c) {
      c.rule = idx;
      (opening ? c.opening : c.closing) = true;
    };
    if (!types) mark(untyped[idx]);
    else
      for (const auto& t : *types) mark(typed[t][idx]);
  };

  for (const rules::Rule* r : enabled) {
    CompiledRule c;
    c.rule = r;
    c.index = static_cast<uint32_t>(rules_.size());
    c.variants.push_back(MakeVariant(*r, nullptr, 0, defaults));
    for (size_t k = 0; k < r->overrides.size(); ++k)
      c.variants.push_back(MakeVariant(*r, &r->overrides[k], k + 1, defaults));
    c.fan_out = std::any_of(r->by.begin(), r->by.end(),
                            [](const rules::FieldRef& f) { return f.field == rules::Field::kGroups; });
    c.stateful = r->kind != PatternKind::kNone;
    switch (r->kind) {
      case PatternKind::kSequence:
        if (!r->steps.empty()) c.opening = &r->steps.front();
        for (size_t i = 1; i < r->steps.size(); ++i) c.closing.push_back(&r->steps[i]);
        break;
      case PatternKind::kAbsence:
        if (r->after) c.opening = &*r->after;
        if (r->expect) c.closing.push_back(&*r->expect);
        break;
      case PatternKind::kHeartbeat:
        if (r->of) c.opening = &*r->of;
        break;
      default:
        break;
    }
    const Condition* match = r->match ? &*r->match : nullptr;
    add(Intersect(RequiredTypes(match), RequiredTypes(c.opening)), c.index, true);
    for (const Condition* cl : c.closing) add(RequiredTypes(cl), c.index, false);
    rules_.push_back(std::move(c));
  }

  for (const auto& [idx, cand] : untyped) any_type_.push_back(cand);
  for (auto& [type, cands] : typed) {
    std::map<uint32_t, Candidate> merged = cands;
    if (type != "alert") {
      for (const auto& [idx, cand] : untyped) {
        Candidate& m = merged[idx];
        m.rule = idx;
        m.opening |= cand.opening;
        m.closing |= cand.closing;
      }
    }
    auto& out = by_type_[type];
    for (const auto& [idx, cand] : merged) out.push_back(cand);
  }
}

const std::vector<Candidate>& CompiledRules::CandidatesFor(std::string_view type) const {
  static const std::vector<Candidate> kNone;
  auto it = by_type_.find(std::string(type));
  if (it != by_type_.end()) return it->second;
  return type == "alert" ? kNone : any_type_;
}

}  // namespace vigia::engine
