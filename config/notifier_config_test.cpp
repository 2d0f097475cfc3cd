// SPDX-License-Identifier: Apache-2.0
#include "config/notifier_config.h"

#include <stdlib.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "config/config.h"
#include "config/detail/notifier_values.h"
#include "config/detail/testing.h"

namespace vigia::config {
namespace {

using testing::Briefs;
using testing::Where;
using Strings = std::vector<std::string>;
namespace fs = std::filesystem;

// The notifier section below the one line of testing::kWayIn: its line 1 is the
// file's line 2.
LoadResult<Config> ParseNotifier(const std::string& yaml) {
  return testing::Parse(std::string(testing::kWayIn) + yaml);
}

// Sets an environment variable for the test's lifetime.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) { setenv(name, value, 1); }
  ~ScopedEnv() { unsetenv(name_); }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  const char* name_;
};

Strings Hints(const std::vector<Diagnostic>& diags) {
  Strings out;
  for (const Diagnostic& d : diags) out.push_back(d.hint);
  return out;
}

// The example of notifier.md ("Config"), plus a stream receiver, a watchdog and
// a timezone.
constexpr char kSpecExample[] = R"(notifier:
  receivers:
    - name: chihuahua-state
      webhook: {url: "https://ew.chihuahua.example/hook", headers: {Authorization: "Bearer ${VIGIA_TEST_CHH_TOKEN}"}, timeout: 5s}
    - name: federal-mechanism
      email: {smtp: "smtp://mail.example:587", from: "vigia@example", to: ["guardia@example"]}
    - name: sms-gateway
      webhook: {url: "http://127.0.0.1:9000/sms", template: sms}
    - name: alertmanager
      alertmanager: {url: "http://127.0.0.1:9093"}        # POST /api/v2/alerts
    - name: archive
      file: {path: var/alerts.jsonl}
    - name: bus
      stream: {}
      fields: [alert, rule, level, region, time]
  routes:                       # first match wins; continue: true goes on matching
    - where: {level: [critical]}
      policy: national
      continue: true
    - where: {region: [MX-CHH]}
      policy: chihuahua
    - policy: default
  policies:
    chihuahua:
      - {after: 0m, notify: [chihuahua-state]}
      - {after: 30m, notify: [federal-mechanism]}            # still unacknowledged 30m after firing
      - {after: 2h, notify: [federal-mechanism, sms-gateway], repeat: 2h}
    national:
      - {after: 0m, notify: [federal-mechanism, alertmanager]}
    default:
      - {after: 0m, notify: [archive]}
  retry: {initial: 1s, max: 5m, give_up_after: 24h}
  watchdog: {notify: [bus], every: 30s}
  timezone: America/Chihuahua
)";

