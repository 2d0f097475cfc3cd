// SPDX-License-Identifier: Apache-2.0
// Builds alerts from the events that completed a rule, and alert events from alerts.
#include <algorithm>
#include <charconv>
#include <string_view>

#include "engine/detail/engine_internal.h"

namespace vigia::engine::detail {
namespace {

// Replaces {name} placeholders (rules.md, `summary`).
std::string RenderSummary(const std::string& tmpl, const rules::Rule& rule, const Alert& a) {
  std::string out;
  out.reserve(tmpl.size() + 32);
  size_t i = 0;
  while (i < tmpl.size()) {
    size_t open = tmpl.find('{', i);
    size_t close = open == std::string::npos ? open : tmpl.find('}', open);
    if (close == std::string::npos) {
      out.append(tmpl, i, std::string::npos);
      break;
    }
    out.append(tmpl, i, open - i);
    std::string_view name(tmpl.data() + open + 1, close - open - 1);
    std::string value;
    bool known = true;
    if (name == "count") value = std::to_string(a.count);
    else if (name == "rule") value = rule.id;
    else if (name == "level") value = std::string(rules::ToString(a.level));
    else if (name == "first_time") value = FormatRfc3339(a.first_time);
    else if (name == "last_time") value = FormatRfc3339(a.last_time);
    else {
      known = false;
      for (const auto& [k, v] : a.key)
        if (k == name) { value = v; known = true; break; }
    }
    if (known) out += value;
    else out.append(tmpl, open, close - open + 1);
    i = close + 1;
  }
  return out;
}

}  // namespace

RecordPtr MakeRecord(const Event& e, uint64_t order, const Alert* source, Interner& interner) {
  auto rec = Record::Make(e.id, e.subject);
  rec->time = e.time;
  rec->order = order;
  rec->region = interner.Region(e.region);
  rec->groups = interner.Groups(e.groups);
  if (source) {
    rec->depth = static_cast<int16_t>(source->depth);
    rec->root_events = std::make_unique<const std::vector<std::string>>(source->root_events);
  }
  return rec;
}

GroupList Interner::Groups(const std::vector<std::string>& groups) {
  scratch_.clear();
  for (const auto& g : groups) AppendKeyPart(scratch_, g);
  auto [it, inserted] = groups_.try_emplace(scratch_);
  if (inserted) it->second = new InternedGroups(groups);
  return it->second;
}

Event AlertEvent(const Alert& a, TimeUs clock) {
  Event e;
  e.id = a.id;
  e.type = "alert";
  e.time = a.time;
  e.source = "vigia";
  e.region = a.region.value_or("");
  e.groups = a.groups;
  e.subject = a.subject;
  e.category = a.rule;
  e.severity = static_cast<int>(a.level);
  e.arrival = clock;
  AttrValue roots;
  roots.is_array = true;
  for (const auto& id : a.root_events) roots.items.push_back(Scalar::String(id));
  // attrs sorted by name.
  e.attrs.emplace_back("depth", AttrValue{false, Scalar::Number(a.depth, std::to_string(a.depth)), {}});
  e.attrs.emplace_back("level", AttrValue{false, Scalar::String(std::string(rules::ToString(a.level))), {}});
  e.attrs.emplace_back("root_events", std::move(roots));
  e.attrs.emplace_back("rule", AttrValue{false, Scalar::String(a.rule), {}});
  return e;
}

Alert BuildAlert(const CompiledRule& r, uint32_t v, const std::vector<std::string>& key_values,
                 std::span<const Entry> events, TimeUs time, int64_t count, TimeUs fired_at) {
  const rules::Rule& rule = *r.rule;
  const Variant& var = r.variants[v];
  Alert a;
  a.rule = rule.id;
  a.level = var.level;
  a.variant = var.name;
  a.rule_version = rule.version;
  a.shadow = rule.shadow;
  for (size_t i = 0; i < rule.by.size() && i < key_values.size(); ++i)
    a.key.emplace_back(rule.by[i].name, key_values[i]);
  a.time = time;
  a.count = count;
  a.fired_at = fired_at;
  a.first_time = events.empty() ? time : events.front().time;
  a.last_time = a.first_time;
  int depth = 0;
  bool same_region = true, same_subject = true;
  std::vector<std::string> groups =
      events.empty() ? std::vector<std::string>{} : events.front().rec->groups->list;
  for (const Entry& en : events) {
    const Record& rec = *en.rec;
    a.events.emplace_back(rec.id());
    a.first_time = std::min(a.first_time, en.time);
    a.last_time = std::max(a.last_time, en.time);
    depth = std::max<int>(depth, rec.depth);
    same_region &= rec.region == events.front().rec->region;
    same_subject &= rec.same_subject(*events.front().rec);
    std::erase_if(groups, [&](const std::string& g) {
      const auto& list = rec.groups->list;
      return std::find(list.begin(), list.end(), g) == list.end();
    });
    const auto roots =
        rec.depth == 0 ? std::vector<std::string>{std::string(rec.id())} : rec.roots();
    for (const auto& id : roots)
      if (std::find(a.root_events.begin(), a.root_events.end(), id) == a.root_events.end())
        a.root_events.push_back(id);
  }
  a.depth = depth + 1;
  if (!events.empty()) {
    if (same_region && !events.front().rec->region->empty()) a.region = *events.front().rec->region;
    if (same_subject) a.subject = events.front().rec->subject_value();
  }
  if (r.fan_out) {
    // The copy's group is the key's: each copy saw only that group.
    for (size_t i = 0; i < rule.by.size(); ++i)
      if (rule.by[i].field == rules::Field::kGroups && i < key_values.size())
        groups = {key_values[i]};
  }
  a.groups = std::move(groups);
  if (var.summary) a.summary = RenderSummary(*var.summary, rule, a);
  a.id = ComputeAlertId(a);
  return a;
}

std::vector<std::string> KeyValues(std::string_view key) {
  std::vector<std::string> values;
  while (!key.empty()) {
    const size_t colon = key.find(':');
    size_t size = 0;
    std::from_chars(key.data(), key.data() + colon, size);
    values.emplace_back(key.substr(colon + 1, size));
    key.remove_prefix(colon + 1 + size);
  }
  return values;
}

}  // namespace vigia::engine::detail
