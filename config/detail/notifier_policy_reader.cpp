// SPDX-License-Identifier: Apache-2.0
// The `notifier` section after its receivers: escalation policies, routes,
// retry, watchdog and timezone, and the receivers nothing notifies.
#include <algorithm>
#include <array>

#include "config/detail/notifier_values.h"
#include "config/detail/reader.h"

namespace vigia::config::detail {
namespace {

constexpr std::array<std::string_view, 3> kTierKeys = {"after", "notify", "repeat"};
constexpr std::array<std::string_view, 3> kRouteKeys = {"where", "policy", "continue"};
constexpr std::array<std::string_view, 5> kWhereKeys = {"level", "region", "group", "rule",
                                                        "subject"};
constexpr std::array<std::string_view, 3> kLevelWords = {"info", "warning", "critical"};
constexpr std::array<std::string_view, 3> kRetryKeys = {"initial", "max", "give_up_after"};
constexpr std::array<std::string_view, 2> kWatchdogKeys = {"notify", "every"};

std::string Quoted(std::string_view s) { return "'" + std::string(s) + "'"; }

std::string ItemName(std::string_view list, size_t i) {
  return std::string(list) + "[" + std::to_string(i) + "]";
}

// The hint for a name that refers to nothing: the closest declared one, else
// how to declare it.
std::string UnknownHint(const std::string& name, const std::vector<std::string>& declared,
                        std::string_view section) {
  if (declared.empty()) return "declare it under 'notifier." + std::string(section) + "'";
  std::vector<std::string_view> views(declared.begin(), declared.end());
  return SuggestHint(name, views);
}

std::optional<bool> Bool(Checker& c, const Entry& e) {
  if (DescribeKind(e.value) == "true/false") {
    return e.value.Scalar().front() == 't' || e.value.Scalar().front() == 'T';
  }
  c.Error("C102", Checker::Anchor(e),
          "'" + c.KeyName(e.name) + "' must be true or false, found " + DescribeKind(e.value));
  return std::nullopt;
}

}  // namespace

void Reader::ReadPolicies(const Entry& e, NotifierConfig& n, NotifierNames& names) {
  if (!c_.ExpectMap(e)) return;
  Checker::Scope scope(c_, e.name);
  for (auto it = e.value.begin(); it != e.value.end(); ++it) {
    Entry p{it->first.IsScalar() ? it->first.Scalar() : "", it->first, it->second};
    if (DescribeKind(p.key) != "a string") {
      c_.Error(
          "C102", p.key,
          "a policy name in '" + c_.KeyName("") + "' must be a name, found " + DescribeKind(p.key));
      continue;
    }
    auto [first, inserted] = names.policies.emplace(p.name, p.key);
    if (!inserted) {
      c_.Error("C112", p.key,
               "duplicate policy " + Quoted(p.name) + " (first at line " +
                   std::to_string(first->second.Mark().line + 1) + ")",
               "policy names must be unique; YAML would keep only one");
      continue;
    }
    names.policy_order.push_back(p.name);
    bool ok = true;
    if (!IsNotifierName(p.name)) {
      c_.Error("C103", p.key, "invalid policy name " + Quoted(p.name),
               "letters, digits, '.', '_' or '-'");
      ok = false;
    }
    if (!c_.ExpectList(p)) continue;
    if (p.value.size() == 0) {
      c_.Error("C115", Checker::Anchor(p), "policy " + Quoted(p.name) + " has no tiers",
               "give at least one: [{after: 0s, notify: [RECEIVER]}]");
      continue;
    }
    Policy policy{p.name, {}, c_.PosOf(p.key)};
    std::optional<Entry> previous;  // the last valid `after`, for C115
    DurationUs previous_after = 0;
    for (size_t i = 0; i < p.value.size(); ++i) {
      Entry item{ItemName(p.name, i), p.value[i], p.value[i]};
      if (!c_.ExpectMap(item)) {
        ok = false;
        continue;
      }
      Checker::Scope tier_scope(c_, item.name);
      Tier tier;
      std::optional<Entry> after;
      bool tier_ok = ReadTier(item, names, tier, after);
      ok = ok && tier_ok;
      if (tier_ok) policy.tiers.push_back(tier);
      if (!after) continue;
      // Checked even when the tier has other mistakes: every problem at once.
      if (previous && tier.after < previous_after) {
        c_.Error("C115", Checker::Anchor(*after),
                 "'" + c_.KeyName("after") + "' of " + Quoted(after->value.Scalar()) +
                     " is earlier than the tier before (" + Quoted(previous->value.Scalar()) +
                     ", line " + std::to_string(previous->value.Mark().line + 1) + ")",
                 "tiers escalate in order: each 'after' at least the one before");
        ok = false;
      }
      previous = after;
      previous_after = tier.after;
    }
    if (ok) n.policies.emplace(p.name, std::move(policy));
  }
}

bool Reader::ReadTier(const Entry& item, NotifierNames& names, Tier& tier,
                      std::optional<Entry>& after) {
  std::vector<Entry> entries = c_.Entries(item.value, kTierKeys);
  bool ok = Require(item.value, entries, {"after", "notify"});
  for (const Entry& f : entries) {
    if (f.name == "after") {
      std::optional<DurationUs> d = c_.Duration(f, /*allow_zero=*/true);
      if (d) {
        tier.after = *d;
        after = f;
      }
      ok = ok && d;
    } else if (f.name == "notify") {
      std::optional<std::vector<std::string>> notify = ReceiverNames(f, names);
      if (notify) tier.notify = std::move(*notify);
      ok = ok && notify;
    } else {
      tier.repeat = c_.Duration(f);
      ok = ok && tier.repeat;
    }
  }
  return ok;
}

void Reader::ReadRoutes(const Entry& e, NotifierConfig& n, NotifierNames& names) {
  if (!c_.ExpectList(e)) return;
  for (size_t i = 0; i < e.value.size(); ++i) {
    Entry item{ItemName(e.name, i), e.value[i], e.value[i]};
    if (!c_.ExpectMap(item)) continue;
    Checker::Scope scope(c_, item.name);
    std::vector<Entry> entries = c_.Entries(item.value, kRouteKeys);
    Route route;
    route.pos = c_.PosOf(item.value);
    bool ok = Require(item.value, entries, {"policy"});
    for (const Entry& f : entries) {
      if (f.name == "where") {
        std::optional<Where> where = ReadWhere(f);
        if (where) route.where = std::move(*where);
        ok = ok && where;
      } else if (f.name == "continue") {
        std::optional<bool> go_on = Bool(c_, f);
        route.continue_matching = go_on.value_or(false);
        ok = ok && go_on;
      } else if (std::optional<std::string> policy = c_.Text(f)) {
        if (!names.policies.contains(*policy)) {
          c_.Error("C111", Checker::Anchor(f),
                   "unknown policy " + Quoted(*policy) + " in '" + c_.KeyName(f.name) + "'",
                   UnknownHint(*policy, names.policy_order, "policies"));
          ok = false;
        }
        route.policy = std::move(*policy);
      } else {
        ok = false;
      }
    }
    if (ok) n.routes.push_back(std::move(route));
  }
}

std::optional<Where> Reader::ReadWhere(const Entry& e) {
  if (!c_.ExpectMap(e)) return std::nullopt;
  Checker::Scope scope(c_, e.name);
  Where where;
  bool ok = true;
  for (const Entry& f : c_.Entries(e.value, kWhereKeys)) {
    // A list of values, or a single one.
    std::vector<Entry> values;
    if (f.value.IsSequence()) {
      for (size_t i = 0; i < f.value.size(); ++i) {
        values.push_back({ItemName(f.name, i), f.value[i], f.value[i]});
      }
      if (values.empty()) {
        c_.Error("C103", Checker::Anchor(f), "'" + c_.KeyName(f.name) + "' must not be empty",
                 "leave it out to match every alert");
        ok = false;
      }
    } else {
      values.push_back(f);
    }
    std::vector<std::string>& out = f.name == "level"    ? where.level
                                    : f.name == "region" ? where.region
                                    : f.name == "group"  ? where.group
                                    : f.name == "rule"   ? where.rule
                                                         : where.subject;
    for (const Entry& v : values) {
      if (f.name == "level") {
        std::optional<size_t> level = c_.Choice(v, kLevelWords);
        if (level) out.emplace_back(kLevelWords[*level]);
        ok = ok && level;
      } else {
        std::optional<std::string> text = c_.Text(v);
        if (text) out.push_back(std::move(*text));
        ok = ok && text;
      }
    }
  }
  if (!ok) return std::nullopt;
  return where;
}

void Reader::ReadRetry(const Entry& e, RetryConfig& retry) {
  if (!c_.ExpectMap(e)) return;
  Checker::Scope scope(c_, e.name);
  std::optional<Entry> initial, max;  // as written, for the message
  for (const Entry& f : c_.Entries(e.value, kRetryKeys)) {
    std::optional<DurationUs> d = c_.Duration(f);
    if (!d) continue;
    if (f.name == "initial") {
      retry.initial = *d;
      initial = f;
    } else if (f.name == "max") {
      retry.max = *d;
      max = f;
    } else {
      retry.give_up_after = *d;
    }
  }
  if (retry.initial > retry.max && (initial || max)) {
    const Entry& at = initial ? *initial : *max;
    c_.Error("C104", Checker::Anchor(at),
             "'" + c_.KeyName("initial") + "' " +
                 (initial ? Quoted(initial->value.Scalar()) : std::string("(1s)")) +
                 " is longer than '" + c_.KeyName("max") + "' " +
                 (max ? Quoted(max->value.Scalar()) : std::string("(5m)")),
             "retries wait 'initial', then twice as long each time, up to 'max'");
  }
}

void Reader::ReadWatchdog(const Entry& e, NotifierConfig& n, NotifierNames& names) {
  if (!c_.ExpectMap(e)) return;
  Checker::Scope scope(c_, e.name);
  std::vector<Entry> entries = c_.Entries(e.value, kWatchdogKeys);
  WatchdogConfig watchdog;
  bool ok = Require(e.value, entries, {"notify"});
  for (const Entry& f : entries) {
    if (f.name == "notify") {
      std::optional<std::vector<std::string>> notify = ReceiverNames(f, names);
      if (notify) watchdog.notify = std::move(*notify);
      ok = ok && notify;
    } else {
      std::optional<DurationUs> d = c_.Duration(f);
      if (d) watchdog.every = *d;
      ok = ok && d;
    }
  }
  if (ok) n.watchdog = std::move(watchdog);
}

void Reader::ReadTimezone(const Entry& e, NotifierConfig& n) {
  std::optional<std::string> name = c_.Text(e);
  if (!name) return;
  if (std::optional<Problem> problem = TimezoneProblem(*name)) {
    c_.Error("C103", Checker::Anchor(e),
             problem->message + " " + Quoted(*name) + " for '" + c_.KeyName(e.name) + "'",
             problem->hint);
    return;
  }
  n.timezone = *name;
}

std::optional<std::vector<std::string>> Reader::ReceiverNames(const Entry& e,
                                                              NotifierNames& names) {
  if (!c_.ExpectList(e)) return std::nullopt;
  bool ok = true;
  if (e.value.size() == 0) {
    c_.Error("C103", Checker::Anchor(e), "'" + c_.KeyName(e.name) + "' must not be empty",
             "name at least one receiver");
    ok = false;
  }
  std::vector<std::string> out;
  for (size_t i = 0; i < e.value.size(); ++i) {
    Entry item{ItemName(e.name, i), e.value[i], e.value[i]};
    std::optional<std::string> name = c_.Text(item);
    if (!name) {
      ok = false;
      continue;
    }
    auto declared = names.receivers.find(*name);
    if (declared == names.receivers.end()) {
      c_.Error("C110", Checker::Anchor(item),
               "unknown receiver " + Quoted(*name) + " in '" + c_.KeyName(e.name) + "'",
               UnknownHint(*name, names.receiver_order, "receivers"));
      ok = false;
      continue;
    }
    declared->second.notified = true;
    if (std::find(out.begin(), out.end(), *name) != out.end()) {
      c_.Error("C103", Checker::Anchor(item),
               "receiver " + Quoted(*name) + " is listed twice in '" + c_.KeyName(e.name) + "'");
      ok = false;
      continue;
    }
    out.push_back(std::move(*name));
  }
  if (!ok) return std::nullopt;
  return out;
}

void Reader::WarnUnusedReceivers(const NotifierNames& names) {
  for (const std::string& name : names.receiver_order) {
    const NotifierNames::Declared& d = names.receivers.at(name);
    if (d.notified || !IsNotifierName(name)) continue;  // a bad name has its own error
    Checker::Scope scope(c_, d.scope);
    c_.Warning("C201", d.at,
               "receiver " + Quoted(name) + " is not notified by any policy or the watchdog",
               "add it to a policy tier's 'notify', or remove it");
  }
}

}  // namespace vigia::config::detail
