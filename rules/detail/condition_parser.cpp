// SPDX-License-Identifier: Apache-2.0
#include "rules/detail/condition_parser.h"

#include <re2/re2.h>

#include <cmath>
#include <set>
#include <vector>

#include "rules/detail/vocabulary.h"

namespace vigia::rules::detail {
namespace {

// Deeper nesting is surely a mistake, and the bound keeps recursion shallow.
constexpr int kMaxDepth = 32;
// YAML aliases can make a short text an exponentially large tree (`any: [*a, *a]`
// nested): past this many cond-maps, one error and no more work.
constexpr size_t kMaxMaps = 4096;

using Op = Condition::Op;

struct OperatorName {
  std::string_view name;
  Op op;
};
constexpr OperatorName kOperatorOps[] = {
    {"in", Op::kIn},         {"not_in", Op::kNotIn},
    {"ne", Op::kNe},         {"gt", Op::kGt},
    {"gte", Op::kGte},       {"lt", Op::kLt},
    {"lte", Op::kLte},       {"exists", Op::kExists},
    {"prefix", Op::kPrefix}, {"contains", Op::kContains},
    {"regex", Op::kRegex},
};

bool IsStringField(Field f) { return f != Field::kSeverity && f != Field::kAttr; }

std::vector<std::string_view> FieldCandidates() {
  std::vector<std::string_view> names(std::begin(kConditionFields), std::end(kConditionFields));
  names.insert(names.end(), std::begin(kCombinators), std::end(kCombinators));
  return names;
}

class ConditionParser {
 public:
  explicit ConditionParser(const ParseContext& ctx) : ctx_(ctx), r_(ctx.r) {}

  Condition Map(const YAML::Node& node, const YAML::Node& at, int depth) {
    // Once over a limit, every further map fails silently: one error is enough,
    // and with aliases the siblings would repeat it exponentially often.
    if (over_limit_) throw DiagnosticError();
    if (depth > kMaxDepth || ++maps_ > kMaxMaps) {
      over_limit_ = true;
      r_.Fail("E105", at,
              depth > kMaxDepth
                  ? "conditions nested more than " + std::to_string(kMaxDepth) + " deep"
                  : "more than " + std::to_string(kMaxMaps) + " condition maps in one place",
              "YAML aliases (*name) repeat what they point to; write smaller conditions");
    }
    if (!node.IsMap()) {
      r_.Fail("E100", at,
              "a condition must be a mapping of field to condition, found " + DescribeKind(node),
              "e.g. {type: report, category: [threat, harassment]}");
    }
    Condition all;
    all.op = Op::kAll;
    all.pos = PosOf(r_.file(), node);
    std::set<std::string> seen;
    bool ok = true;
    for (auto it = node.begin(); it != node.end(); ++it) {
      ok &= r_.Guard([&] {
        YAML::Node key = it->first;  // a copy: `it->` yields a temporary
        std::string name = ExpectText(r_, key, key, "a condition key");
        if (!seen.insert(name).second) {
          r_.Fail("E103", key, "duplicate key '" + name + "' in a condition",
                  "YAML keeps only one of them; to test a field twice, use all: [{...}, {...}]");
        }
        all.children.push_back(Entry(key, it->second, depth));
      });
    }
    if (!ok) throw DiagnosticError();
    return all;
  }

