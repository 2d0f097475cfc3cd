// SPDX-License-Identifier: Apache-2.0
// Stage 1 of the rule pipeline: text → YAML document, with positions. Wraps
// yaml-cpp so that none of its exceptions escape, converts its 0-based marks to
// 1-based SourcePos, and types plain scalars as YAML 1.2 core (yaml-cpp leaves
// every scalar a string). Internal to rules/.
#pragma once

#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/diagnostic.h"
#include "core/event.h"

namespace vigia::rules::detail {

// One loaded text: its name for diagnostics, its lines (for snippets and caret
// spans) and its single YAML document (Null when the text is empty).
struct SourceFile {
  std::string name;
  std::vector<std::string> lines;
  YAML::Node root;
  bool ok = false;  // false: unreadable or not valid YAML (a diagnostic says why)
};

// Parses `text`. On a syntax error, or a second document, appends E001 to `diags`.
SourceFile ParseSource(std::string name, std::string_view text, std::vector<Diagnostic>& diags);

// The bytes of `path`; nullopt and E002 when it cannot be read.
std::optional<std::string> ReadText(const std::filesystem::path& path,
                                    std::vector<Diagnostic>& diags);

// Reads and parses `path`; an unreadable file is E002.
SourceFile ReadSource(const std::filesystem::path& path, std::vector<Diagnostic>& diags);

// True for a plain (unquoted, untagged) scalar: the only kind YAML 1.2 core types.
bool IsPlain(const YAML::Node& node);

// The node as a Scalar: quoted → kString; plain → null/bool/number/string by the
// YAML 1.2 core schema (number text kept as written). REQUIRES: scalar or null.
Scalar ToScalar(const YAML::Node& node);

// "a mapping", "a list", "a string"/"a number"/"true or false"/"null": for messages.
std::string DescribeKind(const YAML::Node& node);

// A diagnostic at `node` of `file`: 1-based position, caret span over the
// node's text as written (quotes included), and the source line.
Diagnostic MakeDiagnostic(const SourceFile& file, const YAML::Node& node, Severity severity,
                          std::string code, std::string message);

// The node to point at for a mapping entry's value: the value, or the key when
// the value is empty (yaml-cpp marks an empty value at the next token).
YAML::Node ValueAnchor(const YAML::Node& key, const YAML::Node& value);

// The position of a node (1-based).
SourcePos PosOf(const SourceFile& file, const YAML::Node& node);

// Moves a diagnostic's caret `offset` bytes into a single-line scalar (past its
// opening quote) and sets its span, e.g. to point at a `{placeholder}`.
void PointInside(const SourceFile& file, const YAML::Node& scalar, size_t offset, uint32_t span,
                 Diagnostic& d);

}  // namespace vigia::rules::detail
