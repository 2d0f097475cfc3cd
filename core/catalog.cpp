// SPDX-License-Identifier: Apache-2.0
// Catalog files: YAML with one top-level key (`regions`, `groups` or
// `categories`) holding a list of entries {code, name}; taxonomy entries may also
// carry `severe: true|false`. Anything else is an error, never silently ignored.
//
// Diagnostic codes (stable):
//   E001  the file is not valid YAML
//   E002  a required key is missing (the top-level key, or an entry's code/name)
//   E003  a code appears twice in one catalog
//   E004  unknown key
//   E005  a value has the wrong type (e.g. a list where a name is expected)
//   E006  a code is malformed (empty, too long, spaces or non-ASCII; categories
//         must match [a-z0-9][a-z0-9_-]*, like an event's `category`)
//   E007  a key appears twice in one mapping
//   E008  the file cannot be read
//   E009  the catalog has no entries
#include "core/catalog.h"

#include <yaml-cpp/yaml.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <optional>
#include <sstream>
#include <utility>

#include "core/detail/default_catalogs.h"
#include "core/detail/edit_distance.h"

namespace vigia {

namespace {

// A word at a time: every event hashes its region, groups and category, and a
// multiply per byte was most of the lookup.
uint64_t HashCode(std::string_view code) {
  constexpr uint64_t kMul = 0x9e3779b97f4a7c15ULL;
  uint64_t h = code.size() * kMul;
  auto mix = [&h](uint64_t word) {
    h = (h ^ word) * kMul;
    h ^= h >> 32;
  };
  const char* p = code.data();
  size_t n = code.size();
  for (; n >= 8; p += 8, n -= 8) {
    uint64_t word;
    std::memcpy(&word, p, 8);
    mix(word);
  }
  if (n > 0 && code.size() >= 8) {  // the last 8 bytes, overlapping the words before
    uint64_t word;
    std::memcpy(&word, code.data() + code.size() - 8, 8);
    mix(word);
  } else if (n > 0) {
    uint64_t word = 0;
    for (size_t i = 0; i < n; ++i) word |= uint64_t{static_cast<unsigned char>(p[i])} << (8 * i);
    mix(word);
  }
  return h ^ (h >> 29);  // the low bits pick the slot; fold the high ones in
}

}  // namespace

Catalog::Catalog(std::vector<CatalogEntry> entries) : entries_(std::move(entries)) {
  size_t size = 8;
  while (size < 2 * entries_.size()) size *= 2;
  slots_.assign(size, 0);
  for (size_t i = 0; i < entries_.size(); ++i) {
    if (Find(entries_[i].code) != nullptr) continue;  // a duplicate: the first one wins
    size_t slot = HashCode(entries_[i].code) & (size - 1);
    while (slots_[slot] != 0) slot = (slot + 1) & (size - 1);
    slots_[slot] = static_cast<uint32_t>(i + 1);
  }
}

bool Catalog::Contains(std::string_view code) const { return Find(code) != nullptr; }

const CatalogEntry* Catalog::Find(std::string_view code) const {
  if (slots_.empty()) return nullptr;  // default-constructed
  const size_t mask = slots_.size() - 1;
  for (size_t slot = HashCode(code) & mask; slots_[slot] != 0; slot = (slot + 1) & mask) {
    const CatalogEntry& e = entries_[slots_[slot] - 1];
    if (e.code == code) return &e;
  }
  return nullptr;
}

std::vector<std::string> Catalog::Closest(std::string_view code, size_t n) const {
  std::vector<std::string_view> codes;
  codes.reserve(entries_.size());
  for (const CatalogEntry& e : entries_) codes.emplace_back(e.code);
  std::vector<std::string> out;
  for (std::string_view c : detail::ClosestWords(code, codes, n)) out.emplace_back(c);
  return out;
}

namespace {

constexpr size_t kMaxCodeLength = 64;

// Collects the diagnostics of one file.
class CatalogParser {
 public:
  CatalogParser(const std::string& file, std::string_view kind) : file_(file), kind_(kind) {}

