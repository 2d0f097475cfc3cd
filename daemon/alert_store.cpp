// SPDX-License-Identifier: Apache-2.0
#include "daemon/alert_store.h"

#include <algorithm>
#include <boost/json.hpp>

namespace vigia::daemon {

bool AlertStore::Add(const engine::Alert& alert) {
  auto [it, inserted] = by_id_.try_emplace(alert.id);
  if (!inserted) return false;
  it->second.alert = alert;
  it->second.history.push_back({alert.fired_at, "fired", "vigia", ""});
  order_.push_back(alert.id);
  while (order_.size() > capacity_) {
    by_id_.erase(order_.front());
    order_.pop_front();
  }
  return true;
}

bool AlertStore::Restore(StoredAlert alert) {
  std::string id = alert.alert.id;
  auto [it, inserted] = by_id_.try_emplace(id, std::move(alert));
  if (!inserted) return false;
  order_.push_back(std::move(id));
  while (order_.size() > capacity_) {
    by_id_.erase(order_.front());
    order_.pop_front();
  }
  return true;
}

const StoredAlert* AlertStore::Acknowledge(const std::string& id, TimeUs at, const std::string& by,
                                           const std::string& note, std::string* error) {
  auto it = by_id_.find(id);
  if (it == by_id_.end()) {
    *error = "no alert with this id";
    return nullptr;
  }
  StoredAlert& a = it->second;
  if (a.alert.status != "firing") {
    *error = "the alert is " + a.alert.status + ", not firing";
    return nullptr;
  }
  a.alert.status = "acknowledged";
  a.history.push_back({at, "acknowledged", by, note});
  return &a;
}

const StoredAlert* AlertStore::Resolve(const std::string& id, TimeUs at, const std::string& by,
                                       const std::string& note, std::string* error) {
  auto it = by_id_.find(id);
  if (it == by_id_.end()) {
    *error = "no alert with this id";
    return nullptr;
  }
  StoredAlert& a = it->second;
  if (a.alert.status == "resolved") {
    *error = "the alert is already resolved";
    return nullptr;
  }
  a.alert.status = "resolved";
  a.history.push_back({at, "resolved", by, note});
  return &a;
}

const StoredAlert* AlertStore::Retract(const engine::Retraction& x) {
  auto it = by_id_.find(x.alert_id);
  if (it == by_id_.end() || it->second.alert.status == "resolved") return nullptr;
  StoredAlert& a = it->second;
  a.alert.status = "resolved";
  a.resolution = x;
  a.history.push_back({x.at, "resolved", "vigia", x.reason});
  return &a;
}

const StoredAlert* AlertStore::Find(const std::string& id) const {
  auto it = by_id_.find(id);
  return it == by_id_.end() ? nullptr : &it->second;
}

StoredAlert* AlertStore::FindMutable(const std::string& id) {
  auto it = by_id_.find(id);
  return it == by_id_.end() ? nullptr : &it->second;
}

std::vector<const StoredAlert*> AlertStore::List(const AlertFilter& f) const {
  std::vector<const StoredAlert*> out;
  for (auto it = order_.rbegin(); it != order_.rend() && out.size() < f.limit; ++it) {
    const StoredAlert& s = by_id_.at(*it);
    const engine::Alert& a = s.alert;
    if (f.status && a.status != *f.status) continue;
    if (f.region && a.region != *f.region) continue;
    if (f.level && rules::ToString(a.level) != *f.level) continue;
    if (f.group && std::find(a.groups.begin(), a.groups.end(), *f.group) == a.groups.end()) continue;
    if (f.since && a.fired_at < *f.since) continue;
    out.push_back(&s);
  }
  return out;
}

size_t AlertStore::CountByStatus(const std::string& status) const {
  return static_cast<size_t>(std::count_if(by_id_.begin(), by_id_.end(), [&](const auto& kv) {
    return kv.second.alert.status == status;
  }));
}

std::string StoredAlertJson(const StoredAlert& s, bool with_history) {
  std::string json = s.resolution ? engine::ResolvedAlertJson(s.alert, *s.resolution)
                                  : engine::AlertJson(s.alert);
  if (s.silenced || !s.escalations.empty()) {
    json.pop_back();
    if (!s.escalations.empty()) {
      boost::json::array escalations;
      for (const auto& e : s.escalations) {
        boost::json::object o;
        o["policy"] = e.policy;
        o["tier"] = e.tier;
        if (e.next_at) o["next_at"] = FormatRfc3339(*e.next_at);
        escalations.push_back(std::move(o));
      }
      json += ",\"escalations\":" + boost::json::serialize(escalations);
    }
    if (s.silenced) json += ",\"silenced\":true";
    json += "}";
  }
  if (!with_history) return json;
  boost::json::array history;
  for (const auto& h : s.history) {
    boost::json::object e;
    e["at"] = FormatRfc3339(h.at);
    e["change"] = h.change;
    e["by"] = h.by;
    if (!h.note.empty()) e["note"] = h.note;
    if (!h.receiver.empty()) e["receiver"] = h.receiver;
    if (!h.policy.empty()) e["policy"] = h.policy;
    if (h.tier >= 0) e["tier"] = h.tier;
    history.push_back(std::move(e));
  }
  json.pop_back();
  return json + ",\"history\":" + boost::json::serialize(history) + "}";
}

namespace {

std::string StringAt(const boost::json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

std::vector<std::string> StringsAt(const boost::json::object& o, std::string_view key) {
  std::vector<std::string> out;
  if (const auto* v = o.if_contains(key); v && v->is_array())
    for (const auto& x : v->as_array())
      if (x.is_string()) out.emplace_back(x.as_string());
  return out;
}

// An RFC 3339 field; false when missing or malformed.
bool TimeAt(const boost::json::object& o, std::string_view key, TimeUs* out) {
  auto t = ParseRfc3339(StringAt(o, key));
  if (!t) return false;
  *out = *t;
  return true;
}

std::optional<DurationUs> ParseElapsed(std::string_view text) {
  // FormatElapsed's output: "0s", "1d2h3m4s".
  DurationUs total = 0;
  int64_t n = 0;
  bool digits = false;
  for (char c : text) {
    if (c >= '0' && c <= '9') {
      n = n * 10 + (c - '0');
      digits = true;
      continue;
    }
    const int64_t unit = c == 'd' ? 86400 : c == 'h' ? 3600 : c == 'm' ? 60 : c == 's' ? 1 : 0;
    if (!unit || !digits) return std::nullopt;
    total += n * unit * kSecond;
    n = 0;
    digits = false;
  }
  if (digits) return std::nullopt;
  return total;
}

}  // namespace

std::optional<StoredAlert> StoredAlertFromJson(std::string_view json) {
  boost::system::error_code ec;
  auto parsed = boost::json::parse(json, ec);
  if (ec || !parsed.is_object()) return std::nullopt;
  const auto& o = parsed.as_object();
  StoredAlert s;
  engine::Alert& a = s.alert;
  a.id = StringAt(o, "alert");
  a.rule = StringAt(o, "rule");
  std::optional<rules::Level> level;
  const std::string level_text = StringAt(o, "level");
  for (auto l : {rules::Level::kInfo, rules::Level::kWatch, rules::Level::kWarning, rules::Level::kCritical})
    if (rules::ToString(l) == level_text) level = l;
  if (a.id.empty() || a.rule.empty() || !level) return std::nullopt;
  a.level = *level;
  a.status = StringAt(o, "status");
  if (const auto* k = o.if_contains("key"); k && k->is_object())
    for (const auto& [name, value] : k->as_object())
      if (value.is_string()) a.key.emplace_back(std::string(name), std::string(value.as_string()));
  if (o.contains("region")) a.region = StringAt(o, "region");
  a.groups = StringsAt(o, "groups");
  if (o.contains("subject")) a.subject = StringAt(o, "subject");
  if (!TimeAt(o, "time", &a.time) || !TimeAt(o, "first_time", &a.first_time) ||
      !TimeAt(o, "fired_at", &a.fired_at))
    return std::nullopt;
  a.last_time = a.time;
  a.events = StringsAt(o, "events");
  if (const auto* c = o.if_contains("count"); c && c->is_int64()) a.count = c->as_int64();
  a.summary = StringAt(o, "summary");
  a.variant = StringAt(o, "variant");
  a.rule_version = StringAt(o, "rule_version");
  if (const auto* d = o.if_contains("depth"); d && d->is_int64()) a.depth = static_cast<int>(d->as_int64());
  if (const auto* sh = o.if_contains("shadow"); sh && sh->is_bool()) a.shadow = sh->as_bool();
  if (const auto* r = o.if_contains("resolution"); r && r->is_object()) {
    const auto& ro = r->as_object();
    engine::Retraction x;
    x.alert_id = a.id;
    x.rule = a.rule;
    x.reason = StringAt(ro, "reason");
    x.event_id = StringAt(ro, "event");
    auto late = ParseElapsed(StringAt(ro, "late_by"));
    if (!late || !TimeAt(ro, "at", &x.at)) return std::nullopt;
    x.late_by = *late;
    s.resolution = std::move(x);
  }
  if (const auto* v = o.if_contains("silenced"); v && v->is_bool()) s.silenced = v->as_bool();
  if (const auto* es = o.if_contains("escalations"); es && es->is_array()) {
    for (const auto& e : es->as_array()) {
      if (!e.is_object()) return std::nullopt;
      EscalationState st;
      st.policy = StringAt(e.as_object(), "policy");
      if (const auto* t = e.as_object().if_contains("tier"); t && t->is_int64()) st.tier = t->as_int64();
      TimeUs next = 0;
      if (e.as_object().contains("next_at")) {
        if (!TimeAt(e.as_object(), "next_at", &next)) return std::nullopt;
        st.next_at = next;
      }
      s.escalations.push_back(std::move(st));
    }
  }
  if (const auto* h = o.if_contains("history"); h && h->is_array()) {
    for (const auto& e : h->as_array()) {
      if (!e.is_object()) return std::nullopt;
      HistoryEntry entry;
      if (!TimeAt(e.as_object(), "at", &entry.at)) return std::nullopt;
      entry.change = StringAt(e.as_object(), "change");
      entry.by = StringAt(e.as_object(), "by");
      entry.note = StringAt(e.as_object(), "note");
      entry.receiver = StringAt(e.as_object(), "receiver");
      entry.policy = StringAt(e.as_object(), "policy");
      if (const auto* t = e.as_object().if_contains("tier"); t && t->is_int64()) entry.tier = t->as_int64();
      s.history.push_back(std::move(entry));
    }
  }
  return s;
}

}  // namespace vigia::daemon
