// SPDX-License-Identifier: Apache-2.0
// Load-time diagnostics: every problem in a file, with its 1-based position,
// collected rather than thrown (STYLE.md §3, zone 1).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace vigia {

struct SourcePos {
  std::string file;
  uint32_t line = 0;    // 1-based; 0 = unknown
  uint32_t column = 0;  // 1-based; 0 = unknown
};

enum class Severity { kError, kWarning };

struct Diagnostic {
  Severity severity = Severity::kError;
  std::string code;                // stable: "E104", documented in rules/README.md
  SourcePos pos;
  std::vector<std::string> path;   // {"rule 'journalist-threat-cluster'", "count", "within"}
  std::string message;             // lower-case start; user values in '' quotes
  std::string hint;                // may be empty
  uint32_t span = 1;               // caret length in the snippet
  // The text of line `pos.line` as it was loaded (no newline), so that in-memory
  // texts and files changed since get the right snippet. Empty: RenderText reads
  // the line from `pos.file` if it can.
  std::string source_line;
};

// Renders diagnostics as STYLE.md example E1, in the order given. An error is its
// "file:line:col: error[E104]: msg" line, the "in ..." path, the source line with
// a caret of `span` characters (when the line is known or readable), and the hint.
// A warning is its first line and the hint (as in E1: it points at valid rules).
// When `summary` is true and `diags` is not empty, a closing line counts them.
// `consequence` closes the count line when there are errors.
inline constexpr std::string_view kRulesNotLoaded = "new rules not loaded, previous rules stay active";
std::string RenderText(const std::vector<Diagnostic>& diags, bool summary = true,
                       std::string_view consequence = kRulesNotLoaded);
// One JSON object per diagnostic, as a JSON array.
std::string RenderJson(const std::vector<Diagnostic>& diags);

size_t CountErrors(const std::vector<Diagnostic>& diags);

// The value of a load only if there are no errors, plus all diagnostics.
template <typename T>
class LoadResult {
 public:
  LoadResult() = default;
  LoadResult(std::optional<T> value, std::vector<Diagnostic> diags)
      : value_(std::move(value)), diags_(std::move(diags)) {
    if (CountErrors(diags_) > 0) value_.reset();
  }
  bool ok() const { return value_.has_value(); }
  // REQUIRES: ok().
  const T& value() const& { return *value_; }
  T&& value() && { return std::move(*value_); }
  const std::vector<Diagnostic>& diagnostics() const { return diags_; }
  size_t error_count() const { return CountErrors(diags_); }

 private:
  std::optional<T> value_;
  std::vector<Diagnostic> diags_;
};

}  // namespace vigia
