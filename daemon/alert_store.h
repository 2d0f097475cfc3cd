// SPDX-License-Identifier: Apache-2.0
// The alerts the daemon has raised, with their status and history
// (notifier.md, "The alert"): firing → acknowledged → resolved, or firing →
// resolved; a resolved alert never reopens; an alert id is raised once.
// The core keeps the newest alerts here (bounded) and writes every change to
// the database, from which Restore() fills the store again at start.
// Thread rules: owned and used by the core thread only.
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "engine/alert.h"

namespace vigia::daemon {

struct HistoryEntry {
  HistoryEntry() = default;
  HistoryEntry(TimeUs at_, std::string change_, std::string by_, std::string note_,
               std::string receiver_ = {}, std::string policy_ = {}, int64_t tier_ = -1)
      : at(at_), change(std::move(change_)), by(std::move(by_)), note(std::move(note_)),
        receiver(std::move(receiver_)), policy(std::move(policy_)), tier(tier_) {}

  TimeUs at = 0;
  std::string change;  // fired, acknowledged, resolved; the notifier's: notified,
                       // retrying, gave_up, escalated, silenced
  std::string by;      // operator, or "vigia" for retractions and the notifier
  std::string note;
  std::string receiver, policy;  // the notifier's entries
  int64_t tier = -1;             // -1: none
};

// One of the alert's escalations (notifier.md, "escalations").
struct EscalationState {
  std::string policy;
  int64_t tier = -1;              // the last tier sent; -1 before tier 0
  std::optional<TimeUs> next_at;  // when the next one is due; none when no more
};

struct StoredAlert {
  engine::Alert alert;  // alert.status is the current status
  std::vector<HistoryEntry> history;
  std::optional<engine::Retraction> resolution;
  bool silenced = false;  // a silence matched: stored and published, not notified
  std::vector<EscalationState> escalations;
};

struct AlertFilter {
  std::optional<std::string> status, region, group, level;
  std::optional<TimeUs> since;  // fired_at ≥ since
  size_t limit = 100;
};

class AlertStore {
 public:
  explicit AlertStore(size_t capacity = 100000) : capacity_(capacity) {}

  // Records a new alert; false when its id was already raised.
  bool Add(const engine::Alert& alert);
  // Puts back an alert read from storage at start, with its status and history
  // (oldest first: call in firing order). False when its id is already held.
  bool Restore(StoredAlert alert);
  // Status changes; nullptr when the id is unknown or the change is not allowed
  // (e.g. acknowledging a resolved alert). `error` says why.
  const StoredAlert* Acknowledge(const std::string& id, TimeUs at, const std::string& by,
                                 const std::string& note, std::string* error);
  const StoredAlert* Resolve(const std::string& id, TimeUs at, const std::string& by,
                             const std::string& note, std::string* error);
  const StoredAlert* Retract(const engine::Retraction& x);

  const StoredAlert* Find(const std::string& id) const;
  // For the notifier's history entries, silences and escalations.
  StoredAlert* FindMutable(const std::string& id);
  // Newest first.
  std::vector<const StoredAlert*> List(const AlertFilter& filter) const;
  size_t CountByStatus(const std::string& status) const;
  size_t size() const { return by_id_.size(); }

 private:
  size_t capacity_;
  std::unordered_map<std::string, StoredAlert> by_id_;
  std::deque<std::string> order_;  // oldest first
};

// The stored alert as JSON: the alert (notifier.md) plus "history" and, once
// retracted, "resolution".
std::string StoredAlertJson(const StoredAlert& a, bool with_history);
// The inverse of StoredAlertJson(a, true), for alerts read back from storage;
// nullopt when `json` is not such a rendering. Fields the rendering leaves out
// (last_time, root_events) come back as time and empty.
std::optional<StoredAlert> StoredAlertFromJson(std::string_view json);

}  // namespace vigia::daemon
