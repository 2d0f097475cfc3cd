// SPDX-License-Identifier: Apache-2.0
// `vigia replay --report` (daemon.md, "CLI"): how early the rules would have
// warned of the severe events in a history.
//
// Definitions (also in `vigia replay --help` and the README):
// - Severe events: the input events whose category the taxonomy flags
//   `severe: true` (by default killing, attempted_killing, disappearance), of
//   any type; duplicates are not evaluated and so not counted.
// - An alert's (region, group) pairs: its region with each of its groups. An
//   alert without a region or without groups is counted in a row with "-" for
//   the missing part, and "-" matches no severe event.
// - An alert precedes a severe event of one of its pairs when the event happened
//   strictly after the alert fired (time > fired_at, and > the alert's time: the
//   warning existed) and at most kReportHorizon after the alert's time. The alert's lead time is
//   time(next such severe event) − time(alert); without one, "no severe event
//   followed".
// - Per (rule, region, group, level): alerts, of which resolved (retracted),
//   of which followed by a severe event, and the median (mean of the two middle
//   values when even), minimum and maximum lead time of those followed.
// - Per (region, group) of severe events: the events, and how many were warned:
//   preceded by at least one alert of that region and group (any rule; also
//   counted without shadow rules). An event with two groups counts in both rows;
//   the total counts each event once, warned when any of its rows is.
// Thread rules: none (single-threaded values).
#pragma once

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/catalog.h"
#include "core/event.h"
#include "engine/alert.h"

namespace vigia::cli {

inline constexpr DurationUs kReportHorizon = 30 * kDay;

// One row of the alert table. Empty region or group: none ("-").
struct ReportAlertRow {
  std::string rule, region, group;
  rules::Level level = rules::Level::kInfo;
  bool shadow = false;
  size_t alerts = 0, resolved = 0, followed = 0;
  std::optional<DurationUs> lead_median, lead_min, lead_max;  // when followed > 0
};

// One row of the severe-event table. Empty group: the events had none.
struct ReportSevereRow {
  std::string region, group;
  size_t events = 0, warned = 0, warned_without_shadow = 0;
};

struct Report {
  std::vector<std::string> severe_categories;  // sorted
  std::vector<ReportAlertRow> alerts;          // by rule, region, group, level (info first)
  std::vector<ReportSevereRow> severe;         // by region, group
  // Each severe event once.
  size_t severe_events = 0, severe_warned = 0, severe_warned_without_shadow = 0;
};

// Collects what the report needs during a replay. Feed it every evaluated input
// event (not duplicates or rejected ones) and the engine's output, then Build().
class ReportCollector {
 public:
  // Severe categories: those `taxonomy` flags severe. `taxonomy` is read only here.
  explicit ReportCollector(const Catalog& taxonomy);

  bool IsSevere(const Event& e) const;
  // Keeps `e` when severe.
  void AddEvent(const Event& e);
  void AddAlert(const engine::Alert& a);
  void AddRetraction(const engine::Retraction& x);

  // Deterministic: depends only on the events and alerts, not on their order.
  Report Build() const;

 private:
  struct Severe {
    std::string region;
    std::vector<std::string> groups;
    TimeUs time;
  };
  struct Raised {
    std::string id, rule, region;  // region empty: none
    std::vector<std::string> groups;
    rules::Level level;
    bool shadow;
    TimeUs time, fired_at;
  };
  static TimeUs After(const Raised& a);
  std::set<std::string> severe_categories_;
  std::vector<Severe> severe_;
  std::vector<Raised> alerts_;
  std::set<std::string> resolved_;  // alert ids
};

// The report as aligned tables for people.
std::string RenderReportText(const Report& report);
// The report as one JSON document (format version 1): fields in a fixed order,
// times in seconds, null for "none". Deterministic.
std::string RenderReportJson(const Report& report);

}  // namespace vigia::cli
