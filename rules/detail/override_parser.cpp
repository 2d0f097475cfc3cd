// SPDX-License-Identifier: Apache-2.0
#include "rules/detail/override_parser.h"

#include <algorithm>
#include <optional>
#include <set>

#include "rules/detail/values.h"
#include "rules/detail/vocabulary.h"

namespace vigia::rules::detail {
namespace {

using Values = std::optional<std::vector<std::string>>;

struct Dimension {
  std::string_view name;
  Values Where::*member;
};
constexpr Dimension kDimensions[] = {
    {"region", &Where::region},
    {"group", &Where::group},
    {"source", &Where::source},
    {"municipality", &Where::municipality},
};

bool FansOut(const Rule& rule) {
  return std::any_of(rule.by.begin(), rule.by.end(),
                     [](const FieldRef& f) { return f.field == Field::kGroups; });
}

// Every key an author might put in an override: the allowed ones and the ones
// that get a specific "cannot change" error rather than "unknown key".
std::vector<std::string_view> KnownKeys() {
  std::set<std::string_view> keys(std::begin(kRuleKeys), std::end(kRuleKeys));
  for (std::string_view p : kPatternNames) {
    for (std::string_view k : PatternKeys(PatternFromName(p))) keys.insert(k);
  }
  return {keys.begin(), keys.end()};
}

// The values both lists allow (each is sorted, as ParseWhereValue leaves it).
std::vector<std::string> Intersect(const std::vector<std::string>& a,
                                   const std::vector<std::string>& b) {
  std::vector<std::string> out;
  std::set_intersection(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(out));
  return out;
}

// "region 'MX-CHH' and group 'women_hrd' or 'lgbti'"
std::string DescribeWhere(const Where& where) {
  std::string out;
  for (const Dimension& dim : kDimensions) {
    const Values& values = where.*dim.member;
    if (!values) continue;
    if (!out.empty()) out += " and ";
    out += std::string(dim.name) + " " + (values->empty() ? "[]" : QuoteList(*values));
  }
  return out;
}

std::string AllowedSummary(PatternKind kind) {
  std::string hint = "an override changes only where, level, cooldown, summary";
  std::span<const std::string_view> numeric = NumericKeys(kind);
  if (numeric.empty()) return hint;
  hint += " and the numeric fields of '" + std::string(ToString(kind)) + "':";
  for (std::string_view k : numeric) hint += " " + std::string(k);
  return hint;
}

class OverrideParser {
 public:
  OverrideParser(const ParseContext& ctx, Rule& rule, const std::vector<std::string>* placeholders)
      : ctx_(ctx), r_(ctx.r), rule_(rule), placeholders_(placeholders) {}

  Override Parse(const YAML::Node& item, const std::string& name) {
    ExpectMap(r_, item, "an override");
    Override o;
    o.pos = PosOf(r_.file(), item);
    std::set<std::string> numeric_given;
    std::vector<std::string_view> known = KnownKeys();
    std::optional<Entry> where;
    std::set<std::string> typos;
    for (const Entry& e : CheckedEntries(r_, item, known, "an override", &typos)) {
      r_.Guard([&] {
        if (e.name == "where") {
          where = e;
          o.where = ParseWhereValue(ctx_, e, name);
          CheckMeetsRule(o.where, e, name);
        } else if (e.name == "level") {
          Reporter::Scope scope(r_, e.name);
          o.level = ParseLevelValue(r_, e);
        } else if (e.name == "cooldown") {
          Reporter::Scope scope(r_, e.name);
          o.cooldown = ParseDurationValue(r_, e);
        } else if (e.name == "summary") {
          Reporter::Scope scope(r_, e.name);
          o.summary = placeholders_ ? ParseSummaryValue(r_, e, *placeholders_)
                                    : ExpectText(r_, e, "'summary'");
        } else if (e.name == ToString(rule_.kind)) {
          Nested(e, o, numeric_given);
        } else {
          Numeric(e, o, numeric_given);
        }
      });
    }
    if (!where && typos.count("where") == 0) {
      r_.Error("E102", item, name + " needs 'where'",
               "e.g. - {where: {region: [MX-CHH]}, level: critical}");
    }
    return o;
  }

 private:
  void Nested(const Entry& e, Override& o, std::set<std::string>& given) {
    Reporter::Scope scope(r_, e.name);
    ExpectMap(r_, e.value, "'" + e.name + "'");
    std::vector<std::string_view> known = KnownKeys();
    for (const Entry& field : CheckedEntries(r_, e.value, known, "'" + e.name + "'")) {
      r_.Guard([&] { Numeric(field, o, given); });
    }
  }

