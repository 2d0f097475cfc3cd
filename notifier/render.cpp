// SPDX-License-Identifier: Apache-2.0
// The JSON renderings (webhook, Alertmanager, watchdog), Redact and TimeZone.
// The texts for people (SMS, email) are in render_text.cpp.
#include "notifier/render.h"

#include <date/tz.h>

#include <algorithm>
#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>
#include <chrono>
#include <cstdio>
#include <exception>

#include "notifier/detail/alert_fields.h"

namespace vigia::notifier {
namespace {

bool Listed(const std::vector<std::string>& fields, std::string_view name) {
  return std::find(fields.begin(), fields.end(), name) != fields.end();
}

// Whether a key entry may go where `fields` send the key: an entry that
// repeats a top-level field follows that field (a subject-keyed rule's key
// holds the subject id).
bool KeyEntryKept(const std::vector<std::string>& fields, std::string_view name) {
  if (name == "region" || name == "subject") return Listed(fields, name);
  if (name == "group" || name == "groups") return Listed(fields, "groups");
  return true;
}

boost::json::object WatchdogObject(std::string_view node, std::string_view at) {
  boost::json::object o;
  o["watchdog"] = true;
  o["node"] = node;
  o["at"] = at;
  o["status"] = "healthy";
  return o;
}

}  // namespace

std::optional<TimeZone> TimeZone::Load(const std::string& name) {
  try {
    // locate_zone searches the database's list of names (read once, on first
    // use, from /usr/share/zoneinfo), so a name is never used as a path.
    const date::time_zone* zone = date::locate_zone(name);
    TimeZone tz;
    tz.name_ = name;
    tz.zone_ = zone;
    return tz;
  } catch (const std::exception&) {
    // Unknown name (std::runtime_error), or no readable database: the caller
    // reports the configured name.
    return std::nullopt;
  }
}

std::string TimeZone::Format(TimeUs t) const {
  using std::chrono::seconds;
  // Floor, not truncate, so 1969 times keep their minute.
  const date::sys_seconds utc{seconds{t / kSecond - (t % kSecond < 0 ? 1 : 0)}};
  seconds offset{0};
  std::string abbrev = "UTC";
  if (const auto* zone = static_cast<const date::time_zone*>(zone_)) {
    try {
      const date::sys_info info = zone->get_info(utc);  // loads the zone's file on first use
      offset = info.offset;
      abbrev = info.abbrev;
    } catch (const std::exception&) {
      // The zone's file became unreadable after Load: UTC is still a true time.
    }
  }
  const auto local = utc + offset;
  const auto day = date::floor<date::days>(local);
  const date::year_month_day ymd{day};
  const date::hh_mm_ss hms{local - day};
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u %02d:%02d ", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                static_cast<int>(hms.hours().count()), static_cast<int>(hms.minutes().count()));
  return buf + abbrev;
}

boost::json::object Redact(const boost::json::object& alert,
                           const std::vector<std::string>& fields) {
  const bool all = fields.empty();
  boost::json::object out;
  out.reserve(alert.size());
  for (const auto& kv : alert) {
    const std::string_view name{kv.key().data(), kv.key().size()};
    // "history" is the internal audit trail (who acknowledged, their notes,
    // every delivery attempt): never sent to a receiver.
    if (name == "history") continue;
    if (!all && name != "alert" && name != "status" && !Listed(fields, name)) continue;
    if (name == "key" && !all && kv.value().is_object()) {
      boost::json::object key;
      for (const auto& entry : kv.value().get_object()) {
        if (KeyEntryKept(fields, {entry.key().data(), entry.key().size()}))
          key.emplace(entry.key(), entry.value());
      }
      out.emplace(kv.key(), std::move(key));
      continue;
    }
    out.emplace(kv.key(), kv.value());
  }
  return out;
}

std::string WebhookBody(const boost::json::object& alert, const std::vector<std::string>& fields,
                        const Notice& notice) {
  if (notice.kind == Notice::Kind::kWatchdog) {
    return boost::json::serialize(
        WatchdogObject(detail::StringAt(alert, "node"), detail::StringAt(alert, "at")));
  }
  boost::json::object body = Redact(alert, fields);
  // The tier, policy and resolution describe this notification, so they win
  // over any same-named field of the alert.
  body.erase("tier");
  body.erase("policy");
  body.erase("repeat");
  body.erase("resolution");
  if (notice.kind == Notice::Kind::kResolved) body["status"] = "resolved";
  body["tier"] = notice.tier;
  body["policy"] = notice.policy;
  if (notice.kind == Notice::Kind::kFiring && notice.repeat > 0) body["repeat"] = notice.repeat;
  if (notice.kind == Notice::Kind::kResolved) {
    boost::json::object resolution;
    resolution["reason"] = notice.reason;
    resolution["by"] = notice.by;
    if (!notice.note.empty()) resolution["note"] = notice.note;
    body["resolution"] = std::move(resolution);
  }
  return boost::json::serialize(body);
}

std::string AlertmanagerBody(const boost::json::object& alert,
                             const std::vector<std::string>& fields,
                             std::optional<TimeUs> ends_at) {
  const boost::json::object kept = Redact(alert, fields);
  boost::json::object labels;
  auto label = [&labels](std::string_view name, std::string_view value) {
    if (!value.empty()) labels[name] = value;
  };
  // alertname and severity come from the alert itself: Alertmanager groups
  // and routes on them, and a rule id or level says nothing about a person.
  label("alertname", detail::StringAt(alert, "rule"));
  label("severity", detail::StringAt(alert, "level"));
  label("region", detail::StringAt(kept, "region"));
  label("group", detail::JoinedAt(kept, "groups", ","));
  label("vigia_alert", detail::StringAt(alert, "alert"));

  boost::json::object annotations;
  if (auto summary = detail::StringAt(kept, "summary"); !summary.empty())
    annotations["summary"] = summary;
  if (auto subject = detail::StringAt(kept, "subject"); !subject.empty())
    annotations["subject"] = subject;

  boost::json::object am;
  am["labels"] = std::move(labels);
  am["annotations"] = std::move(annotations);
  // Like the labels above, startsAt is not personal and Alertmanager needs it.
  if (auto fired = detail::TimeAt(alert, "fired_at")) am["startsAt"] = FormatRfc3339(*fired);
  if (ends_at) am["endsAt"] = FormatRfc3339(*ends_at);
  boost::json::array body;
  body.emplace_back(std::move(am));
  return boost::json::serialize(body);
}

std::string WatchdogBody(const std::string& node, TimeUs at) {
  return boost::json::serialize(WatchdogObject(node, FormatRfc3339(at)));
}

}  // namespace vigia::notifier