 private:
  Condition Entry(const YAML::Node& key, const YAML::Node& value, int depth) {
    const std::string& name = key.Scalar();
    YAML::Node at = ValueAnchor(key, value);
    Reporter::Scope scope(r_, name);
    if (name == "any" || name == "all") return Combinator(name, value, at, depth);
    if (name == "not") {
      Condition c;
      c.op = Op::kNot;
      c.pos = PosOf(r_.file(), key);
      c.children.push_back(Map(value, at, depth + 1));
      return c;
    }
    std::optional<FieldRef> field = ConditionField(name);
    if (!field) {
      std::string hint = name == "attrs" || name.starts_with("attrs.")
                             ? "name an attribute as attrs.NAME, e.g. attrs.channel"
                             : SuggestHint(name, FieldCandidates());
      r_.Fail("E107", key, "unknown field '" + name + "' in a condition", hint);
    }
    if (field->field == rules::Field::kTime) {
      // Windows already run on event time; a condition on it would silently never hold.
      r_.Fail("E107", key, "conditions on 'time' are not supported",
              "patterns use event time already: bound them with within, window or lateness");
    }
    if (!value.IsMap()) {
      Condition leaf = Leaf(Op::kIn, *field, key);
      leaf.values = Values(*field, value, at);
      if (leaf.values.empty()) NeverHolds(at, name);
      return leaf;
    }
    if (value.size() == 0) {
      r_.Fail("E105", at, "no operator for field '" + name + "'",
              SuggestHint("", std::span<const std::string_view>(kOperators)));
    }
    Condition all = Leaf(Op::kAll, *field, key);
    bool ok = true;
    for (auto it = value.begin(); it != value.end(); ++it) {
      ok &= r_.Guard([&] { all.children.push_back(Operator(*field, it->first, it->second)); });
    }
    if (!ok) throw DiagnosticError();
    if (all.children.size() == 1) return std::move(all.children.front());
    return all;
  }

  Condition Combinator(const std::string& name, const YAML::Node& value, const YAML::Node& at,
                       int depth) {
    if (!value.IsSequence()) {
      r_.Fail("E100", at,
              "'" + name + "' takes a list of conditions, found " + DescribeKind(value));
    }
    if (value.size() == 0) r_.Fail("E105", at, "'" + name + "' needs at least one condition");
    Condition c;
    c.op = name == "any" ? Op::kAny : Op::kAll;
    c.pos = PosOf(r_.file(), at);
    bool ok = true;
    size_t index = 0;
    for (const YAML::Node& item : value) {
      Reporter::Scope item_scope(r_, "#" + std::to_string(++index));
      ok &= r_.Guard([&] { c.children.push_back(Map(item, item, depth + 1)); });
    }
    if (!ok) throw DiagnosticError();
    return c;
  }

  Condition Operator(const FieldRef& field, const YAML::Node& key, const YAML::Node& value) {
    std::string name = ExpectText(r_, key, key, "an operator");
    YAML::Node at = ValueAnchor(key, value);
    const OperatorName* known = nullptr;
    for (const OperatorName& o : kOperatorOps) {
      if (o.name == name) known = &o;
    }
    if (known == nullptr) {
      r_.Fail("E108", key, "unknown operator '" + name + "' for field '" + field.name + "'",
              SuggestHint(name, std::span<const std::string_view>(kOperators)));
    }
    Condition leaf = Leaf(known->op, field, key);
    switch (known->op) {
      case Op::kIn:
      case Op::kNotIn:
        leaf.values = Values(field, value, at);
        if (leaf.values.empty() && known->op == Op::kIn) NeverHolds(at, field.name);
        break;
      case Op::kNe:
        if (value.IsSequence() || IsListRef(value)) {
          r_.Fail("E105", at, "'ne' takes one value", "use 'not_in' for a list");
        }
        leaf.values = Values(field, value, at);
        break;
      case Op::kGt:
      case Op::kGte:
      case Op::kLt:
      case Op::kLte: {
        Scalar s = value.IsScalar() ? ToScalar(value) : Scalar::Null();
        if (s.kind != Scalar::Kind::kNumber) {
          r_.Fail("E118", at,
                  "'" + name + "' needs a number, found " + DescribeKind(value) +
                      (value.IsScalar() ? " '" + value.Scalar() + "'" : ""));
        }
        if (!std::isfinite(s.number)) {
          r_.Fail("E118", at, "'" + name + "' needs a finite number, found '" + s.text + "'");
        }
        leaf.number = s.number;
        break;
      }
      case Op::kExists: {
        Scalar s = value.IsScalar() ? ToScalar(value) : Scalar::Null();
        if (s.kind != Scalar::Kind::kBool) {
          r_.Fail("E105", at, "'exists' takes true or false, found " + DescribeKind(value));
        }
        leaf.exists = s.boolean;
        break;
      }
      case Op::kPrefix:
      case Op::kContains:
        leaf.text = ExpectText(r_, value, at, "'" + name + "'");
        break;
      case Op::kRegex:
        leaf.text = ExpectText(r_, value, at, "'regex'");
        leaf.regex = Compile(leaf.text, at);
        break;
      default:
        break;
    }
    return leaf;
  }

