// SPDX-License-Identifier: Apache-2.0
// The `lists:` of all loaded files (collected before any rule is read, since a
// rule may use a list defined in a later file) and the expansion of `$name`
// wherever a list of values is expected. Internal to rules/.
#pragma once

#include <yaml-cpp/yaml.h>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "core/event.h"
#include "rules/detail/reporter.h"

namespace vigia::rules::detail {

struct ListDef {
  YAML::Node items;  // the YAML sequence, so its items keep their YAML typing
  SourcePos pos;     // of the name, for "already defined at"
  std::vector<std::string> texts;
};

// One value of an expanded list, with the node to point at in diagnostics:
// the item itself, or the `$name` that brought it in (`list` = name, else "").
struct ValueRef {
  Scalar value;
  YAML::Node at;
  std::string list;
};

class ListTable {
 public:
  // Adds the lists of one file's `lists:` mapping: E100 for a malformed one,
  // E119 for a name defined before (in this file or an earlier one).
  void Collect(Reporter& r, const YAML::Node& lists);

  const ListDef* Find(const std::string& name) const;
  std::map<std::string, std::vector<std::string>> Texts() const;

  // While `uses` is set, every name looked up is added to it, and "*" when the
  // table is listed whole (a hint names every list): what a rule depended on.
  void RecordUses(std::set<std::string>* uses) const { uses_ = uses; }
  // All that a rule can take from list `name` ("*": the names): equal
  // fingerprints give the same rules and problems. Empty: not defined.
  std::string Fingerprint(const std::string& name) const;

 private:
  std::map<std::string, ListDef> lists_;
  mutable std::set<std::string>* uses_ = nullptr;
};

// True for a plain scalar `$name`: a reference to a list (quoted "$x" is a string).
bool IsListRef(const YAML::Node& node);

// The values of `node`: a scalar (one value), a `$name`, or a list of scalars in
// which `$name` items are spliced in. E110 for an undefined list, E100 for a
// mapping or a nested list. `at` is where to point when `node` itself is empty.
std::vector<ValueRef> ExpandValues(Reporter& r, const ListTable& lists, const YAML::Node& node,
                                   const YAML::Node& at);

}  // namespace vigia::rules::detail
