// SPDX-License-Identifier: Apache-2.0
#include "rules/detail/reporter.h"

#include <algorithm>
#include <map>

namespace vigia::rules::detail {
namespace {

// Optimal string alignment distance: Levenshtein plus adjacent transpositions,
// since "regoin" for "region" is the commonest typo.
size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<std::vector<size_t>> d(a.size() + 1, std::vector<size_t>(b.size() + 1));
  for (size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[a.size()][b.size()];
}

}  // namespace

Diagnostic& Reporter::Error(std::string_view code, const YAML::Node& at, std::string message,
                            std::string hint) {
  Diagnostic d = MakeDiagnostic(file_, at, Severity::kError, std::string(code), std::move(message));
  d.hint = std::move(hint);
  d.path = path_;
  out_.push_back(std::move(d));
  ++errors_;
  return out_.back();
}

Diagnostic& Reporter::Warning(std::string_view code, const YAML::Node& at, std::string message,
                              std::string hint) {
  Diagnostic d =
      MakeDiagnostic(file_, at, Severity::kWarning, std::string(code), std::move(message));
  d.hint = std::move(hint);
  d.path = path_;
  out_.push_back(std::move(d));
  return out_.back();
}

void Reporter::Fail(std::string_view code, const YAML::Node& at, std::string message,
                    std::string hint) {
  Error(code, at, std::move(message), std::move(hint));
  throw DiagnosticError();
}

void ExpectMap(Reporter& r, const YAML::Node& node, std::string_view what) {
  if (node.IsMap()) return;
  r.Fail("E100", node, std::string(what) + " must be a mapping, found " + DescribeKind(node));
}

std::vector<Entry> CheckedEntries(Reporter& r, const YAML::Node& node,
                                  std::span<const std::string_view> allowed, std::string_view where,
                                  std::set<std::string>* suggested) {
  std::vector<Entry> entries;
  std::map<std::string, YAML::Node> seen;
  for (auto it = node.begin(); it != node.end(); ++it) {
    YAML::Node key = it->first;  // a copy: `it->` yields a temporary
    if (!key.IsScalar()) {
      r.Error("E100", key,
              "a key in " + std::string(where) + " must be a name, found " + DescribeKind(key));
      continue;
    }
    const std::string& name = key.Scalar();
    if (std::find(allowed.begin(), allowed.end(), name) == allowed.end()) {
      std::optional<std::string> close = DidYouMean(name, allowed);
      if (close && suggested != nullptr) suggested->insert(*close);
      r.Error("E101", key, "unknown key '" + name + "' in " + std::string(where),
              SuggestHint(name, allowed));
      continue;
    }
    auto [first, inserted] = seen.emplace(name, key);
    if (!inserted) {
      r.Error("E103", key,
              "duplicate key '" + name + "' in " + std::string(where) + " (first at line " +
                  std::to_string(first->second.Mark().line + 1) + ")",
              "YAML keeps only one of them; remove or merge the other");
      continue;
    }
    entries.push_back({name, key, it->second});
  }
  return entries;
}

std::optional<std::string> DidYouMean(std::string_view name,
                                      std::span<const std::string_view> candidates) {
  // Short names get less slack, or "by" would suggest "id".
  size_t limit = name.size() <= 3 ? 1 : name.size() <= 6 ? 2 : 3;
  std::optional<std::string> best;
  size_t best_distance = limit + 1;
  for (std::string_view c : candidates) {
    size_t distance = EditDistance(name, c);
    if (distance < best_distance) {
      best_distance = distance;
      best = std::string(c);
    }
  }
  return best;
}

std::string SuggestHint(std::string_view name, std::span<const std::string_view> candidates) {
  if (std::optional<std::string> best = DidYouMean(name, candidates)) {
    return "did you mean '" + *best + "'?";
  }
  std::string hint = "expected one of: ";
  for (size_t i = 0; i < candidates.size(); ++i) {
    if (i > 0) hint += ", ";
    hint += candidates[i];
  }
  return hint;
}

std::string QuoteList(const std::vector<std::string>& items, std::string_view last_sep) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += i + 1 == items.size() ? std::string(last_sep) : ", ";
    out += "'" + items[i] + "'";
  }
  return out;
}

std::string ExpectText(Reporter& r, const YAML::Node& node, const YAML::Node& at,
                       std::string_view what) {
  if (!node.IsScalar() || ToScalar(node).kind == Scalar::Kind::kNull) {
    r.Fail("E100", at, std::string(what) + " must be a string, found " + DescribeKind(node));
  }
  return node.Scalar();
}

std::string ExpectText(Reporter& r, const Entry& e, std::string_view what) {
  return ExpectText(r, e.value, e.anchor(), what);
}

}  // namespace vigia::rules::detail
