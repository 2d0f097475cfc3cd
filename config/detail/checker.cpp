// SPDX-License-Identifier: Apache-2.0
#include "config/detail/checker.h"

#include <algorithm>
#include <initializer_list>
#include <map>
#include <regex>

#include "config/detail/values.h"
#include "core/yaml_documents.h"

namespace vigia::config::detail {
namespace {

constexpr std::string_view kDurationHint =
    "a whole number with a unit s, m, h, d or w: 90s, 15m, 1h, 7d";
constexpr std::string_view kSizeHint =
    "a whole number of bytes, or with a unit B, KiB or MiB (no space): 65536, 64KiB, 1MiB";

enum class Kind { kNull, kBool, kNumber, kString, kList, kMap };

bool IsOneOf(std::string_view s, std::initializer_list<std::string_view> options) {
  return std::find(options.begin(), options.end(), s) != options.end();
}

// How YAML 1.2's core schema types the node: yaml-cpp leaves every scalar a
// string, and a config that says `node: 12` or `path: true` is a mistake worth
// reporting, not a string to guess at. std::regex is fine on short load-time text.
Kind KindOf(const YAML::Node& node) {
  if (node.IsMap()) return Kind::kMap;
  if (node.IsSequence()) return Kind::kList;
  if (!node.IsScalar()) return Kind::kNull;
  const std::string& tag = node.Tag();
  if (tag == "tag:yaml.org,2002:int" || tag == "tag:yaml.org,2002:float") return Kind::kNumber;
  if (tag == "tag:yaml.org,2002:bool") return Kind::kBool;
  if (tag == "tag:yaml.org,2002:null") return Kind::kNull;
  if (tag != "?") return Kind::kString;  // quoted, !!str or an application tag
  const std::string& s = node.Scalar();
  if (IsOneOf(s, {"", "~", "null", "Null", "NULL"})) return Kind::kNull;
  if (IsOneOf(s, {"true", "True", "TRUE", "false", "False", "FALSE"})) return Kind::kBool;
  static const std::regex kNumber(R"([-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?)"
                                  R"(|0x[0-9a-fA-F]+|0o[0-7]+)"
                                  R"(|[-+]?\.(inf|Inf|INF)|\.(nan|NaN|NAN))");
  if (std::regex_match(s, kNumber)) return Kind::kNumber;
  return Kind::kString;
}

std::vector<std::string> SplitLines(std::string_view text) {
  std::vector<std::string> lines;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = std::min(text.find('\n', start), text.size());
    std::string line(text.substr(start, end - start));
    if (!line.empty() && line.back() == '\r') line.pop_back();
    lines.push_back(std::move(line));
    start = end + 1;
  }
  return lines;
}

// Length of the node's text as written at `col` of `line`: a quoted scalar with
// its quotes, a plain one as far as it matches, else one character.
uint32_t SpanAt(const std::string& line, size_t col, const YAML::Node& node) {
  if (col >= line.size() || !node.IsScalar()) return 1;
  char quote = line[col];
  if (quote == '"' || quote == '\'') {
    for (size_t j = col + 1; j < line.size(); ++j) {
      if (quote == '"' && line[j] == '\\') {
        ++j;
      } else if (line[j] == quote) {
        return static_cast<uint32_t>(j + 1 - col);
      }
    }
    return 1;
  }
  const std::string& text = node.Scalar();
  if (!text.empty() && line.compare(col, text.size(), text) == 0) {
    return static_cast<uint32_t>(text.size());
  }
  return 1;
}

// Optimal string alignment distance: Levenshtein plus adjacent transpositions,
// the commonest typo ("retnetion"). Only on error paths, so simple beats fast.
size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<std::vector<size_t>> d(a.size() + 1, std::vector<size_t>(b.size() + 1));
  for (size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    for (size_t j = 1; j <= b.size(); ++j) {
      d[i][j] = std::min(
          {d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[a.size()][b.size()];
}

}  // namespace

Source ParseSource(std::string name, std::string_view text, std::vector<Diagnostic>& diags) {
  Source source;
  source.name = std::move(name);
  source.lines = SplitLines(text);
  Diagnostic d;
  d.code = "C001";
  try {
    std::vector<YAML::Node> docs = LoadYamlDocuments(std::string(text));
    if (docs.size() <= 1) {
      if (!docs.empty()) source.root = docs[0];
      source.ok = true;
      return source;
    }
    YAML::Mark mark = docs[1].Mark();
    d.pos = {source.name, static_cast<uint32_t>(mark.line + 1),
             static_cast<uint32_t>(mark.column + 1)};
    d.message = "a config file holds one YAML document, found " + std::to_string(docs.size());
    d.hint = "remove the '---' separator";
  } catch (const YAML::Exception& e) {
    d.pos = {source.name, static_cast<uint32_t>(e.mark.line + 1),
             static_cast<uint32_t>(e.mark.column + 1)};
    d.message = "invalid YAML: " + e.msg;
  }
  if (d.pos.line == 0) d.pos.line = d.pos.column = 1;  // a null mark: no position known
  if (d.pos.line <= source.lines.size()) d.source_line = source.lines[d.pos.line - 1];
  diags.push_back(std::move(d));
  return source;
}

void Checker::Error(std::string_view code, const YAML::Node& at, std::string message,
                    std::string hint) {
  Report(Severity::kError, code, at, std::move(message), std::move(hint));
  ++errors_;
}

void Checker::Warning(std::string_view code, const YAML::Node& at, std::string message,
                      std::string hint) {
  Report(Severity::kWarning, code, at, std::move(message), std::move(hint));
}

void Checker::Report(Severity severity, std::string_view code, const YAML::Node& at,
                     std::string message, std::string hint) {
  Diagnostic d;
  d.severity = severity;
  d.code = std::string(code);
  d.message = std::move(message);
  d.hint = std::move(hint);
  d.path = path_;
  d.pos = PosOf(at);
  if (d.pos.line <= source_.lines.size()) {
    d.source_line = source_.lines[d.pos.line - 1];
    d.span = SpanAt(d.source_line, d.pos.column - 1, at);
  }
  out_.push_back(std::move(d));
}

std::string Checker::KeyName(std::string_view key) const {
  std::string name;
  for (const std::string& element : path_) {
    if (!name.empty() && element.front() != '[') name += '.';
    name += element;
  }
  if (!name.empty() && !key.empty()) name += '.';
  return name + std::string(key);
}

SourcePos Checker::PosOf(const YAML::Node& node) const {
  YAML::Mark mark = node.Mark();
  // An empty document has no marks; its first line is as good as any.
  if (mark.is_null()) return {source_.name, 1, 1};
  return {source_.name, static_cast<uint32_t>(mark.line + 1),
          static_cast<uint32_t>(mark.column + 1)};
}

bool Checker::ExpectMap(const Entry& e) {
  if (e.value.IsMap()) return true;
  Error("C102", Anchor(e),
        "'" + KeyName(e.name) + "' must be a mapping, found " + DescribeKind(e.value),
        "write it as 'key: value' lines indented below it, or as {key: value, ...}");
  return false;
}

bool Checker::ExpectList(const Entry& e) {
  if (e.value.IsSequence()) return true;
  Error("C102", Anchor(e),
        "'" + KeyName(e.name) + "' must be a list, found " + DescribeKind(e.value),
        "write it as '- item' lines indented below it, or as [item, ...]");
  return false;
}

std::vector<Entry> Checker::Entries(const YAML::Node& map,
                                    std::span<const std::string_view> allowed) {
  std::vector<Entry> entries;
  std::map<std::string, YAML::Node> seen;
  for (auto it = map.begin(); it != map.end(); ++it) {
    YAML::Node key = it->first;  // a copy: `it->` yields a temporary
    if (KindOf(key) != Kind::kString) {
      Error("C102", key, "a key in " + WhereName() + " must be a name, found " + DescribeKind(key));
      continue;
    }
    const std::string& name = key.Scalar();
    if (std::find(allowed.begin(), allowed.end(), name) == allowed.end()) {
      Error("C101", key, "unknown key '" + name + "' in " + WhereName(),
            SuggestHint(name, allowed));
      continue;
    }
    auto [first, inserted] = seen.emplace(name, key);
    if (!inserted) {
      Error("C109", key,
            "duplicate key '" + KeyName(name) + "' (first at line " +
                std::to_string(first->second.Mark().line + 1) + ")",
            "YAML would keep only one of them; remove or merge the other");
      continue;
    }
    entries.push_back({name, key, it->second});
  }
  return entries;
}

std::string Checker::WhereName() const {
  return path_.empty() ? "the config" : "'" + KeyName("") + "'";
}

YAML::Node Checker::Anchor(const Entry& e) {
  if (e.value.IsNull() && e.value.Mark().line > e.key.Mark().line) return e.key;
  if (e.value.Mark().is_null()) return e.key;
  return e.value;
}

std::optional<std::string> Checker::String(const Entry& e) {
  Kind kind = KindOf(e.value);
  if (kind == Kind::kString) return e.value.Scalar();
  std::string hint;
  if (kind == Kind::kNumber || kind == Kind::kBool) {
    hint = "quote it if you mean the text: \"" + e.value.Scalar() + "\"";
  }
  Error("C102", Anchor(e),
        "'" + KeyName(e.name) + "' must be a string, found " + DescribeKind(e.value),
        std::move(hint));
  return std::nullopt;
}

std::optional<std::string> Checker::Text(const Entry& e) {
  std::optional<std::string> text = String(e);
  if (text && text->empty()) {
    Error("C103", Anchor(e), "'" + KeyName(e.name) + "' must not be empty");
    return std::nullopt;
  }
  return text;
}

std::optional<size_t> Checker::Choice(const Entry& e, std::span<const std::string_view> allowed) {
  Kind kind = KindOf(e.value);
  if (kind == Kind::kNull || kind == Kind::kList || kind == Kind::kMap) {
    Error("C102", Anchor(e),
          "'" + KeyName(e.name) + "' must be one of the allowed words, found " +
              DescribeKind(e.value),
          SuggestHint("", allowed));
    return std::nullopt;
  }
  const std::string& word = e.value.Scalar();
  auto it = std::find(allowed.begin(), allowed.end(), word);
  if (it != allowed.end()) return static_cast<size_t>(it - allowed.begin());
  Error("C103", Anchor(e), "invalid value '" + word + "' for '" + KeyName(e.name) + "'",
        SuggestHint(word, allowed));
  return std::nullopt;
}

std::optional<DurationUs> Checker::Duration(const Entry& e, bool allow_zero) {
  Kind kind = KindOf(e.value);
  if (kind == Kind::kNull || kind == Kind::kList || kind == Kind::kMap || kind == Kind::kBool) {
    Error("C102", Anchor(e),
          "'" + KeyName(e.name) + "' must be a duration, found " + DescribeKind(e.value),
          std::string(kDurationHint));
    return std::nullopt;
  }
  const std::string& text = e.value.Scalar();
  if (std::optional<DurationUs> d = ParseDuration(text)) return d;
  bool zero = text.size() >= 2 && text.find_first_not_of('0') == text.size() - 1 &&
              std::string_view("smhdw").find(text.back()) != std::string_view::npos;
  if (zero && allow_zero) return DurationUs{0};
  Error("C104", Anchor(e), "invalid duration '" + text + "' for '" + KeyName(e.name) + "'",
        zero ? "must be more than zero" : std::string(kDurationHint));
  return std::nullopt;
}

std::optional<uint64_t> Checker::Size(const Entry& e, uint64_t min, uint64_t max) {
  Kind kind = KindOf(e.value);
  if (kind == Kind::kNull || kind == Kind::kList || kind == Kind::kMap || kind == Kind::kBool) {
    Error("C102", Anchor(e),
          "'" + KeyName(e.name) + "' must be a size, found " + DescribeKind(e.value),
          std::string(kSizeHint));
    return std::nullopt;
  }
  const std::string& text = e.value.Scalar();
  std::optional<uint64_t> bytes = ParseSize(text);
  if (!bytes) {
    Error("C105", Anchor(e), "invalid size '" + text + "' for '" + KeyName(e.name) + "'",
          std::string(kSizeHint));
  } else if (*bytes < min || *bytes > max) {
    Error("C105", Anchor(e), "size '" + text + "' for '" + KeyName(e.name) + "' is out of range",
          "must be from " + FormatSize(min) + " to " + FormatSize(max));
    bytes.reset();
  }
  return bytes;
}

std::string DescribeKind(const YAML::Node& node) {
  switch (KindOf(node)) {
    case Kind::kNull:
      return "nothing";
    case Kind::kBool:
      return "true/false";
    case Kind::kNumber:
      return "a number";
    case Kind::kList:
      return "a list";
    case Kind::kMap:
      return "a mapping";
    case Kind::kString:
      break;
  }
  return "a string";
}

std::string SuggestHint(std::string_view name, std::span<const std::string_view> candidates) {
  // Short names get less slack, or "bind" would suggest "mode".
  size_t limit = name.size() <= 3 ? 1 : name.size() <= 6 ? 2 : 3;
  std::string_view best;
  size_t best_distance = limit + 1;
  for (std::string_view c : candidates) {
    size_t distance = EditDistance(name, c);
    if (distance < best_distance) {
      best_distance = distance;
      best = c;
    }
  }
  if (!name.empty() && !best.empty()) return "did you mean '" + std::string(best) + "'?";
  std::string hint = "expected one of: ";
  for (size_t i = 0; i < candidates.size(); ++i) {
    if (i > 0) hint += ", ";
    hint += candidates[i];
  }
  return hint;
}

}  // namespace vigia::config::detail