TEST_CASE("The example of notifier.md loads into receivers, routes and policies",
          "[config][notifier]") {
  ScopedEnv token("VIGIA_TEST_CHH_TOKEN", "t0ken");
  auto result = ParseNotifier(kSpecExample);
  REQUIRE(Briefs(result.diagnostics()) == Strings{});
  REQUIRE(result.value().notifier);
  const NotifierConfig& n = *result.value().notifier;

  REQUIRE(n.receivers.size() == 6);
  CHECK(n.receivers[0].name == "chihuahua-state");
  CHECK(n.receivers[0].pos.line == 4);
  CHECK(n.receivers[0].fields.empty());
  const auto& chh = std::get<WebhookReceiver>(n.receivers[0].kind);
  CHECK(chh.url == "https://ew.chihuahua.example/hook");
  REQUIRE(chh.headers.size() == 1);
  CHECK(chh.headers[0].name == "Authorization");
  CHECK(chh.headers[0].value == "Bearer t0ken");
  CHECK(chh.headers[0].secret);
  CHECK(chh.timeout == 5 * kSecond);
  CHECK_FALSE(chh.sms);
  CHECK(chh.ca_file.empty());

  const auto& mail = std::get<EmailReceiver>(n.receivers[1].kind);
  CHECK(mail.smtp == "smtp://mail.example:587");
  CHECK(mail.from == "vigia@example");
  CHECK(mail.to == Strings{"guardia@example"});
  CHECK(mail.username.empty());
  CHECK(mail.starttls == StartTls::kRequired);
  CHECK(mail.timeout == 30 * kSecond);

  const auto& sms = std::get<WebhookReceiver>(n.receivers[2].kind);
  CHECK(sms.sms);
  CHECK(sms.timeout == 10 * kSecond);
  CHECK(sms.headers.empty());

  const auto& am = std::get<AlertmanagerReceiver>(n.receivers[3].kind);
  CHECK(am.url == "http://127.0.0.1:9093");
  CHECK(am.resend == kMinute);
  CHECK(am.timeout == 10 * kSecond);

  CHECK(std::get<FileReceiver>(n.receivers[4].kind).path == "/etc/vigia/var/alerts.jsonl");
  CHECK(std::holds_alternative<StreamReceiver>(n.receivers[5].kind));
  CHECK(n.receivers[5].fields == Strings{"alert", "rule", "level", "region", "time"});
  REQUIRE(n.FindReceiver("archive") != nullptr);
  CHECK(n.FindReceiver("archive")->name == "archive");
  CHECK(n.FindReceiver("nobody") == nullptr);

  REQUIRE(n.routes.size() == 3);
  CHECK(n.routes[0].where.level == Strings{"critical"});
  CHECK(n.routes[0].policy == "national");
  CHECK(n.routes[0].continue_matching);
  CHECK(n.routes[0].pos.line == 18);
  CHECK(n.routes[1].where.region == Strings{"MX-CHH"});
  CHECK(n.routes[1].where.level.empty());
  CHECK_FALSE(n.routes[1].continue_matching);
  CHECK(n.routes[2].where.empty());
  CHECK(n.routes[2].policy == "default");

  REQUIRE(n.policies.size() == 3);
  const Policy& p = n.policies.at("chihuahua");
  CHECK(p.name == "chihuahua");
  CHECK(p.pos.line == 25);
  REQUIRE(p.tiers.size() == 3);
  CHECK(p.tiers[0].after == 0);
  CHECK(p.tiers[0].notify == Strings{"chihuahua-state"});
  CHECK_FALSE(p.tiers[0].repeat);
  CHECK(p.tiers[1].after == 30 * kMinute);
  CHECK(p.tiers[2].after == 2 * kHour);
  CHECK(p.tiers[2].notify == Strings{"federal-mechanism", "sms-gateway"});
  REQUIRE(p.tiers[2].repeat);
  CHECK(*p.tiers[2].repeat == 2 * kHour);
  CHECK(n.policies.at("national").tiers[0].notify == Strings{"federal-mechanism", "alertmanager"});
  CHECK(n.policies.at("default").tiers.size() == 1);

  CHECK(n.retry.initial == kSecond);
  CHECK(n.retry.max == 5 * kMinute);
  CHECK(n.retry.give_up_after == kDay);
  REQUIRE(n.watchdog);
  CHECK(n.watchdog->notify == Strings{"bus"});
  CHECK(n.watchdog->every == 30 * kSecond);
  CHECK(n.timezone == "America/Chihuahua");
}

