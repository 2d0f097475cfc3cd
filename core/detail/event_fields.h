// SPDX-License-Identifier: Apache-2.0
// The field table of shared/spec/events.md as data: names, which are required,
// and the limits. Used by the decoder's walk (event_reader.cpp).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <iterator>
#include <string_view>

namespace vigia::detail {

// In the order of the table in events.md, which is also the order missing
// required fields are reported in.
enum class Field : uint8_t {
  kId,
  kType,
  kTime,
  kSource,
  kRegion,
  kMunicipality,
  kGroups,
  kSubject,
  kCategory,
  kSeverity,
  kTags,
  kAttrs,
  kUnknown,
};
inline constexpr std::string_view kFieldNames[] = {
    "id",     "type",    "time",     "source",   "region", "municipality",
    "groups", "subject", "category", "severity", "tags",   "attrs",
};
inline constexpr size_t kFieldCount = std::size(kFieldNames);
inline constexpr uint32_t kRequired = (1u << 0) | (1u << 1) | (1u << 2) | (1u << 3) | (1u << 4);

inline constexpr size_t kMaxIdChars = 128;
inline constexpr size_t kMaxTypeChars = 64;
inline constexpr size_t kMaxSourceChars = 64;
inline constexpr size_t kMaxMunicipalityChars = 128;
inline constexpr size_t kMaxGroups = 16;
inline constexpr size_t kMaxSubjectChars = 128;
inline constexpr size_t kMaxCategoryChars = 64;
inline constexpr size_t kMaxTags = 32;
inline constexpr size_t kMaxTagChars = 64;
inline constexpr size_t kMaxAttrs = 64;
inline constexpr size_t kMaxAttrNameChars = 64;

// By length first, then one fixed-size compare (inlined: no call to memcmp);
// this runs for every member of every event.
inline Field LookUpField(std::string_view key) {
  auto is = [key](Field f) {
    const std::string_view name = kFieldNames[static_cast<size_t>(f)];
    return key.size() == name.size() && std::memcmp(key.data(), name.data(), name.size()) == 0;
  };
  switch (key.size()) {
    case 2:
      return is(Field::kId) ? Field::kId : Field::kUnknown;
    case 4:
      if (is(Field::kType)) return Field::kType;
      if (is(Field::kTime)) return Field::kTime;
      return is(Field::kTags) ? Field::kTags : Field::kUnknown;
    case 5:
      return is(Field::kAttrs) ? Field::kAttrs : Field::kUnknown;
    case 6:
      if (is(Field::kSource)) return Field::kSource;
      if (is(Field::kRegion)) return Field::kRegion;
      return is(Field::kGroups) ? Field::kGroups : Field::kUnknown;
    case 7:
      return is(Field::kSubject) ? Field::kSubject : Field::kUnknown;
    case 8:
      if (is(Field::kCategory)) return Field::kCategory;
      return is(Field::kSeverity) ? Field::kSeverity : Field::kUnknown;
    case 12:
      return is(Field::kMunicipality) ? Field::kMunicipality : Field::kUnknown;
    default:
      return Field::kUnknown;
  }
}

inline std::string_view FieldName(Field f) { return kFieldNames[static_cast<size_t>(f)]; }

}  // namespace vigia::detail
