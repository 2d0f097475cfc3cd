// SPDX-License-Identifier: Apache-2.0
#include "rules/detail/rule_parser.h"

#include <regex>
#include <set>

#include "rules/detail/override_parser.h"
#include "rules/detail/pattern_parser.h"
#include "rules/detail/rule_version.h"
#include "rules/detail/values.h"
#include "rules/detail/vocabulary.h"

namespace vigia::rules::detail {
namespace {

// Alert events carry the rule id as their category, which is limited to 64.
constexpr size_t kMaxIdLength = 64;

bool IsRuleId(const std::string& id) {
  static const std::regex re("[a-z0-9][a-z0-9_-]*");
  return id.size() <= kMaxIdLength && std::regex_match(id, re);
}

// "rule 'x'" once the id is readable, so that every message of the rule says
// which one it is; "rule #3" before.
std::string Label(const YAML::Node& node, size_t index) {
  if (node.IsMap()) {
    for (auto it = node.begin(); it != node.end(); ++it) {
      if (it->first.IsScalar() && it->first.Scalar() == "id" && it->second.IsScalar()) {
        return "rule '" + it->second.Scalar() + "'";
      }
    }
  }
  return "rule #" + std::to_string(index);
}

class RuleParser {
 public:
  RuleParser(const ParseContext& ctx, Rule& rule) : ctx_(ctx), r_(ctx.r), rule_(rule) {}

  void Parse(const YAML::Node& node, const std::string& label) {
    ExpectMap(r_, node, "a rule");
    std::vector<const Entry*> patterns;
    const Entry* overrides = nullptr;
    const Entry* summary = nullptr;
    const Entry* by = nullptr;
    bool has_id = false, has_level = false, has_match = false;
    std::set<std::string> typos;  // required keys that were probably misspelt
    std::vector<Entry> entries = CheckedEntries(r_, node, kRuleKeys, "a rule", &typos);
    for (const Entry& e : entries) {
      has_id |= e.name == "id";
      has_level |= e.name == "level";
      has_match |= e.name == "match";
      if (PatternFromName(e.name) != PatternKind::kNone) {
        patterns.push_back(&e);
      } else if (e.name == "overrides") {
        overrides = &e;
      } else if (e.name == "summary") {
        summary = &e;
      } else if (e.name == "by") {
        by = &e;
      } else {
        r_.Guard([&] { Simple(e, label); });
      }
    }
    bool by_ok = Pattern(patterns, by);
    has_id |= typos.count("id") > 0;
    has_level |= typos.count("level") > 0;
    has_match |= typos.count("match") > 0;
    if (!has_id) {
      r_.Error("E102", node, "a rule needs an 'id'", "e.g. id: journalist-threat-cluster");
    }
    if (!has_level) {
      r_.Error("E102", node, "a rule needs a 'level'", "one of info, watch, warning, critical");
    }
    bool needs_match = rule_.kind == PatternKind::kNone || rule_.kind == PatternKind::kCount ||
                       rule_.kind == PatternKind::kSpike;
    if (!has_match && needs_match && patterns.size() <= 1) {
      std::string what = rule_.kind == PatternKind::kNone
                             ? "a rule without a pattern"
                             : "a " + std::string(ToString(rule_.kind)) + " rule";
      r_.Error("E102", node, what + " needs 'match'",
               "e.g. match: {type: report, category: threat}");
    }
    std::vector<std::string> placeholders = SummaryPlaceholders(rule_.by);
    const std::vector<std::string>* allowed = by_ok ? &placeholders : nullptr;
    if (summary != nullptr) {
      r_.Guard([&] {
        Reporter::Scope scope(r_, "summary");
        rule_.summary = allowed ? ParseSummaryValue(r_, *summary, *allowed)
                                : ExpectText(r_, *summary, "'summary'");
      });
    }
    if (overrides != nullptr) {
      r_.Guard([&] { ParseOverrides(ctx_, *overrides, rule_, allowed); });
    }
  }

 private:
  void Simple(const Entry& e, const std::string& label) {
    if (e.name == "where") {  // ParseWhereValue names its own scope, for overrides too
      rule_.where = ParseWhereValue(ctx_, e, label);
      return;
    }
    Reporter::Scope scope(r_, e.name);
    if (e.name == "id") {
      rule_.id = ExpectText(r_, e, "'id'");
      if (!IsRuleId(rule_.id)) {
        r_.Fail("E105", e.anchor(), "invalid rule id '" + rule_.id + "'",
                "use lower-case letters, digits, '-' and '_' (at most 64), starting with a "
                "letter or digit");
      }
    } else if (e.name == "description") {
      rule_.description = ExpectText(r_, e, "'description'");
    } else if (e.name == "level") {
      rule_.level = ParseLevelValue(r_, e);
    } else if (e.name == "match") {
      rule_.match = ParseConditionMap(ctx_, e.value, e.anchor());
    } else if (e.name == "cooldown") {
      rule_.cooldown = ParseDurationValue(r_, e);
    } else if (e.name == "lateness") {
      rule_.lateness = ParseDurationValue(r_, e);
      if (*rule_.lateness > kMaxLateness) {
        r_.Fail("E120", e.anchor(), "lateness '" + e.value.Scalar() + "' is more than 30d",
                "events older than 30 days are seen only by rules without a pattern");
      }
    } else if (e.name == "enabled") {
      rule_.enabled = ParseBoolValue(r_, e);
    } else if (e.name == "shadow") {
      rule_.shadow = ParseBoolValue(r_, e);
    }
  }

  // The pattern and `by` (rule level or inside the pattern). False when `by`
  // could not be read, so that summaries are not checked against a wrong key.
  bool Pattern(const std::vector<const Entry*>& patterns, const Entry* by) {
    for (size_t i = 1; i < patterns.size(); ++i) {
      r_.Error("E113", patterns[i]->key,
               "a rule has at most one pattern, found '" + patterns[0]->name + "' and '" +
                   patterns[i]->name + "'",
               "split it into one rule per pattern");
    }
    std::optional<Entry> inner;
    if (!patterns.empty()) {
      rule_.kind = PatternFromName(patterns[0]->name);
      r_.Guard([&] { ParsePattern(ctx_, *patterns[0], rule_, inner); });
    }
    if (by != nullptr && inner) {
      Reporter::Scope scope(r_, patterns[0]->name);
      r_.Error("E114", inner->key,
               "'by' is given both in the rule and in '" + patterns[0]->name + "'",
               "keep one of them");
      return false;
    }
    // A pattern mapping was read in full for its `by`, even if it failed.
    if (by == nullptr && !inner) return patterns.empty() || patterns[0]->value.IsMap();
    return r_.Guard([&] {
      std::optional<Reporter::Scope> pattern_scope;
      if (inner) pattern_scope.emplace(r_, patterns[0]->name);
      Reporter::Scope scope(r_, "by");
      rule_.by = ParseByValue(r_, inner ? *inner : *by);
    });
  }

  const ParseContext& ctx_;
  Reporter& r_;
  Rule& rule_;
};

}  // namespace

std::optional<Rule> ParseRule(const ParseContext& ctx, const YAML::Node& node, size_t index) {
  size_t errors = ctx.r.errors();
  std::string label = Label(node, index);
  Reporter::Scope scope(ctx.r, label);
  Rule rule;
  rule.pos = PosOf(ctx.r.file(), node);
  ctx.r.Guard([&] { RuleParser(ctx, rule).Parse(node, label); });
  if (ctx.r.errors() > errors) return std::nullopt;
  rule.version = RuleVersion(node, ctx.lists);
  return rule;
}

}  // namespace vigia::rules::detail