TEST_CASE("Notifier defaults apply to keys left out", "[config][notifier]") {
  SECTION("no notifier section: nothing is sent") {
    auto result = testing::Parse(testing::kWayIn);
    REQUIRE(result.ok());
    CHECK_FALSE(result.value().notifier);
  }
  SECTION("an empty section") {
    auto result = ParseNotifier("notifier: {}\n");
    REQUIRE(Briefs(result.diagnostics()) == Strings{});
    const NotifierConfig& n = *result.value().notifier;
    CHECK(n.receivers.empty());
    CHECK(n.routes.empty());
    CHECK(n.policies.empty());
    CHECK(n.retry.initial == kSecond);
    CHECK(n.retry.max == 5 * kMinute);
    CHECK(n.retry.give_up_after == kDay);
    CHECK_FALSE(n.watchdog);
    CHECK(n.timezone == "America/Mexico_City");
  }
  SECTION("email options, alertmanager options and a single where value") {
    ScopedEnv pass("VIGIA_TEST_SMTP_PASS", "hunter2");
    auto result = ParseNotifier(R"(notifier:
  receivers:
    - name: mail
      email: {smtp: "smtps://mail.example", from: "Vigía <vigia@example>", to: [a@example, b@example],
              username: vigia, password: "${VIGIA_TEST_SMTP_PASS}", timeout: 1m, ca_file: keys/ca.pem}
    - name: am
      alertmanager: {url: "https://am.example/prefix/", timeout: 3s, resend: 30s, ca_file: /etc/ssl/am.pem}
    - name: plain
      email: {smtp: "smtp://mail.example:25", from: a@example, to: [b@example], starttls: opportunistic}
  policies: {p: [{after: 0s, notify: [mail, am, plain]}]}
  routes: [{where: {level: warning, rule: r1, group: [journalist], subject: s-1}, policy: p, continue: false}]
)");
    REQUIRE(Briefs(result.diagnostics()) == Strings{});
    const NotifierConfig& n = *result.value().notifier;
    const auto& mail = std::get<EmailReceiver>(n.receivers[0].kind);
    CHECK(mail.smtp == "smtps://mail.example");
    CHECK(mail.from == "Vigía <vigia@example>");
    CHECK(mail.to == Strings{"a@example", "b@example"});
    CHECK(mail.username == "vigia");
    CHECK(mail.password == "hunter2");
    CHECK(mail.timeout == kMinute);
    CHECK(mail.ca_file == "/etc/vigia/keys/ca.pem");
    const auto& am = std::get<AlertmanagerReceiver>(n.receivers[1].kind);
    CHECK(am.url == "https://am.example/prefix/");
    CHECK(am.timeout == 3 * kSecond);
    CHECK(am.resend == 30 * kSecond);
    CHECK(am.ca_file == "/etc/ssl/am.pem");
    CHECK(std::get<EmailReceiver>(n.receivers[2].kind).starttls == StartTls::kOpportunistic);
    const Route& route = n.routes[0];
    CHECK(route.where.level == Strings{"warning"});
    CHECK(route.where.rule == Strings{"r1"});
    CHECK(route.where.group == Strings{"journalist"});
    CHECK(route.where.subject == Strings{"s-1"});
    CHECK_FALSE(route.continue_matching);
  }
}

TEST_CASE("${VAR} is expanded in receivers; $${ is a literal ${", "[config][notifier]") {
  ScopedEnv host("VIGIA_TEST_HOST", "hooks.example");
  ScopedEnv user("VIGIA_TEST_USER", "alerts");
  ScopedEnv empty("VIGIA_TEST_EMPTY", "");
  auto result = ParseNotifier(R"(notifier:
  receivers:
    - name: hook
      webhook:
        url: "https://${VIGIA_TEST_HOST}/in?x=${VIGIA_TEST_EMPTY}"
        headers: {X-Literal: "$${VIGIA_TEST_HOST}", X-Plain: "v1", X-Mixed: "a$b${VIGIA_TEST_USER}$"}
    - name: mail
      email: {smtp: "smtp://${VIGIA_TEST_HOST}", from: "${VIGIA_TEST_USER}@example", to: ["${VIGIA_TEST_USER}@example"],
              username: "${VIGIA_TEST_USER}", password: "p$${x}"}
    - name: log
      file: {path: "/var/log/${VIGIA_TEST_USER}.jsonl"}
  policies: {p: [{after: 0s, notify: [hook, mail, log]}]}
)");
  REQUIRE(Briefs(result.diagnostics()) == Strings{});
  const NotifierConfig& n = *result.value().notifier;
  const auto& hook = std::get<WebhookReceiver>(n.receivers[0].kind);
  CHECK(hook.url == "https://hooks.example/in?x=");
  REQUIRE(hook.headers.size() == 3);
  CHECK(hook.headers[0].name == "X-Literal");
  CHECK(hook.headers[0].value == "${VIGIA_TEST_HOST}");
  CHECK_FALSE(hook.headers[0].secret);
  CHECK(hook.headers[1].value == "v1");
  CHECK_FALSE(hook.headers[1].secret);
  CHECK(hook.headers[2].value == "a$balerts$");
  CHECK(hook.headers[2].secret);
  const auto& mail = std::get<EmailReceiver>(n.receivers[1].kind);
  CHECK(mail.smtp == "smtp://hooks.example");
  CHECK(mail.from == "alerts@example");
  CHECK(mail.to == Strings{"alerts@example"});
  CHECK(mail.username == "alerts");
  CHECK(mail.password == "p${x}");
  CHECK(std::get<FileReceiver>(n.receivers[2].kind).path == "/var/log/alerts.jsonl");
}

