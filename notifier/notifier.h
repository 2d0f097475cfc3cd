// SPDX-License-Identifier: Apache-2.0
// The notifier (shared/spec/notifier.md): routes each alert to its policies,
// runs each policy's escalation tier by tier while the alert is firing, keeps
// one outbox row per delivery and retries it with exponential backoff until
// it is sent or given up, tells every receiver that was notified when the
// alert resolves, honours silences, re-posts firing alerts to Alertmanager
// and sends the watchdog's heartbeat.
//
// The schedule and the outbox are durable: every change is buffered and
// written by WritePending() inside the daemon's own transaction (with the
// alert rows that caused it), and a delivery is handed to the dispatcher only
// by AfterCommit(), once its row is on disk. So a restart neither skips nor
// repeats a tier: Load() picks up the active escalations and pending rows.
//
// Thread rules: single-threaded; lives on the daemon's core thread. Sending
// is the dispatcher's (dispatcher.h, its own thread); outcomes come back
// through OnOutcome().
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <boost/json/object.hpp>

#include "config/notifier_config.h"
#include "core/result.h"
#include "core/time.h"
#include "notifier/dispatcher.h"
#include "notifier/render.h"
#include "storage/database.h"
#include "storage/error.h"

namespace vigia::notifier {

// What routes and silences look at, read from the alert JSON.
struct AlertFacts {
  std::string id, rule, level, region, subject;
  std::vector<std::string> groups;
  TimeUs fired_at = 0;
};
AlertFacts FactsOf(const boost::json::object& alert);

// Whether `where` accepts the alert (config/notifier_config.h, Where).
bool Matches(const config::Where& where, const AlertFacts& alert);
// The policies of the routes that match, in route order, each once: the first
// match ends the walk unless its route says `continue`.
std::vector<std::string> Route(const config::NotifierConfig& config, const AlertFacts& alert);

struct Silence {
  std::string id;  // "s-" + 16 hex digits
  config::Where where;
  TimeUs starts = 0, ends = 0;
  std::string by, reason;
  TimeUs created_at = 0;
};
std::string SilenceJson(const Silence& s);
// A silence from a POST /api/v1/silences body: {"where": {...}, "starts"
// (optional, default now), "ends", "by", "reason"}. The error names the field.
Result<Silence, std::string> ParseSilence(std::string_view json, TimeUs now);
config::Where WhereFromJson(const boost::json::object& o);
boost::json::object WhereJson(const config::Where& w);

// A line for the alert's history (notifier.md: every notification sent,
// retried or given up).
struct HistoryNote {
  TimeUs at = 0;
  std::string change;  // notified | retrying | gave_up | escalated | silenced
  std::string receiver, policy;
  int64_t tier = -1;   // -1: none (resolution notices, silences)
  std::string note;
};

// The alert's "escalations" (notifier.md): per policy, the last tier sent
// (-1 before tier 0) and when the next one is due.
struct EscalationView {
  std::string policy;
  int64_t tier = -1;
  std::optional<TimeUs> next_at;
};

class Notifier {
 public:
  struct Hooks {
    // Hands a delivery to the dispatcher. Called from AfterCommit() only.
    std::function<void(Delivery)> submit;
    // Publishes on the alert stream (stream receivers).
    std::function<void(const std::string& topic, const std::string& body)> publish;
    // The alert's current JSON (notifier.md, "The alert"); nullopt when unknown.
    std::function<std::optional<boost::json::object>(const std::string& alert_id)> alert;
    // Appends to the alert's history.
    std::function<void(const std::string& alert_id, const HistoryNote& note)> history;
    // The alert's escalations changed; `escalated` when a tier above 0 was just sent.
    std::function<void(const std::string& alert_id, const std::vector<EscalationView>& views,
                       bool escalated)>
        schedule;
  };

  // REQUIRES: `config` checked (config/notifier_config.h).
  Notifier(config::NotifierConfig config, TimeZone tz, std::string node, Hooks hooks);

  // Reads the durable state: active escalations, pending outbox rows, the
  // alerts Alertmanager must keep hearing about, silences. `db` may be null
  // (no storage: everything lives in memory); else it must outlive this.
  storage::Status Load(storage::Database* db, TimeUs now);

