// SPDX-License-Identifier: Apache-2.0
#include "engine/compiled_rules.h"

#include <algorithm>
#include <charconv>
#include <map>
#include <optional>
#include <set>

#include "engine/detail/byte_codec.h"

namespace vigia::engine {
namespace {

using rules::Condition;
using rules::PatternKind;

using ValueSet = std::optional<std::set<std::string>>;

ValueSet Intersect(ValueSet a, ValueSet b);

// The values of `field` (type, category or region) for which a condition can hold, when
// it pins that field (through any nesting of all/any); nullopt when any value
// may match. Over-approximates: the index only narrows which rules are
// evaluated, the full condition still decides.
ValueSet RequiredValues(const Condition* c, rules::Field field) {
  if (!c) return std::nullopt;
  switch (c->op) {
    case Condition::Op::kIn: {
      if (c->field.field != field) return std::nullopt;
      std::set<std::string> out;
      for (const auto& v : c->values) out.insert(v.text);
      return out;
    }
    case Condition::Op::kAll: {
      ValueSet out;
      for (const auto& child : c->children) out = Intersect(out, RequiredValues(&child, field));
      return out;
    }
    case Condition::Op::kAny: {
      std::set<std::string> out;
      for (const auto& child : c->children) {
        auto t = RequiredValues(&child, field);
        if (!t) return std::nullopt;  // one open branch: any value
        out.insert(t->begin(), t->end());
      }
      return out;
    }
    default:
      return std::nullopt;
  }
}

// Whether the index decides `c` for an opener: an `in` test of type, category
// or region whose values are all text. RequiredValues takes its values, so an
// event the index offers has one of them (a bool or null literal would match
// no event value, but the index compares its text: it stays a test).
bool IndexDecides(const Condition& c) {
  if (c.op != Condition::Op::kIn) return false;
  const rules::Field f = c.field.field;
  if (f != rules::Field::kType && f != rules::Field::kCategory && f != rules::Field::kRegion)
    return false;
  return std::all_of(c.values.begin(), c.values.end(), [](const Scalar& v) {
    return v.kind == Scalar::Kind::kString || v.kind == Scalar::Kind::kNumber;
  });
}

// `c` without the tests the index decides that reach it through `all` alone
// (RequiredValues intersects exactly those); nullopt when nothing is left.
std::optional<Condition> LeftAfterIndex(const Condition& c) {
  if (IndexDecides(c)) return std::nullopt;
  if (c.op != Condition::Op::kAll) return c;
  Condition out = c;
  out.children.clear();
  for (const Condition& child : c.children)
    if (auto left = LeftAfterIndex(child)) out.children.push_back(std::move(*left));
  if (out.children.empty()) return std::nullopt;
  return out;
}

ValueSet Intersect(ValueSet a, ValueSet b) {
  if (!a) return b;
  if (!b) return a;
  std::set<std::string> out;
  std::set_intersection(a->begin(), a->end(), b->begin(), b->end(), std::inserter(out, out.end()));
  return out;
}

void AppendList(std::string& out, const char* name, const std::optional<std::vector<std::string>>& l) {
  if (!l) return;
  out += name;
  out += '[';
  for (const auto& x : *l) out += x + ',';
  out += ']';
}

std::string WhereText(const rules::Where& w) {
  std::string out;
  AppendList(out, "region", w.region);
  AppendList(out, "group", w.group);
  AppendList(out, "source", w.source);
  AppendList(out, "municipality", w.municipality);
  return out;
}

// The conditions in a text. It leaves out booleans (they have no text) and
// rounds numbers to 6 decimals; AppendExactValues adds those. Keep it as it is:
// checkpoints written before the exact values were added hold signatures made
// with it alone (CompiledRule::legacy_state_digests).
void AppendCondition(std::string& out, const Condition& c) {
  out += '(' + std::to_string(static_cast<int>(c.op)) + ' ' + c.field.name;
  for (const auto& v : c.values) out += ' ' + std::to_string(static_cast<int>(v.kind)) + ':' + v.text;
  out += ' ' + std::to_string(c.number) + (c.exists ? " e " : " ne ") + c.text;
  for (const auto& ch : c.children) AppendCondition(out, ch);
  out += ')';
}

// The booleans and numbers of `c` in full, in tree order: with AppendCondition,
// equal texts mean equal conditions.
void AppendExactValues(std::string& out, const Condition& c) {
  for (const auto& v : c.values)
    if (v.kind == Scalar::Kind::kBool) out += v.boolean ? 'T' : 'F';
  char number[32];
  out.append(number, std::to_chars(number, number + sizeof number, c.number).ptr);
  out.push_back(',');
  for (const auto& ch : c.children) AppendExactValues(out, ch);
}

std::string BaseSignature(const rules::Rule& r) {
  std::string out = std::string(rules::ToString(r.kind)) + "|by:";
  for (const auto& f : r.by) out += f.name + ',';
  if (r.distinct) out += "|distinct:" + r.distinct->name;
  out += "|where:" + WhereText(r.where) + "|match:";
  if (r.match) AppendCondition(out, *r.match);
  for (const auto* c : {&r.after, &r.expect, &r.of})
    if (*c) AppendCondition(out += '|', **c);
  for (const auto& step : r.steps) AppendCondition(out += "|step", step);
  return out;
}

// What BaseSignature leaves out of the same conditions, in the same order.
std::string ExactValues(const rules::Rule& r) {
  std::string out = "|exact:";
  if (r.match) AppendExactValues(out, *r.match);
  for (const auto* c : {&r.after, &r.expect, &r.of})
    if (*c) AppendExactValues(out += '|', **c);
  for (const auto& step : r.steps) AppendExactValues(out += "|step", step);
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
      // Defaults follow the window, capped at 30d like an explicit lateness.
      case PatternKind::kCount: case PatternKind::kSequence: v.lateness = std::min(v.within, 30 * kDay); break;
      case PatternKind::kSpike: v.lateness = std::min(v.window, 30 * kDay); break;
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
  // Per rule index: the regions and categories its opening role is limited
  // to, and the categories its closing role is (absent: any).
  struct Narrowing {
    ValueSet opening_regions, opening_categories, closing_categories;
  };
  std::vector<Narrowing> narrowing;
  auto add = [&](const ValueSet& types, uint32_t idx, bool opening) {
    auto mark = [&](Candidate& c) {
      c.rule = idx;
      (opening ? c.opening : c.closing) = true;
    };
    if (!types) mark(untyped[idx]);
    else
      for (const auto& t : *types) mark(typed[t][idx]);
  };

  // Slots by signature: equal `by` lists, equal conditions.
  std::map<std::string, uint32_t> key_slot, test_slot;
  auto slot = [](std::map<std::string, uint32_t>& slots, std::string signature) {
    return slots.emplace(std::move(signature), static_cast<uint32_t>(slots.size())).first->second;
  };
  auto test_slot_of = [&](const Condition& cond) {
    std::string signature;
    AppendCondition(signature, cond);
    AppendExactValues(signature += '|', cond);
    return slot(test_slot, std::move(signature));
  };

  for (const rules::Rule* r : enabled) {
    CompiledRule c;
    c.rule = r;
    c.index = static_cast<uint32_t>(rules_.size());
    c.variants.push_back(MakeVariant(*r, nullptr, 0, defaults));
    for (size_t k = 0; k < r->overrides.size(); ++k)
      c.variants.push_back(MakeVariant(*r, &r->overrides[k], k + 1, defaults));
    // A variant's scope is its own where and every earlier override's (it takes
    // what they do not), so the signature carries all of them.
    const std::string base = BaseSignature(*r);
    const std::string exact = ExactValues(*r);
    std::string scopes;
    for (size_t k = 0; k < r->overrides.size(); ++k) scopes += "|o:" + WhereText(r->overrides[k].where);
    for (size_t v = 0; v < c.variants.size(); ++v) {
      std::string earlier;
      for (size_t k = 0; k < v && k < r->overrides.size(); ++k) earlier += "|o:" + WhereText(r->overrides[k].where);
      std::string legacy = base + (v == 0 ? scopes : earlier) + "|v" + std::to_string(v);
      c.legacy_state_digests.push_back(detail::Fnv1a64(legacy));
      c.state_signatures.push_back(std::move(legacy) + exact);
    }
    c.fan_out = std::any_of(r->by.begin(), r->by.end(),
                            [](const rules::FieldRef& f) { return f.field == rules::Field::kGroups; });
    c.kind = r->kind;
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
    c.opening_where = r->where;
    c.opening_where.region.reset();
    c.opening_where_empty = c.opening_where.empty();
    {
      Condition test;  // all of what is left of match and opening
      for (const Condition* part : {match, c.opening})
        if (part)
          if (auto left = LeftAfterIndex(*part)) test.children.push_back(std::move(*left));
      if (!test.children.empty()) c.opening_test = std::make_shared<const Condition>(std::move(test));
    }
    c.has_opening_test = c.opening_test != nullptr;
    if (c.opening_test) c.opening_test_slot = test_slot_of(*c.opening_test);
    for (const Condition* cl : c.closing) c.closing_slots.push_back(test_slot_of(*cl));
    {
      std::string by;
      for (const auto& f : r->by) by += f.name + '\n';
      c.key_slot = slot(key_slot, std::move(by));
    }
    add(Intersect(RequiredValues(match, rules::Field::kType),
                  RequiredValues(c.opening, rules::Field::kType)),
        c.index, true);
    for (const Condition* cl : c.closing) add(RequiredValues(cl, rules::Field::kType), c.index, false);
    // An opening event must pass `where` (its region list) and match the
    // conditions; a closing one (absence expect, later sequence steps) is
    // matched without `where`, so it is never narrowed by region.
    Narrowing n;
    ValueSet where_regions;
    if (r->where.region) where_regions.emplace(r->where.region->begin(), r->where.region->end());
    n.opening_regions = Intersect(Intersect(where_regions, RequiredValues(match, rules::Field::kRegion)),
                                  RequiredValues(c.opening, rules::Field::kRegion));
    n.opening_categories = Intersect(RequiredValues(match, rules::Field::kCategory),
                                     RequiredValues(c.opening, rules::Field::kCategory));
    // Over all closing conditions (a union: over-approximates per type).
    n.closing_categories.emplace();
    for (const Condition* cl : c.closing) {
      ValueSet cats = RequiredValues(cl, rules::Field::kCategory);
      if (!cats) {
        n.closing_categories.reset();
        break;
      }
      n.closing_categories->insert(cats->begin(), cats->end());
    }
    narrowing.push_back(std::move(n));
    rules_.push_back(std::move(c));
  }

  for (auto [slots, signatures] : {std::pair{&key_slot, &key_slot_signatures_},
                                   std::pair{&test_slot, &test_slot_signatures_}}) {
    signatures->resize(slots->size());
    for (auto& [signature, at] : *slots) (*signatures)[at] = signature;
  }
  // Per type, then category, then region: the candidates an event can open
  // or close. A null value stands for any value no rule of the list names
  // (or none: an event without category or region).
  auto allows = [](const ValueSet& set, const std::string* value) {
    return !set || (value && set->count(*value) > 0);
  };
  // The roles `category` allows.
  auto in_category = [&](const std::map<uint32_t, Candidate>& cands, const std::string* category) {
    std::map<uint32_t, Candidate> out;
    for (const auto& [idx, cand] : cands) {
      Candidate c = cand;
      c.opening = c.opening && allows(narrowing[idx].opening_categories, category);
      c.closing = c.closing && allows(narrowing[idx].closing_categories, category);
      if (c.opening || c.closing) out.emplace(idx, c);
    }
    return out;
  };
  // The roles `region` allows (closers are not narrowed by region).
  auto in_region = [&](const std::map<uint32_t, Candidate>& cands, const std::string* region) {
    std::vector<Candidate> out;
    for (const auto& [idx, cand] : cands) {
      Candidate c = cand;
      c.opening = c.opening && allows(narrowing[idx].opening_regions, region);
      if (c.opening || c.closing) out.push_back(c);
    }
    return out;
  };
  auto by_region = [&](const std::map<uint32_t, Candidate>& cands) {
    RegionIndex out;
    std::set<std::string> named;
    for (const auto& [idx, cand] : cands)
      if (const ValueSet& regions = narrowing[idx].opening_regions; regions && cand.opening)
        named.insert(regions->begin(), regions->end());
    out.other = in_region(cands, nullptr);
    for (const auto& region : named) out.by_region.emplace(region, in_region(cands, &region));
    return out;
  };
  auto index = [&](const std::map<uint32_t, Candidate>& cands) {
    TypeIndex out;
    std::set<std::string> named;
    for (const auto& [idx, cand] : cands) {
      const Narrowing& n = narrowing[idx];
      if (cand.opening && n.opening_categories)
        named.insert(n.opening_categories->begin(), n.opening_categories->end());
      if (cand.closing && n.closing_categories)
        named.insert(n.closing_categories->begin(), n.closing_categories->end());
    }
    out.other = by_region(in_category(cands, nullptr));
    for (const auto& category : named)
      out.by_category.emplace(category, by_region(in_category(cands, &category)));
    return out;
  };
  any_type_ = index(untyped);
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
    by_type_.emplace(type, index(merged));
  }
}

const std::vector<Candidate>& CompiledRules::CandidatesFor(
    std::string_view type, const std::optional<std::string>& category, std::string_view region) const {
  static const TypeIndex kNone;
  const TypeIndex* t = &any_type_;
  if (auto it = by_type_.find(type); it != by_type_.end()) t = &it->second;
  else if (type == "alert") t = &kNone;
  const RegionIndex* c = &t->other;
  if (category)
    if (auto it = t->by_category.find(*category); it != t->by_category.end()) c = &it->second;
  if (c->by_region.empty()) return c->other;
  auto it = c->by_region.find(region);
  return it != c->by_region.end() ? it->second : c->other;
}

}  // namespace vigia::engine
