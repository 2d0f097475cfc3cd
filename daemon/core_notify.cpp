// SPDX-License-Identifier: Apache-2.0
// The core's side of the notifier (notifier/notifier.h): wiring its hooks to
// the alert store, the stream and the dispatcher; silences; time to
// acknowledge. Same thread rules as core.cpp.
#include <array>
#include <sstream>

#include <boost/json.hpp>
#include <spdlog/spdlog.h>

#include "daemon/core.h"
#include "notifier/dispatcher.h"
#include "notifier/notifier.h"
#include "notifier/render.h"

namespace vigia::daemon {
namespace {

namespace json = boost::json;

// Time to acknowledge, in seconds: from a minute to a day.
constexpr std::array<double, 10> kAckBuckets = {60, 300, 900, 1800, 3600, 7200, 14400, 28800, 86400, 172800};

std::string Topic(std::string_view change, const engine::Alert& a) {
  return "update." + std::string(change) + "." + a.region.value_or("-");
}

std::string OkJson(const std::string& body_json) { return "{\"status\":200,\"body\":" + body_json + "}"; }

std::string ErrorJson(int status, const std::string& message) {
  json::object o;
  o["status"] = status;
  o["error"] = message;
  return json::serialize(o);
}

}  // namespace

bool Core::Healthy() const { return !journal_ || journal_->healthy(); }

std::string Core::StartNotifier() {
  if (!options_.notifier || notifier_) return {};
  std::optional<notifier::TimeZone> tz = notifier::TimeZone::Load(options_.notifier->timezone);
  if (!tz) return "notifier.timezone: '" + options_.notifier->timezone + "' is not a time zone of this system";
  dispatcher_ = std::make_unique<notifier::Dispatcher>(*options_.notifier);
  notifier::Notifier::Hooks hooks;
  hooks.submit = [this](notifier::Delivery d) { dispatcher_->Submit(std::move(d)); };
  hooks.publish = [this](const std::string& topic, const std::string& body) { Publish(topic, body); };
  hooks.alert = [this](const std::string& id) -> std::optional<json::object> {
    const StoredAlert* a = store_.Find(id);
    if (!a) return std::nullopt;
    json::error_code ec;
    json::value v = json::parse(StoredAlertJson(*a, false), ec);
    if (ec || !v.is_object()) return std::nullopt;
    return std::move(v.as_object());
  };
  hooks.history = [this](const std::string& id, const notifier::HistoryNote& n) { OnNotifierHistory(id, n); };
  hooks.schedule = [this](const std::string& id, const std::vector<notifier::EscalationView>& v, bool escalated) {
    OnNotifierSchedule(id, v, escalated);
  };
  notifier_ = std::make_unique<notifier::Notifier>(*options_.notifier, std::move(*tz), options_.node,
                                                   std::move(hooks));
  if (storage::Status s = notifier_->Load(db_.get(), now_()); !s.ok())
    return "cannot read the notifier's outbox: " + ToString(s.error());
  dispatcher_->Start();
  return {};
}

void Core::StopNotifier() {
  if (!dispatcher_) return;
  // Deliveries in flight get a moment to finish; what does not stays pending
  // in the outbox and is sent again at the next start.
  dispatcher_->Stop(3 * kSecond);
  OnNotifierOutcomes();
}

void Core::OnNotifierOutcomes() {
  if (!dispatcher_) return;
  const TimeUs now = now_();
  for (const notifier::Outcome& o : dispatcher_->TakeOutcomes()) notifier_->OnOutcome(o, now);
}

void Core::OnNotifierHistory(const std::string& alert_id, const notifier::HistoryNote& n) {
  StoredAlert* a = store_.FindMutable(alert_id);
  if (!a) return;  // too old to be held; its outbox rows keep the record
  HistoryEntry e{n.at, n.change, "vigia", n.note, n.receiver, n.policy, n.tier};
  a->history.push_back(std::move(e));
  std::string note = n.note;
  if (!n.receiver.empty()) note = n.receiver + ": " + note;
  if (!n.policy.empty()) note = "policy " + n.policy + ", " + note;
  PersistAlert(*a, n.change, "vigia", note);
}

void Core::OnNotifierSchedule(const std::string& alert_id, const std::vector<notifier::EscalationView>& views,
                              bool escalated) {
  StoredAlert* a = store_.FindMutable(alert_id);
  if (!a) return;
  // Policies that ended keep their last state; the running ones are replaced.
  for (const auto& v : views) {
    auto it = std::find_if(a->escalations.begin(), a->escalations.end(),
                           [&](const EscalationState& e) { return e.policy == v.policy; });
    if (it == a->escalations.end()) it = a->escalations.insert(a->escalations.end(), {v.policy, -1, {}});
    it->tier = v.tier;
    it->next_at = v.next_at;
  }
  for (auto& e : a->escalations)
    if (std::none_of(views.begin(), views.end(), [&](const auto& v) { return v.policy == e.policy; }))
      e.next_at.reset();
  if (escalated) Publish(Topic("escalated", a->alert), StoredAlertJson(*a, false));
}

void Core::NotifyFired(StoredAlert& a) {
  if (!notifier_) return;
  json::error_code ec;
  json::value v = json::parse(StoredAlertJson(a, false), ec);
  if (ec || !v.is_object()) return;
  const TimeUs now = now_();
  if (std::optional<std::string> silence = notifier_->OnFired(v.as_object(), now)) {
    a.silenced = true;
    a.history.push_back({now, "silenced", "vigia", "silence " + *silence});
    PersistAlert(a, "silenced", "vigia", "silence " + *silence);
    return;
  }
  // Tier 0 is usually due at once: its rows are written with the alert.
  notifier_->Poll(now, Healthy());
}

std::string Core::SilenceQuery(const std::string& op, const json::object& q) {
  if (!notifier_) return ErrorJson(409, "silences need the notifier: vigia.yaml has no notifier section");
  const TimeUs now = now_();
  const auto str = [&](const char* key) {
    const json::value* v = q.if_contains(key);
    return v && v->is_string() ? std::string(v->as_string()) : std::string();
  };
  if (op == "silences") {
    json::array out;
    for (const auto& s : notifier_->Silences(now)) out.push_back(json::parse(notifier::SilenceJson(s)));
    return OkJson(json::serialize(out));
  }
  if (op == "silence_add") {
    auto parsed = notifier::ParseSilence(str("body"), now);
    if (!parsed) return ErrorJson(400, parsed.error());
    const notifier::Silence s = notifier_->AddSilence(std::move(*parsed), now);
    const std::string rendered = notifier::SilenceJson(s);
    if (db_) alert_writes_.push_back({{}, {}, storage::AuditRow{now, s.by, "silence", s.id, rendered}});
    // Firing alerts it covers now are marked, so operators see why nothing is sent.
    if (s.starts <= now) {
      AlertFilter f;
      f.status = "firing";
      f.limit = SIZE_MAX;
      for (const StoredAlert* found : store_.List(f)) {
        json::error_code ec;
        json::value v = json::parse(StoredAlertJson(*found, false), ec);
        if (ec || !v.is_object() || found->silenced) continue;
        if (!notifier::Matches(s.where, notifier::FactsOf(v.as_object()))) continue;
        StoredAlert* a = store_.FindMutable(found->alert.id);
        a->silenced = true;
        a->history.push_back({now, "silenced", s.by, "silence " + s.id});
        PersistAlert(*a, "silenced", "vigia", "silence " + s.id);
        Publish(Topic("silenced", a->alert), StoredAlertJson(*a, false));
      }
    }
    if (db_) FlushWrites();
    return OkJson(rendered);
  }
  if (op == "silence_end") {
    std::string by = str("by");
    std::optional<notifier::Silence> s = notifier_->EndSilence(str("id"), now);
    if (!s) return ErrorJson(404, "no active or future silence with this id");
    const std::string rendered = notifier::SilenceJson(*s);
    if (db_) alert_writes_.push_back({{}, {}, storage::AuditRow{now, by.empty() ? s->by : by, "unsilence", s->id, rendered}});
    if (db_) FlushWrites();
    return OkJson(rendered);
  }
  return ErrorJson(400, "unknown query '" + op + "'");
}

void Core::ObserveTimeToAck(const StoredAlert& a, TimeUs at) {
  if (a.alert.status != "firing" && a.alert.status != "acknowledged") return;
  AckHistogram& h = time_to_ack_[{a.alert.region.value_or("-"), std::string(rules::ToString(a.alert.level))}];
  if (h.buckets.empty()) h.buckets.assign(kAckBuckets.size(), 0);
  const double seconds = static_cast<double>(std::max<TimeUs>(0, at - a.alert.fired_at)) / 1e6;
  for (size_t i = 0; i < kAckBuckets.size(); ++i)
    if (seconds <= kAckBuckets[i]) ++h.buckets[i];
  h.sum += seconds;
  ++h.count;
}

std::string Core::NotifierMetricsText() const {
  std::ostringstream m;
  m << "# HELP vigia_alert_time_to_ack_seconds From firing to the first operator acknowledgement "
       "(or resolution), by region and level.\n"
       "# TYPE vigia_alert_time_to_ack_seconds histogram\n";
  for (const auto& [labels, h] : time_to_ack_) {
    const std::string l = "region=\"" + labels.first + "\",level=\"" + labels.second + "\"";
    for (size_t i = 0; i < kAckBuckets.size(); ++i)
      m << "vigia_alert_time_to_ack_seconds_bucket{" << l << ",le=\"" << kAckBuckets[i] << "\"} "
        << h.buckets[i] << "\n";
    m << "vigia_alert_time_to_ack_seconds_bucket{" << l << ",le=\"+Inf\"} " << h.count << "\n"
      << "vigia_alert_time_to_ack_seconds_sum{" << l << "} " << h.sum << "\n"
      << "vigia_alert_time_to_ack_seconds_count{" << l << "} " << h.count << "\n";
  }
  if (notifier_) m << notifier_->MetricsText();
  return m.str();
}

}  // namespace vigia::daemon
