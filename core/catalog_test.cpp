// SPDX-License-Identifier: Apache-2.0
#include "core/catalog.h"

#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace vigia {
namespace {

std::vector<std::string> Codes(const Catalog& c) {
  std::vector<std::string> out;
  for (const CatalogEntry& e : c.entries()) out.push_back(e.code);
  return out;
}

std::string ReadFile(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// The single diagnostic of parsing `yaml` as a catalog of `kind`.
Diagnostic OnlyDiagnostic(const std::string& yaml, std::string_view kind = "regions") {
  LoadResult<Catalog> r = ParseCatalog(yaml, "test.yaml", kind);
  CHECK_FALSE(r.ok());
  REQUIRE(r.diagnostics().size() == 1);
  return r.diagnostics()[0];
}

// A temporary directory, removed at the end of the test.
struct TempDir {
  std::filesystem::path path;
  TempDir() {
    path = std::filesystem::temp_directory_path() /
           ("vigia_catalog_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
    std::filesystem::create_directories(path);
  }
  ~TempDir() { std::filesystem::remove_all(path); }
  std::filesystem::path Write(const std::string& name, const std::string& text) const {
    std::ofstream(path / name) << text;
    return path / name;
  }
  static inline int counter = 0;
};

TEST_CASE("the default region catalog has Mexico's 32 entities in the spec's order",
          "[core][catalog]") {
  const Catalog& regions = Catalogs::Defaults().regions;
  CHECK(Codes(regions) == std::vector<std::string>{
                              "MX-AGU", "MX-BCN", "MX-BCS", "MX-CAM", "MX-CHP", "MX-CHH", "MX-CMX",
                              "MX-COA", "MX-COL", "MX-DUR", "MX-GUA", "MX-GRO", "MX-HID", "MX-JAL",
                              "MX-MEX", "MX-MIC", "MX-MOR", "MX-NAY", "MX-NLE", "MX-OAX", "MX-PUE",
                              "MX-QUE", "MX-ROO", "MX-SLP", "MX-SIN", "MX-SON", "MX-TAB", "MX-TAM",
                              "MX-TLA", "MX-VER", "MX-YUC", "MX-ZAC"});
  REQUIRE(regions.Find("MX-CMX") != nullptr);
  CHECK(regions.Find("MX-CMX")->name == "Ciudad de México");
  CHECK(regions.Find("MX-NLE")->name == "Nuevo León");
  CHECK(regions.Find("MX-CHH")->name == "Chihuahua");
}

TEST_CASE("the default groups and taxonomy are the spec's", "[core][catalog]") {
  const Catalogs& d = Catalogs::Defaults();
  CHECK(Codes(d.groups) ==
        std::vector<std::string>{"journalist", "women_hrd", "indigenous", "land_environment",
                                 "disappeared_families", "lgbti", "migrants", "whistleblower",
                                 "nhri_staff", "trade_union", "academic", "lawyer", "community"});
  CHECK(Codes(d.taxonomy) ==
        std::vector<std::string>{"threat", "harassment", "smear_campaign", "stigmatizing_statement",
                                 "online_attack", "surveillance", "criminalization",
                                 "arbitrary_detention", "defamation_suit", "raid", "assault",
                                 "sexual_violence", "attempted_killing", "killing", "disappearance",
                                 "abduction", "displacement", "reprisal", "dos_attack"});
  std::vector<std::string> severe;
  for (const CatalogEntry& e : d.taxonomy.entries()) {
    if (e.severe) severe.push_back(e.code);
  }
  CHECK(severe == std::vector<std::string>{"attempted_killing", "killing", "disappearance"});
  for (const CatalogEntry& e : d.groups.entries()) CHECK_FALSE(e.name.empty());
}

TEST_CASE("the embedded catalogs are the files in config/", "[core][catalog]") {
  const std::filesystem::path config = std::filesystem::path(VIGIA_SOURCE_DIR) / "config";
  const Catalogs& d = Catalogs::Defaults();
  struct Case {
    const char* file;
    std::string_view kind;
    const Catalog* catalog;
  };
  for (const Case& c :
       {Case{"regions/mx.yaml", "regions", &d.regions}, Case{"groups.yaml", "groups", &d.groups},
        Case{"taxonomy.yaml", "categories", &d.taxonomy}}) {
    INFO(c.file);
    LoadResult<Catalog> on_disk = ParseCatalog(ReadFile(config / c.file), c.file, c.kind);
    REQUIRE(on_disk.ok());
    CHECK(on_disk.diagnostics().empty());
    REQUIRE(on_disk.value().entries().size() == c.catalog->entries().size());
    for (size_t i = 0; i < c.catalog->entries().size(); ++i) {
      CHECK(on_disk.value().entries()[i].code == c.catalog->entries()[i].code);
      CHECK(on_disk.value().entries()[i].name == c.catalog->entries()[i].name);
      CHECK(on_disk.value().entries()[i].severe == c.catalog->entries()[i].severe);
    }
  }
}

TEST_CASE("lookups are exact and case-sensitive", "[core][catalog]") {
  const Catalog c({{"MX-AGU", "Aguascalientes"}, {"MX-BCN", "Baja California"}});
  CHECK(c.Contains("MX-AGU"));
  CHECK_FALSE(c.Contains("mx-agu"));
  CHECK_FALSE(c.Contains("MX-AG"));
  CHECK_FALSE(c.Contains(""));
  REQUIRE(c.Find("MX-BCN") != nullptr);
  CHECK(c.Find("MX-BCN")->name == "Baja California");
  CHECK(c.Find("MX-XXX") == nullptr);
  CHECK_FALSE(Catalog().Contains("MX-AGU"));
}

TEST_CASE("large catalogs find every code, and copies stay valid", "[core][catalog]") {
  std::vector<CatalogEntry> entries;
  for (int i = 0; i < 1000; ++i)
    entries.push_back({"C" + std::to_string(i), "n" + std::to_string(i)});
  Catalog original(entries);
  const Catalog copy = original;
  original = Catalog();
  for (int i = 0; i < 1000; ++i) {
    const CatalogEntry* e = copy.Find("C" + std::to_string(i));
    REQUIRE(e != nullptr);
    CHECK(e->name == "n" + std::to_string(i));
  }
  CHECK_FALSE(copy.Contains("C1000"));
  CHECK_FALSE(copy.Contains("c1"));
  CHECK_FALSE(original.Contains("C1"));
  SECTION("a repeated code keeps the first entry") {
    const Catalog twice({{"a", "first"}, {"a", "second"}});
    CHECK(twice.Find("a")->name == "first");
  }
}

TEST_CASE("codes of every length are found, and a change in any byte misses", "[core][catalog]") {
  // Codes hash a word at a time, the tail overlapping the last word: every
  // length from 1 to 39 and every position must count.
  const std::string alphabet = "abcdefghijklmnopqrstuvwxyz0123456789_-.:";
  std::vector<CatalogEntry> entries;
  for (size_t n = 1; n < alphabet.size(); ++n) {
    entries.push_back({alphabet.substr(0, n), "prefix " + std::to_string(n)});
    entries.push_back({alphabet.substr(alphabet.size() - n), "suffix " + std::to_string(n)});
  }
  const Catalog c(entries);
  for (const CatalogEntry& e : entries) {
    const CatalogEntry* found = c.Find(e.code);
    REQUIRE(found != nullptr);
    CHECK(found->name == e.name);
    for (size_t i = 0; i < e.code.size(); ++i) {
      std::string changed = e.code;
      changed[i] = 'Z';
      CHECK_FALSE(c.Contains(changed));
    }
    CHECK_FALSE(c.Contains(e.code + "a"));
  }
}

TEST_CASE("closest codes rank by edit distance, ignoring case, ties in catalog order",
          "[core][catalog]") {
  const Catalog& regions = Catalogs::Defaults().regions;
  CHECK(regions.Closest("MX-CHI") == std::vector<std::string>{"MX-CHP", "MX-CHH", "MX-CAM"});
  CHECK(regions.Closest("mx-chh", 1) == std::vector<std::string>{"MX-CHH"});
  CHECK(regions.Closest("MX-OAX", 2).size() == 2);
  CHECK(regions.Closest("MX-OAX", 2)[0] == "MX-OAX");
  CHECK(regions.Closest("MX-CHH", 0).empty());
  CHECK(Catalog().Closest("MX-CHH").empty());
  CHECK(Catalogs::Defaults().groups.Closest("journalists", 1) ==
        std::vector<std::string>{"journalist"});
  CHECK(regions.Closest(std::string(100'000, 'x')).size() == 3);
}

TEST_CASE("a well-formed catalog parses with names and severe flags", "[core][catalog]") {
  LoadResult<Catalog> r = ParseCatalog(
      "# comment\ncategories:\n  - {code: threat, name: Threat}\n"
      "  - code: killing\n    name: Killing\n    severe: true\n"
      "  - {code: raid, name: \"Raid\", severe: false}\n",
      "t.yaml", "categories");
  REQUIRE(r.ok());
  CHECK(r.diagnostics().empty());
  REQUIRE(r.value().entries().size() == 3);
  CHECK(r.value().Find("killing")->severe);
  CHECK_FALSE(r.value().Find("threat")->severe);
  CHECK_FALSE(r.value().Find("raid")->severe);
}

TEST_CASE("catalog YAML syntax errors are E001 with a 1-based position", "[core][catalog]") {
  Diagnostic d = OnlyDiagnostic("regions:\n  - {code: MX-AGU, name: [\n");
  CHECK(d.code == "E001");
  CHECK(d.pos.file == "test.yaml");
  CHECK(d.pos.line >= 1);
  CHECK(d.pos.column >= 1);
  CHECK(d.message.rfind("invalid YAML", 0) == 0);
}

TEST_CASE("missing keys are E002", "[core][catalog]") {
  SECTION("an empty file") {
    Diagnostic d = OnlyDiagnostic("");
    CHECK(d.code == "E002");
    CHECK(d.message == "missing top-level key 'regions'");
  }
  SECTION("the wrong top-level key is also reported as unknown") {
    LoadResult<Catalog> r = ParseCatalog("groups:\n  - {code: a, name: A}\n", "g.yaml", "regions");
    REQUIRE(r.diagnostics().size() == 2);
    CHECK(r.diagnostics()[0].code == "E004");
    CHECK(r.diagnostics()[1].code == "E002");
  }
  SECTION("an entry without a name") {
    Diagnostic d = OnlyDiagnostic("regions:\n  - {code: MX-AGU}\n");
    CHECK(d.code == "E002");
    CHECK(d.message == "missing key 'name'");
    CHECK(d.pos.line == 2);
    CHECK(d.pos.column == 5);
    CHECK(d.path == std::vector<std::string>{"regions", "entry 1"});
  }
  SECTION("an entry without a code") {
    CHECK(OnlyDiagnostic("regions:\n  - {name: X}\n").message == "missing key 'code'");
  }
}

TEST_CASE("a duplicate code is E003 pointing at the second and naming the first",
          "[core][catalog]") {
  Diagnostic d = OnlyDiagnostic(
      "regions:\n  - {code: MX-AGU, name: A}\n  - {code: MX-BCN, name: B}\n"
      "  - {code: MX-AGU, name: C}\n");
  CHECK(d.code == "E003");
  CHECK(d.message == "duplicate code 'MX-AGU'");
  CHECK(d.hint == "first defined at line 2");
  CHECK(d.pos.line == 4);
  CHECK(d.pos.column == 5);
  CHECK(d.path == std::vector<std::string>{"regions", "entry 3"});
}

TEST_CASE("unknown keys are E004 with a suggestion", "[core][catalog]") {
  SECTION("in an entry") {
    Diagnostic d = OnlyDiagnostic("regions:\n  - {code: MX-AGU, nmae: A, name: A}\n");
    CHECK(d.code == "E004");
    CHECK(d.message == "unknown key 'nmae'");
    CHECK(d.hint == "did you mean 'name'?");
    CHECK(d.pos.line == 2);
    CHECK(d.pos.column == 20);
  }
  SECTION("severe is only for categories") {
    Diagnostic d = OnlyDiagnostic("groups:\n  - {code: a, name: A, severe: true}\n", "groups");
    CHECK(d.code == "E004");
    CHECK(d.message == "unknown key 'severe'");
  }
  SECTION("at the top level") {
    Diagnostic d = OnlyDiagnostic("version: 2\nregions:\n  - {code: MX-AGU, name: A}\n");
    CHECK(d.code == "E004");
    CHECK(d.pos.line == 1);
    CHECK(d.pos.column == 1);
  }
}

TEST_CASE("wrongly typed values are E005", "[core][catalog]") {
  CHECK(OnlyDiagnostic("regions: MX-AGU\n").code == "E005");
  CHECK(OnlyDiagnostic("- MX-AGU\n").code == "E005");
  CHECK(OnlyDiagnostic("regions:\n  - MX-AGU\n").code == "E005");
  CHECK(OnlyDiagnostic("regions:\n  - {code: [MX-AGU], name: A}\n").code == "E005");
  CHECK(OnlyDiagnostic("regions:\n  - {code: MX-AGU, name: }\n").code == "E005");
  CHECK(OnlyDiagnostic("regions:\n  - {code: MX-AGU, name: ''}\n").code == "E005");
  for (const char* severe : {"yes", "1", "\"true\"", "[true]"}) {
    INFO(severe);
    Diagnostic d = OnlyDiagnostic(
        std::string("categories:\n  - {code: a, name: A, severe: ") + severe + "}\n", "categories");
    CHECK(d.code == "E005");
    CHECK(d.message == "'severe' must be true or false");
  }
}

TEST_CASE("malformed codes are E006", "[core][catalog]") {
  CHECK(OnlyDiagnostic("regions:\n  - {code: MX AGU, name: A}\n").code == "E006");
  CHECK(OnlyDiagnostic("regions:\n  - {code: " + std::string(65, 'A') + ", name: A}\n").code ==
        "E006");
  CHECK(OnlyDiagnostic("regions:\n  - {code: MÉX, name: A}\n").code == "E006");
  Diagnostic d = OnlyDiagnostic("categories:\n  - {code: Threat, name: T}\n", "categories");
  CHECK(d.code == "E006");
  CHECK(d.message == "invalid code 'Threat': categories match [a-z0-9][a-z0-9_-]*");
  CHECK(OnlyDiagnostic("categories:\n  - {code: _x, name: T}\n", "categories").code == "E006");
}

TEST_CASE("a key given twice in a mapping is E007", "[core][catalog]") {
  Diagnostic d = OnlyDiagnostic("regions:\n  - {code: MX-AGU, code: MX-BCN, name: A}\n");
  CHECK(d.code == "E007");
  CHECK(d.message == "key 'code' appears twice");
}

TEST_CASE("an empty catalog is E009", "[core][catalog]") {
  CHECK(OnlyDiagnostic("regions: []\n").code == "E009");
}

TEST_CASE("every problem in a file is reported, not just the first", "[core][catalog]") {
  LoadResult<Catalog> r = ParseCatalog(
      "regions:\n  - {code: MX-AGU}\n  - {code: MX-BCN, name: B, x: 1}\n  - {code: a b, name: C}\n",
      "t.yaml", "regions");
  CHECK_FALSE(r.ok());
  REQUIRE(r.diagnostics().size() == 3);
  CHECK(r.diagnostics()[0].code == "E002");
  CHECK(r.diagnostics()[1].code == "E004");
  CHECK(r.diagnostics()[2].code == "E006");
}

TEST_CASE("LoadCatalogs keeps the defaults for empty paths", "[core][catalog]") {
  LoadResult<Catalogs> r = LoadCatalogs({});
  REQUIRE(r.ok());
  CHECK(r.value().regions.entries().size() == 32);
  CHECK(r.value().groups.entries().size() == 13);
  CHECK(r.value().taxonomy.entries().size() == 19);
}

TEST_CASE("LoadCatalogs replaces a catalog from a file", "[core][catalog]") {
  TempDir dir;
  auto regions = dir.Write("co.yaml", "regions:\n  - {code: CO-ANT, name: Antioquia}\n");
  LoadResult<Catalogs> r = LoadCatalogs({regions, {}, {}});
  REQUIRE(r.ok());
  CHECK(Codes(r.value().regions) == std::vector<std::string>{"CO-ANT"});
  CHECK(r.value().groups.entries().size() == 13);
}

TEST_CASE("LoadCatalogs reports unreadable and invalid files with their names", "[core][catalog]") {
  TempDir dir;
  auto bad = dir.Write("groups.yaml", "groups:\n  - {code: a}\n");
  LoadResult<Catalogs> r = LoadCatalogs({dir.path / "missing.yaml", bad, {}});
  CHECK_FALSE(r.ok());
  REQUIRE(r.diagnostics().size() == 2);
  CHECK(r.diagnostics()[0].code == "E008");
  CHECK(r.diagnostics()[0].pos.file == (dir.path / "missing.yaml").string());
  CHECK(r.diagnostics()[1].code == "E002");
  CHECK(r.diagnostics()[1].pos.file == bad.string());
  CHECK(r.diagnostics()[1].pos.line == 2);
}

}  // namespace
}  // namespace vigia
