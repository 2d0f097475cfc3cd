// SPDX-License-Identifier: Apache-2.0
#include "daemon/cli/report.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <tuple>
#include <utility>

#include <boost/json.hpp>

namespace vigia::cli {
namespace {

using Pair = std::pair<std::string, std::string>;  // (region, group)

// "-" (an empty part) matches nothing: an alert without a region or groups says
// nothing about where or whom a severe event concerns.
bool Matchable(const Pair& p) { return !p.first.empty() && !p.second.empty(); }

DurationUs Median(const std::vector<DurationUs>& sorted) {
  const size_t n = sorted.size();
  if (n % 2 == 1) return sorted[n / 2];
  const DurationUs lo = sorted[n / 2 - 1], hi = sorted[n / 2];
  return lo + (hi - lo) / 2;
}

}  // namespace

ReportCollector::ReportCollector(const Catalog& taxonomy) {
  for (const auto& c : taxonomy.entries())
    if (c.severe) severe_categories_.insert(c.code);
}

bool ReportCollector::IsSevere(const Event& e) const {
  return e.category && severe_categories_.count(*e.category) > 0;
}

void ReportCollector::AddEvent(const Event& e) {
  if (IsSevere(e)) severe_.push_back({e.region, e.groups, e.time});
}

void ReportCollector::AddAlert(const engine::Alert& a) {
  alerts_.push_back(
      {a.id, a.rule, a.region.value_or(""), a.groups, a.level, a.shadow, a.time, a.fired_at});
}

void ReportCollector::AddRetraction(const engine::Retraction& x) { resolved_.insert(x.alert_id); }

// Live, an event may be up to engine.max_future_skew ahead of the clock, so an
// alert's time may be after its fired_at; a severe event must follow both.
TimeUs ReportCollector::After(const Raised& a) { return std::max(a.time, a.fired_at); }

Report ReportCollector::Build() const {
  Report report;
  report.severe_categories.assign(severe_categories_.begin(), severe_categories_.end());

  // Severe event times per pair, sorted; and which alerts each pair has.
  std::map<Pair, std::vector<TimeUs>> severe_times;
  for (const auto& s : severe_)
    for (const auto& g : s.groups) severe_times[{s.region, g}].push_back(s.time);
  for (auto& [pair, times] : severe_times) std::sort(times.begin(), times.end());

  struct Acc {
    bool shadow = false;
    size_t alerts = 0, resolved = 0;
    std::vector<DurationUs> leads;
  };
  std::map<std::tuple<std::string, std::string, std::string, rules::Level>, Acc> rows;
  std::map<Pair, std::vector<const Raised*>> alerts_of;  // matchable pairs only
  for (const auto& a : alerts_) {
    std::vector<std::string> groups = a.groups;
    if (groups.empty()) groups.emplace_back();
    for (const auto& g : groups) {
      Acc& acc = rows[{a.rule, a.region, g, a.level}];
      acc.shadow = a.shadow;
      ++acc.alerts;
      if (resolved_.count(a.id)) ++acc.resolved;
      const Pair pair{a.region, g};
      if (!Matchable(pair)) continue;
      alerts_of[pair].push_back(&a);
      auto it = severe_times.find(pair);
      if (it == severe_times.end()) continue;
      // The next severe event after the alert fired, if within the horizon of its time.
      auto next = std::upper_bound(it->second.begin(), it->second.end(), After(a));
      if (next != it->second.end() && *next - a.time <= kReportHorizon)
        acc.leads.push_back(*next - a.time);
    }
  }
  for (auto& [key, acc] : rows) {
    ReportAlertRow row;
    std::tie(row.rule, row.region, row.group, row.level) = key;
    row.shadow = acc.shadow;
    row.alerts = acc.alerts;
    row.resolved = acc.resolved;
    row.followed = acc.leads.size();
    if (!acc.leads.empty()) {
      std::sort(acc.leads.begin(), acc.leads.end());
      row.lead_median = Median(acc.leads);
      row.lead_min = acc.leads.front();
      row.lead_max = acc.leads.back();
    }
    report.alerts.push_back(std::move(row));
  }

  // Whether a severe event of `pair` at `t` was preceded by an alert (all
  // rules, and without shadow rules).
  auto warned = [&](const Pair& pair, TimeUs t) {
    std::pair<bool, bool> w{false, false};
    if (!Matchable(pair)) return w;
    auto it = alerts_of.find(pair);
    if (it == alerts_of.end()) return w;
    for (const Raised* a : it->second) {
      if (After(*a) < t && t - a->time <= kReportHorizon) {
        w.first = true;
        if (!a->shadow) w.second = true;
      }
    }
    return w;
  };
  std::map<Pair, ReportSevereRow> severe_rows;
  for (const auto& s : severe_) {
    std::vector<std::string> groups = s.groups;
    if (groups.empty()) groups.emplace_back();
    bool any = false, any_live = false;
    for (const auto& g : groups) {
      const Pair pair{s.region, g};
      ReportSevereRow& row = severe_rows[pair];
      row.region = s.region;
      row.group = g;
      ++row.events;
      const auto [w, w_live] = warned(pair, s.time);
      row.warned += w;
      row.warned_without_shadow += w_live;
      any = any || w;
      any_live = any_live || w_live;
    }
    ++report.severe_events;
    report.severe_warned += any;
    report.severe_warned_without_shadow += any_live;
  }
  for (auto& [pair, row] : severe_rows) report.severe.push_back(std::move(row));
  return report;
}

// --- rendering

namespace {

std::string Dash(const std::string& s) { return s.empty() ? "-" : s; }

std::string Lead(const std::optional<DurationUs>& d) { return d ? engine::FormatElapsed(*d) : "-"; }

// "2/4 (50%)"; "0/0" without a percentage.
std::string Share(size_t part, size_t whole) {
  std::string out = std::to_string(part) + "/" + std::to_string(whole);
  if (whole == 0) return out;
  char pct[16];
  std::snprintf(pct, sizeof pct, " (%.0f%%)", 100.0 * static_cast<double>(part) / whole);
  return out + pct;
}

// Columns padded to their widest cell; numbers right-aligned. No trailing spaces.
std::string Table(const std::vector<std::vector<std::string>>& cells,
                  const std::vector<bool>& right) {
  std::vector<size_t> width(right.size(), 0);
  for (const auto& row : cells)
    for (size_t c = 0; c < row.size(); ++c) width[c] = std::max(width[c], row[c].size());
  std::string out;
  for (const auto& row : cells) {
    std::string line;
    for (size_t c = 0; c < row.size(); ++c) {
      const std::string pad(width[c] - row[c].size(), ' ');
      if (c > 0) line += "  ";
      line += right[c] ? pad + row[c] : row[c] + pad;
    }
    line.erase(line.find_last_not_of(' ') + 1);
    out += line + "\n";
  }
  return out;
}

std::string Join(const std::vector<std::string>& v, const std::string& sep,
                 const std::string& last_sep) {
  std::string out;
  for (size_t i = 0; i < v.size(); ++i) {
    if (i > 0) out += i + 1 == v.size() ? last_sep : sep;
    out += v[i];
  }
  return out;
}

// Seconds as a JSON number: whole seconds as an integer, else up to 6 decimals.
std::string Seconds(DurationUs d) {
  std::string out = std::to_string(d / kSecond);
  if (DurationUs frac = d % kSecond; frac != 0) {
    if (d < 0 && d / kSecond == 0) out = "-0";
    char buf[8];
    std::snprintf(buf, sizeof buf, ".%06lld", static_cast<long long>(frac < 0 ? -frac : frac));
    out += buf;
    out.erase(out.find_last_not_of('0') + 1);
  }
  return out;
}

std::string JsonLead(const std::optional<DurationUs>& d) { return d ? Seconds(*d) : "null"; }

std::string JsonString(const std::string& s) {
  return boost::json::serialize(boost::json::value(boost::json::string_view(s)));
}

std::string JsonStringOrNull(const std::string& s) { return s.empty() ? "null" : JsonString(s); }

}  // namespace

std::string RenderReportText(const Report& r) {
  const std::string severe = r.severe_categories.empty()
                                 ? std::string("(no category is flagged severe)")
                                 : Join(r.severe_categories, ", ", " or ");
  const std::string horizon = FormatDuration(kReportHorizon);
  std::string out;
  out += "Alerts per rule, region, group and level\n";
  out += "(lead: from the alert's time to the next " + severe +
         " of the same region and group, after the alert fired and within " + horizon + ")\n\n";
  if (r.alerts.empty()) {
    out += "no alerts\n";
  } else {
    std::vector<std::vector<std::string>> cells = {{"rule", "region", "group", "level", "alerts",
                                                    "resolved", "followed", "median lead",
                                                    "min lead", "max lead"}};
    for (const auto& a : r.alerts) {
      cells.push_back({a.rule + (a.shadow ? " [shadow]" : ""), Dash(a.region), Dash(a.group),
                       std::string(rules::ToString(a.level)), std::to_string(a.alerts),
                       std::to_string(a.resolved), std::to_string(a.followed), Lead(a.lead_median),
                       Lead(a.lead_min), Lead(a.lead_max)});
    }
    out += Table(cells, {false, false, false, false, true, true, true, true, true, true});
  }
  out += "\nSevere events per region and group\n";
  out += "(warned: an alert of the same region and group fired before it, at most " + horizon +
         " earlier; shadow rules included, then left out)\n\n";
  if (r.severe.empty()) {
    out += "no severe events\n";
    return out;
  }
  std::vector<std::vector<std::string>> cells = {
      {"region", "group", "events", "warned", "without shadow"}};
  for (const auto& s : r.severe) {
    cells.push_back({Dash(s.region), Dash(s.group), std::to_string(s.events),
                     Share(s.warned, s.events), Share(s.warned_without_shadow, s.events)});
  }
  cells.push_back({"all", "", std::to_string(r.severe_events),
                   Share(r.severe_warned, r.severe_events),
                   Share(r.severe_warned_without_shadow, r.severe_events)});
  out += Table(cells, {false, false, true, true, true});
  return out;
}

std::string RenderReportJson(const Report& r) {
  std::string out =
      "{\"report\":\"vigia.replay\",\"version\":1,\"horizon_s\":" + Seconds(kReportHorizon) +
      ",\"severe_categories\":[";
  for (size_t i = 0; i < r.severe_categories.size(); ++i)
    out += (i ? "," : "") + JsonString(r.severe_categories[i]);
  out += "],\n\"alerts\":[";
  for (size_t i = 0; i < r.alerts.size(); ++i) {
    const auto& a = r.alerts[i];
    out += i ? ",\n" : "\n";
    out +=
        " {\"rule\":" + JsonString(a.rule) + ",\"region\":" + JsonStringOrNull(a.region) +
        ",\"group\":" + JsonStringOrNull(a.group) +
        ",\"level\":" + JsonString(std::string(rules::ToString(a.level))) +
        ",\"shadow\":" + (a.shadow ? "true" : "false") + ",\"alerts\":" + std::to_string(a.alerts) +
        ",\"resolved\":" + std::to_string(a.resolved) +
        ",\"followed\":" + std::to_string(a.followed) +
        ",\"lead_median_s\":" + JsonLead(a.lead_median) +
        ",\"lead_min_s\":" + JsonLead(a.lead_min) + ",\"lead_max_s\":" + JsonLead(a.lead_max) + "}";
  }
  out += r.alerts.empty() ? "],\n\"severe\":[" : "\n],\n\"severe\":[";
  for (size_t i = 0; i < r.severe.size(); ++i) {
    const auto& s = r.severe[i];
    out += i ? ",\n" : "\n";
    out += " {\"region\":" + JsonStringOrNull(s.region) +
           ",\"group\":" + JsonStringOrNull(s.group) + ",\"events\":" + std::to_string(s.events) +
           ",\"warned\":" + std::to_string(s.warned) +
           ",\"warned_without_shadow\":" + std::to_string(s.warned_without_shadow) + "}";
  }
  out += r.severe.empty() ? "],\n" : "\n],\n";
  out += "\"severe_total\":{\"events\":" + std::to_string(r.severe_events) +
         ",\"warned\":" + std::to_string(r.severe_warned) +
         ",\"warned_without_shadow\":" + std::to_string(r.severe_warned_without_shadow) + "}}\n";
  return out;
}

}  // namespace vigia::cli
