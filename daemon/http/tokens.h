// SPDX-License-Identifier: Apache-2.0
// The HTTP API's bearer tokens (shared/spec/daemon.md, "HTTP API"). The tokens
// file stores only SHA-256 hashes:
//
//   tokens:
//     - {name: chihuahua-ops, role: operator, sha256: "<64 hex digits>"}
//     - {name: red-tdt, role: integrator, sha256: "...", sources: [red-tdt], regions: [MX-CHH]}
//
// Diagnostic codes (stable):
//   T001  the file cannot be read, is not valid YAML, or holds more than one document
//   T101  an unknown key (the hint lists the known ones)
//   T102  a value of the wrong type (a list where a name is expected, ...)
//   T103  a bad value: an unknown role, a sha256 that is not 64 hex digits, an empty name
//   T107  a token name or a hash used twice
//   T108  a required key is missing (`tokens`, or an entry's name, role or sha256)
//   T109  a key given twice in one mapping (YAML would keep only one)
//
// Thread rules: a TokenTable is an immutable value once built; concurrent reads are safe.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/diagnostic.h"

namespace vigia::daemon::http {

// viewer < operator, integrator < admin. Every role includes viewer; admin
// includes every role.
enum class Role : uint8_t { kViewer, kOperator, kIntegrator, kAdmin };
std::string_view ToString(Role role);  // "viewer", ...
std::optional<Role> ParseRole(std::string_view text);
// True when a token with role `have` may use a route that needs `need`.
bool Grants(Role have, Role need);

using Sha256 = std::array<unsigned char, 32>;
Sha256 Sha256Of(std::string_view data);
// Lower-case hex, as the tokens file stores it (for `vigia token`).
std::string ToHex(const Sha256& digest);

struct TokenEntry {
  std::string name;  // not secret: it names the token in audit records
  Role role = Role::kViewer;
  Sha256 sha256{};
  // When set, events posted with this token must have a `source` (`region`) in
  // the list; absent = any.
  std::optional<std::vector<std::string>> sources;
  std::optional<std::vector<std::string>> regions;
  SourcePos pos;  // of the entry in the tokens file
};

// Why `entry` may not post an event from `source` for `region`: the offending
// field ("source" or "region"), or empty when it may.
std::string_view ForbiddenField(const TokenEntry& entry, std::string_view source,
                                std::string_view region);

class TokenTable {
 public:
  // No entries: every presented token is unknown (the secure default when no
  // tokens file is configured).
  TokenTable() = default;
  // REQUIRES: hashes unique (ParseTokens rejects duplicates).
  explicit TokenTable(std::vector<TokenEntry> entries) : entries_(std::move(entries)) {}

  // The entry whose hash is SHA-256(`token`), or nullptr. Every entry is
  // compared with CRYPTO_memcmp and the loop never exits early, so the time
  // taken does not tell how many bytes of a hash matched, nor which entry did.
  // The returned pointer lives as long as the table.
  const TokenEntry* Find(std::string_view token) const;

  const std::vector<TokenEntry>& entries() const { return entries_; }
  bool empty() const { return entries_.empty(); }

 private:
  std::vector<TokenEntry> entries_;
};

// Parses tokens YAML; `file` names it in diagnostics. Every problem is reported
// (file:line:col, 1-based) and the table is returned only when there is none.
LoadResult<TokenTable> ParseTokens(std::string_view yaml_text, const std::string& file);
// Reads and parses a tokens file (T001 when it cannot be read).
LoadResult<TokenTable> LoadTokenFile(const std::filesystem::path& file);

}  // namespace vigia::daemon::http
