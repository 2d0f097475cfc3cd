// SPDX-License-Identifier: Apache-2.0
#include "core/event.h"

#include <algorithm>
#include <charconv>
#include <cstring>

#include "core/detail/json_text.h"

namespace vigia {

bool Scalar::operator==(const Scalar& o) const {
  if (kind != o.kind) return false;
  switch (kind) {
    case Kind::kNull:
      return true;
    case Kind::kBool:
      return boolean == o.boolean;
    // By value, so a rule's 3 matches an event's 3.0; the written text only
    // matters for re-emitting the event.
    case Kind::kNumber:
      return number == o.number;
    case Kind::kString:
      return text == o.text;
  }
  return false;
}

const AttrValue* Event::FindAttr(std::string_view name) const {
  auto it = std::lower_bound(attrs.begin(), attrs.end(), name,
                             [](const auto& attr, std::string_view n) { return attr.first < n; });
  return (it != attrs.end() && it->first == name) ? &it->second : nullptr;
}

namespace {

void AppendScalar(std::string& out, const Scalar& s) {
  switch (s.kind) {
    case Scalar::Kind::kNull:
      out.append("null");
      break;
    case Scalar::Kind::kBool:
      out.append(s.boolean ? "true" : "false");
      break;
    case Scalar::Kind::kString:
      detail::AppendJsonString(out, s.text);
      break;
    case Scalar::Kind::kNumber:
      if (!s.text.empty()) {
        out.append(s.text);  // as written: keeps precision and big integers exact
      } else {
        char buf[32];
        auto [end, ec] = std::to_chars(buf, buf + sizeof buf, s.number);
        out.append(buf, ec == std::errc() ? end : buf);
      }
      break;
  }
}

// `,"key":` for one of our own field names (nothing to escape), in one append;
// always after "id", which every event has, so always with the comma.
template <size_t N>
void AppendKey(std::string& out, const char (&key)[N]) {
  char buf[N + 3];
  buf[0] = ',';
  buf[1] = '"';
  std::memcpy(buf + 2, key, N - 1);
  buf[N + 1] = '"';
  buf[N + 2] = ':';
  out.append(buf, N + 3);
}

void AppendStringArray(std::string& out, const std::vector<std::string>& items) {
  out.push_back('[');
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out.push_back(',');
    detail::AppendJsonString(out, items[i]);
  }
  out.push_back(']');
}

}  // namespace

std::string CanonicalJson(const Event& e) {
  std::string out;
  out.reserve(256);
  // Fields in the order of the table in events.md; absent ones left out.
  out.push_back('{');
  out.append("\"id\":");
  detail::AppendJsonString(out, e.id);
  out.append(",\"type\":");
  detail::AppendJsonString(out, e.type);
  out.append(",\"time\":\"");
  AppendRfc3339(out, e.time);
  out.append("\",\"source\":");
  detail::AppendJsonString(out, e.source);
  out.append(",\"region\":");
  detail::AppendJsonString(out, e.region);
  if (e.municipality) {
    AppendKey(out, "municipality");
    detail::AppendJsonString(out, *e.municipality);
  }
  if (!e.groups.empty()) {
    AppendKey(out, "groups");
    AppendStringArray(out, e.groups);
  }
  if (e.subject) {
    AppendKey(out, "subject");
    detail::AppendJsonString(out, *e.subject);
  }
  if (e.category) {
    AppendKey(out, "category");
    detail::AppendJsonString(out, *e.category);
  }
  if (e.severity) {
    AppendKey(out, "severity");
    const int severity = *e.severity;  // 1 to 5 when decoded
    if (severity >= 0 && severity <= 9) {
      out.push_back(static_cast<char>('0' + severity));
    } else {
      out.append(std::to_string(severity));
    }
  }
  if (!e.tags.empty()) {
    AppendKey(out, "tags");
    AppendStringArray(out, e.tags);
  }
  if (!e.attrs.empty()) {
    AppendKey(out, "attrs");
    out.push_back('{');
    for (size_t i = 0; i < e.attrs.size(); ++i) {
      if (i > 0) out.push_back(',');
      const auto& [name, value] = e.attrs[i];
      detail::AppendJsonString(out, name);
      out.push_back(':');
      if (!value.is_array) {
        AppendScalar(out, value.scalar);
        continue;
      }
      out.push_back('[');
      for (size_t j = 0; j < value.items.size(); ++j) {
        if (j > 0) out.push_back(',');
        AppendScalar(out, value.items[j]);
      }
      out.push_back(']');
    }
    out.push_back('}');
  }
  out.push_back('}');
  return out;
}

namespace {

// Content fingerprint built field by field (no canonical text is rendered on
// the ingest path). Each piece is tagged with its field, so the same bytes in
// another field, or split differently across array items, hash differently.
class ContentHasher {
 public:
  void Add(uint8_t tag) { h_ = Mix(h_ ^ (0x100 + tag)); }
  void Add(uint8_t tag, std::string_view s) {
    Add(tag);
    h_ = Mix(h_ ^ std::hash<std::string_view>{}(s) ^ s.size());
  }
  void Add(uint8_t tag, const Scalar& v) {
    switch (v.kind) {
      case Scalar::Kind::kNull: Add(tag); break;
      case Scalar::Kind::kBool: Add(tag + 1 + v.boolean); break;
      case Scalar::Kind::kNumber: Add(tag + 3, v.text); break;  // as written, like CanonicalJson
      case Scalar::Kind::kString: Add(tag + 4, v.text); break;
    }
  }
  uint64_t value() const { return h_; }

 private:
  static uint64_t Mix(uint64_t x) {  // splitmix64's finaliser
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
  }
  uint64_t h_ = 0x9e3779b97f4a7c15ULL;
};

}  // namespace

uint64_t ContentHash(const Event& e) {
  ContentHasher h;
  h.Add(1, e.id);
  h.Add(2, e.type);
  h.Add(3, std::string_view(reinterpret_cast<const char*>(&e.time), sizeof e.time));
  h.Add(4, e.source);
  h.Add(5, e.region);
  if (e.municipality) h.Add(6, *e.municipality);
  for (const auto& g : e.groups) h.Add(7, g);
  if (e.subject) h.Add(8, *e.subject);
  if (e.category) h.Add(9, *e.category);
  if (e.severity) h.Add(static_cast<uint8_t>(10 + *e.severity));
  for (const auto& t : e.tags) h.Add(20, t);
  for (const auto& [name, value] : e.attrs) {
    h.Add(30, name);
    if (!value.is_array) {
      h.Add(40, value.scalar);
    } else {
      h.Add(50);
      for (const auto& item : value.items) h.Add(60, item);
      h.Add(51);
    }
  }
  return h.value();
}

}  // namespace vigia
