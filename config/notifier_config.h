// SPDX-License-Identifier: Apache-2.0
// The `notifier` section of vigia.yaml (shared/spec/notifier.md, "Config"):
// receivers, routes, escalation policies, retry, watchdog, timezone. Plain
// data, fully checked by the config reader (config/detail/notifier_reader.cpp):
// every receiver a route, policy or watchdog names exists, every policy a
// route names exists, `${VAR}` is already expanded from the environment.
// Used by notifier/ and the daemon. Value types; no behaviour.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "core/diagnostic.h"
#include "core/time.h"

namespace vigia::config {

// What an alert must have for a route or a silence to apply: each non-empty
// list is a set of accepted values (OR within a list, AND across lists). An
// empty Where matches every alert. `group` matches when any of the alert's
// groups is listed; `region`/`subject` never match an alert without one.
struct Where {
  std::vector<std::string> level;    // info | warning | critical
  std::vector<std::string> region;   // region codes, as the catalog has them
  std::vector<std::string> group;
  std::vector<std::string> rule;     // rule ids
  std::vector<std::string> subject;
  bool empty() const {
    return level.empty() && region.empty() && group.empty() && rule.empty() && subject.empty();
  }
};

// Header values and secrets with ${VAR} hold the expanded value; `secret`
// marks values that came from the environment, which are never logged.
struct HeaderValue {
  std::string name;
  std::string value;
  bool secret = false;
};

struct WebhookReceiver {
  std::string url;                   // http:// or https://
  std::vector<HeaderValue> headers;  // as written, in order
  DurationUs timeout = 10 * kSecond;
  bool sms = false;                  // `template: sms`: a plain text of at most 160 characters
  std::filesystem::path ca_file;     // empty: the system trust store
};

struct AlertmanagerReceiver {
  std::string url;                   // base URL; vigia POSTs to {url}/api/v2/alerts
  DurationUs timeout = 10 * kSecond;
  DurationUs resend = kMinute;       // firing alerts are re-posted this often
  std::filesystem::path ca_file;
};

enum class StartTls { kRequired, kOpportunistic, kOff };

struct EmailReceiver {
  std::string smtp;                  // smtp://host[:port] (STARTTLS) or smtps://host[:port]
  std::string from;
  std::vector<std::string> to;
  std::string username;              // empty: no AUTH
  std::string password;              // usually ${VAR}; never logged
  StartTls starttls = StartTls::kRequired;  // smtp:// only
  DurationUs timeout = 30 * kSecond;
  std::filesystem::path ca_file;
};

struct FileReceiver {
  std::filesystem::path path;        // absolute (resolved against the config's folder)
};

// Publishes the notification on the daemon's alert stream (the `alerts.publish`
// PUB socket) under topic "notify.<receiver>.<region or ->".
struct StreamReceiver {};

struct Receiver {
  std::string name;
  std::variant<WebhookReceiver, AlertmanagerReceiver, EmailReceiver, FileReceiver, StreamReceiver>
      kind;
  std::vector<std::string> fields;   // need to know: empty = every alert field
  SourcePos pos;
};

struct Tier {
  DurationUs after = 0;              // since the alert's fired_at
  std::vector<std::string> notify;   // receiver names
  std::optional<DurationUs> repeat;  // re-send this tier this often (until the next tier is due)
};

struct Policy {
  std::string name;
  std::vector<Tier> tiers;           // in the order written; `after` non-decreasing
  SourcePos pos;
};

struct Route {
  Where where;
  std::string policy;
  bool continue_matching = false;    // `continue: true`
  SourcePos pos;
};

struct RetryConfig {
  DurationUs initial = kSecond;
  DurationUs max = 5 * kMinute;
  DurationUs give_up_after = kDay;
};

struct WatchdogConfig {
  std::vector<std::string> notify;   // receiver names
  DurationUs every = kMinute;
};

struct NotifierConfig {
  std::vector<Receiver> receivers;
  std::vector<Route> routes;                 // first match wins unless `continue`
  std::map<std::string, Policy> policies;
  RetryConfig retry;
  std::optional<WatchdogConfig> watchdog;
  std::string timezone = "America/Mexico_City";  // IANA name; checked at load

  const Receiver* FindReceiver(const std::string& name) const {
    for (const auto& r : receivers)
      if (r.name == name) return &r;
    return nullptr;
  }
};

}  // namespace vigia::config
