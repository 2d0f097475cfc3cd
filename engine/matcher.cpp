// SPDX-License-Identifier: Apache-2.0
#include "engine/matcher.h"

#include <re2/re2.h>

#include <algorithm>
#include <charconv>
#include <cmath>

namespace vigia::engine {
namespace {

using rules::Condition;
using rules::Field;
using Op = Condition::Op;

// One value of a field, borrowed from the event: a string, a number or a
// Scalar (attrs).
struct Value {
  enum class Kind : uint8_t { kString, kNumber, kScalar } kind = Kind::kString;
  std::string_view text;
  double number = 0;
  const Scalar* scalar = nullptr;
};

Value Str(std::string_view s) { return {Value::Kind::kString, s, 0, nullptr}; }

// Calls fn(Value) for each value of the field (arrays: each element) and
// returns whether the field is present. fn returns true to stop early.
template <typename Fn>
bool ForEachValue(const rules::FieldRef& f, const EventView& v, Fn&& fn) {
  const Event& e = *v.event;
  auto opt = [&](const std::optional<std::string>& s) {
    if (!s) return false;
    fn(Str(*s));
    return true;
  };
  switch (f.field) {
    case Field::kId: fn(Str(e.id)); return true;
    case Field::kType: fn(Str(e.type)); return true;
    case Field::kSource: fn(Str(e.source)); return true;
    case Field::kRegion:  // empty on alert events whose events span regions
      if (e.region.empty()) return false;
      fn(Str(e.region));
      return true;
    case Field::kTime: return true;  // present, but neither a string nor a number
    case Field::kMunicipality: return opt(e.municipality);
    case Field::kSubject: return opt(e.subject);
    case Field::kCategory: return opt(e.category);
    case Field::kSeverity:
      if (!e.severity) return false;
      fn(Value{Value::Kind::kNumber, {}, static_cast<double>(*e.severity), nullptr});
      return true;
    case Field::kGroups:
      for (size_t i = 0; i < v.group_count(); ++i)
        if (fn(Str(v.group(i)))) break;
      return v.group_count() > 0;
    case Field::kTags:
      for (const auto& t : e.tags)
        if (fn(Str(t))) break;
      return !e.tags.empty();
    case Field::kAttr: {
      const AttrValue* a = e.FindAttr(f.attr);
      if (!a) return false;
      if (!a->is_array) {
        fn(Value{Value::Kind::kScalar, {}, 0, &a->scalar});
        return true;
      }
      for (const auto& s : a->items)
        if (fn(Value{Value::Kind::kScalar, {}, 0, &s})) break;
      return true;
    }
  }
  return false;
}

std::optional<double> AsNumber(const Value& v) {
  if (v.kind == Value::Kind::kNumber) return v.number;
  if (v.kind == Value::Kind::kScalar && v.scalar->kind == Scalar::Kind::kNumber)
    return v.scalar->number;
  return std::nullopt;
}

// The text of a string value (strings only: prefix/contains/regex).
std::optional<std::string_view> AsString(const Value& v) {
  if (v.kind == Value::Kind::kString) return v.text;
  if (v.kind == Value::Kind::kScalar && v.scalar->kind == Scalar::Kind::kString)
    return std::string_view(v.scalar->text);
  return std::nullopt;
}

// Equality of an event value and a rule literal. Strings compare as text and
// numbers numerically; a number literal also equals a string field that spells
// it (`municipality: 123`), since YAML types plain scalars eagerly.
bool Equal(const Value& v, const Scalar& lit) {
  switch (v.kind) {
    case Value::Kind::kString:
      return (lit.kind == Scalar::Kind::kString || lit.kind == Scalar::Kind::kNumber) &&
             v.text == lit.text;
    case Value::Kind::kNumber:
      return lit.kind == Scalar::Kind::kNumber && v.number == lit.number;
    case Value::Kind::kScalar: {
      const Scalar& s = *v.scalar;
      switch (s.kind) {
        case Scalar::Kind::kNull: return lit.kind == Scalar::Kind::kNull;
        case Scalar::Kind::kBool: return lit.kind == Scalar::Kind::kBool && s.boolean == lit.boolean;
        case Scalar::Kind::kNumber: return lit.kind == Scalar::Kind::kNumber && s.number == lit.number;
        case Scalar::Kind::kString:
          return (lit.kind == Scalar::Kind::kString || lit.kind == Scalar::Kind::kNumber) &&
                 s.text == lit.text;
      }
    }
  }
  return false;
}

bool EqualsAny(const Value& v, const std::vector<Scalar>& lits) {
  return std::any_of(lits.begin(), lits.end(), [&](const Scalar& l) { return Equal(v, l); });
}

bool Leaf(const Condition& c, const EventView& view) {
  bool any = false;  // some value satisfies the positive form
  bool present = false;
  switch (c.op) {
    case Op::kExists:
      present = ForEachValue(c.field, view, [](const Value&) { return true; });
      return present == c.exists;
    case Op::kIn:
      ForEachValue(c.field, view, [&](const Value& v) { return any = EqualsAny(v, c.values); });
      return any;
    case Op::kNotIn:
    case Op::kNe:  // holds when no value equals (a missing field holds)
      ForEachValue(c.field, view, [&](const Value& v) { return any = EqualsAny(v, c.values); });
      return !any;
    case Op::kGt: case Op::kGte: case Op::kLt: case Op::kLte:
      ForEachValue(c.field, view, [&](const Value& v) {
        auto n = AsNumber(v);
        if (!n) return false;
        switch (c.op) {
          case Op::kGt: any = *n > c.number; break;
          case Op::kGte: any = *n >= c.number; break;
          case Op::kLt: any = *n < c.number; break;
          default: any = *n <= c.number; break;
        }
        return any;
      });
      return any;
    case Op::kPrefix: case Op::kContains: case Op::kRegex:
      ForEachValue(c.field, view, [&](const Value& v) {
        auto s = AsString(v);
        if (!s) return false;
        if (c.op == Op::kPrefix) any = s->substr(0, c.text.size()) == c.text;
        else if (c.op == Op::kContains) any = s->find(c.text) != std::string_view::npos;
        else any = c.regex && re2::RE2::PartialMatch(*s, *c.regex);
        return any;
      });
      return any;
    default:
      return false;
  }
}

bool InList(const std::optional<std::vector<std::string>>& list, std::string_view value) {
  return std::find(list->begin(), list->end(), value) != list->end();
}

}  // namespace

bool EventView::HasGroup(std::string_view g) const {
  for (size_t i = 0; i < group_count(); ++i)
    if (group(i) == g) return true;
  return false;
}

bool Matches(const Condition& c, const EventView& view) {
  switch (c.op) {
    case Op::kAll:
      for (const auto& ch : c.children)
        if (!Matches(ch, view)) return false;
      return true;
    case Op::kAny:
      for (const auto& ch : c.children)
        if (Matches(ch, view)) return true;
      return false;
    case Op::kNot:
      return c.children.empty() || !Matches(c.children.front(), view);
    default:
      return Leaf(c, view);
  }
}

bool MatchesWhere(const rules::Where& w, const EventView& view) {
  const Event& e = *view.event;
  if (w.region && !InList(w.region, e.region)) return false;
  if (w.source && !InList(w.source, e.source)) return false;
  if (w.municipality && (!e.municipality || !InList(w.municipality, *e.municipality))) return false;
  if (w.group) {
    bool shared = false;
    for (size_t i = 0; i < view.group_count() && !shared; ++i) shared = InList(w.group, view.group(i));
    if (!shared) return false;
  }
  return true;
}

std::optional<std::string> KeyValue(const rules::FieldRef& f, const EventView& view) {
  if (f.field == Field::kGroups) {
    // Only meaningful on a fanned-out copy; an unfanned event keys on its first group.
    if (view.group_count() == 0) return std::nullopt;
    return view.group(0);
  }
  std::optional<std::string> out;
  ForEachValue(f, view, [&](const Value& v) {
    switch (v.kind) {
      case Value::Kind::kString: out = std::string(v.text); break;
      case Value::Kind::kNumber: {
        char buf[32];
        auto r = std::to_chars(buf, buf + sizeof buf, static_cast<int64_t>(v.number));
        out = std::string(buf, r.ptr);
        break;
      }
      case Value::Kind::kScalar:
        switch (v.scalar->kind) {
          case Scalar::Kind::kString: case Scalar::Kind::kNumber: out = v.scalar->text; break;
          case Scalar::Kind::kBool: out = v.scalar->boolean ? "true" : "false"; break;
          case Scalar::Kind::kNull: break;
        }
        break;
    }
    return true;
  });
  if (f.field == Field::kAttr) {
    const AttrValue* a = view.event->FindAttr(f.attr);
    if (a && a->is_array) return std::nullopt;
  }
  return out;
}

}  // namespace vigia::engine
