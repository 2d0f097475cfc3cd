// SPDX-License-Identifier: Apache-2.0
#include "notifier/notifier.h"

#include <algorithm>
#include <random>
#include <sstream>

#include <boost/json.hpp>
#include <spdlog/spdlog.h>

namespace vigia::notifier {
namespace {

namespace json = boost::json;

std::string StringField(const json::object& o, const char* key) {
  const json::value* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

bool AnyOf(const std::vector<std::string>& accepted, const std::string& value) {
  return std::find(accepted.begin(), accepted.end(), value) != accepted.end();
}

std::string RandomHex16() {
  static thread_local std::mt19937_64 gen(std::random_device{}());
  char out[17];
  std::snprintf(out, sizeof out, "%016llx", static_cast<unsigned long long>(gen()));
  return out;
}

std::string Key(const std::string& alert, const std::string& policy, int64_t tier, int64_t n) {
  return alert + "/" + policy + "/" + std::to_string(tier) + "/" + std::to_string(n);
}

// A delivery's outcome for the log: an SMTP reply may echo a recipient's
// address, so only its code is kept (the alert's history has it all).
std::string LogDetail(const std::string& detail) {
  if (detail.rfind("SMTP ", 0) == 0) return detail.substr(0, 8);
  return detail;
}

bool IsAlertmanager(const config::Receiver& r) {
  return std::holds_alternative<config::AlertmanagerReceiver>(r.kind);
}
bool IsStream(const config::Receiver& r) { return std::holds_alternative<config::StreamReceiver>(r.kind); }

std::string StreamTopic(const std::string& receiver, const json::object& alert) {
  const std::string region = StringField(alert, "region");
  return "notify." + receiver + "." + (region.empty() ? "-" : region);
}

}  // namespace

AlertFacts FactsOf(const json::object& alert) {
  AlertFacts f;
  f.id = StringField(alert, "alert");
  f.rule = StringField(alert, "rule");
  f.level = StringField(alert, "level");
  f.region = StringField(alert, "region");
  f.subject = StringField(alert, "subject");
  if (const json::value* g = alert.if_contains("groups"); g && g->is_array())
    for (const auto& v : g->as_array())
      if (v.is_string()) f.groups.emplace_back(v.as_string());
  f.fired_at = ParseRfc3339(StringField(alert, "fired_at")).value_or(0);
  return f;
}

bool Matches(const config::Where& where, const AlertFacts& a) {
  if (!where.level.empty() && !AnyOf(where.level, a.level)) return false;
  if (!where.rule.empty() && !AnyOf(where.rule, a.rule)) return false;
  if (!where.region.empty() && (a.region.empty() || !AnyOf(where.region, a.region))) return false;
  if (!where.subject.empty() && (a.subject.empty() || !AnyOf(where.subject, a.subject))) return false;
  if (!where.group.empty() &&
      std::none_of(a.groups.begin(), a.groups.end(), [&](const std::string& g) { return AnyOf(where.group, g); }))
    return false;
  return true;
}

std::vector<std::string> Route(const config::NotifierConfig& config, const AlertFacts& alert) {
  std::vector<std::string> out;
  for (const auto& route : config.routes) {
    if (!Matches(route.where, alert)) continue;
    if (!AnyOf(out, route.policy)) out.push_back(route.policy);
    if (!route.continue_matching) break;
  }
  return out;
}

// --- silences

json::object WhereJson(const config::Where& w) {
  json::object o;
  const auto put = [&](const char* key, const std::vector<std::string>& values) {
    if (values.empty()) return;
    json::array a;
    for (const auto& v : values) a.emplace_back(v);
    o[key] = std::move(a);
  };
  put("level", w.level);
  put("region", w.region);
  put("group", w.group);
  put("rule", w.rule);
  put("subject", w.subject);
  return o;
}

config::Where WhereFromJson(const json::object& o) {
  config::Where w;
  const auto take = [&](const char* key, std::vector<std::string>& out) {
    const json::value* v = o.if_contains(key);
    if (!v) return;
    if (v->is_string()) out.emplace_back(v->as_string());
    if (v->is_array())
      for (const auto& x : v->as_array())
        if (x.is_string()) out.emplace_back(x.as_string());
  };
  take("level", w.level);
  take("region", w.region);
  take("group", w.group);
  take("rule", w.rule);
  take("subject", w.subject);
  return w;
}

std::string SilenceJson(const Silence& s) {
  json::object o;
  o["id"] = s.id;
  o["where"] = WhereJson(s.where);
  o["starts"] = FormatRfc3339(s.starts);
  o["ends"] = FormatRfc3339(s.ends);
  o["by"] = s.by;
  o["reason"] = s.reason;
  o["created_at"] = FormatRfc3339(s.created_at);
  return json::serialize(o);
}

Result<Silence, std::string> ParseSilence(std::string_view text, TimeUs now) {
  json::error_code ec;
  json::value parsed = json::parse(text, ec);
  if (ec || !parsed.is_object()) return MakeError(std::string("body: expected a JSON object"));
  const json::object& o = parsed.as_object();
  for (const auto& kv : o)
    if (kv.key() != "where" && kv.key() != "starts" && kv.key() != "ends" && kv.key() != "by" &&
        kv.key() != "reason")
      return MakeError("'" + std::string(kv.key()) + "': unknown field; expected where, starts, ends, by, reason");
  Silence s;
  const json::value* where = o.if_contains("where");
  if (!where || !where->is_object())
    return MakeError(std::string("where: required, an object of level, region, group, rule, subject"));
  for (const auto& kv : where->as_object()) {
    const std::string key(kv.key());
    if (key != "level" && key != "region" && key != "group" && key != "rule" && key != "subject")
      return MakeError("where." + key + ": unknown field; expected level, region, group, rule, subject");
    const json::value& v = kv.value();
    bool ok = v.is_string() || v.is_array();
    if (v.is_array())
      for (const auto& x : v.as_array()) ok = ok && x.is_string() && !x.as_string().empty();
    if (!ok) return MakeError("where." + key + ": expected a string or a list of strings");
  }
  s.where = WhereFromJson(where->as_object());
  if (s.where.empty())
    return MakeError(std::string(
        "where: at least one of level, region, group, rule, subject is required (a silence of every alert "
        "would stop all notifications)"));
  for (const auto& level : s.where.level)
    if (level != "info" && level != "watch" && level != "warning" && level != "critical")
      return MakeError("where.level: '" + level + "' is not one of info, watch, warning, critical");
  const auto time_field = [&](const char* key, std::optional<TimeUs> fallback) -> Result<TimeUs, std::string> {
    const json::value* v = o.if_contains(key);
    if (!v) {
      if (fallback) return *fallback;
      return MakeError(std::string(key) + ": required, an RFC 3339 time");
    }
    std::optional<TimeUs> t;
    if (v->is_string()) t = ParseRfc3339(v->as_string());
    if (!t) return MakeError(std::string(key) + ": expected an RFC 3339 time such as 2026-11-29T18:00:00Z");
    return *t;
  };
  auto starts = time_field("starts", now);
  if (!starts) return MakeError(starts.error());
  auto ends = time_field("ends", std::nullopt);
  if (!ends) return MakeError(ends.error());
  s.starts = *starts;
  s.ends = *ends;
  if (s.ends <= s.starts) return MakeError(std::string("ends: must be after starts"));
  if (s.ends <= now) return MakeError(std::string("ends: must be in the future"));
  const auto string_field = [&](const char* key, bool required) -> Result<std::string, std::string> {
    const json::value* v = o.if_contains(key);
    if (!v) {
      if (required) return MakeError(std::string(key) + ": required");
      return std::string();
    }
    if (!v->is_string()) return MakeError(std::string(key) + ": expected a string");
    if (required && v->as_string().empty()) return MakeError(std::string(key) + ": must not be empty");
    if (v->as_string().size() > 1000) return MakeError(std::string(key) + ": longer than 1000 bytes");
    return std::string(v->as_string());
  };
  auto by = string_field("by", true);
  if (!by) return MakeError(by.error());
  auto reason = string_field("reason", false);
  if (!reason) return MakeError(reason.error());
  s.by = *by;
  s.reason = *reason;
  return s;
}

// --- the notifier

Notifier::Notifier(config::NotifierConfig config, TimeZone tz, std::string node, Hooks hooks)
    : config_(std::move(config)), tz_(std::move(tz)), node_(std::move(node)), hooks_(std::move(hooks)) {}

const config::Policy* Notifier::FindPolicy(const std::string& name) const {
  auto it = config_.policies.find(name);
  return it == config_.policies.end() ? nullptr : &it->second;
}

storage::Status Notifier::Load(storage::Database* db, TimeUs now) {
  db_ = db;
  if (!db_) return {};
  storage::Status s = db_->ReadActiveEscalations([&](const storage::EscalationRow& row) {
    Escalation e{row, FindPolicy(row.policy)};
    if (!e.policy || e.row.next_tier >= static_cast<int64_t>(e.policy->tiers.size())) {
      // The policy was removed or shortened since: nothing more to send.
      e.row.state = "done";
      SaveEscalation(e);
      return;
    }
    escalations_.emplace(row.alert_id, std::move(e));
  });
  if (!s.ok()) return s;
  auto max_id = db_->MaxOutboxId();
  if (!max_id) return max_id.error();
  next_id_ = *max_id + 1;
  // Alertmanager forgets alerts it stops hearing about: the firing ones it was
  // told of, and not yet told resolved, are re-posted.
  s = db_->ReadOutbox("", "", [&](const storage::OutboxRow& row) {
    const config::Receiver* r = config_.FindReceiver(row.receiver);
    if (row.status == "pending") {
      if (r) pending_.emplace(row.id, row);
      else {
        storage::OutboxRow gone = row;
        gone.status = "failed";
        gone.last_error = "receiver removed from the config";
        SaveOutbox(gone, false);
      }
    }
    if (!r || !IsAlertmanager(*r)) return;
    if (row.kind == "firing" && row.status == "sent") am_firing_[row.alert_id][row.receiver] = row.body;
    if (row.kind == "resolved") {
      auto it = am_firing_.find(row.alert_id);
      if (it != am_firing_.end()) {
        it->second.erase(row.receiver);
        if (it->second.empty()) am_firing_.erase(it);
      }
    }
  });
  if (!s.ok()) return s;
  s = db_->ReadSilences(now, [&](const storage::SilenceRow& row) {
    json::error_code ec;
    json::value w = json::parse(row.where_json, ec);
    Silence sil{row.id, ec || !w.is_object() ? config::Where{} : WhereFromJson(w.as_object()),
                row.starts, row.ends, row.created_by, row.reason, row.created_at};
    if (sil.where.empty()) return;  // never silence everything
    silences_[sil.id] = std::move(sil);
  });
  if (!s.ok()) return s;
  for (const auto& [id, e] : escalations_) ReportSchedule(id, false);
  return {};
}

std::optional<std::string> Notifier::OnFired(const json::object& alert, TimeUs now) {
  const AlertFacts facts = FactsOf(alert);
  if (auto silence = SilencedBy(facts, now)) return silence;
  for (const std::string& name : Route(config_, facts)) {
    const config::Policy* policy = FindPolicy(name);
    if (!policy || policy->tiers.empty()) continue;
    Escalation e;
    e.policy = policy;
    e.row = {facts.id, name, facts.fired_at, 0, 0, facts.fired_at + policy->tiers[0].after, "active"};
    SaveEscalation(e);
    escalations_.emplace(facts.id, std::move(e));
  }
  if (escalations_.count(facts.id)) ReportSchedule(facts.id, false);
  return std::nullopt;
}

void Notifier::OnAcknowledged(const std::string& alert_id, TimeUs) {
  auto [begin, end] = escalations_.equal_range(alert_id);
  if (begin == end) return;
  for (auto it = begin; it != end; ++it) {
    it->second.row.state = "stopped";
    SaveEscalation(it->second);
  }
  escalations_.erase(begin, end);
  ReportSchedule(alert_id, false);
}

void Notifier::OnResolved(const std::string& alert_id, const Notice& notice, TimeUs now) {
  OnAcknowledged(alert_id, now);
  resolved_.insert(alert_id);
  // Deliveries of the firing alert that have not been tried are moot now.
  std::set<std::string> told = told_[alert_id];
  for (auto it = pending_.begin(); it != pending_.end();) {
    storage::OutboxRow& row = it->second;
    if (row.alert_id != alert_id || row.kind != "firing" || in_flight_.count(row.id) || row.attempts > 0) {
      ++it;
      continue;
    }
    row.status = "cancelled";
    SaveOutbox(row, false);
    it = pending_.erase(it);
  }
  if (db_) {
    storage::Status s = db_->ReadOutbox(alert_id, "", [&](const storage::OutboxRow& row) {
      if (row.kind == "firing" && (row.status == "sent" || row.attempts > 0)) told.insert(row.receiver);
    });
    if (!s.ok()) spdlog::warn("notifier_outbox_read_failed error=\"{}\"", s.error().message);
  }
  told_.erase(alert_id);
  am_firing_.erase(alert_id);
  if (told.empty()) return;
  std::optional<json::object> alert = hooks_.alert ? hooks_.alert(alert_id) : std::nullopt;
  if (!alert) return;
  for (const std::string& receiver : told) {
    storage::OutboxRow row;
    row.alert_id = alert_id;
    row.receiver = receiver;
    row.kind = "resolved";
    row.idempotency_key = alert_id + "/resolved";
    row.tier = -1;
    if (!Render(row, *alert, notice, now)) continue;
    Enqueue(std::move(row), now);
  }
}

void Notifier::OnOutcome(const Outcome& o, TimeUs now) {
  if (o.id < 0) {  // watchdog or Alertmanager re-post: counted, not retried
    Count(o.receiver, o.ok ? "sent" : "failed");
    if (!o.ok) spdlog::warn("notifier_delivery_failed receiver={} detail=\"{}\"", o.receiver, LogDetail(o.detail));
    return;
  }
  in_flight_.erase(o.id);
  auto it = pending_.find(o.id);
  if (it == pending_.end()) return;
  storage::OutboxRow& row = it->second;
  ++row.attempts;
  row.last_error = o.detail;
  HistoryNote note{now, "", row.receiver, row.policy, row.tier, ""};
  const std::string what = row.kind == "resolved" ? "resolution" : "tier " + std::to_string(row.tier);
  if (o.ok) {
    row.status = "sent";
    note.change = "notified";
    note.note = what + ": " + o.detail;
    Count(row.receiver, "sent");
    const config::Receiver* r = config_.FindReceiver(row.receiver);
    if (r && IsAlertmanager(*r) && row.kind == "firing" && !resolved_.count(row.alert_id))
      am_firing_[row.alert_id][row.receiver] = row.body;
  } else {
    const DurationUs wait = Backoff(row.attempts);
    if (!o.permanent && now + wait - row.created_at < config_.retry.give_up_after) {
      row.next_attempt = now + wait;
      note.change = "retrying";
      note.note = what + ": " + o.detail + "; next attempt in " + FormatDuration(wait);
      Count(row.receiver, "retried");
    } else {
      row.status = "failed";
      note.change = "gave_up";
      note.note = what + ": " + o.detail + " after " + std::to_string(row.attempts) + " attempt(s)";
      Count(row.receiver, "gave_up");
      spdlog::warn("notifier_gave_up receiver={} attempts={} detail=\"{}\"", row.receiver, row.attempts,
                   LogDetail(o.detail));
    }
  }
  if (hooks_.history) hooks_.history(row.alert_id, note);
  SaveOutbox(row, false);
  if (row.status != "pending") pending_.erase(it);
}

void Notifier::Poll(TimeUs now, bool healthy) {
  // Tiers and repeats. SendTier may add tiers due at once (after an outage):
  // loop until nothing is due.
  for (bool again = true; again;) {
    again = false;
    for (auto it = escalations_.begin(); it != escalations_.end();) {
      Escalation& e = it->second;
      if (e.row.due_at > now) {
        ++it;
        continue;
      }
      SendTier(e, now);
      again = again || (e.row.state == "active" && e.row.due_at <= now);
      if (e.row.state != "active") {
        const std::string id = it->first;
        it = escalations_.erase(it);
        ReportSchedule(id, false);
      } else {
        ++it;
      }
    }
  }
  // Retries.
  for (auto& [id, row] : pending_) {
    if (row.next_attempt > now || in_flight_.count(id)) continue;
    in_flight_.insert(id);
    told_[row.alert_id].insert(row.receiver);
    to_submit_.push_back({row.id, row.receiver, row.idempotency_key, row.body, row.subject});
  }
  // Alertmanager re-posts.
  for (const auto& r : config_.receivers) {
    const auto* am = std::get_if<config::AlertmanagerReceiver>(&r.kind);
    if (!am) continue;
    TimeUs& next = am_next_[r.name];
    if (next == 0) next = now + am->resend;
    if (now < next) continue;
    next = now + am->resend;
    for (const auto& [alert, bodies] : am_firing_)
      if (auto b = bodies.find(r.name); b != bodies.end())
        to_submit_.push_back({next_ephemeral_--, r.name, alert + "/refresh", b->second, ""});
  }
  // The watchdog: only a healthy daemon says so.
  if (config_.watchdog && healthy && now >= next_watchdog_) {
    next_watchdog_ = now + config_.watchdog->every;
    const std::string body = WatchdogBody(node_, now);
    const std::string key = "watchdog/" + node_ + "/" + std::to_string(watchdog_n_++);
    for (const auto& name : config_.watchdog->notify) {
      const config::Receiver* r = config_.FindReceiver(name);
      if (!r) continue;
      if (IsStream(*r)) {
        if (hooks_.publish) hooks_.publish("notify." + name + ".-", body);
        Count(name, "sent");
        continue;
      }
      Delivery d{next_ephemeral_--, name, key, body, "[vigia] watchdog: " + node_ + " is running"};
      if (std::holds_alternative<config::EmailReceiver>(r->kind)) {
        d.body = "vigiad on " + node_ + " is running and healthy at " + tz_.Format(now) + ".\n";
      }
      to_submit_.push_back(std::move(d));
    }
  }
}

void Notifier::SendTier(Escalation& e, TimeUs now) {
  const config::Tier& tier = e.policy->tiers[static_cast<size_t>(e.row.next_tier)];
  std::optional<json::object> alert = hooks_.alert ? hooks_.alert(e.row.alert_id) : std::nullopt;
  if (!alert) {
    e.row.state = "done";  // the alert is no longer known (too old to be held)
    SaveEscalation(e);
    return;
  }
  const AlertFacts facts = FactsOf(*alert);
  const std::optional<std::string> silence = SilencedBy(facts, now);
  if (silence) {
    if (hooks_.history)
      hooks_.history(e.row.alert_id,
                     {now, "silenced", "", e.row.policy, e.row.next_tier,
                      "tier " + std::to_string(e.row.next_tier) + " not sent: silence " + *silence});
  } else {
    Notice notice;
    notice.kind = Notice::Kind::kFiring;
    notice.policy = e.row.policy;
    notice.tier = static_cast<int>(e.row.next_tier);
    notice.repeat = static_cast<int>(e.row.repeat_n);
    for (const std::string& receiver : tier.notify) {
      storage::OutboxRow row;
      row.alert_id = e.row.alert_id;
      row.receiver = receiver;
      row.policy = e.row.policy;
      row.tier = e.row.next_tier;
      row.n = e.row.repeat_n;
      row.kind = "firing";
      row.idempotency_key = Key(row.alert_id, row.policy, row.tier, row.n);
      if (!Render(row, *alert, notice, std::nullopt)) continue;
      Enqueue(std::move(row), now);
    }
  }
  const bool escalated = !silence && e.row.next_tier > 0 && e.row.repeat_n == 0;
  if (escalated && hooks_.history)
    hooks_.history(e.row.alert_id, {now, "escalated", "", e.row.policy, e.row.next_tier,
                                    "tier " + std::to_string(e.row.next_tier)});
  Advance(e, now);
  SaveEscalation(e);
  ReportSchedule(e.row.alert_id, escalated);
}

void Notifier::Advance(Escalation& e, TimeUs now) {
  const auto& tiers = e.policy->tiers;
  const auto k = static_cast<size_t>(e.row.next_tier);
  std::optional<TimeUs> next_tier_at;
  if (k + 1 < tiers.size()) next_tier_at = e.row.fired_at + tiers[k + 1].after;
  std::optional<TimeUs> repeat_at;
  if (tiers[k].repeat) {
    repeat_at = e.row.due_at + *tiers[k].repeat;
    // After an outage the missed repeats are not sent in a burst.
    if (*repeat_at <= now) repeat_at = now + *tiers[k].repeat;
  }
  if (next_tier_at && (!repeat_at || *next_tier_at <= *repeat_at)) {
    ++e.row.next_tier;
    e.row.repeat_n = 0;
    e.row.due_at = *next_tier_at;
  } else if (repeat_at) {
    ++e.row.repeat_n;
    e.row.due_at = *repeat_at;
  } else {
    e.row.state = "done";
  }
}

bool Notifier::Render(storage::OutboxRow& row, const json::object& alert, const Notice& notice,
                      std::optional<TimeUs> ends_at) const {
  const config::Receiver* r = config_.FindReceiver(row.receiver);
  if (!r) return false;
  if (const auto* hook = std::get_if<config::WebhookReceiver>(&r->kind); hook && hook->sms) {
    row.body = SmsText(alert, r->fields, notice, tz_);
  } else if (IsAlertmanager(*r)) {
    row.body = AlertmanagerBody(alert, r->fields, ends_at);
  } else if (std::holds_alternative<config::EmailReceiver>(r->kind)) {
    Mail mail = EmailMessage(alert, r->fields, notice, tz_);
    row.subject = std::move(mail.subject);
    row.body = std::move(mail.text);
  } else {
    row.body = WebhookBody(alert, r->fields, notice);
  }
  if (IsStream(*r)) row.subject = StreamTopic(row.receiver, alert);  // the topic
  return true;
}

void Notifier::Enqueue(storage::OutboxRow row, TimeUs now) {
  row.id = next_id_++;
  row.created_at = now;
  row.next_attempt = now;
  row.status = "pending";
  const config::Receiver* r = config_.FindReceiver(row.receiver);
  if (r && IsStream(*r)) {
    // The stream is this daemon's own socket: published now, never retried.
    if (hooks_.publish) hooks_.publish(row.subject, row.body);
    row.status = "sent";
    row.attempts = 1;
    row.last_error = "published";
    Count(row.receiver, "sent");
    if (hooks_.history)
      hooks_.history(row.alert_id, {now, "notified", row.receiver, row.policy, row.tier,
                                    (row.kind == "resolved" ? std::string("resolution")
                                                            : "tier " + std::to_string(row.tier)) +
                                        ": published on the stream"});
    SaveOutbox(row, true);
    return;
  }
  SaveOutbox(row, true);
  // Submitted after the commit that writes the row (AfterCommit).
  in_flight_.insert(row.id);
  told_[row.alert_id].insert(row.receiver);
  to_submit_.push_back({row.id, row.receiver, row.idempotency_key, row.body, row.subject});
  const int64_t id = row.id;
  pending_.emplace(id, std::move(row));
}

void Notifier::SaveEscalation(const Escalation& e) {
  if (!db_) return;
  writes_.push_back([row = e.row](storage::Database& db) { return db.UpsertEscalation(row); });
}

void Notifier::SaveOutbox(const storage::OutboxRow& row, bool insert) {
  if (!db_) return;
  if (insert) {
    writes_.push_back([row](storage::Database& db) { return db.InsertOutbox(row); });
  } else {
    writes_.push_back([row](storage::Database& db) { return db.UpdateOutbox(row); });
  }
}

storage::Status Notifier::WritePending(storage::Database& db) {
  for (const Write& w : writes_)
    if (storage::Status s = w(db); !s.ok()) return s;
  writes_.clear();
  return {};
}

void Notifier::AfterCommit() {
  writes_.clear();
  SubmitUncommitted();
}

void Notifier::SubmitUncommitted() {
  std::vector<Delivery> batch;
  batch.swap(to_submit_);
  for (Delivery& d : batch)
    if (hooks_.submit) hooks_.submit(std::move(d));
}

void Notifier::ReportSchedule(const std::string& alert_id, bool escalated) {
  if (hooks_.schedule) hooks_.schedule(alert_id, Escalations(alert_id), escalated);
}

std::vector<EscalationView> Notifier::Escalations(const std::string& alert_id) const {
  std::vector<EscalationView> out;
  auto [begin, end] = escalations_.equal_range(alert_id);
  for (auto it = begin; it != end; ++it) {
    const auto& row = it->second.row;
    EscalationView v;
    v.policy = row.policy;
    v.tier = row.repeat_n > 0 ? row.next_tier : row.next_tier - 1;
    if (row.state == "active") v.next_at = row.due_at;
    out.push_back(std::move(v));
  }
  return out;
}

Silence Notifier::AddSilence(Silence s, TimeUs now) {
  s.id = "s-" + RandomHex16();
  s.created_at = now;
  silences_[s.id] = s;
  if (db_) {
    storage::SilenceRow row{s.id, json::serialize(WhereJson(s.where)), s.starts, s.ends, s.by, s.reason,
                            s.created_at};
    writes_.push_back([row](storage::Database& db) { return db.UpsertSilence(row); });
  }
  return s;
}

std::optional<Silence> Notifier::EndSilence(const std::string& id, TimeUs now) {
  auto it = silences_.find(id);
  if (it == silences_.end() || it->second.ends <= now) return std::nullopt;
  Silence s = it->second;
  s.ends = std::max(now, s.starts);
  silences_.erase(it);
  if (db_) {
    storage::SilenceRow row{s.id, json::serialize(WhereJson(s.where)), s.starts, s.ends, s.by, s.reason,
                            s.created_at};
    writes_.push_back([row](storage::Database& db) { return db.UpsertSilence(row); });
  }
  return s;
}

std::vector<Silence> Notifier::Silences(TimeUs now) const {
  std::vector<Silence> out;
  for (const auto& [id, s] : silences_)
    if (s.ends > now) out.push_back(s);
  std::sort(out.begin(), out.end(), [](const Silence& a, const Silence& b) {
    return a.starts != b.starts ? a.starts < b.starts : a.id < b.id;
  });
  return out;
}

std::optional<std::string> Notifier::SilencedBy(const AlertFacts& alert, TimeUs now) const {
  for (const auto& [id, s] : silences_)
    if (s.starts <= now && now < s.ends && Matches(s.where, alert)) return id;
  return std::nullopt;
}

DurationUs Notifier::Backoff(int64_t attempts) const {
  DurationUs wait = config_.retry.initial;
  for (int64_t i = 1; i < attempts && wait < config_.retry.max; ++i) wait *= 2;
  return std::min(wait, config_.retry.max);
}

void Notifier::Count(const std::string& receiver, const char* result) { ++deliveries_[{receiver, result}]; }

std::string Notifier::MetricsText() const {
  std::ostringstream m;
  m << "# HELP vigia_notifier_deliveries_total Notification attempts by receiver and result.\n"
       "# TYPE vigia_notifier_deliveries_total counter\n";
  for (const auto& r : config_.receivers)
    for (const char* result : {"sent", "retried", "gave_up", "failed"}) {
      auto it = deliveries_.find({r.name, result});
      m << "vigia_notifier_deliveries_total{receiver=\"" << r.name << "\",result=\"" << result << "\"} "
        << (it == deliveries_.end() ? 0 : it->second) << "\n";
    }
  m << "# HELP vigia_notifier_pending Outbox deliveries not yet sent or given up, by receiver.\n"
       "# TYPE vigia_notifier_pending gauge\n";
  std::map<std::string, size_t> pending;
  for (const auto& [id, row] : pending_) ++pending[row.receiver];
  for (const auto& r : config_.receivers)
    m << "vigia_notifier_pending{receiver=\"" << r.name << "\"} " << pending[r.name] << "\n";
  m << "# HELP vigia_silences_active Silences in effect now or later.\n"
       "# TYPE vigia_silences_active gauge\n"
    << "vigia_silences_active " << silences_.size() << "\n";
  return m.str();
}

}  // namespace vigia::notifier