  // A new alert. Silenced: the silence's id, and nothing will be sent for it.
  // Otherwise its policies start (tier 0 goes out at the next Poll()).
  std::optional<std::string> OnFired(const boost::json::object& alert, TimeUs now);
  // Stops further tiers; deliveries already due still go out.
  void OnAcknowledged(const std::string& alert_id, TimeUs now);
  // Stops everything and tells every receiver that was notified. `notice`
  // carries the reason ("operator" or the retraction's), who and the note.
  void OnResolved(const std::string& alert_id, const Notice& notice, TimeUs now);
  // One attempt finished (from the dispatcher).
  void OnOutcome(const Outcome& outcome, TimeUs now);
  // Sends what is due at `now`: tiers, repeats, retries, Alertmanager
  // re-posts, the watchdog (only while `healthy`).
  void Poll(TimeUs now, bool healthy);
  // Writes the buffered row changes; call inside the daemon's transaction.
  storage::Status WritePending(storage::Database& db);
  // After that transaction committed (or with no storage): submits the
  // deliveries whose rows are now durable.
  void AfterCommit();
  // The transaction failed (a full or broken disk): the deliveries go out all
  // the same — a panic must not wait for a disk — and the rows stay buffered
  // for the next WritePending(). A crash before then may send them again,
  // with the same idempotency keys (at least once).
  void SubmitUncommitted();
  // Changes are waiting for WritePending()/AfterCommit().
  bool dirty() const { return !writes_.empty() || !to_submit_.empty(); }

  // Silences (audited by the caller).
  Silence AddSilence(Silence s, TimeUs now);
  // Ends the silence now; nullopt when no active or future silence has this id.
  std::optional<Silence> EndSilence(const std::string& id, TimeUs now);
  // Active and future silences, by start.
  std::vector<Silence> Silences(TimeUs now) const;
  // The id of an active silence that matches, if any.
  std::optional<std::string> SilencedBy(const AlertFacts& alert, TimeUs now) const;

  std::vector<EscalationView> Escalations(const std::string& alert_id) const;
  // Prometheus text: deliveries by receiver and result, pending per receiver.
  std::string MetricsText() const;

 private:
  struct Escalation {
    storage::EscalationRow row;
    const config::Policy* policy = nullptr;
  };
  using Write = std::function<storage::Status(storage::Database&)>;

  const config::Policy* FindPolicy(const std::string& name) const;
  void SendTier(Escalation& e, TimeUs now);
  void Advance(Escalation& e, TimeUs now);
  void Enqueue(storage::OutboxRow row, TimeUs now);
  // The row rendered for its receiver; false when the alert is unknown.
  bool Render(storage::OutboxRow& row, const boost::json::object& alert, const Notice& notice,
              std::optional<TimeUs> ends_at) const;
  void SaveEscalation(const Escalation& e);
  void SaveOutbox(const storage::OutboxRow& row, bool insert);
  void ReportSchedule(const std::string& alert_id, bool escalated);
  void Count(const std::string& receiver, const char* result);
  DurationUs Backoff(int64_t attempts) const;

  config::NotifierConfig config_;
  TimeZone tz_;
  std::string node_;
  Hooks hooks_;
  storage::Database* db_ = nullptr;

  std::multimap<std::string, Escalation> escalations_;  // by alert id; active ones
  std::map<int64_t, storage::OutboxRow> pending_;        // outbox rows not yet sent or given up
  std::set<int64_t> in_flight_;
  std::unordered_map<std::string, std::set<std::string>> told_;  // alert → receivers attempted (this run)
  std::set<std::string> resolved_;  // alerts resolved in this run
  // Alertmanager: alert → receiver → body, re-posted every `resend`.
  std::map<std::string, std::map<std::string, std::string>> am_firing_;
  std::map<std::string, TimeUs> am_next_;  // receiver → next re-post
  std::map<std::string, Silence> silences_;
  std::vector<Write> writes_;
  std::vector<Delivery> to_submit_;
  int64_t next_id_ = 1;
  int64_t next_ephemeral_ = -1;  // watchdog and re-posts: not in the outbox
  TimeUs next_watchdog_ = 0;
  int64_t watchdog_n_ = 0;
  std::map<std::pair<std::string, std::string>, uint64_t> deliveries_;  // (receiver, result)
};

}  // namespace vigia::notifier
