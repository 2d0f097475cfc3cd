// SPDX-License-Identifier: Apache-2.0
#include "core/detail/event_reader.h"

#include <algorithm>
#include <cstdint>
#include <string>

#include "core/detail/edit_distance.h"
#include "core/detail/event_fields.h"
#include "core/detail/json_text.h"
#include "core/detail/text_checks.h"
#include "core/time.h"

namespace vigia::detail {
namespace {

namespace od = simdjson::ondemand;

std::string_view TypeName(od::json_type t) {
  switch (t) {
    case od::json_type::array:
      return "an array";
    case od::json_type::object:
      return "an object";
    case od::json_type::number:
      return "a number";
    case od::json_type::string:
      return "a string";
    case od::json_type::boolean:
      return "a boolean";
    case od::json_type::null:
      return "null";
  }
  return "a value";
}

std::string_view TrimRight(std::string_view s) {
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\t' || s.back() == '\n' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

class Reader {
 public:
  Reader(const Catalog& taxonomy, Event& event, ReadOutput& out)
      : taxonomy_(taxonomy), event_(event), out_(out) {}

  void Run(od::document& doc) {
    od::json_type root;
    if (auto e = doc.type().get(root)) return (void)Json(e);
    if (root != od::json_type::object) {
      return (void)Invalid({}, "expected a JSON object, got " + std::string(TypeName(root)));
    }
    od::object object;
    if (auto e = doc.get_object().get(object)) return (void)Json(e);
    uint32_t seen = 0;
    for (auto member : object) {
      std::string_view key;
      if (auto e = member.unescaped_key().get(key)) return (void)Json(e);
      od::value value;
      if (auto e = member.value().get(value)) return (void)Json(e);
      const Field field = LookUpField(key);
      if (field == Field::kUnknown) return (void)Unknown(key);
      const uint32_t bit = 1u << static_cast<unsigned>(field);
      if (seen & bit) {
        return (void)Invalid(field, "field '" + std::string(key) + "' appears more than once");
      }
      seen |= bit;
      if (!Read(field, value)) return;
    }
    // simdjson 3.0 has no document::at_end(); current_location() is out of
    // bounds exactly when nothing follows the object.
    const char* rest;
    if (doc.current_location().get(rest) != simdjson::OUT_OF_BOUNDS) {
      return (void)Json(simdjson::TRAILING_CONTENT);
    }
    out_.complete = true;
    for (size_t i = 0; i < kFieldCount; ++i) {
      if ((kRequired & (1u << i)) && !(seen & (1u << i))) {
        const auto f = static_cast<Field>(i);
        return (void)Invalid(f, "missing required field '" + std::string(FieldName(f)) + "'");
      }
    }
  }

 private:
  bool Read(Field field, od::value& value) {
    std::string_view s;
    switch (field) {
      case Field::kId:
        if (!String(field, value, s)) return false;
        if (s.empty() || s.size() > kMaxIdChars) {
          return Invalid(field, "must be 1 to 128 characters, got " + std::to_string(s.size()));
        }
        if (!IsPrintableAscii(s)) return Invalid(field, "must be printable ASCII");
        event_.id.assign(s);
        return true;
      case Field::kType:
        if (!String(field, value, s)) return false;
        if (s.size() > kMaxTypeChars) return TooLong(field, kMaxTypeChars, s.size());
        if (!IsTypeName(s)) {
          return Invalid(field, "must match [a-z][a-z0-9_]*, got '" + Printable(s) + "'");
        }
        if (s == "alert") {
          return Invalid(field, "type 'alert' is reserved for the engine's own alerts");
        }
        event_.type.assign(s);
        return true;
      case Field::kTime: {
        if (!String(field, value, s)) return false;
        std::optional<TimeUs> t = ParseRfc3339(s);
        if (!t) {
          std::string message = "expected an RFC 3339 timestamp such as 2017-03-23T08:15:00Z, got ";
          AppendJsonString(message, Excerpt(s));
          return Invalid(field, std::move(message));
        }
        event_.time = *t;
        return true;
      }
      case Field::kSource:
        return Text(field, value, kMaxSourceChars, event_.source);
      case Field::kRegion:
        // Membership in the region catalog is the caller's check (unknown_region).
        return Text(field, value, SIZE_MAX, event_.region);
      case Field::kMunicipality:
        return Text(field, value, kMaxMunicipalityChars, event_.municipality.emplace());
      case Field::kGroups:
        return Groups(value);
      case Field::kSubject:
        return Text(field, value, kMaxSubjectChars, event_.subject.emplace());
      case Field::kCategory:
        if (!String(field, value, s)) return false;
        if (s.size() > kMaxCategoryChars) return TooLong(field, kMaxCategoryChars, s.size());
        if (!IsCategoryCode(s)) {
          return Invalid(field, "must match [a-z0-9][a-z0-9_-]*, got '" + Printable(s) + "'");
        }
        out_.category_known = taxonomy_.Contains(s);
        event_.category.emplace(s);
        return true;
      case Field::kSeverity:
        return Severity(value);
      case Field::kTags:
        return Tags(value);
      case Field::kAttrs:
        return Attrs(value);
      case Field::kUnknown:
        break;
    }
    return Unknown("");
  }

  // A non-empty string of at most `max_chars` characters, copied into `dest`.
  bool Text(Field field, od::value& value, size_t max_chars, std::string& dest) {
    std::string_view s;
    if (!String(field, value, s)) return false;
    if (s.empty()) return Invalid(field, "must not be empty");
    if (max_chars != SIZE_MAX) {
      const size_t chars = CountChars(s);
      if (chars > max_chars) return TooLong(field, max_chars, chars);
    }
    dest.assign(s);
    return true;
  }

  bool Groups(od::value& value) {
    od::array array;
    if (!Array(Field::kGroups, value, array)) return false;
    event_.groups.reserve(4);
    size_t count = 0;
    for (auto item : array) {
      od::value v;
      if (auto e = item.get(v)) return Json(e);
      if (++count > kMaxGroups) return Invalid(Field::kGroups, "at most 16 groups are allowed");
      std::string_view g;
      if (!StringItem(Field::kGroups, v, count, g)) return false;
      if (g.empty()) return Invalid(Field::kGroups, "group codes must not be empty");
      // Catalog membership is the caller's check (unknown_group); repeats are dropped.
      if (std::find(event_.groups.begin(), event_.groups.end(), g) == event_.groups.end()) {
        event_.groups.emplace_back(g);
      }
    }
    return true;
  }

  bool Severity(od::value& value) {
    constexpr std::string_view kExpected = "expected an integer from 1 to 5, got ";
    od::json_type type;
    if (auto e = value.type().get(type)) return Json(e);
    if (type != od::json_type::number) {
      return Invalid(Field::kSeverity, std::string(kExpected) + std::string(TypeName(type)));
    }
    const std::string_view raw = TrimRight(value.raw_json_token());
    // 3.0 and 3e0 are numbers but not integers as written: rejected, not rounded.
    const bool integer_text = std::all_of(
        raw.begin(), raw.end(), [](char c) { return (c >= '0' && c <= '9') || c == '-'; });
    int64_t n = 0;
    if (!integer_text || value.get_int64().get(n) != simdjson::SUCCESS || n < 1 || n > 5) {
      // If the number is malformed, the syntax check reports that instead.
      return Invalid(Field::kSeverity, std::string(kExpected) + Printable(raw));
    }
    event_.severity = static_cast<int>(n);
    return true;
  }

  bool Tags(od::value& value) {
    od::array array;
    if (!Array(Field::kTags, value, array)) return false;
    event_.tags.reserve(4);
    size_t count = 0;
    for (auto item : array) {
      od::value v;
      if (auto e = item.get(v)) return Json(e);
      if (++count > kMaxTags) return Invalid(Field::kTags, "at most 32 tags are allowed");
      std::string_view tag;
      if (!StringItem(Field::kTags, v, count, tag)) return false;
      if (tag.empty()) return Invalid(Field::kTags, "tags must not be empty");
      const size_t chars = CountChars(tag);
      if (chars > kMaxTagChars) {
        return Invalid(Field::kTags, "tag " + std::to_string(count) +
                                         " must be at most 64 characters, got " +
                                         std::to_string(chars));
      }
      event_.tags.emplace_back(tag);
    }
    return true;
  }

  bool Attrs(od::value& value) {
    od::json_type type;
    if (auto e = value.type().get(type)) return Json(e);
    if (type != od::json_type::object) return WrongType(Field::kAttrs, "an object", type);
    od::object object;
    if (auto e = value.get_object().get(object)) return Json(e);
    auto& attrs = event_.attrs;
    attrs.reserve(8);  // one allocation for typical events
    for (auto member : object) {
      std::string_view name;
      if (auto e = member.unescaped_key().get(name)) return Json(e);
      od::value v;
      if (auto e = member.value().get(v)) return Json(e);
      if (attrs.size() == kMaxAttrs)
        return Invalid(Field::kAttrs, "at most 64 attributes are allowed");
      if (name.empty() || name.size() > kMaxAttrNameChars || !IsPrintableAscii(name)) {
        return Invalid(Field::kAttrs, "attribute name '" + Printable(name) +
                                          "' must be 1 to 64 printable ASCII characters");
      }
      AttrValue& attr = attrs.emplace_back(std::string(name), AttrValue{}).second;
      if (auto e = v.type().get(type)) return Json(e);
      if (type == od::json_type::object) return BadAttr(name);
      if (type != od::json_type::array) {
        if (!ScalarValue(v, type, name, attr.scalar)) return false;
        continue;
      }
      attr.is_array = true;
      od::array array;
      if (auto e = v.get_array().get(array)) return Json(e);
      for (auto item : array) {
        od::value element;
        if (auto e = item.get(element)) return Json(e);
        if (auto e = element.type().get(type)) return Json(e);
        if (type == od::json_type::object || type == od::json_type::array) return BadAttr(name);
        if (!ScalarValue(element, type, name, attr.items.emplace_back())) return false;
      }
    }
    auto by_name = [](const auto& a, const auto& b) { return a.first < b.first; };
    if (!std::is_sorted(attrs.begin(), attrs.end(), by_name)) {
      std::stable_sort(attrs.begin(), attrs.end(), by_name);
    }
    auto repeat = std::adjacent_find(attrs.begin(), attrs.end(), [](const auto& a, const auto& b) {
      return a.first == b.first;
    });
    if (repeat != attrs.end()) {
      return Invalid(Field::kAttrs,
                     "attribute '" + Printable(repeat->first) + "' appears more than once");
    }
    return true;
  }

  bool ScalarValue(od::value& v, od::json_type type, std::string_view name, Scalar& out) {
    switch (type) {
      case od::json_type::string: {
        std::string_view s;
        if (auto e = v.get_string().get(s)) return Json(e);
        out = Scalar::String(std::string(s));
        return true;
      }
      case od::json_type::number: {
        const std::string_view raw = TrimRight(v.raw_json_token());
        double d;
        if (v.get_double().get(d) != simdjson::SUCCESS) {
          // Syntax errors are caught by the syntax check; what is left is range.
          return Invalid(Field::kAttrs, "attribute '" + Printable(name) +
                                            "': number out of range: " + Printable(raw));
        }
        out = Scalar::Number(d, std::string(raw));
        return true;
      }
      case od::json_type::boolean: {
        bool b;
        if (auto e = v.get_bool().get(b)) return Json(e);
        out = Scalar::Bool(b);
        return true;
      }
      case od::json_type::null: {
        bool is_null;
        if (auto e = v.is_null().get(is_null)) return Json(e);
        if (!is_null) return Json(simdjson::N_ATOM_ERROR);
        out = Scalar::Null();
        return true;
      }
      default:
        return BadAttr(name);
    }
  }

  bool BadAttr(std::string_view name) {
    return Invalid(Field::kAttrs,
                   "attribute '" + Printable(name) +
                       "' must be a string, number, boolean, null or an array of those");
  }

  // The string first: a value of another type leaves the value unread, so its
  // type is asked only to name it in the error.
  bool String(Field field, od::value& value, std::string_view& out) {
    const simdjson::error_code e = value.get_string().get(out);
    if (e == simdjson::SUCCESS) return true;
    if (e != simdjson::INCORRECT_TYPE) return Json(e);
    od::json_type type;
    if (auto e2 = value.type().get(type)) return Json(e2);
    return WrongType(field, "a string", type);
  }

  // Element `index` (1-based) of an array that must hold strings.
  bool StringItem(Field field, od::value& value, size_t index, std::string_view& out) {
    const simdjson::error_code e = value.get_string().get(out);
    if (e == simdjson::SUCCESS) return true;
    if (e != simdjson::INCORRECT_TYPE) return Json(e);
    od::json_type type;
    if (auto e2 = value.type().get(type)) return Json(e2);
    return Invalid(field, "expected an array of strings, got " + std::string(TypeName(type)) +
                              " at position " + std::to_string(index));
  }

  bool Array(Field field, od::value& value, od::array& out) {
    od::json_type type;
    if (auto e = value.type().get(type)) return Json(e);
    if (type != od::json_type::array) return WrongType(field, "an array of strings", type);
    if (auto e = value.get_array().get(out)) return Json(e);
    return true;
  }

  bool WrongType(Field field, std::string_view expected, od::json_type got) {
    return Invalid(field,
                   "expected " + std::string(expected) + ", got " + std::string(TypeName(got)));
  }

  bool TooLong(Field field, size_t max, size_t got) {
    return Invalid(field, "must be at most " + std::to_string(max) + " characters, got " +
                              std::to_string(got));
  }

  bool Unknown(std::string_view key) {
    std::vector<std::string_view> names(std::begin(kFieldNames), std::end(kFieldNames));
    auto close = ClosestWords(key, names, 1, key.size() <= 3 ? 1 : 2);
    std::string message = "unknown field '" + Printable(key) + "'";
    if (!close.empty()) message += "; did you mean '" + std::string(close[0]) + "'?";
    out_.status = ReadStatus::kInvalid;
    out_.error.code = ErrorCode::kInvalidEvent;
    out_.error.field = Excerpt(key);
    out_.error.message = std::move(message);
    return false;
  }

  bool Invalid(std::optional<Field> field, std::string message) {
    out_.status = ReadStatus::kInvalid;
    out_.error.code = ErrorCode::kInvalidEvent;
    if (field) out_.error.field = FieldName(*field);
    out_.error.message = std::move(message);
    return false;
  }

  bool Json(simdjson::error_code e) {
    out_.status = ReadStatus::kJsonError;
    out_.json_error = e;
    return false;
  }

  const Catalog& taxonomy_;
  Event& event_;
  ReadOutput& out_;
};

}  // namespace

void ReadEvent(od::document& doc, const Catalog& taxonomy, Event& event, ReadOutput& out) {
  Reader(taxonomy, event, out).Run(doc);
}

bool IsValidId(std::string_view id) {
  return !id.empty() && id.size() <= kMaxIdChars && IsPrintableAscii(id);
}

}  // namespace vigia::detail
