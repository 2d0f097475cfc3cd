// SPDX-License-Identifier: Apache-2.0
// Test-only helpers for the decoder tests: building event JSON field by field.
#pragma once

#include <catch2/catch.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/detail/json_text.h"
#include "core/event_decoder.h"

namespace vigia::test {

// The example event of events.md, as printed there.
inline constexpr std::string_view kExampleEvent = R"({
  "id": "redtdt-2017-000412",
  "type": "report",
  "time": "2017-03-23T08:15:00Z",
  "source": "red-tdt",
  "region": "MX-CHH",
  "municipality": "Chihuahua",
  "groups": ["journalist", "women_hrd"],
  "subject": "p-7f3a9c",
  "category": "threat",
  "severity": 3,
  "tags": ["social_media"],
  "attrs": {"channel": "twitter", "community": "raramuri-choguita"}
})";

// `s` as a JSON string literal.
inline std::string Str(std::string_view s) {
  std::string out;
  detail::AppendJsonString(out, s);
  return out;
}

// JSON text without whitespace outside strings.
inline std::string Minify(std::string_view json) {
  std::string out;
  bool in_string = false;
  for (size_t i = 0; i < json.size(); ++i) {
    const char c = json[i];
    if (in_string) {
      out.push_back(c);
      if (c == '\\')
        out.push_back(json[++i]);
      else if (c == '"')
        in_string = false;
    } else if (c == '"') {
      in_string = true;
      out.push_back(c);
    } else if (c != ' ' && c != '\n' && c != '\t' && c != '\r') {
      out.push_back(c);
    }
  }
  return out;
}

// An event object as (key, raw JSON value) pairs, in order.
class Fields {
 public:
  static Fields Valid() {
    return Fields({{"id", "\"redtdt-2017-000412\""},
                   {"type", "\"report\""},
                   {"time", "\"2017-03-23T08:15:00Z\""},
                   {"source", "\"red-tdt\""},
                   {"region", "\"MX-CHH\""},
                   {"municipality", "\"Chihuahua\""},
                   {"groups", R"(["journalist", "women_hrd"])"},
                   {"subject", "\"p-7f3a9c\""},
                   {"category", "\"threat\""},
                   {"severity", "3"},
                   {"tags", R"(["social_media"])"},
                   {"attrs", R"({"channel": "twitter", "community": "raramuri-choguita"})"}});
  }
  static Fields Required() {
    return Fields({{"id", "\"e1\""},
                   {"type", "\"panic\""},
                   {"time", "\"2017-03-23T08:15:00Z\""},
                   {"source", "\"s\""},
                   {"region", "\"MX-GRO\""}});
  }
  // Replaces the value of `key`, or appends it.
  Fields& Set(const std::string& key, std::string raw) {
    for (auto& kv : kv_) {
      if (kv.first == key) {
        kv.second = std::move(raw);
        return *this;
      }
    }
    return Append(key, std::move(raw));
  }
  Fields& Append(const std::string& key, std::string raw) {
    kv_.emplace_back(key, std::move(raw));
    return *this;
  }
  Fields& Drop(const std::string& key) {
    std::erase_if(kv_, [&](const auto& kv) { return kv.first == key; });
    return *this;
  }
  std::string Json() const {
    std::string out = "{";
    for (size_t i = 0; i < kv_.size(); ++i) {
      if (i > 0) out += ",";
      out += "\"" + kv_[i].first + "\":" + kv_[i].second;
    }
    return out + "}";
  }

 private:
  explicit Fields(std::vector<std::pair<std::string, std::string>> kv) : kv_(std::move(kv)) {}
  std::vector<std::pair<std::string, std::string>> kv_;
};

inline Event Ok(std::string_view json, DecodeLimits limits = {}) {
  EventDecoder decoder(Catalogs::Defaults(), limits);
  auto r = decoder.Decode(json);
  INFO(json);
  INFO((r ? std::string("accepted") : RenderError(r.error())));
  REQUIRE(r.has_value());
  return std::move(*r);
}

inline EventError Err(std::string_view json, DecodeLimits limits = {}) {
  EventDecoder decoder(Catalogs::Defaults(), limits);
  auto r = decoder.Decode(json);
  INFO(json);
  REQUIRE_FALSE(r.has_value());
  return r.error();
}

}  // namespace vigia::test
