// SPDX-License-Identifier: Apache-2.0
// Golden diagnostics (STYLE.md E8): each tests/fixtures/rules/invalid/<code>.yaml
// renders exactly as <code>.expected, and raises its own code.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "rules/loader.h"

namespace vigia::rules {
namespace {

namespace fs = std::filesystem;

constexpr char kFixtures[] = "tests/fixtures/rules/invalid";

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::vector<fs::path> ListFixtures() {
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(kFixtures)) {
    if (entry.path().extension() == ".yaml") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

TEST_CASE("Each invalid rule fixture renders exactly as its .expected file",
          "[rules][loader][golden]") {
  // Relative file names keep the expected output machine-independent.
  fs::current_path(VIGIA_SOURCE_DIR);
  std::vector<fs::path> fixtures = ListFixtures();
  REQUIRE(fixtures.size() >= 20);
  for (const fs::path& yaml : fixtures) {
    std::string code = yaml.stem().string().substr(0, 4);
    DYNAMIC_SECTION(yaml.filename().string()) {
      fs::path expected = fs::path(yaml).replace_extension(".expected");
      REQUIRE(fs::exists(expected));
      auto result = LoadRuleFiles({yaml});
      CHECK(RenderText(result.diagnostics()) == ReadFile(expected));
      CHECK(std::any_of(result.diagnostics().begin(), result.diagnostics().end(),
                        [&](const Diagnostic& d) { return d.code == code; }));
    }
  }
}

TEST_CASE("Every diagnostic code in rules/README.md has a golden fixture or a unit test",
          "[rules][loader][golden]") {
  fs::current_path(VIGIA_SOURCE_DIR);
  std::string readme = ReadFile("rules/README.md");
  std::vector<fs::path> fixtures = ListFixtures();
  // Codes that no rule file can produce on demand are covered by unit tests.
  const std::vector<std::string> unit_tested = {"E002", "E003", "E122"};
  for (size_t at = readme.find("| `"); at != std::string::npos; at = readme.find("| `", at + 1)) {
    std::string code = readme.substr(at + 3, 4);
    if ((code[0] != 'E' && code[0] != 'W') || !std::isdigit(static_cast<unsigned char>(code[1]))) {
      continue;
    }
    INFO(code);
    bool has_fixture = std::any_of(fixtures.begin(), fixtures.end(), [&](const fs::path& f) {
      return f.stem().string().starts_with(code);
    });
    bool exempt = std::find(unit_tested.begin(), unit_tested.end(), code) != unit_tested.end();
    CHECK((has_fixture || exempt));
  }
}

}  // namespace
}  // namespace vigia::rules
