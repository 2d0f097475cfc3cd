// SPDX-License-Identifier: Apache-2.0
#include "rules/detail/list_table.h"

#include <regex>

namespace vigia::rules::detail {
namespace {

bool IsListName(const std::string& name) {
  static const std::regex re("[A-Za-z0-9_][A-Za-z0-9_-]*");
  return std::regex_match(name, re);
}

std::string Where(const SourcePos& pos) {
  return pos.file + ":" + std::to_string(pos.line) + ":" + std::to_string(pos.column);
}

void ExpandRef(Reporter& r, const ListTable& lists, const YAML::Node& ref,
               std::vector<ValueRef>& out) {
  std::string name = ref.Scalar().substr(1);
  const ListDef* def = lists.Find(name);
  if (def == nullptr) {
    std::vector<std::string> names;
    for (const auto& [known, unused] : lists.Texts()) names.push_back(known);
    std::vector<std::string_view> views(names.begin(), names.end());
    r.Fail("E110", ref, "undefined list '$" + name + "'",
           names.empty() ? "define it under 'lists:' in one of the loaded files"
                         : SuggestHint(name, views));
  }
  for (const YAML::Node& item : def->items) out.push_back({ToScalar(item), ref, name});
}

}  // namespace

void ListTable::Collect(Reporter& r, const YAML::Node& lists) {
  Reporter::Scope scope(r, "lists");
  if (!lists.IsMap()) {
    r.Error("E100", lists,
            "'lists' must be a mapping of names to lists, found " + DescribeKind(lists));
    return;
  }
  for (auto it = lists.begin(); it != lists.end(); ++it) {
    r.Guard([&] {
      YAML::Node key = it->first;     // a copy: `it->` yields a temporary
      YAML::Node value = it->second;  // a copy: `it->` yields a temporary
      std::string name = ExpectText(r, key, key, "a list name");
      if (!IsListName(name)) {
        r.Fail("E105", key, "invalid list name '" + name + "'",
               "use letters, digits, '_' and '-', e.g. northern_states");
      }
      Reporter::Scope list_scope(r, name);
      if (const ListDef* first = Find(name)) {
        r.Fail("E119", key, "list '" + name + "' is already defined at " + Where(first->pos));
      }
      if (!value.IsSequence()) {
        r.Fail("E100", ValueAnchor(key, value),
               "list '" + name + "' must be a list of strings, found " + DescribeKind(value));
      }
      ListDef def{value, PosOf(r.file(), key), {}};
      for (const YAML::Node& item : value) {
        if (IsListRef(item)) {
          r.Fail("E105", item, "a list cannot refer to another list ('" + item.Scalar() + "')",
                 "write the values out");
        }
        def.texts.push_back(ExpectText(r, item, item, "a list item"));
      }
      lists_.emplace(name, std::move(def));
    });
  }
}

const ListDef* ListTable::Find(const std::string& name) const {
  if (uses_) uses_->insert(name);
  auto it = lists_.find(name);
  return it == lists_.end() ? nullptr : &it->second;
}

std::map<std::string, std::vector<std::string>> ListTable::Texts() const {
  if (uses_) uses_->insert("*");
  std::map<std::string, std::vector<std::string>> texts;
  for (const auto& [name, def] : lists_) texts.emplace(name, def.texts);
  return texts;
}

bool IsListRef(const YAML::Node& node) {
  return node.IsScalar() && IsPlain(node) && node.Scalar().starts_with('$');
}

std::vector<ValueRef> ExpandValues(Reporter& r, const ListTable& lists, const YAML::Node& node,
                                   const YAML::Node& at) {
  std::vector<ValueRef> out;
  if (node.IsMap()) {
    r.Fail("E100", at, "expected a value, a list or a $list, found a mapping");
  }
  if (IsListRef(node)) {
    ExpandRef(r, lists, node, out);
    return out;
  }
  if (!node.IsSequence()) {
    out.push_back({ToScalar(node), at, ""});
    return out;
  }
  for (const YAML::Node& item : node) {
    if (IsListRef(item)) {
      ExpandRef(r, lists, item, out);
    } else if (item.IsMap() || item.IsSequence()) {
      r.Fail("E100", item, "a list item must be a value, found " + DescribeKind(item));
    } else {
      out.push_back({ToScalar(item), item, ""});
    }
  }
  return out;
}

std::string ListTable::Fingerprint(const std::string& name) const {
  std::string out;
  if (name == "*") {
    for (const auto& [known, def] : lists_) out += known + '\n';
    return out;
  }
  auto it = lists_.find(name);
  if (it == lists_.end()) return out;
  const ListDef& def = it->second;
  out = def.pos.file + ':' + std::to_string(def.pos.line) + ':' + std::to_string(def.pos.column);
  for (const YAML::Node& item : def.items) {
    // What ToScalar and a diagnostic at the item read: tag, text, position.
    const YAML::Mark mark = item.Mark();
    out += '\n' + item.Tag() + ' ' + std::to_string(mark.line) + ':' + std::to_string(mark.column) +
           (item.IsNull() ? std::string(" ~") : ' ' + item.Scalar());
  }
  return out;
}

}  // namespace vigia::rules::detail