  void Numeric(const Entry& e, Override& o, std::set<std::string>& given) {
    std::span<const std::string_view> numeric = NumericKeys(rule_.kind);
    bool allowed = std::find(numeric.begin(), numeric.end(), e.name) != numeric.end();
    if (!allowed) {
      std::string message = "an override cannot change '" + e.name + "'";
      if (PatternFromName(e.name) != PatternKind::kNone) {
        message = "rule '" + rule_.id + "' is " +
                  (rule_.kind == PatternKind::kNone
                       ? std::string("not a pattern rule")
                       : "a " + std::string(ToString(rule_.kind)) + " rule") +
                  "; an override cannot change '" + e.name + "'";
      }
      r_.Fail("E117", e.key, std::move(message), AllowedSummary(rule_.kind));
    }
    if (!given.insert(e.name).second) {
      r_.Fail("E103", e.key, "'" + e.name + "' is given twice in this override");
    }
    Reporter::Scope scope(r_, e.name);
    ParseNumericParam(r_, e, o.params);
  }

  // W202 when, on some dimension, no value satisfies both the rule and the override.
  // Groups are exempt unless the rule fans out by group: an event may have one
  // group of the rule's and another of the override's.
  void CheckMeetsRule(const Where& where, const Entry& e, const std::string& name) {
    for (const Dimension& dim : kDimensions) {
      if (dim.member == &Where::group && !FansOut(rule_)) continue;
      const Values& mine = where.*dim.member;
      const Values& rule = rule_.where.*dim.member;
      if (!mine || !rule || mine->empty() || rule->empty()) continue;
      if (Intersect(*mine, *rule).empty()) {
        r_.Warning("W202", e.value,
                   name + " can never apply: its " + std::string(dim.name) +
                       " and the rule's share no value");
      }
    }
  }

  const ParseContext& ctx_;
  Reporter& r_;
  Rule& rule_;
  const std::vector<std::string>* placeholders_;
};

}  // namespace

bool WhereImplies(const Where& narrow, const Where& wide, const Where& scope, bool single_group) {
  for (const Dimension& dim : kDimensions) {
    const Values& w = wide.*dim.member;
    if (!w) continue;
    const Values& n = narrow.*dim.member;
    const Values& s = scope.*dim.member;
    auto within = [&](const Values& v) {
      return v && std::includes(w->begin(), w->end(), v->begin(), v->end());
    };
    if (dim.member == &Where::group && !single_group) {
      // The event shares a group with `n` and one with `s`: either inclusion is enough.
      if (!within(n) && !within(s)) return false;
      continue;
    }
    Values effective = n && s ? Values(Intersect(*n, *s)) : (n ? n : s);
    if (!within(effective)) return false;
  }
  return true;
}

void ParseOverrides(const ParseContext& ctx, const Entry& e, Rule& rule,
                    const std::vector<std::string>* placeholders) {
  Reporter& r = ctx.r;
  Reporter::Scope scope(r, "overrides");
  if (!e.value.IsSequence()) {
    r.Fail("E100", e.anchor(), "'overrides' must be a list, found " + DescribeKind(e.value));
  }
  size_t errors = r.errors();
  OverrideParser parser(ctx, rule, placeholders);
  std::vector<YAML::Node> nodes;
  size_t index = 0;
  for (const YAML::Node& item : e.value) {
    std::string name = "override #" + std::to_string(++index);
    Reporter::Scope item_scope(r, "#" + std::to_string(index));
    size_t before = r.errors();
    Override o;
    r.Guard([&] { o = parser.Parse(item, name); });
    if (r.errors() > before) continue;
    rule.overrides.push_back(std::move(o));
    nodes.push_back(item);
  }
  if (r.errors() > errors) throw DiagnosticError();
  for (size_t j = 0; j < rule.overrides.size(); ++j) {
    for (size_t i = 0; i < j; ++i) {
      const Override& earlier = rule.overrides[i];
      const Override& later = rule.overrides[j];
      if (!WhereImplies(later.where, earlier.where, rule.where, FansOut(rule))) continue;
      std::string what = DescribeWhere(later.where);
      r.Warning("W201", nodes[j],
                (what.empty() ? "override #" + std::to_string(j + 1) : "override for " + what) +
                    " is shadowed by the one at line " + std::to_string(earlier.pos.line));
      break;
    }
  }
}

}  // namespace vigia::rules::detail
