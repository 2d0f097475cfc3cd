// SPDX-License-Identifier: Apache-2.0
#include "core/yaml_documents.h"

#include <catch2/catch.hpp>
#include <string>

namespace vigia {
namespace {

std::string ErrorOf(const std::string& text) {
  try {
    LoadYamlDocuments(text);
  } catch (const YAML::Exception& e) {
    return std::to_string(e.mark.line + 1) + ":" + std::to_string(e.mark.column + 1) + " " + e.msg;
  }
  return "";
}

TEST_CASE("YAML streams load as YAML::LoadAll loads them", "[core][yaml]") {
  CHECK(LoadYamlDocuments("").empty());
  CHECK(LoadYamlDocuments("# only a comment\n").empty());
  REQUIRE(LoadYamlDocuments("a: 1\n").size() == 1);
  CHECK(LoadYamlDocuments("a: 1\n")[0]["a"].as<int>() == 1);
  CHECK(LoadYamlDocuments("a\n---\nb\n").size() == 2);
  CHECK(LoadYamlDocuments("---\n---\n").size() == 2);
  CHECK(ErrorOf("a: [1\n") == "2:1 end of sequence flow not found");
}

TEST_CASE("A stray flow end or comma where a node should start is an error, not an endless loop",
          "[core][yaml]") {
  // yaml-cpp 0.7's LoadAll returns an empty document for ever on these (found by
  // tests/fuzz/fuzz_config).
  CHECK(ErrorOf(",r}") == "1:1 unexpected character where a node should start");
  CHECK(ErrorOf(",") == "1:1 unexpected character where a node should start");
  CHECK(ErrorOf("a: 1\n---\n,\n") == "3:1 unexpected character where a node should start");
  CHECK_FALSE(ErrorOf("]").empty());
  CHECK_FALSE(ErrorOf("x: 1\n}\n").empty());
}

}  // namespace
}  // namespace vigia