TEST_CASE("An unset ${VAR} is named, and no value reaches a diagnostic", "[config][notifier]") {
  ScopedEnv set("VIGIA_TEST_SECRET", "s3cr3t-value");
  ScopedEnv url("VIGIA_TEST_URL", "ftp://user:s3cr3t-value@host");
  unsetenv("VIGIA_TEST_UNSET");
  auto result = ParseNotifier(R"(notifier:
  receivers:
    - name: hook
      webhook:
        url: "${VIGIA_TEST_URL}"
        headers: {Authorization: "Bearer ${VIGIA_TEST_SECRET}${VIGIA_TEST_UNSET}", X-Bad: "${not a name}"}
    - name: mail
      email: {smtp: "smtp://m.example", from: a@example, to: [b@example], username: u,
              password: "${VIGIA_TEST_UNSET}${VIGIA_TEST_UNSET}${VIGIA_TEST_ALSO_UNSET"}
  policies: {p: [{after: 0s, notify: [hook, mail]}]}
)");
  CHECK(Briefs(result.diagnostics()) ==
        Strings{
            "6:14 C114 invalid URL '${VIGIA_TEST_URL}' for 'notifier.receivers[0].webhook.url': "
            "it must start with http:// or https://",
            "7:34 C113 environment variable 'VIGIA_TEST_UNSET' of "
            "'notifier.receivers[0].webhook.headers.Authorization' is not set",
            "7:91 C113 invalid reference '${not a name}' in "
            "'notifier.receivers[0].webhook.headers.X-Bad'",
            "10:25 C113 environment variable 'VIGIA_TEST_UNSET' of "
            "'notifier.receivers[1].email.password' is not set",
            "10:25 C113 invalid reference '${VIGIA_TEST_ALSO_UNSET' in "
            "'notifier.receivers[1].email.password'",
        });
  std::string rendered = RenderText(result.diagnostics()) + RenderJson(result.diagnostics());
  CHECK(rendered.find("s3cr3t") == std::string::npos);
}

TEST_CASE("Notifier keys are checked like the rest of the config", "[config][notifier]") {
  SECTION("unknown keys, with did-you-mean, and no missing kind for a misspelt one") {
    auto result = ParseNotifier(R"(notifier:
  receivers:
    - name: a
      webhok: {url: "http://x"}
    - name: b
      stream: {url: x}
  retyr: {initial: 1s}
  policies: {p: [{after: 0s, notify: [a, b], repaet: 1h}]}
)");
    CHECK(Briefs(result.diagnostics()) ==
          Strings{"5:7 C101 unknown key 'webhok' in 'notifier.receivers[0]'",
                  "7:16 C101 unknown key 'url' in 'notifier.receivers[1].stream'",
                  "8:3 C101 unknown key 'retyr' in 'notifier'",
                  "9:46 C101 unknown key 'repaet' in 'notifier.policies.p[0]'"});
    CHECK(Hints(result.diagnostics()) ==
          Strings{"did you mean 'webhook'?", "a stream receiver takes no keys: stream: {}",
                  "did you mean 'retry'?", "did you mean 'repeat'?"});
  }
  SECTION("missing required keys and kinds") {
    auto result = ParseNotifier(R"(notifier:
  receivers:
    - webhook: {timeout: 5s}
    - name: mail
      email: {smtp: "smtp://m.example", username: u}
    - name: nothing
  policies: {p: [{notify: [mail]}, {after: 1m}]}
  routes: [{where: {level: info}}]
  watchdog: {every: 1m}
)");
    CHECK(Briefs(result.diagnostics()) ==
          Strings{"4:7 C108 missing required key 'name' in 'notifier.receivers[0]'",
                  "4:16 C108 missing required key 'url' in 'notifier.receivers[0].webhook'",
                  "6:14 C108 missing required key 'from' in 'notifier.receivers[1].email'",
                  "6:14 C108 missing required key 'to' in 'notifier.receivers[1].email'",
                  "6:14 C108 missing required key 'password' in 'notifier.receivers[1].email'",
                  "7:7 C108 missing the receiver's kind in 'notifier.receivers[2]'",
                  "7:13 C201 receiver 'nothing' is not notified by any policy or the watchdog",
                  "8:18 C108 missing required key 'after' in 'notifier.policies.p[0]'",
                  "8:36 C108 missing required key 'notify' in 'notifier.policies.p[1]'",
                  "9:12 C108 missing required key 'policy' in 'notifier.routes[0]'",
                  "10:13 C108 missing required key 'notify' in 'notifier.watchdog'"});
  }
  SECTION("wrong types") {
    auto result = ParseNotifier(R"(notifier:
  receivers: {name: a}
  policies: [p]
  routes: [{policy: p, continue: yes}, x]
  retry: {initial: 1, max: [5m]}
  timezone: 5
)");
    CHECK(Where(result.diagnostics()) == Strings{"3:14 C102", "4:13 C102", "5:21 C111", "5:34 C102",
                                                 "5:40 C102", "6:20 C104", "6:28 C102",
                                                 "7:13 C102"});
  }
}

