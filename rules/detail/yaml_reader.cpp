// SPDX-License-Identifier: Apache-2.0
#include "rules/detail/yaml_reader.h"

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <limits>

#include "core/yaml_documents.h"

namespace vigia::rules::detail {
namespace {

std::vector<std::string> SplitLines(std::string_view text) {
  std::vector<std::string> lines;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string line(text.substr(start, end - start));
    if (!line.empty() && line.back() == '\r') line.pop_back();
    lines.push_back(std::move(line));
    start = end + 1;
  }
  return lines;
}

bool IsOneOf(std::string_view s, std::initializer_list<std::string_view> options) {
  for (std::string_view o : options) {
    if (s == o) return true;
  }
  return false;
}

// The YAML 1.2 core schema's decimal forms, integers included:
// [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?. Written out rather than
// as a std::regex: every plain scalar of every rule comes here, and std::regex
// made this a tenth of the time to load 1,000 rules. yaml_reader_test.cpp
// checks it against the pattern.
bool IsCoreDecimal(std::string_view s) {
  size_t i = 0;
  auto sign = [&] {
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
  };
  auto digits = [&] {  // how many
    const size_t start = i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
    return i - start;
  };
  sign();
  const size_t whole = digits();
  if (i < s.size() && s[i] == '.') {
    ++i;
    if (digits() == 0 && whole == 0) return false;
  } else if (whole == 0) {
    return false;
  }
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    sign();
    if (digits() == 0) return false;
  }
  return i == s.size();
}

std::optional<double> ParseCoreNumber(const std::string& s) {
  if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'o')) {
    int base = s[1] == 'x' ? 16 : 8;
    uint64_t v = 0;
    auto [ptr, ec] = std::from_chars(s.data() + 2, s.data() + s.size(), v, base);
    if (ec != std::errc() || ptr != s.data() + s.size()) return std::nullopt;
    return static_cast<double>(v);
  }
  if (IsCoreDecimal(s)) {
    // strtod accepts every form above; the C locale is never changed in vigia.
    return std::strtod(s.c_str(), nullptr);
  }
  if (IsOneOf(s, {".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF"})) {
    return std::numeric_limits<double>::infinity();
  }
  if (IsOneOf(s, {"-.inf", "-.Inf", "-.INF"})) return -std::numeric_limits<double>::infinity();
  if (IsOneOf(s, {".nan", ".NaN", ".NAN"})) return std::numeric_limits<double>::quiet_NaN();
  return std::nullopt;
}

// Length of the node's text as written at `col` of `line`, quotes included.
uint32_t SpanAt(const std::string& line, size_t col, const YAML::Node& node) {
  if (col >= line.size() || !(node.IsScalar() || node.IsNull())) return 1;
  char c = line[col];
  size_t end = line.size();
  if (c == '"' || c == '\'') {
    for (size_t j = col + 1; j < line.size(); ++j) {
      if (c == '"' && line[j] == '\\') {
        ++j;
      } else if (line[j] == c) {
        if (c == '\'' && j + 1 < line.size() && line[j + 1] == '\'') {
          ++j;
          continue;
        }
        end = j + 1;
        break;
      }
    }
    return static_cast<uint32_t>(end - col);
  }
  if (c == '|' || c == '>') return 1;
  const std::string& text = node.IsScalar() ? node.Scalar() : std::string();
  if (!text.empty() && line.compare(col, text.size(), text) == 0) {
    return static_cast<uint32_t>(text.size());
  }
  // A plain scalar folded over lines: up to the end of its first line.
  size_t j = col;
  while (j < line.size() && line[j] != ',' && line[j] != ']' && line[j] != '}' &&
         line.compare(j, 2, " #") != 0) {
    ++j;
  }
  while (j > col + 1 && line[j - 1] == ' ') --j;
  return static_cast<uint32_t>(std::max<size_t>(1, j - col));
}

}  // namespace

SourceFile ParseSource(std::string name, std::string_view text, std::vector<Diagnostic>& diags) {
  SourceFile file;
  file.name = std::move(name);
  file.lines = SplitLines(text);
  try {
    std::vector<YAML::Node> docs = LoadYamlDocuments(std::string(text));
    if (docs.size() > 1) {
      Diagnostic d = MakeDiagnostic(
          file, docs[1], Severity::kError, "E001",
          "a rule file holds one YAML document, found " + std::to_string(docs.size()));
      d.hint = "remove the '---' separator or split the file";
      diags.push_back(std::move(d));
      return file;
    }
    if (!docs.empty()) file.root = docs[0];
    file.ok = true;
  } catch (const YAML::Exception& e) {
    Diagnostic d;
    d.code = "E001";
    d.pos = {file.name, static_cast<uint32_t>(e.mark.line + 1),
             static_cast<uint32_t>(e.mark.column + 1)};
    if (e.mark.is_null()) d.pos.line = d.pos.column = 0;
    if (d.pos.line > 0 && d.pos.line <= file.lines.size()) {
      d.source_line = file.lines[d.pos.line - 1];
    }
    d.message = "invalid YAML: " + e.msg;
    diags.push_back(std::move(d));
  }
  return file;
}

