// SPDX-License-Identifier: Apache-2.0
// RuleLoader: reloads re-read only the files that changed, and always give what a
// full load (LoadRuleFiles) of the same files gives.
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "rules/detail/testing.h"
#include "rules/loader.h"

namespace vigia::rules {
namespace {

namespace fs = std::filesystem;
using testing::Brief;

// Everything a load gives, as text: the problems (with their hints, lines and
// carets) and per rule what identifies it and its definition (the version).
std::string Describe(const LoadResult<RuleSet>& result) {
  std::ostringstream out;
  for (const Diagnostic& d : result.diagnostics()) {
    out << Brief(d) << " [" << (d.severity == Severity::kError ? "error" : "warning")
        << "] hint=" << d.hint << " line=" << d.source_line << " span=" << d.span << "\n";
  }
  if (!result.ok()) return out.str() + "(no rules)\n";
  const RuleSet& set = result.value();
  for (const Rule& rule : set.rules) {
    out << rule.id << " " << rule.version << " " << rule.pos.file << ":" << rule.pos.line << ":"
        << rule.pos.column << " " << rule.description << "\n";
  }
  for (const auto& [name, items] : set.lists) {
    out << "$" << name << ":";
    for (const std::string& item : items) out << " " << item;
    out << "\n";
  }
  for (const std::string& file : set.files) out << "file " << file << "\n";
  return out.str();
}

class Folder {
 public:
  Folder() {
    static std::atomic<int> n{0};
    dir_ = fs::temp_directory_path() /
           ("vigia-rule-loader-" + std::to_string(::getpid()) + "-" + std::to_string(n++));
    fs::create_directories(dir_);
  }
  ~Folder() {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  fs::path Write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ / name, std::ios::binary | std::ios::trunc) << text;
    return dir_ / name;
  }
  fs::path path(const std::string& name) const { return dir_ / name; }

 private:
  fs::path dir_;
};

// Loads with `loader` and checks the result against a full load of the same files.
LoadResult<RuleSet> LoadBoth(RuleLoader& loader, const std::vector<fs::path>& files,
                             const LoadOptions& options = {}) {
  LoadResult<RuleSet> result = loader.Load(files, options);
  CHECK(Describe(result) == Describe(LoadRuleFiles(files, options)));
  return result;
}

TEST_CASE("A reload reads only the files that changed, and gives what a full load gives",
          "[rules][loader]") {
  Folder folder;
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(fs::path(VIGIA_SOURCE_DIR) / "rules/examples")) {
    if (entry.path().extension() != ".yaml") continue;
    files.push_back(folder.path(entry.path().filename().string()));
    fs::copy_file(entry.path(), files.back());
  }
  std::sort(files.begin(), files.end());
  REQUIRE(files.size() >= 3);

  RuleLoader loader;
  auto first = LoadBoth(loader, files);
  REQUIRE(first.ok());
  CHECK(loader.last_stats().read == files.size());
  CHECK(loader.last_stats().kept == 0);

  auto again = LoadBoth(loader, files);
  CHECK(Describe(again) == Describe(first));
  CHECK(loader.last_stats().read == 0);
  CHECK(loader.last_stats().kept == files.size());

  // One rule file edited (one without lists): only it is parsed again.
  const fs::path edited = folder.path("women_defenders.yaml");
  std::string text;
  {
    std::ifstream in(edited);
    text.assign(std::istreambuf_iterator<char>(in), {});
  }
  text += "  - {id: added-by-the-test, level: info, match: {type: panic}}\n";
  folder.Write("women_defenders.yaml", text);
  auto after_edit = LoadBoth(loader, files);
  REQUIRE(after_edit.ok());
  CHECK(loader.last_stats().read == 1);
  CHECK(loader.last_stats().kept == files.size() - 1);
  CHECK(Describe(after_edit) != Describe(first));

  // A file left out is no longer loaded; given back, it is read again.
  std::vector<fs::path> fewer(files.begin(), files.end());
  fewer.erase(std::find(fewer.begin(), fewer.end(), edited));
  LoadBoth(loader, fewer);
  CHECK(loader.last_stats().read == 0);
  CHECK(loader.last_stats().kept == files.size() - 1);
  LoadBoth(loader, files);
  CHECK(loader.last_stats().read == 1);
}

