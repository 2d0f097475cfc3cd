// SPDX-License-Identifier: Apache-2.0
// Alert: what a rule raises (shared/spec/notifier.md, "The alert"), and the
// sink the engine hands alerts and their retractions to. Value types.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/time.h"
#include "rules/rule.h"

namespace vigia::engine {

struct Alert {
  std::string id;  // "a-" + 16 hex of SHA-256 of canonical [rule, variant, key, [event ids]]
  std::string rule;
  rules::Level level = rules::Level::kInfo;
  std::string status = "firing";
  std::vector<std::pair<std::string, std::string>> key;  // `by` names as written → values, in `by` order
  std::optional<std::string> region;   // when all events share it
  std::vector<std::string> groups;     // shared by all events (the key's group with `by: [group]`)
  std::optional<std::string> subject;  // when all events share it
  TimeUs time = 0;                     // event time of the firing
  TimeUs first_time = 0;               // oldest event's time
  TimeUs last_time = 0;                // newest event's time
  std::vector<std::string> events;     // ids, oldest first
  int64_t count = 0;
  std::string summary;
  TimeUs fired_at = 0;                 // engine clock at firing
  std::string variant;                 // "base", "override-1", ...
  std::string rule_version;
  bool shadow = false;
  int depth = 1;                       // 1 from input events; 1 + max depth of alert events
  std::vector<std::string> root_events;  // input event ids at the root of an alert chain
};

// An alert that resolved itself (rules.md, "Retraction").
struct Retraction {
  std::string alert_id;
  std::string rule;
  std::string reason = "expected_event_arrived";
  std::string event_id;  // the event that would have closed the deadline
  DurationUs late_by = 0;  // how much later than the deadline that event happened (≥ 0)
  TimeUs at = 0;           // engine clock when it arrived
};

// Computes Alert::id from rule, variant, key and events.
std::string ComputeAlertId(const Alert& alert);

// The alert as JSON, fields in the order of notifier.md. Deterministic.
std::string AlertJson(const Alert& alert);

// The alert after a retraction: status "resolved" and a "resolution" object
// {reason, event, late_by, at}.
std::string ResolvedAlertJson(Alert alert, const Retraction& retraction);

// Renders a duration for people: "1h20m", "45s", "0s".
std::string FormatElapsed(DurationUs d);

// Receives the engine's output, on the engine's thread, in the order produced.
class AlertSink {
 public:
  virtual ~AlertSink() = default;
  virtual void OnAlert(const Alert& alert) = 0;
  virtual void OnRetraction(const Retraction& retraction) = 0;
};

}  // namespace vigia::engine