  std::shared_ptr<const re2::RE2> Compile(const std::string& pattern, const YAML::Node& at) {
    auto re = std::make_shared<const re2::RE2>(pattern, re2::RE2::Quiet);
    if (!re->ok()) {
      r_.Fail("E109", at, "invalid regex '" + pattern + "': " + re->error(),
              "regexes use RE2 syntax (no backreferences or lookaround)");
    }
    return re;
  }

  std::vector<Scalar> Values(const FieldRef& field, const YAML::Node& value, const YAML::Node& at) {
    return FieldValues(ctx_, field, value, at);
  }

  Condition Leaf(Op op, const FieldRef& field, const YAML::Node& at) {
    Condition c;
    c.op = op;
    c.field = field;
    c.pos = PosOf(r_.file(), at);
    return c;
  }

  void NeverHolds(const YAML::Node& at, const std::string& field) {
    r_.Warning("W202", at, "the condition on '" + field + "' can never hold: its list is empty");
  }

  const ParseContext& ctx_;
  Reporter& r_;
  size_t maps_ = 0;
  bool over_limit_ = false;
};

// E111/E112 for a code the catalog lacks; recorded, not thrown, so that every
// unknown code of a list is reported.
void CheckCatalog(const ParseContext& ctx, const Catalog& catalog, std::string_view what,
                  std::string_view code, const Scalar& value, const ValueRef& ref) {
  if (value.kind != Scalar::Kind::kString || catalog.Contains(value.text)) return;
  std::string message = "unknown " + std::string(what) + " '" + value.text + "'";
  if (!ref.list.empty()) message += " in list '$" + ref.list + "'";
  std::vector<std::string> closest = catalog.Closest(value.text);
  std::string hint = closest.empty() ? "" : "did you mean " + QuoteList(closest) + "?";
  ctx.r.Error(code, ref.at, std::move(message), std::move(hint));
}

}  // namespace

Condition ParseConditionMap(const ParseContext& ctx, const YAML::Node& node, const YAML::Node& at) {
  return ConditionParser(ctx).Map(node, at, 0);
}

std::vector<Scalar> FieldValues(const ParseContext& ctx, const FieldRef& field,
                                const YAML::Node& node, const YAML::Node& at) {
  std::vector<ValueRef> refs = ExpandValues(ctx.r, ctx.lists, node, at);
  std::vector<Scalar> values;
  size_t errors = ctx.r.errors();
  for (const ValueRef& ref : refs) {
    Scalar v = ref.value;
    if (v.kind == Scalar::Kind::kNull && field.field != Field::kAttr) {
      ctx.r.Fail("E105", ref.at, "'" + field.name + "' is never null",
                 "to match events without it, use {exists: false}");
    }
    // YAML typing is incidental for text fields: `subject: 1234` means "1234".
    if (IsStringField(field.field) && v.kind != Scalar::Kind::kString) {
      v = Scalar::String(v.text.empty() ? (v.boolean ? "true" : "false") : v.text);
    }
    if (field.field == Field::kSeverity && v.kind != Scalar::Kind::kNumber) {
      ctx.r.Error("E105", ref.at, "severity is a number, found '" + v.text + "'",
                  "severities are integers 1-5");
      continue;
    }
    if (field.field == Field::kRegion) {
      CheckCatalog(ctx, ctx.catalogs.regions, "region", "E111", v, ref);
    } else if (field.field == Field::kGroups) {
      CheckCatalog(ctx, ctx.catalogs.groups, "group", "E112", v, ref);
    }
    values.push_back(std::move(v));
  }
  if (ctx.r.errors() > errors) throw DiagnosticError();
  return values;
}

}  // namespace vigia::rules::detail