std::optional<std::string> ReadText(const std::filesystem::path& path,
                                    std::vector<Diagnostic>& diags) {
  std::error_code ec;
  std::ifstream in;
  if (!std::filesystem::is_directory(path, ec)) in.open(path, std::ios::binary);
  std::string text;
  if (in.is_open()) text.assign(std::istreambuf_iterator<char>(in), {});
  if (in.is_open() && !in.bad()) return text;
  Diagnostic d;
  d.code = "E002";
  d.pos.file = path.string();
  d.message = std::filesystem::exists(path, ec) ? "cannot read the file" : "no such file";
  diags.push_back(std::move(d));
  return std::nullopt;
}

SourceFile ReadSource(const std::filesystem::path& path, std::vector<Diagnostic>& diags) {
  std::optional<std::string> text = ReadText(path, diags);
  if (!text) {
    SourceFile file;
    file.name = path.string();
    return file;
  }
  return ParseSource(path.string(), *text, diags);
}

bool IsPlain(const YAML::Node& node) { return node.Tag() == "?"; }

Scalar ToScalar(const YAML::Node& node) {
  if (node.IsNull()) return Scalar::Null();
  const std::string& s = node.Scalar();
  if (node.Tag() == "!" || node.Tag() == "tag:yaml.org,2002:str") return Scalar::String(s);
  if (IsOneOf(s, {"null", "Null", "NULL", "~", ""})) return Scalar::Null();
  if (IsOneOf(s, {"true", "True", "TRUE"})) return Scalar::Bool(true);
  if (IsOneOf(s, {"false", "False", "FALSE"})) return Scalar::Bool(false);
  if (std::optional<double> n = ParseCoreNumber(s)) return Scalar::Number(*n, s);
  return Scalar::String(s);
}

std::string DescribeKind(const YAML::Node& node) {
  if (node.IsMap()) return "a mapping";
  if (node.IsSequence()) return "a list";
  if (node.IsNull()) return "nothing";
  switch (ToScalar(node).kind) {
    case Scalar::Kind::kNull:
      return "nothing";
    case Scalar::Kind::kBool:
      return "true/false";
    case Scalar::Kind::kNumber:
      return "a number";
    case Scalar::Kind::kString:
      break;
  }
  return "a string";
}

YAML::Node ValueAnchor(const YAML::Node& key, const YAML::Node& value) {
  if (value.IsNull() && value.Mark().line > key.Mark().line) return key;
  return value;
}

SourcePos PosOf(const SourceFile& file, const YAML::Node& node) {
  YAML::Mark mark = node.Mark();
  if (mark.is_null()) return {file.name, 0, 0};
  return {file.name, static_cast<uint32_t>(mark.line + 1), static_cast<uint32_t>(mark.column + 1)};
}

Diagnostic MakeDiagnostic(const SourceFile& file, const YAML::Node& node, Severity severity,
                          std::string code, std::string message) {
  Diagnostic d;
  d.severity = severity;
  d.code = std::move(code);
  d.message = std::move(message);
  d.pos = PosOf(file, node);
  if (d.pos.line > 0 && d.pos.line <= file.lines.size()) {
    d.source_line = file.lines[d.pos.line - 1];
    d.span = SpanAt(d.source_line, d.pos.column - 1, node);
  }
  return d;
}

void PointInside(const SourceFile& file, const YAML::Node& scalar, size_t offset, uint32_t span,
                 Diagnostic& d) {
  SourcePos pos = PosOf(file, scalar);
  if (pos.line == 0 || pos.line > file.lines.size()) return;
  const std::string& line = file.lines[pos.line - 1];
  size_t col = pos.column - 1;
  if (col < line.size() && (line[col] == '"' || line[col] == '\'')) ++col;
  // Only when the scalar is written on this line as is (no escapes, no folding).
  const std::string& text = scalar.Scalar();
  if (line.compare(col, text.size(), text) != 0) return;
  d.pos.column = static_cast<uint32_t>(col + offset + 1);
  d.span = span;
}

}  // namespace vigia::rules::detail
