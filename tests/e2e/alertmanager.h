// SPDX-License-Identifier: Apache-2.0
// A real Prometheus Alertmanager for the notifier's e2e tests (the
// `alertmanager` receiver, notifier.md): the Debian package's binary, started
// in a temp dir on a free loopback port with clustering off and a config that
// routes everything to a receiver that sends nothing. Tests read what vigia
// posted through its API v2.
//
// What Alertmanager 0.25 does (checked by the self-check in
// notifier_e2e_test.cpp): an alert posted without endsAt is listed by GET
// /api/v2/alerts with status.state "active" (or "unprocessed" for a moment);
// once an alert's endsAt has passed it is resolved and GET /api/v2/alerts
// leaves it out whatever the active/silenced/inhibited filters say.
//
// Thread rules: used by the test's thread only.
#pragma once

#include <sys/types.h>

#include <boost/json.hpp>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "http_client.h"

namespace vigia::e2e {

class Alertmanager {
 public:
  // The binary: $VIGIA_ALERTMANAGER if set, else /usr/bin/prometheus-alertmanager;
  // "" when it is not an executable file (tests then skip with a warning).
  static std::string Binary();

  // Starts Binary() and waits for GET /-/ready to answer 200; fails the test,
  // with Alertmanager's log, after `timeout`.
  explicit Alertmanager(Ms timeout = 30s);
  // SIGTERM, then SIGKILL after 5 s; removes the temp dir.
  ~Alertmanager();
  Alertmanager(const Alertmanager&) = delete;
  Alertmanager& operator=(const Alertmanager&) = delete;

  uint16_t port() const { return port_; }
  // "http://127.0.0.1:<port>" (what vigia's `alertmanager: {url}` takes).
  std::string Url() const;

  // GET /api/v2/alerts[?query] (query already URL-encoded); fails the test
  // unless it answers 200 with a JSON array.
  boost::json::array Alerts(std::string_view query = "") const;
  // The first alert of Alerts(query) whose label `name` is `value`.
  std::optional<boost::json::object> FindByLabel(std::string_view name, std::string_view value,
                                                 std::string_view query = "") const;
  // POST /api/v2/alerts with `alerts` (a JSON array), as vigia does.
  HttpReply PostAlerts(const boost::json::array& alerts) const;

  // alert.labels[name] / alert.annotations[name] / alert.status.state; "<missing>" when absent.
  static std::string Label(const boost::json::object& alert, std::string_view name);
  static std::string Annotation(const boost::json::object& alert, std::string_view name);
  static std::string State(const boost::json::object& alert);

  // Alertmanager's stderr (its log), for failure messages.
  std::string Log() const;

 private:
  std::filesystem::path dir_;
  uint16_t port_ = 0;
  pid_t pid_ = -1;
};

}  // namespace vigia::e2e
