// SPDX-License-Identifier: Apache-2.0
#include "rules/detail/yaml_json.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <regex>
#include <set>

namespace vigia::rules::detail {
namespace {

// The decoder rejects events nested deeper than 8; past 16 this is a mistake
// in the test file, and the bound keeps the recursion shallow.
constexpr int kMaxDepth = 16;
// Events are at most 64 KiB; YAML aliases could make one exponentially large.
constexpr size_t kMaxNodes = 16384;

bool IsJsonNumber(const std::string& text) {
  static const std::regex re(R"(-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?)");
  return std::regex_match(text, re);
}

class JsonWriter {
 public:
  explicit JsonWriter(Reporter& r) : r_(r) {}

  void Emit(const YAML::Node& node, int depth) {
    if (over_limit_) throw DiagnosticError();  // reported once already
    if (depth > kMaxDepth || ++nodes_ > kMaxNodes) {
      over_limit_ = true;
      r_.Fail("E105", node,
              depth > kMaxDepth
                  ? "nested more than " + std::to_string(kMaxDepth) + " deep"
                  : "more than " + std::to_string(kMaxNodes) + " values in one event");
    }
    if (node.IsMap()) {
      out_ += '{';
      std::set<std::string> keys;
      bool first = true;
      for (auto it = node.begin(); it != node.end(); ++it) {
        r_.Guard([&] {
          std::string key = ExpectText(r_, it->first, it->first, "a key");
          if (!keys.insert(key).second) {
            r_.Fail("E103", it->first, "duplicate key '" + key + "'",
                    "YAML keeps only one of them; remove or merge the other");
          }
          if (!first) out_ += ',';
          first = false;
          out_ += JsonQuote(key) + ':';
          Emit(it->second, depth + 1);
        });
      }
      out_ += '}';
    } else if (node.IsSequence()) {
      out_ += '[';
      bool first = true;
      for (const YAML::Node& item : node) {
        if (!first) out_ += ',';
        first = false;
        Emit(item, depth + 1);
      }
      out_ += ']';
    } else {
      EmitScalar(node);
    }
  }

  std::string Take() { return std::move(out_); }

 private:
  void EmitScalar(const YAML::Node& node) {
    Scalar s = ToScalar(node);
    switch (s.kind) {
      case Scalar::Kind::kNull:
        out_ += "null";
        return;
      case Scalar::Kind::kBool:
        out_ += s.boolean ? "true" : "false";
        return;
      case Scalar::Kind::kString:
        out_ += JsonQuote(s.text);
        return;
      case Scalar::Kind::kNumber:
        break;
    }
    if (IsJsonNumber(s.text)) {
      out_ += s.text;
      return;
    }
    if (!std::isfinite(s.number)) {
      r_.Fail("E105", node, "'" + s.text + "' is not a number an event can carry",
              "quote it to send it as a string");
    }
    char buf[64];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, s.number);
    out_.append(buf, ec == std::errc() ? end : buf);
  }

  Reporter& r_;
  std::string out_;
  size_t nodes_ = 0;
  bool over_limit_ = false;
};

}  // namespace

std::string YamlToJson(Reporter& r, const YAML::Node& node) {
  size_t errors = r.errors();
  JsonWriter writer(r);
  writer.Emit(node, 0);
  if (r.errors() > errors) throw DiagnosticError();
  return writer.Take();
}

std::string JsonQuote(const std::string& text) {
  std::string out;
  out.reserve(text.size() + 2);
  out += '"';
  for (char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(c));
          out += buf;
        } else {
          out += c;
        }
    }
  }
  out += '"';
  return out;
}

}  // namespace vigia::rules::detail
