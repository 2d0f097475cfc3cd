// SPDX-License-Identifier: Apache-2.0
#include "daemon/http/tokens.h"

#include <catch2/catch.hpp>

#include <cctype>
#include <filesystem>
#include <fstream>

namespace vigia::daemon::http {
namespace {

std::string Hash(const std::string& token) { return ToHex(Sha256Of(token)); }

std::string Rendered(const LoadResult<TokenTable>& r) { return RenderText(r.diagnostics(), false); }

TEST_CASE("SHA-256 of a token is the standard digest in lower-case hex", "[http][tokens]") {
  CHECK(Hash("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(Hash("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST_CASE("A tokens file with every kind of entry loads", "[http][tokens]") {
  std::string root_hash = Hash("root-secret");
  for (size_t i = 10; i < root_hash.size(); ++i)
    root_hash[i] = static_cast<char>(std::toupper(static_cast<unsigned char>(root_hash[i])));
  const std::string yaml =
      "tokens:\n"
      "  - {name: chihuahua-ops, role: operator, sha256: \"" + Hash("ops-secret") + "\"}\n"
      "  - name: red-tdt\n"
      "    role: integrator\n"
      "    sha256: " + Hash("tdt-secret") + "\n"
      "    sources: [red-tdt]\n"
      "    regions: [MX-CHH, MX-GRO]\n"
      "  - {name: root, role: admin, sha256: \"" + root_hash + "\"}\n";
  auto loaded = ParseTokens(yaml, "tokens.yaml");
  INFO(Rendered(loaded));
  REQUIRE(loaded.ok());
  const TokenTable& table = loaded.value();
  REQUIRE(table.entries().size() == 3);

  const TokenEntry* ops = table.Find("ops-secret");
  REQUIRE(ops != nullptr);
  CHECK(ops->name == "chihuahua-ops");
  CHECK(ops->role == Role::kOperator);
  CHECK_FALSE(ops->sources.has_value());
  CHECK(ops->pos.line == 2);
  CHECK(ops->pos.column == 5);

  const TokenEntry* tdt = table.Find("tdt-secret");
  REQUIRE(tdt != nullptr);
  CHECK(tdt->role == Role::kIntegrator);
  CHECK(*tdt->sources == std::vector<std::string>{"red-tdt"});
  CHECK(*tdt->regions == std::vector<std::string>{"MX-CHH", "MX-GRO"});

  SECTION("upper-case hex is accepted") {
    REQUIRE(table.Find("root-secret") != nullptr);
    CHECK(table.Find("root-secret")->role == Role::kAdmin);
  }
  SECTION("a wrong, empty, truncated or extended token matches nothing") {
    CHECK(table.Find("ops-secreT") == nullptr);
    CHECK(table.Find("") == nullptr);
    CHECK(table.Find("ops-secre") == nullptr);
    CHECK(table.Find("ops-secret ") == nullptr);
    CHECK(table.Find(Hash("ops-secret")) == nullptr);  // the hash itself is not a token
  }
}

TEST_CASE("A tokens file yaml-cpp 0.7 cannot parse is an error, not a hang", "[http][tokens]") {
  // LoadAll loops for ever on this (found by tests/fuzz/fuzz_config).
  auto loaded = ParseTokens(",r}", "t.yaml");
  CHECK_FALSE(loaded.ok());
}

TEST_CASE("An empty tokens list and an empty table admit no token", "[http][tokens]") {
  auto loaded = ParseTokens("tokens: []\n", "t.yaml");
  REQUIRE(loaded.ok());
  CHECK(loaded.value().empty());
  CHECK(loaded.value().Find("anything") == nullptr);
  CHECK(TokenTable().Find("anything") == nullptr);
  CHECK(ParseTokens("tokens:\n", "t.yaml").ok());
}

TEST_CASE("Every error in a tokens file is reported with its position", "[http][tokens]") {
  const std::string h1 = Hash("one"), h2 = Hash("two");
  struct Case {
    std::string yaml, expected;
  };
  const std::vector<Case> cases = {
      {"tokens: [\n", "t.yaml:2:1: error[T001]: invalid YAML"},
      {"a: 1\n---\nb: 2\n", "error[T001]: the file holds more than one YAML document"},
      {"", "t.yaml:1:1: error[T108]: missing top-level key 'tokens'"},
      {"[1]\n", "t.yaml:1:1: error[T102]: expected a mapping with the key 'tokens'"},
      {"tokens: []\ntoken: []\n", "t.yaml:2:1: error[T101]: unknown key 'token'"},
      {"tokens: {a: 1}\n", "t.yaml:1:9: error[T102]: expected a list of entries"},
      {"tokens:\n  - {name: a, role: boss, sha256: " + h1 + "}\n",
       "t.yaml:2:21: error[T103]: unknown role 'boss'"},
      {"tokens:\n  - {name: a, role: admin, sha256: abc}\n",
       "t.yaml:2:36: error[T103]: 'sha256' must be 64 hex digits"},
      {"tokens:\n  - {name: a, role: admin}\n", "t.yaml:2:5: error[T108]: missing key 'sha256'"},
      {"tokens:\n  - {name: a, role: admin, sha256: " + h1 + ", scope: x}\n",
       "error[T101]: unknown key 'scope'"},
      {"tokens:\n  - {name: a, name: b, role: admin, sha256: " + h1 + "}\n",
       "t.yaml:2:15: error[T109]: key 'name' appears twice"},
      {"tokens:\n  - {name: a, role: admin, sha256: " + h1 + ", sources: red}\n",
       "error[T102]: expected a list such as [red-tdt]"},
      {"tokens:\n  - {name: [a], role: admin, sha256: " + h1 + "}\n",
       "error[T102]: 'name' must be a non-empty name"},
      {"tokens:\n  - {name: a, role: admin, sha256: " + h1 + "}\n  - {name: a, role: viewer, sha256: " +
           h2 + "}\n",
       "t.yaml:3:5: error[T107]: token name 'a' is used twice"},
      {"tokens:\n  - {name: a, role: admin, sha256: " + h1 + "}\n  - {name: b, role: viewer, sha256: " +
           h1 + "}\n",
       "t.yaml:3:5: error[T107]: token 'b' has the same sha256 as 'a'"},
      {"tokens:\n  - just-a-string\n", "t.yaml:2:5: error[T102]: expected a mapping"},
  };
  for (const Case& c : cases) {
    INFO(c.yaml);
    auto loaded = ParseTokens(c.yaml, "t.yaml");
    CHECK_FALSE(loaded.ok());
    CHECK_THAT(Rendered(loaded), Catch::Contains(c.expected));
  }

  SECTION("all problems at once, with the offending line and a caret") {
    auto loaded = ParseTokens("tokens:\n  - {name: a, role: boss, sha256: x}\n  - {role: viewer}\n", "t.yaml");
    CHECK(loaded.error_count() == 4);  // role, sha256; then name and sha256 missing
    CHECK_THAT(Rendered(loaded), Catch::Contains("  - {name: a, role: boss, sha256: x}"));
    CHECK_THAT(Rendered(loaded), Catch::Contains("^"));
  }
}

TEST_CASE("A tokens file that cannot be read is an error", "[http][tokens]") {
  const auto dir = std::filesystem::temp_directory_path();
  auto missing = LoadTokenFile(dir / "vigia-no-such-tokens.yaml");
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.diagnostics().at(0).code == "T001");
  CHECK_FALSE(LoadTokenFile(dir).ok());  // a folder

  const auto file = dir / "vigia-tokens-test.yaml";
  std::ofstream(file) << "tokens:\n  - {name: a, role: viewer, sha256: " << Hash("s") << "}\n";
  auto loaded = LoadTokenFile(file);
  std::filesystem::remove(file);
  REQUIRE(loaded.ok());
  CHECK(loaded.value().Find("s")->name == "a");
}

TEST_CASE("Every role includes viewer and admin includes every role", "[http][tokens]") {
  const Role all[] = {Role::kViewer, Role::kOperator, Role::kIntegrator, Role::kAdmin};
  for (Role have : all) {
    CHECK(Grants(have, Role::kViewer));
    CHECK(Grants(have, have));
    CHECK(Grants(Role::kAdmin, have));
  }
  CHECK_FALSE(Grants(Role::kViewer, Role::kOperator));
  CHECK_FALSE(Grants(Role::kViewer, Role::kIntegrator));
  CHECK_FALSE(Grants(Role::kOperator, Role::kIntegrator));
  CHECK_FALSE(Grants(Role::kIntegrator, Role::kOperator));
  CHECK_FALSE(Grants(Role::kOperator, Role::kAdmin));
  CHECK_FALSE(Grants(Role::kIntegrator, Role::kAdmin));
  for (Role r : all) CHECK(ParseRole(ToString(r)) == r);
  CHECK_FALSE(ParseRole("Admin").has_value());
}

TEST_CASE("A token's sources and regions limit what it may post", "[http][tokens]") {
  TokenEntry free_entry;
  CHECK(ForbiddenField(free_entry, "anyone", "MX-OAX").empty());
  TokenEntry tdt;
  tdt.sources = std::vector<std::string>{"red-tdt"};
  tdt.regions = std::vector<std::string>{"MX-CHH", "MX-GRO"};
  CHECK(ForbiddenField(tdt, "red-tdt", "MX-GRO").empty());
  CHECK(ForbiddenField(tdt, "other", "MX-GRO") == "source");
  CHECK(ForbiddenField(tdt, "red-tdt", "MX-OAX") == "region");
  CHECK(ForbiddenField(tdt, "other", "MX-OAX") == "source");
}

}  // namespace
}  // namespace vigia::daemon::http
