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
  if (!with_history) return json;
  boost::json::array history;
  for (const auto& h : s.history) {
    boost::json::object e;
    e["at"] = FormatRfc3339(h.at);
    e["change"] = h.change;
    e["by"] = h.by;
    if (!h.note.empty()) e["note"] = h.note;
    history.push_back(std::move(e));
  }
  json.pop_back();
  return json + ",\"history\":" + boost::json::serialize(history) + "}";
}

}  // namespace vigia::daemon