TEST_CASE("A changed list reaches the rules that use it, and only those", "[rules][loader]") {
  Folder folder;
  const fs::path lists = folder.Write("lists.yaml", "lists:\n  lethal: [killing]\n");
  const fs::path rules = folder.Write(
      "rules.yaml", "rules:\n  - {id: r, level: info, match: {type: report, category: $lethal}}\n");
  const fs::path other =
      folder.Write("other.yaml", "rules:\n  - {id: o, level: info, match: {type: panic}}\n");
  RuleLoader loader;
  auto values = [](const LoadResult<RuleSet>& result) {
    REQUIRE(result.ok());
    for (const Rule& rule : result.value().rules)
      if (rule.id == "r") return rule.match->children.at(1).values.size();
    FAIL("no rule r");
    return size_t{0};
  };
  CHECK(values(LoadBoth(loader, {lists, other, rules})) == 1);

  folder.Write("lists.yaml", "lists:\n  lethal: [killing, disappearance]\n");
  CHECK(values(LoadBoth(loader, {lists, other, rules})) == 2);
  CHECK(loader.last_stats().read == 1);
  CHECK(loader.last_stats().kept == 1);  // other.yaml; rules.yaml was parsed again
  CHECK(values(LoadBoth(loader, {lists, other, rules})) == 2);
  CHECK(loader.last_stats().kept == 3);

  SECTION("a new file with a list the rule does not use") {
    const fs::path more = folder.Write("more.yaml", "lists:\n  other: [threat]\n");
    CHECK(values(LoadBoth(loader, {lists, more, other, rules})) == 2);
    CHECK(loader.last_stats().read == 1);
    CHECK(loader.last_stats().kept == 3);
  }
  SECTION("the list moves to another file, with the same items") {
    const fs::path moved =
        folder.Write("moved.yaml", "lists:\n  lethal: [killing, disappearance]\n");
    folder.Write("lists.yaml", "# moved\n");
    CHECK(values(LoadBoth(loader, {lists, moved, other, rules})) == 2);
    CHECK(loader.last_stats().read == 2);
    CHECK(loader.last_stats().kept == 1);
  }
  SECTION("the lists file is left out: the list is undefined") {
    auto result = LoadBoth(loader, {other, rules});
    CHECK_FALSE(result.ok());
    CHECK(testing::Codes(result.diagnostics()) == std::vector<std::string>{"E110"});
  }
  SECTION("an undefined list: its hint names every list, so any new list checks it again") {
    const fs::path later =
        folder.Write("later.yaml",
                     "rules:\n  - {id: l, level: info, match: {type: report, category: $fatal}}\n");
    CHECK_FALSE(LoadBoth(loader, {lists, later, other, rules}).ok());
    const fs::path more = folder.Write("more.yaml", "lists:\n  fatale: [killing]\n");
    auto hinted = LoadBoth(loader, {lists, later, more, other, rules});
    CHECK(loader.last_stats().kept == 3);  // lists, other and rules
    REQUIRE(hinted.diagnostics().size() == 1);
    CHECK(hinted.diagnostics()[0].hint.find("fatale") != std::string::npos);
    folder.Write("more.yaml", "lists:\n  fatal: [killing]\n");
    CHECK(LoadBoth(loader, {lists, later, more, other, rules}).ok());
  }
}

TEST_CASE("Other catalogs check every rule again", "[rules][loader]") {
  Folder folder;
  const fs::path file = folder.Write(
      "r.yaml",
      "rules:\n  - {id: r, level: info, where: {region: [MX-ZZZ]}, match: {type: panic}}\n");
  Catalogs with_zzz = Catalogs::Defaults();
  std::vector<CatalogEntry> regions = with_zzz.regions.entries();
  regions.push_back({"MX-ZZZ", "Test state"});
  with_zzz.regions = Catalog(regions);
  LoadOptions options;
  options.catalogs = &with_zzz;

  RuleLoader loader;
  CHECK(LoadBoth(loader, {file}, options).ok());
  auto result = LoadBoth(loader, {file});  // the default catalogs: no MX-ZZZ
  CHECK_FALSE(result.ok());
  CHECK(loader.last_stats().read == 0);
  CHECK(loader.last_stats().kept == 0);
  CHECK(LoadBoth(loader, {file}, options).ok());
  CHECK(loader.last_stats().kept == 0);
  Catalogs copy = with_zzz;  // equal catalogs at another address keep the rules
  options.catalogs = &copy;
  CHECK(LoadBoth(loader, {file}, options).ok());
  CHECK(loader.last_stats().kept == 1);
}

TEST_CASE("The problems of kept files come again, and ids stay unique across files",
          "[rules][loader]") {
  Folder folder;
  const fs::path a = folder.Write("a.yaml",
                                  "rules:\n"
                                  "  - {id: x, level: info, match: {type: panic}}\n"
                                  "  - {id: y, level: loud, match: {type: panic}}\n"
                                  "  - {id: w, level: info, match: {type: panic}, colour: red}\n");
  const fs::path b =
      folder.Write("b.yaml", "rules:\n  - {id: z, level: info, match: {type: panic}}\n");
  RuleLoader loader;
  auto first = LoadBoth(loader, {a, b});
  CHECK(first.error_count() == 2);
  auto again = LoadBoth(loader, {a, b});
  CHECK(loader.last_stats().kept == 2);
  CHECK(Describe(again) == Describe(first));

  folder.Write("b.yaml", "rules:\n  - {id: x, level: info, match: {type: checkin}}\n");
  auto duplicate = LoadBoth(loader, {a, b});
  CHECK(loader.last_stats().read == 1);
  CHECK(testing::Codes(duplicate.diagnostics()) ==
        std::vector<std::string>{"E105", "E101", "E106"});

  SECTION("the same file twice: every id of it twice") {
    auto twice = LoadBoth(loader, {a, a});
    CHECK(testing::Codes(twice.diagnostics()).size() == 2 * 2 + 3);  // x, y and w again
  }
  SECTION("a file that disappears is E002; back, its rules are read again") {
    fs::remove(a);
    auto missing = LoadBoth(loader, {a, b});
    CHECK(testing::Codes(missing.diagnostics()) == std::vector<std::string>{"E002"});
    folder.Write("a.yaml", "rules:\n  - {id: x, level: info, match: {type: panic}}\n");
    auto back = LoadBoth(loader, {a, b});
    CHECK(testing::Codes(back.diagnostics()) == std::vector<std::string>{"E106"});
  }
  SECTION("a file that no longer parses, then does again") {
    folder.Write("b.yaml", "rules:\n  - {id: x\n");
    auto broken = LoadBoth(loader, {a, b});
    CHECK(testing::Codes(broken.diagnostics()).back() == "E001");
    LoadBoth(loader, {a, b});
    CHECK(loader.last_stats().kept == 2);
    folder.Write("b.yaml", "rules: []\n");
    CHECK(LoadBoth(loader, {a, b}).error_count() == 2);
  }
}

}  // namespace
}  // namespace vigia::rules
