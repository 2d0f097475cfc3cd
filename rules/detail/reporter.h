// SPDX-License-Identifier: Apache-2.0
// How the rule stages record problems: a Reporter appends diagnostics for one
// file, stamped with the current context path ("rule 'x' > count > within").
// Fail() records and throws DiagnosticError to abandon the current item; Guard()
// is the item boundary that catches it, so the next item is still checked
// (STYLE.md §3). Internal to rules/; single-threaded.
#pragma once

#include <yaml-cpp/yaml.h>

#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/diagnostic.h"
#include "rules/detail/yaml_reader.h"

namespace vigia::rules::detail {

// Thrown only after its diagnostic was recorded; never escapes rules/.
class DiagnosticError {};

class Reporter {
 public:
  // `file` and `out` must outlive the reporter.
  Reporter(const SourceFile& file, std::vector<Diagnostic>& out) : file_(file), out_(out) {}
  Reporter(const Reporter&) = delete;
  Reporter& operator=(const Reporter&) = delete;

  const SourceFile& file() const { return file_; }
  size_t errors() const { return errors_; }

  // Records a diagnostic at `at`. The reference is valid until the next record.
  Diagnostic& Error(std::string_view code, const YAML::Node& at, std::string message,
                    std::string hint = {});
  Diagnostic& Warning(std::string_view code, const YAML::Node& at, std::string message,
                      std::string hint = {});
  [[noreturn]] void Fail(std::string_view code, const YAML::Node& at, std::string message,
                         std::string hint = {});

  // Runs fn(); a DiagnosticError from it ends fn only. True if fn recorded no error.
  template <typename Fn>
  bool Guard(Fn&& fn) {
    size_t before = errors_;
    try {
      fn();
    } catch (const DiagnosticError&) {
      // Recorded already; the item is abandoned, the caller goes on.
    }
    return errors_ == before;
  }

  // Pushes a context path element for its lifetime.
  class Scope {
   public:
    Scope(Reporter& r, std::string element) : r_(r) { r_.path_.push_back(std::move(element)); }
    ~Scope() { r_.path_.pop_back(); }
    Scope(const Scope&) = delete;
    Scope& operator=(const Scope&) = delete;

   private:
    Reporter& r_;
  };

 private:
  const SourceFile& file_;
  std::vector<Diagnostic>& out_;
  std::vector<std::string> path_;
  size_t errors_ = 0;
};

// One mapping entry whose key is a known, unique string.
struct Entry {
  std::string name;
  YAML::Node key;
  YAML::Node value;
  YAML::Node anchor() const { return ValueAnchor(key, value); }  // where to point for the value
};

// Fails with E100 unless `node` is a mapping; `what` names it ("a rule").
void ExpectMap(Reporter& r, const YAML::Node& node, std::string_view what);

// The entries of mapping `node` whose keys are in `allowed`. Every other key is
// an E101 (with a did-you-mean hint, or the list of allowed keys), a repeated key
// an E103; those entries are left out, the rest still returned. `where` names
// the mapping in messages ("rule", "override", "count"). The keys suggested for
// unknown ones go to `suggested`, so that a caller does not also report a typo'd
// required key as missing.
std::vector<Entry> CheckedEntries(Reporter& r, const YAML::Node& node,
                                  std::span<const std::string_view> allowed, std::string_view where,
                                  std::set<std::string>* suggested = nullptr);

// The candidate closest to `name` by edit distance (a transposition counts one),
// if close enough to be a likely typo.
std::optional<std::string> DidYouMean(std::string_view name,
                                      std::span<const std::string_view> candidates);

// "did you mean 'x'?" or "expected one of: a, b, c".
std::string SuggestHint(std::string_view name, std::span<const std::string_view> candidates);

// "'a', 'b' and 'c'"
std::string QuoteList(const std::vector<std::string>& items, std::string_view last_sep = " or ");

// The scalar text of `node`; fails with E100 (at `at`) unless it is a non-null
// scalar. The Entry form points at the entry's anchor().
std::string ExpectText(Reporter& r, const YAML::Node& node, const YAML::Node& at,
                       std::string_view what);
std::string ExpectText(Reporter& r, const Entry& e, std::string_view what);

}  // namespace vigia::rules::detail
