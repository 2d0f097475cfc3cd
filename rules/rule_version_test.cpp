// SPDX-License-Identifier: Apache-2.0
#include "rules/detail/rule_version.h"

#include <yaml-cpp/yaml.h>

#include <catch2/catch.hpp>

#include "rules/detail/testing.h"

namespace vigia::rules {
namespace {

// Versions are compared with the ones of a checkpoint or of the rules running
// before a reload: the canonical text must not change between vigia versions,
// or every rule would lose its state on an upgrade.
TEST_CASE("The canonical text of a rule is stable", "[rules][version]") {
  const detail::ListTable no_lists;
  auto canonical = [&](const std::string& yaml) {
    return detail::CanonicalText(YAML::Load(yaml), no_lists);
  };
  CHECK(canonical("{10: a, 1: b, x: [1, 2.50, -3e2, 0x1F, 0o17, .inf, -.Inf, .nan], "
                  "y: {z: ~, w: null, v: '', u: true, t: 'true', s: FALSE}}") ==
        R"({"x":[1,2.50,-3e2,0x1F,0o17,.inf,-.Inf,.nan],)"
        R"("y":{"s":false,"t":"true","u":true,"v":"","w":null,"z":null},1:"b",10:"a"})");
  CHECK(canonical(R"(["quote \" backslash \\ tab \t nl \n bell \a", 'single', plain text, )"
                  R"($notalist, '$quoted'])") ==
        R"(["quote \" backslash \\ tab \t nl \n bell \u0007","single","plain text",)"
        R"("$notalist","$quoted"])");
  CHECK(canonical("{b: {d: 1, c: 2}, a: [{y: 1, x: 2}], '': empty key, ~: null key}") ==
        R"({"":"empty key","a":[{"x":2,"y":1}],"b":{"c":2,"d":1},null:"null key"})");
}

TEST_CASE("The version of a rule is stable", "[rules][version]") {
  auto result = testing::LoadText(
      "lists:\n"
      "  northern_states: [MX-CHH, MX-SON, MX-TAM, MX-COA]\n"
      "rules:\n"
      "  - id: journalist-threat-cluster\n"
      "    level: warning\n"
      "    where: {group: [journalist]}\n"
      "    match: {type: report, category: [threat, harassment]}\n"
      "    count: {at_least: 3, within: 7d, by: [region]}\n"
      "    overrides:\n"
      "      - where: {region: $northern_states}\n"
      "        level: critical\n"
      "    summary: \"{count} threats against journalists in {region}\"\n");
  REQUIRE(result.ok());
  CHECK(result.value().rules.at(0).version == "2e853971");
}

}  // namespace
}  // namespace vigia::rules
