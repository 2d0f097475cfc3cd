// SPDX-License-Identifier: Apache-2.0
#include "rules/detail/yaml_reader.h"

#include <yaml-cpp/yaml.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <regex>
#include <string>

namespace vigia::rules::detail {
namespace {

TEST_CASE("Plain scalars are typed by the YAML 1.2 core schema", "[rules][yaml]") {
  auto kind = [](const std::string& yaml) { return ToScalar(YAML::Load(yaml)).kind; };
  using Kind = Scalar::Kind;
  CHECK(kind("~") == Kind::kNull);
  CHECK(kind("null") == Kind::kNull);
  CHECK(kind("True") == Kind::kBool);
  CHECK(kind("'true'") == Kind::kString);
  CHECK(kind("\"3\"") == Kind::kString);
  CHECK(kind("!!str 3") == Kind::kString);
  CHECK(kind("0x1F") == Kind::kNumber);
  CHECK(kind("0o17") == Kind::kNumber);
  CHECK(kind("-.inf") == Kind::kNumber);
  CHECK(kind(".NaN") == Kind::kNumber);
  CHECK(kind("1_000") == Kind::kString);
  CHECK(kind("7d") == Kind::kString);
  const Scalar n = ToScalar(YAML::Load("2.50"));
  CHECK(n.number == 2.5);
  CHECK(n.text == "2.50");
}

// Every string of up to 5 characters over the characters of decimal numbers is
// a number exactly when the core schema's patterns match it.
TEST_CASE("Decimal numbers are recognized as the core schema's patterns say", "[rules][yaml]") {
  const std::regex int_pattern("[-+]?[0-9]+");
  const std::regex float_pattern(R"([-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?)");
  const std::string alphabet = "09+-.eEa";
  std::vector<std::string> texts = {""};
  for (size_t begin = 0, length = 1; length <= 5; ++length) {
    const size_t end = texts.size();
    for (size_t i = begin; i < end; ++i) {
      for (char c : alphabet) texts.push_back(texts[i] + c);
    }
    begin = end;
  }
  size_t numbers = 0;
  for (const std::string& text : texts) {
    if (text.empty()) continue;  // null
    const bool want = std::regex_match(text, int_pattern) || std::regex_match(text, float_pattern);
    const Scalar s = ToScalar(YAML::Node(text));
    INFO(text);
    CHECK((s.kind == Scalar::Kind::kNumber) == want);
    if (want) {
      ++numbers;
      CHECK(s.number == std::strtod(text.c_str(), nullptr));
      CHECK(s.text == text);
    }
  }
  CHECK(numbers > 500);
}

}  // namespace
}  // namespace vigia::rules::detail