TEST_CASE("Receivers, policies and routes must refer to declared names", "[config][notifier]") {
  auto result = ParseNotifier(R"(notifier:
  receivers:
    - {name: chihuahua-state, file: {path: a.jsonl}}
    - {name: federal, file: {path: b.jsonl}}
    - {name: chihuahua-state, file: {path: c.jsonl}}
    - {name: "bad name", stream: {}}
  policies:
    chihuahua: [{after: 0s, notify: [chihuahua-stat]}, {after: 1m, notify: [federal, federal]}]
    chihuahua: [{after: 0s, notify: [federal]}]
    empty: []
  routes:
    - {where: {region: MX-CHH}, policy: chihuahau}
    - {policy: nowhere}
  watchdog: {notify: [heartbeat]}
)");
  CHECK(
      Briefs(result.diagnostics()) ==
      Strings{
          "4:14 C201 receiver 'chihuahua-state' is not notified by any policy or the watchdog",
          "6:14 C112 duplicate receiver 'chihuahua-state' (first at line 4)",
          "7:14 C103 invalid receiver name 'bad name'",
          "9:38 C110 unknown receiver 'chihuahua-stat' in 'notifier.policies.chihuahua[0].notify'",
          "9:86 C103 receiver 'federal' is listed twice in "
          "'notifier.policies.chihuahua[1].notify'",
          "10:5 C112 duplicate policy 'chihuahua' (first at line 9)",
          "11:12 C115 policy 'empty' has no tiers",
          "13:41 C111 unknown policy 'chihuahau' in 'notifier.routes[0].policy'",
          "14:16 C111 unknown policy 'nowhere' in 'notifier.routes[1].policy'",
          "15:23 C110 unknown receiver 'heartbeat' in 'notifier.watchdog.notify'",
      });
  CHECK(Hints(result.diagnostics())[3] == "did you mean 'chihuahua-state'?");
  CHECK(Hints(result.diagnostics())[7] == "did you mean 'chihuahua'?");
  CHECK(Hints(result.diagnostics())[8] == "expected one of: chihuahua, empty");
  CHECK(Hints(result.diagnostics())[9] == "expected one of: chihuahua-state, federal, bad name");
  auto none = ParseNotifier("notifier: {watchdog: {notify: [x]}, routes: [{policy: y}]}\n");
  CHECK(Hints(none.diagnostics()) ==
        Strings{"declare it under 'notifier.receivers'", "declare it under 'notifier.policies'"});
}

TEST_CASE("A receiver no policy notifies is a warning only", "[config][notifier]") {
  auto result = ParseNotifier(R"(notifier:
  receivers:
    - {name: used, stream: {}}
    - {name: spare, stream: {}}
    - name: mail
      email: {smtp: "smtps://m.example:465", from: a@example, to: [b@example], starttls: off}
  policies: {p: [{after: 0s, notify: [used, mail]}]}
)");
  REQUIRE(result.ok());
  CHECK(Briefs(result.diagnostics()) ==
        Strings{"5:14 C201 receiver 'spare' is not notified by any policy or the watchdog",
                "7:90 C202 'notifier.receivers[2].email.starttls' has no effect with an smtps:// "
                "server"});
  CHECK(result.diagnostics()[0].severity == Severity::kWarning);
  CHECK(result.diagnostics()[0].path == Strings{"notifier", "receivers[1]"});
  CHECK(result.diagnostics()[1].severity == Severity::kWarning);
  CHECK(result.error_count() == 0);
}