  std::optional<Catalog> Parse(std::string_view text) {
    YAML::Node root;
    try {
      root = YAML::Load(std::string(text));
    } catch (const YAML::Exception& e) {
      // yaml-cpp reports syntax errors by exception; this adapter turns them into
      // a diagnostic (STYLE.md §3).
      Error("E001", e.mark, {}, "invalid YAML: " + e.msg);
      return std::nullopt;
    }
    if (!root.IsMap()) {
      if (root.IsNull()) {
        Error("E002", root.Mark(), {}, "missing top-level key '" + std::string(kind_) + "'");
      } else {
        Error("E005", root.Mark(), {},
              "expected a mapping with the key '" + std::string(kind_) + "'");
      }
      return std::nullopt;
    }
    std::optional<YAML::Node> list;
    for (const auto& kv : root) {
      const std::string key = kv.first.IsScalar() ? kv.first.Scalar() : std::string();
      if (key == kind_) {
        if (list) {
          Error("E007", kv.first.Mark(), {}, "key '" + key + "' appears twice");
        } else {
          list = kv.second;
        }
      } else {
        Error("E004", kv.first.Mark(), {}, "unknown key '" + key + "'",
              "the only top-level key is '" + std::string(kind_) + "'");
      }
    }
    if (!list) {
      Error("E002", root.Mark(), {}, "missing top-level key '" + std::string(kind_) + "'");
      return std::nullopt;
    }
    if (!list->IsSequence()) {
      Error("E005", list->Mark(), {std::string(kind_)},
            "expected a list of entries such as {code: ..., name: ...}");
      return std::nullopt;
    }
    if (list->size() == 0) {
      Error("E009", list->Mark(), {std::string(kind_)}, "the catalog has no entries");
      return std::nullopt;
    }
    std::vector<CatalogEntry> entries;
    std::vector<YAML::Mark> marks;  // where each accepted code was defined
    size_t number = 0;
    for (const YAML::Node& item : *list) {
      ++number;
      std::optional<CatalogEntry> entry = ParseEntry(item, number);
      if (!entry) continue;
      bool duplicate = false;
      for (size_t i = 0; i < entries.size(); ++i) {
        if (entries[i].code == entry->code) {
          Error("E003", item.Mark(), EntryPath(number), "duplicate code '" + entry->code + "'",
                "first defined at line " + std::to_string(marks[i].line + 1));
          duplicate = true;
          break;
        }
      }
      if (duplicate) continue;
      marks.push_back(item.Mark());
      entries.push_back(std::move(*entry));
    }
    return Catalog(std::move(entries));
  }

  std::vector<Diagnostic> TakeDiagnostics() { return std::move(diags_); }

 private:
  std::optional<CatalogEntry> ParseEntry(const YAML::Node& item, size_t number) {
    const std::vector<std::string> path = EntryPath(number);
    if (!item.IsMap()) {
      Error("E005", item.Mark(), path, "expected a mapping such as {code: ..., name: ...}");
      return std::nullopt;
    }
    const bool taxonomy = kind_ == "categories";
    std::optional<std::string> code, name;
    std::optional<bool> severe;
    bool ok = true;
    for (const auto& kv : item) {
      const std::string key = kv.first.IsScalar() ? kv.first.Scalar() : std::string();
      const YAML::Node& value = kv.second;
      const bool known = key == "code" || key == "name" || (taxonomy && key == "severe");
      if (!known) {
        std::vector<std::string_view> allowed = {"code", "name"};
        if (taxonomy) allowed.push_back("severe");
        auto close = detail::ClosestWords(key, allowed, 1, 2);
        Error("E004", kv.first.Mark(), path, "unknown key '" + key + "'",
              close.empty() ? (taxonomy ? "entries have the keys code, name and severe"
                                        : "entries have the keys code and name")
                            : "did you mean '" + std::string(close[0]) + "'?");
        ok = false;
        continue;
      }
      const bool repeated =
          (key == "code" && code) || (key == "name" && name) || (key == "severe" && severe);
      if (repeated) {
        Error("E007", kv.first.Mark(), path, "key '" + key + "' appears twice");
        ok = false;
        continue;
      }
      if (key == "severe") {
        // Only YAML 1.2 core booleans, unquoted: 'yes'/'on' or "true" are mistakes.
        const std::string& s = value.IsScalar() ? value.Scalar() : std::string();
        const bool plain = value.IsScalar() && value.Tag() != "!";
        if (plain && (s == "true" || s == "True" || s == "TRUE")) {
          severe = true;
        } else if (plain && (s == "false" || s == "False" || s == "FALSE")) {
          severe = false;
        } else {
          Error("E005", MarkOr(value, kv.first), path, "'severe' must be true or false");
          severe = false;
          ok = false;
        }
        continue;
      }
      if (!value.IsScalar() || value.Scalar().empty()) {
        Error("E005", MarkOr(value, kv.first), path, "'" + key + "' must be a non-empty string");
        ok = false;
        (key == "code" ? code : name) = std::string();
        continue;
      }
      if (key == "code") {
        code = value.Scalar();
        if (auto problem = CodeProblem(*code, taxonomy)) {
          Error("E006", value.Mark(), path, "invalid code '" + *code + "': " + *problem);
          ok = false;
        }
      } else {
        name = value.Scalar();
      }
    }
    if (!code) Error("E002", item.Mark(), path, "missing key 'code'");
    if (!name) Error("E002", item.Mark(), path, "missing key 'name'");
    if (!ok || !code || !name) return std::nullopt;
    return CatalogEntry{std::move(*code), std::move(*name), severe.value_or(false)};
  }

