// SPDX-License-Identifier: Apache-2.0
#include "rules/detail/rule_version.h"

#include <openssl/evp.h>

#include <algorithm>
#include <utility>
#include <vector>

#include "rules/detail/yaml_json.h"

namespace vigia::rules::detail {
namespace {

std::string ScalarText(const YAML::Node& node) {
  Scalar s = ToScalar(node);
  switch (s.kind) {
    case Scalar::Kind::kNull:
      return "null";
    case Scalar::Kind::kBool:
      return s.boolean ? "true" : "false";
    case Scalar::Kind::kNumber:
      return s.text;
    case Scalar::Kind::kString:
      break;
  }
  return JsonQuote(s.text);
}

void Emit(const YAML::Node& node, const ListTable& lists, std::string& out);

// The items of `$name`, or nullptr when it is not a defined list (then the
// rule failed to load and its version does not matter).
const ListDef* Referenced(const YAML::Node& node, const ListTable& lists) {
  return IsListRef(node) ? lists.Find(node.Scalar().substr(1)) : nullptr;
}

void EmitItems(const YAML::Node& seq, const ListTable& lists, std::string& out, bool& first) {
  for (const YAML::Node& item : seq) {
    if (const ListDef* def = Referenced(item, lists)) {
      EmitItems(def->items, lists, out, first);
      continue;
    }
    if (!first) out += ',';
    first = false;
    Emit(item, lists, out);
  }
}

void Emit(const YAML::Node& node, const ListTable& lists, std::string& out) {
  if (node.IsMap()) {
    std::vector<std::pair<std::string, std::string>> entries;
    for (auto it = node.begin(); it != node.end(); ++it) {
      std::string key, value;
      Emit(it->first, lists, key);
      Emit(it->second, lists, value);
      entries.emplace_back(std::move(key), std::move(value));
    }
    std::sort(entries.begin(), entries.end());
    out += '{';
    for (size_t i = 0; i < entries.size(); ++i) {
      if (i > 0) out += ',';
      out += entries[i].first;
      out += ':';
      out += entries[i].second;
    }
    out += '}';
  } else if (node.IsSequence()) {
    out += '[';
    bool first = true;
    EmitItems(node, lists, out, first);
    out += ']';
  } else if (const ListDef* def = Referenced(node, lists)) {
    out += '[';
    bool first = true;
    EmitItems(def->items, lists, out, first);
    out += ']';
  } else {
    out += ScalarText(node);
  }
}

}  // namespace

std::string CanonicalText(const YAML::Node& node, const ListTable& lists) {
  std::string out;
  Emit(node, lists, out);
  return out;
}

std::string RuleVersion(const YAML::Node& node, const ListTable& lists) {
  std::string text = CanonicalText(node, lists);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  if (EVP_Digest(text.data(), text.size(), digest, &size, EVP_sha256(), nullptr) != 1) {
    return "00000000";  // OpenSSL cannot fail SHA-256 on memory short of a broken install
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string version;
  for (size_t i = 0; i < 4; ++i) {
    version += kHex[digest[i] >> 4];
    version += kHex[digest[i] & 0xF];
  }
  return version;
}

}  // namespace vigia::rules::detail