TEST_CASE("Bad notifier values are errors", "[config][notifier]") {
  SECTION("levels, fields, templates, names and words") {
    auto result = ParseNotifier(R"(notifier:
  receivers:
    - {name: a, stream: {}, fields: [alert, subjects, alert]}
    - {name: b, webhook: {url: "http://x", template: html}, fields: []}
    - {name: c, stream: {}, webhook: {url: "http://x"}}
    - {name: d, email: {smtp: "smtp://m", from: nobody, to: [], starttls: maybe}}
    - {name: e, webhook: {url: "http://x", headers: {"Bad Name": v, x-a: 1, X-A: 2}}}
  policies: {p: [{after: 0s, notify: [a, b, c, d, e]}]}
  routes: [{where: {level: [fatal], region: []}, policy: p}]
)");
    CHECK(Briefs(result.diagnostics()) ==
          Strings{
              "4:45 C103 invalid value 'subjects' for 'notifier.receivers[0].fields[1]'",
              "4:55 C103 field 'alert' is listed twice in 'notifier.receivers[0].fields'",
              "5:54 C103 invalid value 'html' for 'notifier.receivers[1].webhook.template'",
              "5:69 C103 'notifier.receivers[1].fields' must not be empty",
              "6:29 C103 a receiver has one kind, found 'stream' and 'webhook'",
              "7:49 C103 invalid email address 'nobody' for 'notifier.receivers[3].email.from'",
              "7:61 C103 'notifier.receivers[3].email.to' must not be empty",
              "7:75 C103 invalid value 'maybe' for 'notifier.receivers[3].email.starttls'",
              "8:54 C103 invalid header name in 'notifier.receivers[4].webhook.headers'",
              "8:74 C102 'notifier.receivers[4].webhook.headers.x-a' must be a string, found a "
              "number",
              "8:77 C109 duplicate header 'notifier.receivers[4].webhook.headers.X-A' (first at "
              "line 8)",
              "10:29 C103 invalid value 'fatal' for 'notifier.routes[0].where.level[0]'",
              "10:45 C103 'notifier.routes[0].where.region' must not be empty",
          });
    CHECK(Hints(result.diagnostics())[0] == "did you mean 'subject'?");
    CHECK(Hints(result.diagnostics())[11] == "expected one of: info, warning, critical");
  }
  SECTION("URLs and SMTP servers") {
    auto result = ParseNotifier(R"(notifier:
  receivers:
    - {name: a, webhook: {url: "ftp://x.example/hook"}}
    - {name: b, webhook: {url: "https://"}}
    - {name: c, webhook: {url: "http://x.example:99999/"}}
    - {name: d, alertmanager: {url: "http://am.example:9093/?q=1"}}
    - {name: e, email: {smtp: "smtp://m.example:587/path", from: a@x, to: [b@x]}}
    - {name: f, email: {smtp: "smtps://user:pw@m.example", from: a@x, to: [b@x]}}
    - {name: g, email: {smtp: "mail.example:25", from: a@x, to: [b@x]}}
    - {name: h, webhook: {url: "http://x.example/a b"}}
  policies: {p: [{after: 0s, notify: [a, b, c, d, e, f, g, h]}]}
)");
    CHECK(
        Briefs(result.diagnostics()) ==
        Strings{
            "4:32 C114 invalid URL 'ftp://x.example/hook' for 'notifier.receivers[0].webhook.url': "
            "it must start with http:// or https://",
            "5:32 C114 invalid URL 'https://' for 'notifier.receivers[1].webhook.url': it has no "
            "host",
            "6:32 C114 invalid URL 'http://x.example:99999/' for "
            "'notifier.receivers[2].webhook.url': its port must be a number from 1 to 65535",
            "7:37 C114 invalid URL 'http://am.example:9093/?q=1' for "
            "'notifier.receivers[3].alertmanager.url': it must not have a query or a fragment",
            "8:31 C114 invalid SMTP server 'smtp://m.example:587/path' for "
            "'notifier.receivers[4].email.smtp': it must hold a scheme, a host and a port only",
            "9:31 C114 invalid SMTP server 'smtps://user:pw@m.example' for "
            "'notifier.receivers[5].email.smtp': it must not hold credentials",
            "10:31 C114 invalid SMTP server 'mail.example:25' for "
            "'notifier.receivers[6].email.smtp': it must start with smtp:// or smtps://",
            "11:32 C114 invalid URL 'http://x.example/a b' for "
            "'notifier.receivers[7].webhook.url': it holds a space or a control character",
        });
  }
  SECTION("durations: tiers out of order, zero repeat, retry initial over max") {
    auto result = ParseNotifier(R"(notifier:
  receivers: [{name: a, stream: {}}]
  policies:
    p:
      - {after: 1h, notify: [a]}
      - {after: 30m, notify: [a], repeat: 0s}
      - {after: 2h, notify: [a]}
      - {after: 1h, notify: [a]}
  retry: {initial: 10m}
  watchdog: {notify: [a], every: soon}
)");
    CHECK(Briefs(result.diagnostics()) ==
          Strings{
              "7:17 C115 'notifier.policies.p[1].after' of '30m' is earlier than the tier before "
              "('1h', line 6)",
              "7:43 C104 invalid duration '0s' for 'notifier.policies.p[1].repeat'",
              "9:17 C115 'notifier.policies.p[3].after' of '1h' is earlier than the tier before "
              "('2h', line 8)",
              "10:20 C104 'notifier.retry.initial' '10m' is longer than 'notifier.retry.max' (5m)",
              "11:34 C104 invalid duration 'soon' for 'notifier.watchdog.every'",
          });
  }
  SECTION("time zones") {
    auto zone = [](const std::string& name) {
      return Briefs(ParseNotifier("notifier: {timezone: \"" + name + "\"}\n").diagnostics());
    };
    CHECK(zone("UTC") == Strings{});
    CHECK(zone("America/Mexico_City") == Strings{});
    CHECK(zone("Mars/Olympus_Mons") ==
          Strings{"2:22 C103 unknown time zone 'Mars/Olympus_Mons' for 'notifier.timezone'"});
    CHECK(zone("America") ==
          Strings{"2:22 C103 unknown time zone 'America' for 'notifier.timezone'"});
    CHECK(
        zone("../../../etc/passwd") ==
        Strings{"2:22 C103 invalid time zone name '../../../etc/passwd' for 'notifier.timezone'"});
    CHECK(
        zone("/usr/share/zoneinfo/UTC") ==
        Strings{
            "2:22 C103 invalid time zone name '/usr/share/zoneinfo/UTC' for 'notifier.timezone'"});
    auto result = ParseNotifier("notifier: {timezone: Mexico City}\n");
    REQUIRE(result.diagnostics().size() == 1);
    CHECK(result.diagnostics()[0].hint ==
          "an IANA name such as America/Mexico_City or UTC: a file under /usr/share/zoneinfo "
          "(package tzdata)");
  }
}

