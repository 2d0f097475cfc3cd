// SPDX-License-Identifier: Apache-2.0
#include "core/diagnostic.h"

#include <algorithm>
#include <boost/json.hpp>
#include <fstream>
#include <string>

namespace vigia {
namespace {

// Lines longer than this are shown as a window starting this far before the caret.
constexpr size_t kMaxSnippet = 160;
constexpr size_t kSnippetContext = 60;

std::string_view SeverityName(Severity severity) {
  return severity == Severity::kError ? "error" : "warning";
}

// Line `line` (1-based) of `file`, without its newline; nullopt when unreadable.
std::optional<std::string> ReadLine(const std::string& file, uint32_t line) {
  if (file.empty() || line == 0) return std::nullopt;
  std::ifstream in(file, std::ios::binary);
  if (!in) return std::nullopt;
  std::string text;
  for (uint32_t i = 0; i < line; ++i) {
    if (!std::getline(in, text)) return std::nullopt;
  }
  if (!text.empty() && text.back() == '\r') text.pop_back();
  return text;
}

void AppendHeader(const Diagnostic& d, std::string& out) {
  if (!d.pos.file.empty()) {
    out += d.pos.file;
    if (d.pos.line > 0) {
      out += ':' + std::to_string(d.pos.line);
      if (d.pos.column > 0) out += ':' + std::to_string(d.pos.column);
    }
    out += ": ";
  }
  out += SeverityName(d.severity);
  out += '[' + d.code + "]: " + d.message + '\n';
}

// "   14 |     count: ..." and "      |      ^~~~~~". The caret line repeats the
// tabs of the source line and counts a UTF-8 character as one column, so the
// caret sits under the right character in a terminal (yaml-cpp counts bytes).
void AppendSnippet(const Diagnostic& d, std::string& out) {
  std::optional<std::string> line;
  if (!d.source_line.empty()) {
    line = d.source_line;
  } else {
    line = ReadLine(d.pos.file, d.pos.line);
  }
  if (!line || d.pos.column == 0) return;
  size_t column = std::min<size_t>(d.pos.column - 1, line->size());
  // A very long line (minified YAML) is cut to a window around the caret.
  std::string shown = *line;
  size_t start = 0;
  if (shown.size() > kMaxSnippet) {
    start = column > kSnippetContext ? column - kSnippetContext : 0;
    while (start > 0 && (static_cast<unsigned char>(shown[start]) & 0xC0) == 0x80) --start;
    size_t end = std::min(shown.size(), start + kMaxSnippet);
    while (end < shown.size() && (static_cast<unsigned char>(shown[end]) & 0xC0) == 0x80) ++end;
    shown = (start > 0 ? "..." : "") + shown.substr(start, end - start) +
            (end < line->size() ? "..." : "");
  }
  std::string number = std::to_string(d.pos.line);
  size_t width = std::max<size_t>(5, number.size());
  out += std::string(width - number.size(), ' ') + number + " | " + shown + '\n';
  out += std::string(width + 1, ' ') + "| ";
  if (start > 0) out += "   ";
  for (size_t i = start; i < column; ++i) {
    unsigned char c = static_cast<unsigned char>((*line)[i]);
    if (c == '\t') {
      out += '\t';
    } else if ((c & 0xC0) != 0x80) {
      out += ' ';
    }
  }
  out += '^';
  out += std::string(std::clamp<size_t>(d.span, 1, kMaxSnippet) - 1, '~');
  out += '\n';
}

std::string Plural(size_t n, std::string_view word) {
  return std::to_string(n) + ' ' + std::string(word) + (n == 1 ? "" : "s");
}

}  // namespace

size_t CountErrors(const std::vector<Diagnostic>& diags) {
  return static_cast<size_t>(std::count_if(diags.begin(), diags.end(), [](const Diagnostic& d) {
    return d.severity == Severity::kError;
  }));
}

std::string RenderText(const std::vector<Diagnostic>& diags, bool summary,
                       std::string_view consequence) {
  std::string out;
  for (const Diagnostic& d : diags) {
    AppendHeader(d, out);
    if (d.severity == Severity::kError) {
      if (!d.path.empty()) {
        out += "  in ";
        for (size_t i = 0; i < d.path.size(); ++i) {
          if (i > 0) out += " > ";
          out += d.path[i];
        }
        out += '\n';
      }
      AppendSnippet(d, out);
    }
    if (!d.hint.empty()) out += "  hint: " + d.hint + '\n';
  }
  if (summary && !diags.empty()) {
    size_t errors = CountErrors(diags);
    out += Plural(diags.size(), "problem") + " (" + Plural(errors, "error") + ", " +
           Plural(diags.size() - errors, "warning") + ")";
    if (errors > 0 && !consequence.empty()) out += "; " + std::string(consequence);
    out += '\n';
  }
  return out;
}

std::string RenderJson(const std::vector<Diagnostic>& diags) {
  boost::json::array array;
  for (const Diagnostic& d : diags) {
    boost::json::array path;
    for (const std::string& p : d.path) path.emplace_back(p);
    array.emplace_back(boost::json::object{
        {"severity", SeverityName(d.severity)},
        {"code", d.code},
        {"file", d.pos.file},
        {"line", d.pos.line},
        {"column", d.pos.column},
        {"path", std::move(path)},
        {"message", d.message},
        {"hint", d.hint},
    });
  }
  return boost::json::serialize(array);
}

}  // namespace vigia
