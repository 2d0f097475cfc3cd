// SPDX-License-Identifier: Apache-2.0
#include "daemon/http/tokens.h"

#include <algorithm>
#include <fstream>
#include <sstream>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <yaml-cpp/yaml.h>

#include "core/yaml_documents.h"

namespace vigia::daemon::http {
namespace {

constexpr const char* kEntryKeys = "entries have the keys name, role, sha256, sources and regions";

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::optional<Sha256> ParseHex(std::string_view hex) {
  Sha256 out{};
  if (hex.size() != out.size() * 2) return std::nullopt;
  for (size_t i = 0; i < out.size(); ++i) {
    const int hi = HexValue(hex[2 * i]), lo = HexValue(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out[i] = static_cast<unsigned char>(hi * 16 + lo);
  }
  return out;
}

// Collects the diagnostics of one tokens file.
class TokenParser {
 public:
  TokenParser(std::string_view text, const std::string& file) : file_(file) {
    std::string line;
    std::istringstream in{std::string(text)};
    while (std::getline(in, line)) lines_.push_back(line);
  }

  std::optional<TokenTable> Parse(std::string_view text) {
    std::vector<YAML::Node> docs;
    try {
      // yaml-cpp reports syntax errors by exception; turn them into a diagnostic.
      docs = LoadYamlDocuments(std::string(text));
    } catch (const YAML::Exception& e) {
      Error("T001", e.mark, {}, "invalid YAML: " + e.msg);
      return std::nullopt;
    }
    if (docs.size() > 1) {
      Error("T001", docs[1].Mark(), {}, "the file holds more than one YAML document");
      return std::nullopt;
    }
    const YAML::Node root = docs.empty() ? YAML::Node() : docs[0];
    if (!root.IsMap()) {
      if (root.IsDefined() && !root.IsNull()) {
        Error("T102", root.Mark(), {}, "expected a mapping with the key 'tokens'");
      } else {
        Error("T108", YAML::Mark(), {}, "missing top-level key 'tokens'");  // at 1:1
      }
      return std::nullopt;
    }
    std::optional<YAML::Node> list;
    for (const auto& kv : root) {
      const std::string key = kv.first.IsScalar() ? kv.first.Scalar() : std::string();
      if (key != "tokens") {
        Error("T101", kv.first.Mark(), {}, "unknown key '" + key + "'",
              "the only top-level key is 'tokens'");
      } else if (list) {
        Error("T109", kv.first.Mark(), {}, "key 'tokens' appears twice");
      } else {
        list = kv.second;
      }
    }
    if (!list) {
      Error("T108", root.Mark(), {}, "missing top-level key 'tokens'");
      return std::nullopt;
    }
    std::vector<TokenEntry> entries;
    if (list->IsNull()) return TokenTable(std::move(entries));  // `tokens:` with no entries
    if (!list->IsSequence()) {
      Error("T102", list->Mark(), {"tokens"},
            "expected a list of entries such as {name: ..., role: ..., sha256: ...}");
      return std::nullopt;
    }
    size_t number = 0;
    for (const YAML::Node& item : *list) {
      ++number;
      std::optional<TokenEntry> entry = ParseEntry(item, number);
      if (!entry) continue;
      bool clash = false;
      for (const TokenEntry& other : entries) {
        if (other.name == entry->name) {
          Error("T107", item.Mark(), EntryPath(number), "token name '" + entry->name + "' is used twice",
                "first defined at line " + std::to_string(other.pos.line));
          clash = true;
        } else if (other.sha256 == entry->sha256) {
          Error("T107", item.Mark(), EntryPath(number),
                "token '" + entry->name + "' has the same sha256 as '" + other.name + "'",
                "every token needs its own secret; run `vigia token` for a new one");
          clash = true;
        }
      }
      if (!clash) entries.push_back(std::move(*entry));
    }
    if (CountErrors(diags_) > 0) return std::nullopt;
    return TokenTable(std::move(entries));
  }

  std::vector<Diagnostic> TakeDiagnostics() { return std::move(diags_); }

 private:
  static std::vector<std::string> EntryPath(size_t number) {
    return {"tokens", "entry " + std::to_string(number)};
  }

  std::optional<TokenEntry> ParseEntry(const YAML::Node& item, size_t number) {
    const std::vector<std::string> path = EntryPath(number);
    if (!item.IsMap()) {
      Error("T102", item.Mark(), path, "expected a mapping such as {name: ..., role: ..., sha256: ...}");
      return std::nullopt;
    }
    TokenEntry entry;
    entry.pos = Pos(item.Mark());
    bool has_name = false, has_role = false, has_hash = false, ok = true;
    std::vector<std::string> seen;
    for (const auto& kv : item) {
      const std::string key = kv.first.IsScalar() ? kv.first.Scalar() : std::string();
      if (std::find(seen.begin(), seen.end(), key) != seen.end()) {
        Error("T109", kv.first.Mark(), path, "key '" + key + "' appears twice");
        ok = false;
        continue;
      }
      seen.push_back(key);
      std::vector<std::string> at = path;
      at.push_back(key);
      const YAML::Node& value = kv.second;
      if (key == "name" || key == "role" || key == "sha256") {
        if (!value.IsScalar() || value.Scalar().empty()) {
          Error(value.IsScalar() || value.IsNull() ? "T103" : "T102", Mark(value, kv.first), at,
                "'" + key + "' must be a non-empty " + (key == "sha256" ? "hex string" : "name"));
          ok = false;
          continue;
        }
        const std::string& text = value.Scalar();
        if (key == "name") {
          entry.name = text;
          has_name = true;
        } else if (key == "role") {
          if (auto role = ParseRole(text)) {
            entry.role = *role;
            has_role = true;
          } else {
            Error("T103", value.Mark(), at, "unknown role '" + text + "'",
                  "roles are viewer, operator, integrator and admin");
            ok = false;
          }
        } else if (auto digest = ParseHex(text)) {
          entry.sha256 = *digest;
          has_hash = true;
        } else {
          Error("T103", value.Mark(), at, "'sha256' must be 64 hex digits",
                "store the SHA-256 of the token, never the token itself; `vigia token` writes it");
          ok = false;
        }
      } else if (key == "sources" || key == "regions") {
        auto list = ParseList(value, kv.first, at);
        if (!list) {
          ok = false;
        } else {
          (key == "sources" ? entry.sources : entry.regions) = std::move(list);
        }
      } else {
        Error("T101", kv.first.Mark(), path, "unknown key '" + key + "'", kEntryKeys);
        ok = false;
      }
    }
    for (auto [present, key] : {std::pair{has_name, "name"}, {has_role, "role"}, {has_hash, "sha256"}}) {
      if (present || std::find(seen.begin(), seen.end(), key) != seen.end()) continue;
      Error("T108", item.Mark(), path, std::string("missing key '") + key + "'", kEntryKeys);
      ok = false;
    }
    if (!ok) return std::nullopt;
    return entry;
  }

  std::optional<std::vector<std::string>> ParseList(const YAML::Node& value, const YAML::Node& key,
                                                    const std::vector<std::string>& at) {
    if (!value.IsSequence()) {
      Error("T102", Mark(value, key), at, "expected a list such as [red-tdt]");
      return std::nullopt;
    }
    std::vector<std::string> out;
    for (const YAML::Node& item : value) {
      if (!item.IsScalar() || item.Scalar().empty()) {
        Error("T102", item.Mark(), at, "expected a non-empty name in the list");
        return std::nullopt;
      }
      out.push_back(item.Scalar());
    }
    return out;
  }

  // A null value has no position of its own in yaml-cpp; point at its key instead.
  static YAML::Mark Mark(const YAML::Node& value, const YAML::Node& key) {
    return value.Mark().is_null() ? key.Mark() : value.Mark();
  }

  SourcePos Pos(const YAML::Mark& mark) const {
    SourcePos pos;
    pos.file = file_;
    if (!mark.is_null()) {
      pos.line = static_cast<uint32_t>(mark.line + 1);
      pos.column = static_cast<uint32_t>(mark.column + 1);
    }
    return pos;
  }

  void Error(const char* code, const YAML::Mark& mark, std::vector<std::string> path,
             std::string message, std::string hint = "") {
    Diagnostic d;
    d.code = code;
    d.pos = Pos(mark);
    d.path = std::move(path);
    d.message = std::move(message);
    d.hint = std::move(hint);
    if (d.pos.line >= 1 && d.pos.line <= lines_.size()) d.source_line = lines_[d.pos.line - 1];
    diags_.push_back(std::move(d));
  }

  std::string file_;
  std::vector<std::string> lines_;
  std::vector<Diagnostic> diags_;
};

}  // namespace

std::string_view ToString(Role role) {
  switch (role) {
    case Role::kViewer: return "viewer";
    case Role::kOperator: return "operator";
    case Role::kIntegrator: return "integrator";
    case Role::kAdmin: return "admin";
  }
  return "viewer";
}

std::optional<Role> ParseRole(std::string_view text) {
  for (Role r : {Role::kViewer, Role::kOperator, Role::kIntegrator, Role::kAdmin})
    if (ToString(r) == text) return r;
  return std::nullopt;
}

bool Grants(Role have, Role need) {
  return have == Role::kAdmin || need == Role::kViewer || have == need;
}

Sha256 Sha256Of(std::string_view data) {
  Sha256 out{};
  unsigned int size = 0;
  // EVP_Digest cannot fail for SHA-256 with a valid buffer short of memory
  // exhaustion; a zero digest then matches no stored hash.
  if (EVP_Digest(data.data(), data.size(), out.data(), &size, EVP_sha256(), nullptr) != 1)
    out.fill(0);
  return out;
}

std::string ToHex(const Sha256& digest) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(digest.size() * 2);
  for (unsigned char b : digest) {
    out.push_back(kDigits[b >> 4]);
    out.push_back(kDigits[b & 15]);
  }
  return out;
}

std::string_view ForbiddenField(const TokenEntry& entry, std::string_view source,
                                std::string_view region) {
  auto allows = [](const std::optional<std::vector<std::string>>& list, std::string_view v) {
    return !list || std::find(list->begin(), list->end(), v) != list->end();
  };
  if (!allows(entry.sources, source)) return "source";
  if (!allows(entry.regions, region)) return "region";
  return {};
}

const TokenEntry* TokenTable::Find(std::string_view token) const {
  if (token.empty()) return nullptr;
  const Sha256 digest = Sha256Of(token);
  const TokenEntry* found = nullptr;
  for (const TokenEntry& e : entries_) {
    const bool equal = CRYPTO_memcmp(e.sha256.data(), digest.data(), digest.size()) == 0;
    // Hashes are unique, so at most one entry is equal; keep scanning regardless.
    if (equal) found = &e;
  }
  return found;
}

LoadResult<TokenTable> ParseTokens(std::string_view yaml_text, const std::string& file) {
  TokenParser parser(yaml_text, file);
  std::optional<TokenTable> table = parser.Parse(yaml_text);
  return LoadResult<TokenTable>(std::move(table), parser.TakeDiagnostics());
}

LoadResult<TokenTable> LoadTokenFile(const std::filesystem::path& file) {
  std::error_code ec;
  std::ifstream in;
  if (!std::filesystem::is_directory(file, ec)) in.open(file, std::ios::binary);
  std::ostringstream text;
  if (in) text << in.rdbuf();
  if (!in) {
    Diagnostic d;
    d.code = "T001";
    d.pos.file = file.string();
    d.message = "cannot read the tokens file";
    return LoadResult<TokenTable>(std::nullopt, {std::move(d)});
  }
  return ParseTokens(text.str(), file.string());
}

}  // namespace vigia::daemon::http
