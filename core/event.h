// SPDX-License-Identifier: Apache-2.0
// Event: one validated incident, check-in, panic or alert (shared/spec/events.md).
// A plain value type; built only by DecodeEvent (every way in) or by the engine
// (alert events). Thread rules: none (a value).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/time.h"

namespace vigia {

// A JSON scalar of `attrs` (or a rule literal).
struct Scalar {
  enum class Kind : uint8_t { kNull, kBool, kNumber, kString };
  Kind kind = Kind::kNull;
  bool boolean = false;
  double number = 0;
  std::string text;  // kString: the string. kNumber: the number as written.

  static Scalar Null() { return {}; }
  static Scalar Bool(bool b) { Scalar s; s.kind = Kind::kBool; s.boolean = b; return s; }
  static Scalar Number(double n, std::string written) {
    Scalar s; s.kind = Kind::kNumber; s.number = n; s.text = std::move(written); return s;
  }
  static Scalar String(std::string t) { Scalar s; s.kind = Kind::kString; s.text = std::move(t); return s; }
  bool operator==(const Scalar& o) const;
};

// An `attrs` value: a scalar or an array of scalars.
struct AttrValue {
  bool is_array = false;
  Scalar scalar;               // when !is_array
  std::vector<Scalar> items;   // when is_array
};

struct Event {
  std::string id;
  std::string type;
  TimeUs time = 0;
  std::string source;
  std::string region;
  std::optional<std::string> municipality;
  std::vector<std::string> groups;   // in input order, no duplicates
  std::optional<std::string> subject;
  std::optional<std::string> category;
  std::optional<int> severity;       // 1-5
  std::vector<std::string> tags;
  std::vector<std::pair<std::string, AttrValue>> attrs;  // sorted by name, unique

  // Set by the journal / replay, not part of the content.
  uint64_t seq = 0;
  TimeUs arrival = 0;

  // REQUIRES: attrs sorted by name. nullptr when absent.
  const AttrValue* FindAttr(std::string_view name) const;
};

// Canonical JSON of the event's content (fields in spec order, attrs sorted,
// no whitespace, time rendered by FormatRfc3339): equal content ⇔ equal text.
// Used for the duplicate check and for re-emitting events (replay, export).
std::string CanonicalJson(const Event& e);

// The duplicate check's content fingerprint: 64 bits over every content field
// (not seq/arrival); events with equal CanonicalJson have equal hashes.
uint64_t ContentHash(const Event& e);

}  // namespace vigia