TEST_CASE("A notifier with many mistakes gets every one at once", "[config][notifier]") {
  auto result = ParseNotifier(R"(notifier:
  receivers:
    - {name: a, webhook: {url: "gopher://a"}}
    - {name: a, stream: {}}
  policies: {p: [{after: 1h, notify: [b]}, {after: 1m, notify: [a]}]}
  routes: [{where: {levle: [critical]}, policy: q}]
  timezone: Nowhere/City
log: {level: loud}
)");
  CHECK(Where(result.diagnostics()) == Strings{"4:32 C114", "5:14 C112", "6:39 C110", "6:52 C115",
                                               "7:21 C101", "7:49 C111", "8:13 C103", "9:14 C103"});
}

TEST_CASE("ExpandVariables replaces ${NAME} and keeps $${ literal", "[config][notifier]") {
  using detail::ExpandVariables;
  auto lookup = [](const std::string& name) -> const char* {
    if (name == "A") return "1";
    if (name == "EMPTY") return "";
    return nullptr;
  };
  CHECK(ExpandVariables("x${A}y${A}", lookup).text == "x1y1");
  CHECK(ExpandVariables("x${A}", lookup).expanded);
  CHECK_FALSE(ExpandVariables("$${A} $ {A} $A", lookup).expanded);
  CHECK(ExpandVariables("$${A} $ {A} $A", lookup).text == "${A} $ {A} $A");
  CHECK(ExpandVariables("$$${A}", lookup).text == "$${A}");  // only $${ is special
  CHECK(ExpandVariables("${EMPTY}", lookup).text.empty());
  CHECK(ExpandVariables("${EMPTY}", lookup).unset.empty());
  CHECK(ExpandVariables("${B}${C}${B}", lookup).unset == Strings{"B", "C"});
  CHECK(ExpandVariables("${1X}", lookup).malformed == "${1X}");
  CHECK(ExpandVariables("${}", lookup).malformed == "${}");
  CHECK(ExpandVariables("a${A", lookup).malformed == "${A");
}

