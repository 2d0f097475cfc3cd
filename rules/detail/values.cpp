// SPDX-License-Identifier: Apache-2.0
#include "rules/detail/values.h"

#include <algorithm>
#include <cmath>

#include "core/time.h"
#include "rules/detail/vocabulary.h"

namespace vigia::rules::detail {
namespace {

Scalar ScalarOf(const Entry& e) { return e.value.IsScalar() ? ToScalar(e.value) : Scalar::Null(); }

std::string Found(const Entry& e) {
  return e.value.IsScalar() ? "'" + e.value.Scalar() + "'" : DescribeKind(e.value);
}

FieldRef KeyFieldOrFail(Reporter& r, const YAML::Node& item, const YAML::Node& at,
                        std::string_view where) {
  std::string name = ExpectText(r, item, at, "a key field");
  std::optional<FieldRef> field = KeyField(name);
  if (!field) {
    std::string hint = name == "time" || name == "tags"
                           ? "'" + name +
                                 "' cannot be a key field; use one of: region, group, "
                                 "subject, municipality, source, category, type, "
                                 "severity, id, attrs.NAME"
                           : SuggestHint(name, kKeyFields);
    r.Fail("E115", at, "unknown key field '" + name + "' in '" + std::string(where) + "'", hint);
  }
  return *field;
}

}  // namespace

DurationUs ParseDurationValue(Reporter& r, const Entry& e) {
  std::optional<DurationUs> d;
  if (e.value.IsScalar()) d = ParseDuration(e.value.Scalar());
  if (!d) {
    r.Fail("E104", e.anchor(),
           e.value.IsScalar() ? "invalid duration '" + e.value.Scalar() + "'"
                              : "invalid duration: found " + DescribeKind(e.value),
           "use a number with a unit: 30s, 15m, 36h, 7d, 2w");
  }
  return *d;
}

int64_t ParseIntegerValue(Reporter& r, const Entry& e, int64_t min) {
  Scalar s = ScalarOf(e);
  bool integral = s.kind == Scalar::Kind::kNumber && std::isfinite(s.number) &&
                  std::floor(s.number) == s.number && std::abs(s.number) < 9e15;
  if (!integral || s.number < static_cast<double>(min)) {
    r.Fail("E105", e.anchor(),
           "'" + e.name + "' must be an integer of at least " + std::to_string(min) + ", found " +
               Found(e));
  }
  return static_cast<int64_t>(s.number);
}

bool ParseBoolValue(Reporter& r, const Entry& e) {
  Scalar s = ScalarOf(e);
  if (s.kind != Scalar::Kind::kBool) {
    r.Fail("E105", e.anchor(), "'" + e.name + "' must be true or false, found " + Found(e));
  }
  return s.boolean;
}

Level ParseLevelValue(Reporter& r, const Entry& e) {
  std::string name = ExpectText(r, e, "'level'");
  std::optional<Level> level = LevelFromName(name);
  if (!level) {
    r.Fail("E105", e.anchor(), "unknown level '" + name + "'", SuggestHint(name, kLevelNames));
  }
  return *level;
}

std::vector<FieldRef> ParseByValue(Reporter& r, const Entry& e) {
  std::vector<FieldRef> by;
  std::vector<std::pair<YAML::Node, YAML::Node>> items;  // (item, where to point)
  if (e.value.IsSequence()) {
    for (const YAML::Node& item : e.value) items.emplace_back(item, item);
  } else {
    items.emplace_back(e.value, e.anchor());
  }
  size_t errors = r.errors();
  // Not a structured binding: clang before 16 cannot capture one in a lambda.
  for (const auto& item_at : items) {
    const YAML::Node& item = item_at.first;
    const YAML::Node& at = item_at.second;
    r.Guard([&] {
      FieldRef field = KeyFieldOrFail(r, item, at, "by");
      if (std::find(by.begin(), by.end(), field) != by.end()) {
        r.Fail("E105", at, "'" + field.name + "' appears twice in 'by'");
      }
      by.push_back(std::move(field));
    });
  }
  if (r.errors() > errors) throw DiagnosticError();
  return by;
}

FieldRef ParseDistinctValue(Reporter& r, const Entry& e) {
  FieldRef field = KeyFieldOrFail(r, e.value, e.anchor(), "distinct");
  if (field.field == Field::kGroups) {
    r.Fail("E115", e.anchor(), "'distinct' cannot be 'group'",
           "count distinct people or places: subject, region, municipality, attrs.NAME");
  }
  return field;
}

void ParseNumericParam(Reporter& r, const Entry& e, PatternParams& params) {
  const std::string& n = e.name;
  if (n == "at_least") {
    params.at_least = ParseIntegerValue(r, e, 1);
  } else if (n == "min_count") {
    params.min_count = ParseIntegerValue(r, e, 1);
  } else if (n == "ratio") {
    Scalar s = ScalarOf(e);
    if (s.kind != Scalar::Kind::kNumber || !std::isfinite(s.number) || s.number <= 0) {
      r.Fail("E105", e.anchor(), "'ratio' must be a number greater than 0, found " + Found(e));
    }
    params.ratio = s.number;
  } else if (n == "within") {
    params.within = ParseDurationValue(r, e);
  } else if (n == "every") {
    params.every = ParseDurationValue(r, e);
  } else if (n == "grace") {
    params.grace = ParseDurationValue(r, e);
  } else if (n == "window") {
    params.window = ParseDurationValue(r, e);
  } else if (n == "baseline") {
    params.baseline = ParseDurationValue(r, e);
  }
}

Where ParseWhereValue(const ParseContext& ctx, const Entry& e, const std::string& whose) {
  Reporter::Scope scope(ctx.r, "where");
  ExpectMap(ctx.r, e.value, "'where'");
  Where where;
  where.pos = PosOf(ctx.r.file(), e.value);
  size_t errors = ctx.r.errors();
  for (const Entry& dim : CheckedEntries(ctx.r, e.value, kWhereKeys, "'where'")) {
    ctx.r.Guard([&] {
      Reporter::Scope dim_scope(ctx.r, dim.name);
      FieldRef field{Field::kRegion, "", dim.name};
      if (dim.name == "group") field.field = Field::kGroups;
      if (dim.name == "source") field.field = Field::kSource;
      if (dim.name == "municipality") field.field = Field::kMunicipality;
      std::vector<std::string> texts;
      for (Scalar& s : FieldValues(ctx, field, dim.value, dim.anchor())) {
        texts.push_back(std::move(s.text));
      }
      if (texts.empty()) {
        ctx.r.Warning(
            "W202", dim.anchor(),
            "the 'where' of " + whose + " can never hold: '" + dim.name + "' is an empty list");
      }
      std::sort(texts.begin(), texts.end());
      texts.erase(std::unique(texts.begin(), texts.end()), texts.end());
      if (dim.name == "region") where.region = std::move(texts);
      if (dim.name == "group") where.group = std::move(texts);
      if (dim.name == "source") where.source = std::move(texts);
      if (dim.name == "municipality") where.municipality = std::move(texts);
    });
  }
  if (ctx.r.errors() > errors) throw DiagnosticError();
  return where;
}

std::vector<std::string> SummaryPlaceholders(const std::vector<FieldRef>& by) {
  std::vector<std::string> names(std::begin(kSummaryBuiltins), std::end(kSummaryBuiltins));
  for (const FieldRef& f : by) names.push_back(f.name);
  return names;
}

std::string ParseSummaryValue(Reporter& r, const Entry& e,
                              const std::vector<std::string>& allowed) {
  std::string text = ExpectText(r, e, "'summary'");
  size_t errors = r.errors();
  for (size_t open = text.find('{'); open != std::string::npos; open = text.find('{', open + 1)) {
    size_t close = text.find('}', open);
    if (close == std::string::npos) {
      Diagnostic& d = r.Error("E116", e.value, "unclosed '{' in the summary",
                              "placeholders are written {name}, e.g. {count}");
      PointInside(r.file(), e.value, open, 1, d);
      break;
    }
    std::string name = text.substr(open + 1, close - open - 1);
    if (std::find(allowed.begin(), allowed.end(), name) == allowed.end()) {
      std::vector<std::string_view> views(allowed.begin(), allowed.end());
      std::string hint =
          DidYouMean(name, views) ? "did you mean '{" + *DidYouMean(name, views) + "}'?" : "";
      if (hint.empty()) {
        hint = "this rule's placeholders are";
        for (const std::string& a : allowed) hint += " {" + a + "}";
        hint += "; key fields come from 'by'";
      }
      Diagnostic& d = r.Error(
          "E116", e.value, "unknown placeholder '{" + name + "}' in the summary", std::move(hint));
      PointInside(r.file(), e.value, open, static_cast<uint32_t>(close - open + 1), d);
    }
    open = close;
  }
  if (r.errors() > errors) throw DiagnosticError();
  return text;
}

}  // namespace vigia::rules::detail
