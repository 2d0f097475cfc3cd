// SPDX-License-Identifier: Apache-2.0
// Catalogs of regions, groups and incident categories (shared/spec/events.md,
// "Catalogs"). Data, not code: loaded from YAML; the defaults in config/ are
// compiled into the binaries. Immutable after load; safe to share across threads.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/diagnostic.h"

namespace vigia {

struct CatalogEntry {
  std::string code;
  std::string name;
  bool severe = false;  // taxonomy only: threatens life or liberty (killing, ...)

  bool operator==(const CatalogEntry&) const = default;
};

class Catalog {
 public:
  Catalog() = default;
  // REQUIRES: codes unique (a later duplicate is not indexed; ParseCatalog rejects them).
  explicit Catalog(std::vector<CatalogEntry> entries);

  bool Contains(std::string_view code) const;
  const CatalogEntry* Find(std::string_view code) const;
  const std::vector<CatalogEntry>& entries() const { return entries_; }
  // Up to `n` known codes closest to `code` (edit distance, case-insensitive,
  // then catalog order), for "unknown_region: did you mean ..." messages.
  std::vector<std::string> Closest(std::string_view code, size_t n = 3) const;

  // Equal entries in the same order (the index follows from them).
  friend bool operator==(const Catalog& a, const Catalog& b) { return a.entries_ == b.entries_; }

 private:
  // Open addressing over entries_ (slot = index + 1, 0 = empty; size a power of
  // two, at most half full): every event looks up its region, groups and category,
  // and this is several times faster than std::unordered_map, without allocating.
  std::vector<CatalogEntry> entries_;
  std::vector<uint32_t> slots_;
};

struct Catalogs {
  Catalog regions;
  Catalog groups;
  Catalog taxonomy;  // categories; one outside it is accepted and counted

  bool operator==(const Catalogs&) const = default;

  // The catalogs compiled in from config/regions/mx.yaml, config/groups.yaml and
  // config/taxonomy.yaml.
  static const Catalogs& Defaults();
};

struct CatalogPaths {
  std::filesystem::path regions;   // empty: the default
  std::filesystem::path groups;    // empty: the default
  std::filesystem::path taxonomy;  // empty: the default
};

// Loads catalogs from files (an empty path keeps that default). Every problem is
// reported with file:line:column.
LoadResult<Catalogs> LoadCatalogs(const CatalogPaths& paths);

// Parses catalog YAML text; `file` names it in diagnostics. `kind` is "regions",
// "groups" or "categories" (the top-level key the text must have).
LoadResult<Catalog> ParseCatalog(std::string_view yaml_text, const std::string& file,
                                 std::string_view kind);

}  // namespace vigia