TEST_CASE("UrlProblem accepts http(s) URLs with a host", "[config][notifier]") {
  using detail::UrlProblem;
  constexpr std::array<std::string_view, 2> kHttp = {"http", "https"};
  detail::UrlRules hook{kHttp, true, true, true};
  CHECK_FALSE(UrlProblem("http://127.0.0.1:9000/sms", hook));
  CHECK_FALSE(UrlProblem("https://user:pw@x.example/a?b=c#d", hook));
  CHECK_FALSE(UrlProblem("http://[::1]:8080", hook));
  CHECK_FALSE(UrlProblem("http://x", hook));
  CHECK(UrlProblem("HTTP://x", hook));
  CHECK(UrlProblem("http://[::1", hook));
  CHECK(UrlProblem("http://[::1]x", hook));
  CHECK(UrlProblem("http://x:", hook));
  CHECK(UrlProblem("http://x:0", hook));
  CHECK(UrlProblem("http://:80/", hook));
  CHECK(UrlProblem("http://x/\n", hook));
  detail::UrlRules base{kHttp, true, false, true};
  CHECK_FALSE(UrlProblem("http://am:9093/prefix", base));
  CHECK(UrlProblem("http://am:9093#x", base));
}

TEST_CASE("IsEmailAddress takes addr-spec or Name <addr-spec>", "[config][notifier]") {
  using detail::IsEmailAddress;
  CHECK(IsEmailAddress("vigia@example"));
  CHECK(IsEmailAddress("Vigía Alerts <vigia@example.org>"));
  CHECK_FALSE(IsEmailAddress("vigia"));
  CHECK_FALSE(IsEmailAddress("@example"));
  CHECK_FALSE(IsEmailAddress("vigia@"));
  CHECK_FALSE(IsEmailAddress("a@b@c"));
  CHECK_FALSE(IsEmailAddress("a b@c"));
  CHECK_FALSE(IsEmailAddress("a@c, d@e"));
  CHECK_FALSE(IsEmailAddress("Name <a@c"));
  CHECK_FALSE(IsEmailAddress("Na\r\nBcc: x@y <a@c>"));
}

TEST_CASE("TimezoneProblem wants a TZif file under the zoneinfo folder", "[config][notifier]") {
  fs::path dir = fs::temp_directory_path() / "vigia_zoneinfo_test";
  fs::create_directories(dir / "Area");
  std::ofstream(dir / "Area/City", std::ios::binary) << "TZif2 rest of the file";
  std::ofstream(dir / "zone.tab") << "# not a zone\n";
  CHECK_FALSE(detail::TimezoneProblem("Area/City", dir));
  CHECK(detail::TimezoneProblem("Area", dir)->message == "unknown time zone");
  CHECK(detail::TimezoneProblem("zone.tab", dir)->message == "unknown time zone");
  CHECK(detail::TimezoneProblem("Area/Town", dir)->message == "unknown time zone");
  CHECK(detail::TimezoneProblem("Area/../Area/City", dir)->message == "invalid time zone name");
  CHECK(detail::TimezoneProblem((dir / "Area/City").string(), dir)->message ==
        "invalid time zone name");
  CHECK(detail::TimezoneProblem("", dir)->message == "invalid time zone name");
  fs::remove_all(dir);
}

}  // namespace
}  // namespace vigia::config