  static std::optional<std::string> CodeProblem(std::string_view code, bool taxonomy) {
    if (code.size() > kMaxCodeLength) return "longer than 64 characters";
    for (size_t i = 0; i < code.size(); ++i) {
      const char c = code[i];
      if (taxonomy) {
        const bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
        if (!(alnum || (i > 0 && (c == '_' || c == '-')))) {
          return "categories match [a-z0-9][a-z0-9_-]*";
        }
      } else if (c <= 0x20 || c > 0x7E) {
        return "only printable ASCII without spaces";
      }
    }
    return std::nullopt;
  }

  static YAML::Mark MarkOr(const YAML::Node& node, const YAML::Node& fallback) {
    return node.Mark().is_null() ? fallback.Mark() : node.Mark();
  }

  std::vector<std::string> EntryPath(size_t number) const {
    return {std::string(kind_), "entry " + std::to_string(number)};
  }

  void Error(std::string code, const YAML::Mark& mark, std::vector<std::string> path,
             std::string message, std::string hint = {}) {
    Diagnostic d;
    d.code = std::move(code);
    d.pos.file = file_;
    // yaml-cpp marks are 0-based; a null mark (-1) stays 0 = unknown.
    if (!mark.is_null()) {
      d.pos.line = static_cast<uint32_t>(mark.line + 1);
      d.pos.column = static_cast<uint32_t>(mark.column + 1);
    }
    d.path = std::move(path);
    d.message = std::move(message);
    d.hint = std::move(hint);
    diags_.push_back(std::move(d));
  }

  const std::string& file_;
  std::string_view kind_;
  std::vector<Diagnostic> diags_;
};

std::optional<std::string> ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return std::nullopt;
  return std::move(text).str();
}

// Loads one catalog from `path`, or keeps `fallback` when the path is empty.
std::optional<Catalog> LoadOne(const std::filesystem::path& path, std::string_view kind,
                               const Catalog* fallback, std::vector<Diagnostic>& diags) {
  if (path.empty()) return *fallback;
  std::optional<std::string> text = ReadFile(path);
  if (!text) {
    Diagnostic d;
    d.code = "E008";
    d.pos.file = path.string();
    d.message = "cannot read the " + std::string(kind) + " catalog";
    diags.push_back(std::move(d));
    return std::nullopt;
  }
  LoadResult<Catalog> loaded = ParseCatalog(*text, path.string(), kind);
  diags.insert(diags.end(), loaded.diagnostics().begin(), loaded.diagnostics().end());
  if (!loaded.ok()) return std::nullopt;
  return std::move(loaded).value();
}

Catalog ParseDefault(std::string_view text, std::string_view file, std::string_view kind) {
  LoadResult<Catalog> loaded = ParseCatalog(text, std::string(file), kind);
  if (!loaded.ok()) {
    // The embedded files are checked by the tests; failing here is a build bug.
    const Diagnostic& d = loaded.diagnostics().front();
    std::fprintf(stderr, "vigia: built-in catalog %s:%u:%u is invalid: %s\n", d.pos.file.c_str(),
                 d.pos.line, d.pos.column, d.message.c_str());
    std::abort();
  }
  return std::move(loaded).value();
}

}  // namespace

LoadResult<Catalog> ParseCatalog(std::string_view yaml_text, const std::string& file,
                                 std::string_view kind) {
  CatalogParser parser(file, kind);
  std::optional<Catalog> catalog = parser.Parse(yaml_text);
  return LoadResult<Catalog>(std::move(catalog), parser.TakeDiagnostics());
}

const Catalogs& Catalogs::Defaults() {
  // Parsed once, on first use; thread-safe by the rules of function-local statics.
  static const Catalogs defaults{
      ParseDefault(detail::DefaultRegionsYaml(), detail::kDefaultRegionsFile, "regions"),
      ParseDefault(detail::DefaultGroupsYaml(), detail::kDefaultGroupsFile, "groups"),
      ParseDefault(detail::DefaultTaxonomyYaml(), detail::kDefaultTaxonomyFile, "categories"),
  };
  return defaults;
}

LoadResult<Catalogs> LoadCatalogs(const CatalogPaths& paths) {
  std::vector<Diagnostic> diags;
  // Only touch the defaults when one is kept, so a full custom set never parses them.
  const bool need_defaults =
      paths.regions.empty() || paths.groups.empty() || paths.taxonomy.empty();
  const Catalogs* defaults = need_defaults ? &Catalogs::Defaults() : nullptr;
  auto regions = LoadOne(paths.regions, "regions", defaults ? &defaults->regions : nullptr, diags);
  auto groups = LoadOne(paths.groups, "groups", defaults ? &defaults->groups : nullptr, diags);
  auto taxonomy =
      LoadOne(paths.taxonomy, "categories", defaults ? &defaults->taxonomy : nullptr, diags);
  std::optional<Catalogs> catalogs;
  if (regions && groups && taxonomy) {
    catalogs = Catalogs{std::move(*regions), std::move(*groups), std::move(*taxonomy)};
  }
  return LoadResult<Catalogs>(std::move(catalogs), std::move(diags));
}

}  // namespace vigia
