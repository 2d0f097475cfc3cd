// SPDX-License-Identifier: Apache-2.0
// What receivers are sent (notifier.md): the webhook body (the alert JSON plus
// {"tier", "policy"}), resolution notices, the SMS text (at most 160
// characters), the email subject and text, and Alertmanager's alert list.
// Times for people are rendered in the notifier's timezone. The alert comes in
// as the JSON object the daemon stores and publishes (notifier.md, "The
// alert"), so this file does not depend on the engine; any of its fields may
// be missing or of another type, which only leaves it out of the output.
// Pure functions: they never throw and are safe to call from any thread.
//
// Need to know: every renderer below reads the alert only through Redact(), so
// a field a receiver's `fields:` leaves out appears nowhere in what it is sent
// (not in JSON, nor in a text, a label or a subject line); the one exception
// is Alertmanager's alertname and severity labels (rule and level) and its
// startsAt (fired_at), which it needs to group and track alerts. Tiers are printed
// as the `tier` index of the alert's escalations (0 for the first), the same
// number the webhook body and the idempotency key carry.
#pragma once

#include <boost/json/object.hpp>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/time.h"

namespace vigia::notifier {

// An IANA time zone read from the system's tz database (tzdata, through
// Howard Hinnant's date library built with USE_OS_TZDB). A cheap value: it
// points into the database, which lives until the process exits. Thread-safe.
// A default-constructed TimeZone renders UTC.
// Limitation: past the last transition stored in the zone's file (2037 for
// tzdata's "fat" files) the last offset is kept and the POSIX rule of the
// file's footer is ignored, so DST dates after 2037 render as standard time.
class TimeZone {
 public:
  // nullopt when `name` is not a zone of the system's database (names are
  // looked up in the database's list, never opened as paths), or when the
  // database cannot be read.
  static std::optional<TimeZone> Load(const std::string& name);
  // "2017-03-06 03:00 CST": local date, hours and minutes, abbreviation (the
  // seconds are dropped, not rounded).
  std::string Format(TimeUs t) const;
  const std::string& name() const { return name_; }

 private:
  std::string name_;
  const void* zone_ = nullptr;  // date::time_zone*, owned by the tz database
};

// Why a notification is sent.
struct Notice {
  enum class Kind { kFiring, kResolved, kWatchdog } kind = Kind::kFiring;
  std::string policy;
  int tier = 0;
  int repeat = 0;      // n: 0 for the first send of a tier, 1.. for repeats
  std::string reason;  // kResolved: "operator" or the retraction reason
  std::string by;      // kResolved: who resolved, "vigia" for retractions
  std::string note;    // kResolved: the operator's note
};
// kWatchdog: the renderers take as `alert` the heartbeat object, i.e.
// WatchdogBody() parsed ({"watchdog", "node", "at", "status"}); `fields`,
// `policy` and `tier` do not apply.

// Keeps only `fields` of the alert (need to know); "alert" (the id) and
// "status" are always kept. Empty `fields`: the whole alert. The order of the
// alert is kept. "history" (the internal audit: acks, notes, delivery
// attempts) is never kept, even when listed. A kept "key" loses its "region",
// "subject" and "group"/"groups" entries when those fields are not kept.
boost::json::object Redact(const boost::json::object& alert,
                           const std::vector<std::string>& fields);

// Webhook body, compact JSON in the alert's field order. kFiring: the
// (redacted) alert plus "tier", "policy" and, for a repeat, "repeat": n.
// kResolved: the same (without "repeat"), with status "resolved" and
// "resolution": {"reason", "by", "note"} (note only when set), which replaces
// the stored alert's own "resolution". kWatchdog: WatchdogBody's object.
std::string WebhookBody(const boost::json::object& alert, const std::vector<std::string>& fields,
                        const Notice& notice);

// `template: sms`: one line of plain text of at most 160 characters (Unicode
// code points; cut at a character boundary, never inside a UTF-8 sequence; a
// cut ends with "…", counted as one), e.g.
//   "CRITICAL MX-CHH journalist: 3 threats against journalists in MX-CHH
//    within 7 days. 2017-03-06 03:00 CST. a-5d41402abc4b2a76 tier 1"
//   "RESOLVED a-5d41402abc4b2a76 (operator) MX-CHH: 3 threats against ..."
// The fired_at time is in `tz`; a repeat adds " repeat n". Respects `fields`:
// a field not kept is not printed (level, region, groups, summary, fired_at);
// without a kept summary the rule id is printed in its place, if kept. The id
// and tier are always printed; when too long, the summary is cut first, then
// level/region/groups, then the time. Watchdog: "vigia watchdog: <node>
// healthy. <at>".
std::string SmsText(const boost::json::object& alert, const std::vector<std::string>& fields,
                    const Notice& notice, const TimeZone& tz);

struct Mail {
  std::string subject;  // one line, no CR/LF (nor other control characters)
  std::string text;     // plain text, lines separated by "\n", ending in "\n"
};
// subject: "[vigia] CRITICAL journalist-threat-cluster MX-CHH (tier 1)",
// "[vigia] RESOLVED journalist-threat-cluster MX-CHH (operator)" (the id in
// place of the rule when the rule is not kept), at most 200 code points.
// text: for a resolution first "Resolution:", "Resolved by:", "Note:"; then
// the kept fields one per line in the alert's order ("Level: critical",
// "Fired at: 2017-03-06 03:00 CST (2017-03-06T09:00:02Z)", "Events: e1, e2,
// e3"; the internal "escalations", "silenced" and stored "resolution" are
// left out), then "Policy: chihuahua, tier 1". Every value is put on one line
// (control characters become spaces), except the note, whose lines are
// indented.
Mail EmailMessage(const boost::json::object& alert, const std::vector<std::string>& fields,
                  const Notice& notice, const TimeZone& tz);

// Alertmanager's POST /api/v2/alerts body: a JSON array with one alert.
// labels: alertname (the rule), severity (the level), vigia_alert (the id),
// always; region and group (groups joined by ",") only when `fields` keep
// them; labels with an empty value are left out. annotations: summary and
// subject, each only when `fields` keep it. startsAt = fired_at (left out
// when missing, so Alertmanager uses the time it receives it); endsAt only
// when `ends_at` is given (resolution); generatorURL omitted. Times in RFC
// 3339 UTC ("Z"). There is no policy label: one vigia alert is one
// Alertmanager alert whichever policies sent it.
std::string AlertmanagerBody(const boost::json::object& alert,
                             const std::vector<std::string>& fields, std::optional<TimeUs> ends_at);

// The watchdog's heartbeat: {"watchdog": true, "node": ..., "at": RFC 3339, "status": "healthy"}.
std::string WatchdogBody(const std::string& node, TimeUs at);

}  // namespace vigia::notifier
