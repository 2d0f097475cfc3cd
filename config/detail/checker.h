// SPDX-License-Identifier: Apache-2.0
// How the config reader records problems. A Checker wraps one parsed text and
// appends diagnostics with 1-based positions, caret spans and a context path
// ("ingest > zmq[1] > bind"); the typed reads below record a diagnostic and
// return nullopt on failure, so that every key of the file is still checked
// (STYLE.md §3, zone 1). Small equivalent of rules/detail/reporter.h, whose codes
// and messages are the rule language's. Internal to config/; single-threaded.
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/diagnostic.h"
#include "core/time.h"

namespace vigia::config::detail {

// One parsed config text: its name for diagnostics, its lines (for snippets and
// caret spans) and its only YAML document (Null when the text is empty).
struct Source {
  std::string name;
  std::vector<std::string> lines;
  YAML::Node root;
  bool ok = false;  // false: not valid YAML or more than one document (C001 says why)
};

// Parses `text` without letting a yaml-cpp exception escape; C001 on failure.
Source ParseSource(std::string name, std::string_view text, std::vector<Diagnostic>& diags);

// One entry of a mapping whose key is a known, unique string.
struct Entry {
  std::string name;
  YAML::Node key;
  YAML::Node value;
};

class Checker {
 public:
  // `source` and `out` must outlive the checker.
  Checker(const Source& source, std::vector<Diagnostic>& out) : source_(source), out_(out) {}
  Checker(const Checker&) = delete;
  Checker& operator=(const Checker&) = delete;

  size_t errors() const { return errors_; }

  // Records an error at `at` (a position in the file; a null mark gives 1:1).
  void Error(std::string_view code, const YAML::Node& at, std::string message,
             std::string hint = {});
  // The same as a warning: reported, but the config still loads.
  void Warning(std::string_view code, const YAML::Node& at, std::string message,
               std::string hint = {});

  // Pushes a context path element ("ingest", "zmq[0]") for its lifetime.
  class Scope {
   public:
    Scope(Checker& c, std::string element) : c_(c) { c_.path_.push_back(std::move(element)); }
    ~Scope() { c_.path_.pop_back(); }
    Scope(const Scope&) = delete;
    Scope& operator=(const Scope&) = delete;

   private:
    Checker& c_;
  };

  // The dotted name of `key` under the current path: "ingest.zmq[0].bind".
  std::string KeyName(std::string_view key) const;
  SourcePos PosOf(const YAML::Node& node) const;

  // C102 unless the entry's value is a mapping (a list), named e.name under the
  // current path. Call before pushing the entry's own scope.
  bool ExpectMap(const Entry& e);
  bool ExpectList(const Entry& e);

  // The entries of mapping `map` whose keys are in `allowed`. An unknown key is
  // C101 (did-you-mean hint), a repeated key C109, a key that is not a name C102;
  // those entries are left out. REQUIRES: map.IsMap().
  std::vector<Entry> Entries(const YAML::Node& map, std::span<const std::string_view> allowed);

  // Typed reads of an entry's value, named e.KeyName(e.name) in messages. Each
  // records its diagnostic and returns nullopt when the value is unusable.
  // A string: a quoted scalar or a plain one that YAML 1.2 reads as a string
  // (C102 for numbers, true/false, null, lists and mappings).
  std::optional<std::string> String(const Entry& e);
  // A non-empty string.
  std::optional<std::string> Text(const Entry& e);
  // One of `allowed`, else C103 listing them.
  std::optional<size_t> Choice(const Entry& e, std::span<const std::string_view> allowed);
  // "90s", "15m", "1h", "7d", "2w" (C104). `allow_zero` also takes "0s" etc.
  std::optional<DurationUs> Duration(const Entry& e, bool allow_zero = false);
  // Bytes: a bare integer or a number with B, KiB or MiB (C105), in [min, max].
  std::optional<uint64_t> Size(const Entry& e, uint64_t min, uint64_t max);

  // The node to point at for an entry's value: the key when the value is empty
  // (yaml-cpp marks an empty value at the next token).
  static YAML::Node Anchor(const Entry& e);

 private:
  void Report(Severity severity, std::string_view code, const YAML::Node& at, std::string message,
              std::string hint);
  // "the config" at the top, else "'ingest.zmq[0]'": where an unknown key was found.
  std::string WhereName() const;

  const Source& source_;
  std::vector<Diagnostic>& out_;
  std::vector<std::string> path_;
  size_t errors_ = 0;
};

// "a mapping", "a list", "a number", "true/false", "nothing", "a string".
std::string DescribeKind(const YAML::Node& node);

// "did you mean 'x'?" when a candidate is a likely typo of `name`, else
// "expected one of: a, b, c".
std::string SuggestHint(std::string_view name, std::span<const std::string_view> candidates);

}  // namespace vigia::config::detail
