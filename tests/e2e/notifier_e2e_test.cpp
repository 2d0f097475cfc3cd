// SPDX-License-Identifier: Apache-2.0
// The notifier of the real vigiad, end to end (notifier.md "Semantics",
// daemon.md): escalation tiers at fired_at + after, repeats until
// acknowledged, resolution notices, a durable schedule across kill -9,
// retries and giving up, a hanging receiver that holds up no one, need-to-know
// SMS, silences, a real Alertmanager, e-mail through an SMTP sink, the archive
// file, the watchdog, the audit chain and the notifier's metrics.
//
// Receivers are in-process: HttpSink and SmtpSink (notifier/testing/, shared
// with the dispatcher's unit tests); Alertmanager (alertmanager.h) is the
// Debian package's binary, and its tests are skipped with a warning where it
// is not installed. Times are second-scale with generous tolerances (2 cores,
// maybe loaded): a tier due `after` seconds after fired_at must arrive within
// [after - 0.5 s, after + 3 s]. The cases tagged [selfcheck] test the test
// infrastructure alone.
#include <fcntl.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstring>
#include <ctime>
#include <fstream>
#include <map>
#include <optional>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "alertmanager.h"
#include "daemon_fixture.h"
#include "http_client.h"
#include "notifier/testing/http_sink.h"
#include "notifier/testing/smtp_sink.h"

#ifndef VIGIA_VIGIA
#error "VIGIA_VIGIA must name the vigia binary (tests/e2e/CMakeLists.txt)"
#endif

namespace vigia::e2e {

using notifier::testing::DecodeEncodedWords;
using notifier::testing::HttpRecord;
using notifier::testing::HttpSink;
using notifier::testing::SmtpMail;
using notifier::testing::SmtpSink;
using notifier::testing::SmtpSinkOptions;

namespace {

using Clock = std::chrono::steady_clock;
using SysClock = std::chrono::system_clock;
using SysTime = SysClock::time_point;
using Strs = std::vector<std::string>;

// The secret the `state` receiver sends as "Authorization: Bearer ${E2E_HOOK_TOKEN}".
constexpr const char* kHookTokenVar = "E2E_HOOK_TOKEN";
constexpr const char* kHookToken = "e2e-hook-token-5d41402abc";

constexpr const char* kAlerts = "/api/v1/alerts";
constexpr const char* kSilences = "/api/v1/silences";

// warning + MX-CHH → policy chihuahua; critical → national (and chihuahua in
// MX-CHH, default elsewhere); anything else → default. The fixture's probe
// alerts (info, MX-ZAC) go to the default policy, i.e. the archive.
constexpr const char* kRules = R"(rules:
  - id: threat-reported
    level: warning
    match: {type: report, category: threat}
    summary: "Threat against a journalist reported"
  - id: killing-reported
    level: critical
    match: {type: report, category: killing}
    summary: "Killing of a journalist reported"
  - id: stigmatization-long
    level: warning
    match: {type: report, category: stigmatization}
    summary: "Stigmatizing statements by a public official against a journalist were reported; they were repeated in three radio programmes and on social media over the last days, and the journalist has asked the state mechanism for protection measures"
  - id: missed-checkin
    level: warning
    heartbeat: {of: {type: checkin}, every: 2s, grace: 1s, by: [subject]}
)";

// Change values the alert history may hold (the brief for the notifier).
const std::set<std::string> kHistoryChanges = {"fired",     "notified",     "retrying", "gave_up",
                                               "escalated", "acknowledged", "resolved", "silenced"};

// --- time ---

// RFC 3339 ("2024-05-01T10:00:00Z", fractions and offsets allowed).
std::optional<SysTime> ParseTime(std::string_view text) {
  std::tm tm{};
  const std::string s(text);
  const char* rest = strptime(s.c_str(), "%Y-%m-%dT%H:%M:%S", &tm);
  if (!rest) return std::nullopt;
  auto t = SysClock::from_time_t(timegm(&tm));
  if (*rest == '.') {
    ++rest;
    double scale = 0.1, frac = 0;
    while (*rest >= '0' && *rest <= '9') {
      frac += (*rest++ - '0') * scale;
      scale /= 10;
    }
    t += std::chrono::duration_cast<SysClock::duration>(std::chrono::duration<double>(frac));
  }
  if (*rest == 'Z' || *rest == 'z') return t;
  if ((*rest == '+' || *rest == '-') && std::strlen(rest) == 6) {
    const int sign = *rest == '+' ? 1 : -1;
    const int hh = std::atoi(rest + 1), mm = std::atoi(rest + 4);
    return t - sign * (std::chrono::hours(hh) + std::chrono::minutes(mm));
  }
  return std::nullopt;
}

double Seconds(SysClock::duration d) { return std::chrono::duration<double>(d).count(); }

std::string Rfc3339(SysTime t) {
  const std::time_t secs = SysClock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

// --- JSON ---

std::optional<int64_t> Int(const boost::json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  if (!v) return std::nullopt;
  if (v->is_int64()) return v->as_int64();
  if (v->is_uint64()) return static_cast<int64_t>(v->as_uint64());
  if (v->is_double() && std::floor(v->as_double()) == v->as_double())
    return static_cast<int64_t>(v->as_double());
  return std::nullopt;
}

bool Bool(const boost::json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v && v->is_bool() && v->as_bool();
}

std::string Show(const HttpReply& r) {
  return std::to_string(r.status) + (r.error.empty() ? "" : " (" + r.error + ")") + " " +
         r.body.substr(0, 3000);
}

std::string Tail(const std::string& text, size_t max = 5000) {
  return text.size() <= max ? text : "..." + text.substr(text.size() - max);
}

// Counts UTF-8 code points (an SMS's "characters").
size_t Utf8Length(std::string_view s) {
  size_t n = 0;
  for (unsigned char c : s)
    if ((c & 0xC0) != 0x80) ++n;
  return n;
}

std::string Lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// Polls `ready` every 50 ms until it holds or `timeout` passes.
template <typename F>
bool WaitUntil(F ready, Ms timeout) {
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    if (ready()) return true;
    if (Clock::now() >= deadline) return false;
    std::this_thread::sleep_for(50ms);
  }
}

void SleepUntil(SysTime t) {
  if (t > SysClock::now()) std::this_thread::sleep_until(t);
}

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// --- the notifier config ---

// The `mail` receiver below has starttls: off and no password: its SMTP sink
// offers neither STARTTLS nor AUTH (and answers 502 to them).
const SmtpSinkOptions kPlainSmtp{.starttls = false, .auth = false};

struct NotifierOptions {
  std::string state_url, federal_url, sms_url;  // webhooks
  std::string am_url;                           // Alertmanager base URL
  std::string smtp_url;                         // smtp://127.0.0.1:PORT
  std::string retry = "{initial: 1s, max: 2s, give_up_after: 30s}";
  std::string am_resend = "1m";
  std::string watchdog;  // e.g. "{notify: [federal], every: 2s}"; none when empty
};

// A closed loopback port (receivers the test does not watch point there).
std::string ClosedUrl(std::string_view scheme) {
  return std::string(scheme) + "://127.0.0.1:" + std::to_string(FreePort());
}

// The webhooks on `hooks` (/state, /federal, /sms); Alertmanager and SMTP on closed ports.
NotifierOptions Options(const HttpSink& hooks) {
  NotifierOptions o;
  o.state_url = hooks.Url("/state");
  o.federal_url = hooks.Url("/federal");
  o.sms_url = hooks.Url("/sms");
  o.am_url = ClosedUrl("http");
  o.smtp_url = ClosedUrl("smtp");
  return o;
}

std::string NotifierYaml(const NotifierOptions& o) {
  std::ostringstream y;
  y << "notifier:\n"
    << "  timezone: America/Mexico_City\n"
    << "  retry: " << o.retry << "\n"
    << "  receivers:\n"
    << "    - name: state\n"
    << "      webhook: {url: \"" << o.state_url << "\", headers: {Authorization: \"Bearer ${"
    << kHookTokenVar << "}\"}, timeout: 2s}\n"
    << "    - name: federal\n"
    << "      webhook: {url: \"" << o.federal_url << "\", timeout: 2s}\n"
    << "    - name: sms\n"
    << "      webhook: {url: \"" << o.sms_url << "\", template: sms}\n"
    << "      fields: [alert, level, region, summary]\n"
    << "    - name: am\n"
    << "      alertmanager: {url: \"" << o.am_url << "\", resend: " << o.am_resend << "}\n"
    << "    - name: mail\n"
    << "      email: {smtp: \"" << o.smtp_url
    << "\", from: \"vigia@example.org\", to: [\"guardia@example.org\"], starttls: off}\n"
    << "    - name: archive\n"
    << "      file: {path: var/alerts.jsonl}\n"
    << "  routes:\n"
    << "    - where: {level: [critical]}\n"
    << "      policy: national\n"
    << "      continue: true\n"
    << "    - where: {region: [MX-CHH]}\n"
    << "      policy: chihuahua\n"
    << "    - policy: default\n"
    << "  policies:\n"
    << "    chihuahua:\n"
    << "      - {after: 0s, notify: [state]}\n"
    << "      - {after: 3s, notify: [federal]}\n"
    << "      - {after: 6s, notify: [federal, sms], repeat: 3s}\n"
    << "    national:\n"
    << "      - {after: 0s, notify: [am, mail]}\n"
    << "    default:\n"
    << "      - {after: 0s, notify: [archive]}\n";
  if (!o.watchdog.empty()) y << "  watchdog: " << o.watchdog << "\n";
  return y.str();
}

// Starts vigiad; fails the test with its log when it does not get ready.
void Start(Daemon& d) {
  const bool ready = d.StartAndWaitReady(15s);
  INFO("config:\n" << ReadFile(d.config_path()));
  REQUIRE(ready);
}

// Writes the fixture's config plus `o`, with no startup grace, gives vigiad
// the hook token in its environment and starts it.
void Start(Daemon& d, const NotifierOptions& o) {
  d.WriteConfig(d.DefaultConfig() + "engine: {startup_grace: 0s}\n" + NotifierYaml(o));
  d.SetEnv(kHookTokenVar, kHookToken);
  Start(d);
}

// --- alerts ---

struct Fired {
  boost::json::object alert;
  std::string id;
  SysTime fired_at;
};

// The next alert (not update) on `sub` for which `match` holds; fails after `timeout`.
template <typename Match>
Fired WaitAlert(Daemon& d, SubClient& sub, Match match, Ms timeout = 15s) {
  const auto deadline = Clock::now() + timeout;
  std::vector<std::string> seen;
  while (Clock::now() < deadline) {
    auto p = sub.Receive(std::chrono::duration_cast<Ms>(deadline - Clock::now()));
    if (!p) break;
    seen.push_back(p->topic + " " + p->json.substr(0, 300));
    if (!p->topic.starts_with("alert.") || !match(p->alert)) continue;
    Fired f{p->alert, Str(p->alert, "alert"), {}};
    const auto at = ParseTime(Str(p->alert, "fired_at"));
    INFO("alert: " << p->json);
    REQUIRE(at);
    f.fired_at = *at;
    // fired_at is the daemon's wall clock at firing: it must be about now.
    CHECK(std::abs(Seconds(SysClock::now() - f.fired_at)) < 5.0);
    return f;
  }
  std::ostringstream all;
  for (const auto& s : seen) all << "  " << s << "\n";
  FAIL("no matching alert on the stream within " << timeout.count() << " ms; seen:\n"
                                                 << all.str() << "vigiad stderr:\n"
                                                 << Tail(d.Stderr()));
  throw std::logic_error("unreachable");
}

// Sends a report event (ReportEvent with `category`, region `region`) and
// returns its alert from `sub`.
Fired Fire(Daemon& d, SubClient& sub, const std::string& event_id, std::string_view category,
           std::string_view region = "MX-CHH", std::string_view subject = "") {
  AckClient client(d.context(), d.AckEndpoint());
  boost::json::object event = ReportEvent(event_id, category);
  event["region"] = region;
  if (!subject.empty()) event["subject"] = subject;
  RequireAccepted(client, event);
  return WaitAlert(d, sub, [&](const boost::json::object& a) {
    const auto events = Strings(a, "events");
    return std::find(events.begin(), events.end(), event_id) != events.end();
  });
}

std::string Key(const std::string& alert, std::string_view policy, int tier, int n) {
  return alert + "/" + std::string(policy) + "/" + std::to_string(tier) + "/" + std::to_string(n);
}

HttpReply Change(const Daemon& d, const std::string& id, std::string_view op, std::string_view by,
                 std::string_view note) {
  const boost::json::object body = {{"by", by}, {"note", note}};
  return Post(d.HttpPort(), std::string(kAlerts) + "/" + id + "/" + std::string(op), kOperatorToken,
              Json(body));
}

void Acknowledge(const Daemon& d, const std::string& id, std::string_view by = "ana",
                 std::string_view note = "called the state mechanism") {
  const HttpReply r = Change(d, id, "ack", by, note);
  INFO("POST ack " << id << ": " << Show(r));
  REQUIRE(r.status == 200);
  CHECK(Str(r.Object(), "status") == "acknowledged");
}

void Resolve(const Daemon& d, const std::string& id, std::string_view by = "luis",
             std::string_view note = "protection measures in place") {
  const HttpReply r = Change(d, id, "resolve", by, note);
  INFO("POST resolve " << id << ": " << Show(r));
  REQUIRE(r.status == 200);
  CHECK(Str(r.Object(), "status") == "resolved");
}

boost::json::object AlertDetail(const Daemon& d, const std::string& id) {
  const HttpReply r = Get(d.HttpPort(), std::string(kAlerts) + "/" + id, kViewerToken);
  INFO("GET alert " << id << ": " << Show(r));
  REQUIRE(r.status == 200);
  return r.Object();
}

boost::json::array History(const Daemon& d, const std::string& id) {
  const boost::json::object a = AlertDetail(d, id);
  const auto* h = a.if_contains("history");
  INFO("alert: " << Json(a));
  REQUIRE(h);
  REQUIRE(h->is_array());
  return h->as_array();
}

std::string ShowHistory(const boost::json::array& h) {
  std::ostringstream out;
  for (const auto& e : h) out << "  " << Json(e) << "\n";
  return out.str();
}

// An entry with `change` (and, when given, that receiver and tier).
std::optional<boost::json::object> FindEntry(const boost::json::array& h, std::string_view change,
                                             std::string_view receiver = "", int tier = -1) {
  for (const auto& e : h) {
    if (!e.is_object()) continue;
    const auto& o = e.as_object();
    if (Str(o, "change") != change) continue;
    if (!receiver.empty() && Str(o, "receiver") != receiver) continue;
    if (tier >= 0 && Int(o, "tier") != tier) continue;
    return o;
  }
  return std::nullopt;
}

// Waits until the alert's history has the entry; fails with the history after `timeout`.
boost::json::object RequireEntry(const Daemon& d, const std::string& id, std::string_view change,
                                 std::string_view receiver = "", int tier = -1, Ms timeout = 10s) {
  boost::json::array h;
  std::optional<boost::json::object> found;
  WaitUntil(
      [&] {
        h = History(d, id);
        found = FindEntry(h, change, receiver, tier);
        return found.has_value();
      },
      timeout);
  if (!found)
    FAIL("no history entry change=" << change << (receiver.empty() ? "" : " receiver=") << receiver
                                    << (tier >= 0 ? " tier=" : "")
                                    << (tier >= 0 ? std::to_string(tier) : "") << " for " << id
                                    << " within " << timeout.count() << " ms; history:\n"
                                    << ShowHistory(h));
  return *found;
}

// Every entry has `at` and a known change; notifier entries (notified,
// retrying, gave_up) name their receiver, and those of a tier delivery also
// its policy and tier. After the alert is resolved the only deliveries are
// resolution notices, which belong to no tier: they may leave policy and tier out.
void CheckHistoryShape(const boost::json::array& h) {
  INFO("history:\n" << ShowHistory(h));
  bool resolved = false;
  for (const auto& e : h) {
    REQUIRE(e.is_object());
    const auto& o = e.as_object();
    INFO("entry: " << Json(o));
    CHECK(ParseTime(Str(o, "at")).has_value());
    const std::string change = Str(o, "change");
    CHECK(kHistoryChanges.count(change) == 1);
    if (change == "resolved") resolved = true;
    if (change == "notified" || change == "retrying" || change == "gave_up") {
      CHECK(o.contains("receiver"));
      if (!resolved) {
        CHECK(o.contains("policy"));
        CHECK(Int(o, "tier").has_value());
      }
    }
  }
}

// --- deliveries ---

// Waits for the request to `path` with Idempotency-Key `key` and checks it
// arrived between `lo` and `hi` seconds after `origin`. Fails, listing what
// did arrive, when none came by origin + hi + 3 s.
HttpRecord ExpectDelivery(const Daemon& d, const HttpSink& hooks, std::string_view path,
                          const std::string& key, SysTime origin, double lo, double hi) {
  const auto until = origin + std::chrono::duration_cast<SysClock::duration>(
                                  std::chrono::duration<double>(hi + 3.0));
  const auto wait = std::max(Ms(100), std::chrono::duration_cast<Ms>(until - SysClock::now()));
  auto r = hooks.WaitForKey(path, key, wait);
  if (!r)
    FAIL("no webhook at " << path << " with Idempotency-Key " << key << " within " << hi + 3.0
                          << " s of " << Rfc3339(origin) << " (expected " << lo << "–" << hi
                          << " s); " << hooks.Describe(origin) << "vigiad stderr:\n"
                          << Tail(d.Stderr()));
  const double at = Seconds(r->at - origin);
  INFO(path << " " << key << " arrived " << at << " s after " << Rfc3339(origin) << " (expected "
            << lo << "–" << hi << " s); " << hooks.Describe(origin));
  CHECK(at >= lo);
  CHECK(at <= hi);
  return *r;
}

// The JSON webhook of notifier.md "Delivery": the alert plus tier and policy (and repeat).
void CheckHookBody(const HttpRecord& r, const Fired& a, int tier, std::string_view policy,
                   int repeat = 0) {
  INFO("request: " << r.Describe() << "\nheaders:" << [&] {
    std::string h;
    for (const auto& [n, v] : r.headers) h += "\n  " + n + ": " + v;
    return h;
  }());
  CHECK(r.method == "POST");
  CHECK_THAT(Lower(r.Header("Content-Type")), Catch::StartsWith("application/json"));
  const boost::json::object b = ParseObject(r.body);
  REQUIRE(!b.empty());
  CHECK(Str(b, "alert") == a.id);
  CHECK(Str(b, "rule") == Str(a.alert, "rule"));
  CHECK(Str(b, "level") == Str(a.alert, "level"));
  CHECK(Str(b, "region") == Str(a.alert, "region"));
  CHECK(Str(b, "status") == "firing");
  CHECK(Str(b, "fired_at") == Str(a.alert, "fired_at"));
  CHECK(Str(b, "summary") == Str(a.alert, "summary"));
  CHECK(Strings(b, "events") == Strings(a.alert, "events"));
  CHECK(Int(b, "tier") == tier);
  CHECK(Str(b, "policy") == policy);
  if (repeat > 0)
    CHECK(Int(b, "repeat") == repeat);
  else
    CHECK((!b.contains("repeat") || Int(b, "repeat") == 0));
}

// The SMS of notifier.md: plain text, at most 160 characters, none of the
// fields the receiver's `fields:` leaves out.
void CheckSms(const HttpRecord& r, const Fired& a) {
  INFO("sms request: " << r.Describe() << "\nbody (" << Utf8Length(r.body) << " chars): " << r.body
                       << "\nalert: " << Json(a.alert));
  CHECK(r.method == "POST");
  CHECK_THAT(Lower(r.Header("Content-Type")), Catch::StartsWith("text/plain"));
  CHECK(!r.body.empty());
  CHECK(Utf8Length(r.body) <= 160);
  for (const auto& event_id : Strings(a.alert, "events"))
    CHECK(r.body.find(event_id) == std::string::npos);
  if (a.alert.contains("subject")) CHECK(r.body.find(Str(a.alert, "subject")) == std::string::npos);
}

// Requests about alert `id`: its Idempotency-Keys start with "<id>/"; the SMS
// may carry the id only in its text.
bool About(const HttpRecord& r, const std::string& id) {
  return r.Header("Idempotency-Key").starts_with(id + "/") || r.body.find(id) != std::string::npos;
}

// Fails if a request to `path` (any when empty) about `id` arrives after
// `after`, watching until `until`.
void ExpectNoDelivery(const Daemon& d, const HttpSink& hooks, std::string_view path,
                      const std::string& id, SysTime after, SysTime until, SysTime origin,
                      std::string_view why) {
  auto late = [&](const std::vector<HttpRecord>& all) {
    for (const auto& r : all)
      if ((path.empty() || r.path() == path) && About(r, id) && r.at > after) return true;
    return false;
  };
  const auto wait = std::max(Ms(0), std::chrono::duration_cast<Ms>(until - SysClock::now()));
  if (hooks.WaitUntil(late, wait))
    FAIL("a webhook " << (path.empty() ? "" : "at ") << path << " about " << id << " after "
                      << Seconds(after - origin) << " s: " << why << "; " << hooks.Describe(origin)
                      << "vigiad stderr:\n"
                      << Tail(d.Stderr()));
}

// The recovery cases' start: a threat in MX-CHH (policy chihuahua) fires,
// its tier 0 reaches /state, then vigiad is killed with SIGKILL.
Fired FireThenKill(Daemon& d, const HttpSink& hooks, const std::string& event_id) {
  Fired a;
  {
    SubClient sub = d.Subscribe({"alert."});  // closed before the kill
    a = Fire(d, sub, event_id, "threat");
  }
  ExpectDelivery(d, hooks, "/state", Key(a.id, "chihuahua", 0, 0), a.fired_at, -0.5, 2.5);
  d.Kill();
  return a;
}

std::set<std::string> KeysAbout(const HttpSink& hooks, std::string_view path,
                                const std::string& id) {
  std::set<std::string> keys;
  for (const auto& r : hooks.requests(path))
    if (About(r, id)) keys.insert(r.Header("Idempotency-Key"));
  return keys;
}

// How many requests to `path` carried Idempotency-Key `key`.
size_t CountKey(const HttpSink& hooks, std::string_view path, const std::string& key) {
  const auto all = hooks.requests(path);
  return static_cast<size_t>(std::count_if(all.begin(), all.end(), [&](const HttpRecord& r) {
    return r.Header("Idempotency-Key") == key;
  }));
}

struct ResolutionNotice {
  HttpRecord request;
  boost::json::object resolution;  // the body's "resolution"
};

// Waits up to 10 s for the resolution notice about alert `id` at `path`
// (Idempotency-Key "<id>/resolved"), checks that its body names the alert as
// resolved, and fails, listing what did arrive, when none comes.
ResolutionNotice ExpectResolutionNotice(const Daemon& d, const HttpSink& hooks,
                                        std::string_view path, const std::string& id,
                                        SysTime origin) {
  const auto notice = hooks.WaitForKey(path, id + "/resolved", 10s);
  if (!notice)
    FAIL("no resolution notice (Idempotency-Key " << id << "/resolved) at " << path << "; "
                                                  << hooks.Describe(origin) << "vigiad stderr:\n"
                                                  << Tail(d.Stderr()));
  INFO("notice: " << notice->Describe());
  const boost::json::object b = ParseObject(notice->body);
  CHECK(Str(b, "alert") == id);
  CHECK(Str(b, "status") == "resolved");
  const auto* resolution = b.if_contains("resolution");
  REQUIRE(resolution);
  REQUIRE(resolution->is_object());
  return {*notice, resolution->as_object()};
}

// --- metrics ---

// The value of the first sample of `name` whose labels include `labels`
// (in any order); nullopt when there is none.
std::optional<double> Metric(const std::string& text, std::string_view name,
                             const std::map<std::string, std::string>& labels = {}) {
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    if (line.empty() || line[0] == '#' || !line.starts_with(name)) continue;
    const char next = line.size() > name.size() ? line[name.size()] : '\0';
    if (next != '{' && next != ' ') continue;
    std::string label_text;
    size_t value_at = name.size() + 1;
    if (next == '{') {
      const size_t close = line.find('}', name.size());
      if (close == std::string::npos) continue;
      label_text = line.substr(name.size() + 1, close - name.size() - 1);
      value_at = close + 2;
    }
    bool all = true;
    for (const auto& [k, v] : labels)
      if (label_text.find(k + "=\"" + v + "\"") == std::string::npos) all = false;
    if (!all || value_at > line.size()) continue;
    try {
      return std::stod(line.substr(value_at));
    } catch (...) {
      continue;
    }
  }
  return std::nullopt;
}

std::string Metrics(const Daemon& d) {
  const HttpReply m = Get(d.HttpPort(), "/metrics");
  INFO("GET /metrics: " << Show(m));
  REQUIRE(m.status == 200);
  return m.body;
}

// --- processes ---

std::string ShowCommand(const CommandResult& r) {
  return "exit " + std::to_string(r.exit) + "\nstdout:\n" + Tail(r.out) + "\nstderr:\n" +
         Tail(r.err);
}

// --- the archive file ---

std::vector<boost::json::object> ArchiveLines(const Daemon& d, std::string* raw = nullptr) {
  const std::string text = ReadFile(d.dir() / "var" / "alerts.jsonl");
  if (raw) *raw = text;
  std::vector<boost::json::object> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.empty()) continue;
    INFO("var/alerts.jsonl line: " << line);
    const boost::json::object o = ParseObject(line);
    CHECK(!o.empty());  // every line is one JSON object
    lines.push_back(o);
  }
  return lines;
}

std::vector<boost::json::object> ArchiveLinesAbout(const Daemon& d, const std::string& id) {
  std::vector<boost::json::object> out;
  for (auto& o : ArchiveLines(d))
    if (Str(o, "alert") == id) out.push_back(o);
  return out;
}

// --- silences ---

HttpReply PostSilence(const Daemon& d, std::string_view token, const boost::json::object& body) {
  return Post(d.HttpPort(), kSilences, token, Json(body));
}

boost::json::object ChihuahuaSilence() {
  return {{"where", {{"region", boost::json::array{"MX-CHH"}}}},
          {"ends", TimeFromNow(std::chrono::seconds(600))},
          {"by", "ana"},
          {"reason", "the state mechanism's line is down for maintenance"}};
}

Strs ActiveSilenceIds(const Daemon& d) {
  const HttpReply r = Get(d.HttpPort(), kSilences, kOperatorToken);
  INFO("GET silences: " << Show(r));
  REQUIRE(r.status == 200);
  const boost::json::value v = r.JsonBody();
  REQUIRE(v.is_array());
  Strs ids;
  for (const auto& s : v.as_array())
    if (s.is_object()) ids.push_back(Str(s.as_object(), "id"));
  return ids;
}

}  // namespace

// ============================================================================
// Self-checks of the test infrastructure (no vigiad involved).
// ============================================================================

TEST_CASE(
    "Self-check: the webhook server records requests, answers 200/503, hangs, closes its port",
    "[e2e][notifier][selfcheck]") {
  HttpSink hooks;
  const uint16_t port = hooks.port();
  REQUIRE(port != 0);
  CHECK(hooks.Url("/state") == "http://127.0.0.1:" + std::to_string(port) + "/state");

  // 200 by default; everything recorded.
  HttpRequest req{"POST",
                  "/state?x=1",
                  "tok",
                  R"({"alert":"a-1","tier":0})",
                  {{"Idempotency-Key", "a-1/chihuahua/0/0"}}};
  const auto before = SysClock::now();
  HttpReply r = Http(port, req, 5s);
  INFO(Show(r));
  CHECK(r.status == 200);
  auto got = hooks.WaitForKey("/state", "a-1/chihuahua/0/0", 2s);
  REQUIRE(got);
  CHECK(got->method == "POST");
  CHECK(got->target == "/state?x=1");
  CHECK(got->path() == "/state");
  CHECK(got->Header("authorization") == "Bearer tok");
  CHECK(got->Header("Content-Type") == "application/json");
  CHECK(Int(ParseObject(got->body), "tier") == 0);
  CHECK(got->answered == 200);
  CHECK(got->at >= before);
  CHECK(got->at <= SysClock::now());

  // 503 while down.
  hooks.Answer("/federal", 503);
  r = Post(port, "/federal", "", "{}", 5s);
  CHECK(r.status == 503);
  hooks.Answer("/federal", 200);
  CHECK(Post(port, "/federal", "", "{}", 5s).status == 200);
  const auto federal = hooks.requests("/federal");
  REQUIRE(federal.size() == 2);
  CHECK(federal[0].answered == 503);
  CHECK(federal[1].answered == 200);

  // A hanging path answers nothing, and holds up no other request.
  hooks.Hang("/sms");
  const auto t = Clock::now();
  r = Post(port, "/sms", "", "text", 700ms);
  CHECK(r.status == 0);
  CHECK(r.error.find("timeout") != std::string::npos);
  CHECK(Clock::now() - t >= 600ms);
  CHECK(hooks.hung() == 1);
  CHECK(hooks.requests("/sms").at(0).answered == 0);
  RawConnection held(port);  // another client hangs mid-request: still no delay for others
  REQUIRE(held.Send("POST /sms HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc"));
  const auto t2 = Clock::now();
  CHECK(Post(port, "/state", "", "{}", 2s).status == 200);
  CHECK(Clock::now() - t2 < 1s);

  // Keep-alive: two requests on one connection, both answered and recorded.
  const size_t count = hooks.Count("/keep");
  {
    RawConnection c(port);
    REQUIRE(c.Send(
        "POST /keep HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}"
        "POST /keep HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}"));
    const auto got2 = c.ReadUntilClosed(5s);
    INFO(got2.bytes);
    CHECK(got2.closed);
    size_t answers = 0;
    for (size_t at = 0; (at = got2.bytes.find("HTTP/1.1 200", at)) != std::string::npos; ++at)
      ++answers;
    CHECK(answers == 2);
  }
  CHECK(hooks.Count("/keep") == count + 2);

  // A wait for what never comes ends on time.
  const auto t3 = Clock::now();
  CHECK_FALSE(hooks.WaitForKey("/state", "never", 300ms));
  CHECK(Clock::now() - t3 < 1s);

  // Stop: connections refused, hung ones closed; Start: the same port again.
  hooks.Stop();
  CHECK_FALSE(hooks.running());
  r = Post(port, "/state", "", "{}", 2s);
  INFO("while stopped: " << Show(r));
  CHECK(r.status == 0);
  CHECK(r.error.find("connect") != std::string::npos);
  hooks.Start();
  CHECK(hooks.running());
  CHECK(hooks.port() == port);
  CHECK(Post(port, "/state", "", "{}", 5s).status == 200);
  // The describer names what came.
  CHECK_THAT(hooks.Describe(before), Catch::Contains("a-1/chihuahua/0/0"));
  hooks.Clear();
  CHECK(hooks.Count() == 0);
}

TEST_CASE("Self-check: the SMTP sink takes mail from a real client (Python smtplib)",
          "[e2e][notifier][selfcheck]") {
  // RFC 2047 decoding first.
  CHECK(DecodeEncodedWords("=?UTF-8?B?QWxlcnRhIGNyw610aWNh?=") == "Alerta crítica");
  CHECK(DecodeEncodedWords("=?utf-8?q?a_b=C3=AD?= plain") == "a bí plain");
  CHECK(DecodeEncodedWords("=?UTF-8?Q?x?= =?UTF-8?Q?y?=") == "xy");
  CHECK(DecodeEncodedWords("no words here") == "no words here");

  SmtpSink sink(kPlainSmtp);
  REQUIRE(sink.port() != 0);
  if (access("/usr/bin/python3", X_OK) != 0) {
    WARN("SKIPPED the smtplib part: /usr/bin/python3 is not installed");
    return;
  }
  const std::string script = R"(
import smtplib, sys
from email.message import EmailMessage
m = EmailMessage()
m["Subject"] = "[CRITICAL] killing-reported en MX-GRO — alerta crítica"
m["From"] = "vigia@example.org"
m["To"] = "guardia@example.org"
m["Message-ID"] = "<a-5d41402abc4b2a76.national.0.0@vigia.example.org>"
m.set_content("first line\n.a line that starts with a dot\nlast line\n")
with smtplib.SMTP("127.0.0.1", int(sys.argv[1]), timeout=10) as s:
    s.send_message(m)
    s.send_message(m, to_addrs=["otro@example.org", "guardia@example.org"])
)";
  const CommandResult py =
      RunCommand({"/usr/bin/python3", "-c", script, std::to_string(sink.port())}, {}, 30s);
  INFO("python3: " << ShowCommand(py) << "\n" << sink.Describe());
  REQUIRE(py.exit == 0);
  REQUIRE(sink.WaitForMails(2, 5s));
  const auto messages = sink.mails();
  const SmtpMail& m = messages.at(0);
  CHECK(m.mail_from == "vigia@example.org");
  CHECK(m.rcpt == Strs{"guardia@example.org"});
  CHECK(m.Subject() == "[CRITICAL] killing-reported en MX-GRO — alerta crítica");
  CHECK(m.Header("Subject") != m.Subject());  // it was RFC 2047-encoded on the wire
  CHECK(m.MessageId() == "<a-5d41402abc4b2a76.national.0.0@vigia.example.org>");
  CHECK(m.Header("from") == "vigia@example.org");
  CHECK_THAT(m.body, Catch::Contains("\r\n.a line that starts with a dot\r\n"));
  CHECK_THAT(m.body, Catch::EndsWith("last line\r\n"));
  CHECK(messages.at(1).rcpt == Strs{"otro@example.org", "guardia@example.org"});
  const auto commands = sink.commands();
  CHECK(std::any_of(commands.begin(), commands.end(), [](const std::string& l) {
    return Lower(l).find("ehlo") != std::string::npos;
  }));
  // A wait for what never comes ends on time.
  const auto t = Clock::now();
  CHECK_FALSE(sink.WaitForMails(3, 300ms));
  CHECK(Clock::now() - t < 1s);
}

TEST_CASE("Self-check: Alertmanager starts, lists posted alerts and drops them once endsAt passed",
          "[e2e][notifier][selfcheck][alertmanager]") {
  if (Alertmanager::Binary().empty()) {
    WARN(
        "SKIPPED: /usr/bin/prometheus-alertmanager is not installed (Debian package "
        "prometheus-alertmanager; CI installs it)");
    return;
  }
  Alertmanager am;
  INFO("Alertmanager log:\n" << Tail(am.Log()));
  CHECK(am.Alerts().empty());
  const boost::json::object labels = {{"alertname", "e2e-selfcheck"},
                                      {"severity", "warning"},
                                      {"region", "MX-CHH"},
                                      {"vigia_alert", "a-selfcheck"}};
  const std::string starts = Rfc3339(SysClock::now());
  HttpReply r = am.PostAlerts(boost::json::array{boost::json::object{
      {"labels", labels}, {"annotations", {{"summary", "self-check"}}}, {"startsAt", starts}}});
  INFO("POST: " << Show(r));
  REQUIRE(r.status == 200);
  std::optional<boost::json::object> a;
  REQUIRE(WaitUntil([&] { return (a = am.FindByLabel("vigia_alert", "a-selfcheck")).has_value(); },
                    5s));
  INFO("listed: " << Json(*a));
  CHECK(Alertmanager::Label(*a, "alertname") == "e2e-selfcheck");
  CHECK(Alertmanager::Annotation(*a, "summary") == "self-check");
  const std::string state = Alertmanager::State(*a);
  CHECK((state == "active" || state == "unprocessed"));
  // Without endsAt, Alertmanager gives it resolve_timeout (5 m): endsAt is in the future.
  const auto ends = ParseTime(Str(*a, "endsAt"));
  REQUIRE(ends);
  CHECK(*ends > SysClock::now() + 60s);
  const std::string updated = Str(*a, "updatedAt");

  // A re-post moves updatedAt (what the notifier's `resend` shows).
  std::this_thread::sleep_for(1100ms);  // updatedAt has a resolution below that; make it differ
  r = am.PostAlerts(boost::json::array{boost::json::object{
      {"labels", labels}, {"annotations", {{"summary", "self-check"}}}, {"startsAt", starts}}});
  REQUIRE(r.status == 200);
  REQUIRE(WaitUntil(
      [&] {
        a = am.FindByLabel("vigia_alert", "a-selfcheck");
        return a && Str(*a, "updatedAt") != updated;
      },
      5s));

  // endsAt now: resolved, and left out of GET /api/v2/alerts whatever the filters.
  r = am.PostAlerts(
      boost::json::array{boost::json::object{{"labels", labels},
                                             {"annotations", {{"summary", "self-check"}}},
                                             {"startsAt", starts},
                                             {"endsAt", Rfc3339(SysClock::now())}}});
  INFO("POST resolved: " << Show(r));
  REQUIRE(r.status == 200);
  CHECK(WaitUntil([&] { return !am.FindByLabel("vigia_alert", "a-selfcheck"); }, 5s));
  CHECK_FALSE(am.FindByLabel("vigia_alert", "a-selfcheck",
                             "active=true&silenced=true&inhibited=true&unprocessed=true"));
  CHECK_FALSE(am.FindByLabel("vigia_alert", "a-selfcheck", "active=false"));
}

TEST_CASE("Self-check: the notifier config the tests write, and the helpers' parsers",
          "[e2e][notifier][selfcheck]") {
  const auto t = ParseTime("2017-03-06T09:00:02Z");
  REQUIRE(t);
  CHECK(SysClock::to_time_t(*t) == 1488790802);
  const auto frac = ParseTime("2017-03-06T09:00:02.250Z");
  REQUIRE(frac);
  CHECK(std::abs(Seconds(*frac - *t) - 0.25) < 1e-6);
  const auto offset = ParseTime("2017-03-06T03:00:02-06:00");
  REQUIRE(offset);
  CHECK(*offset == *t);
  CHECK_FALSE(ParseTime("yesterday"));
  CHECK(Utf8Length("acción") == 6);
  const std::string metrics =
      "# TYPE vigia_alert_time_to_ack_seconds histogram\n"
      "vigia_alert_time_to_ack_seconds_count{region=\"MX-CHH\",level=\"warning\"} 1\n"
      "vigia_notifier_deliveries_total{result=\"sent\",receiver=\"state\"} 3\n"
      "vigia_up 1\n";
  CHECK(Metric(metrics, "vigia_alert_time_to_ack_seconds_count",
               {{"level", "warning"}, {"region", "MX-CHH"}}) == 1.0);
  CHECK(Metric(metrics, "vigia_notifier_deliveries_total",
               {{"receiver", "state"}, {"result", "sent"}}) == 3.0);
  CHECK_FALSE(Metric(metrics, "vigia_notifier_deliveries_total", {{"receiver", "sms"}}));
  CHECK(Metric(metrics, "vigia_up") == 1.0);
  CHECK_FALSE(Metric(metrics, "vigia"));

  // The YAML is well formed (yaml parsed by vigia itself comes with the
  // notifier; here: one `notifier:` block with every receiver and policy).
  HttpSink hooks;
  NotifierOptions o = Options(hooks);
  o.watchdog = "{notify: [federal], every: 2s}";
  const std::string yaml = NotifierYaml(o);
  for (const char* needle :
       {"name: state", "name: federal", "name: sms", "name: am", "name: mail", "name: archive",
        "${E2E_HOOK_TOKEN}", "template: sms", "fields: [alert, level, region, summary]",
        "policy: national", "continue: true", "repeat: 3s", "watchdog: {notify: [federal]"})
    CHECK_THAT(yaml, Catch::Contains(needle));

  // The daemon fixture passes SetEnv() variables on (what ${E2E_HOOK_TOKEN} needs).
  Daemon d;
  d.SetEnv(kHookTokenVar, kHookToken);
  d.SetEnv(kHookTokenVar, std::string(kHookToken) + "-2");
  const auto env = d.Environment();
  CHECK(std::count(env.begin(), env.end(), std::string(kHookTokenVar) + "=" + kHookToken + "-2") ==
        1);
  CHECK(std::none_of(env.begin(), env.end(), [](const std::string& e) {
    return e == std::string(kHookTokenVar) + "=" + kHookToken;
  }));
  const CommandResult echo = RunCommand({"/usr/bin/env"}, env, 5s);
  CHECK(echo.exit == 0);
  CHECK_THAT(echo.out, Catch::Contains(std::string(kHookTokenVar) + "=" + kHookToken + "-2\n"));
}

// ============================================================================
// The notifier, end to end. These fail until vigiad notifies.
// ============================================================================

TEST_CASE(
    "Escalation: tier 0 at once, tier 1 at 3 s, tier 2 at 6 s repeated every 3 s until "
    "acknowledged, with history and metrics",
    "[e2e][notifier][escalation]") {
  HttpSink hooks;
  Daemon d({{"main.yaml", kRules}});
  Start(d, Options(hooks));
  SubClient sub = d.Subscribe({"alert.", "update."});
  const Fired a = Fire(d, sub, "esc-1", "threat");
  const std::string& id = a.id;
  const SysTime t0 = a.fired_at;
  INFO("alert " << id << " fired_at " << Str(a.alert, "fired_at"));
  CHECK(Str(a.alert, "level") == "warning");
  CHECK(Str(a.alert, "region") == "MX-CHH");

  // Tier 0: the state receiver, with its configured header (${E2E_HOOK_TOKEN}).
  const HttpRecord s0 =
      ExpectDelivery(d, hooks, "/state", Key(id, "chihuahua", 0, 0), t0, -0.5, 2.5);
  CheckHookBody(s0, a, 0, "chihuahua");
  CHECK(s0.Header("Authorization") == std::string("Bearer ") + kHookToken);

  // Tier 1 at 3 s: federal, which has no Authorization header.
  const HttpRecord f1 =
      ExpectDelivery(d, hooks, "/federal", Key(id, "chihuahua", 1, 0), t0, 2.5, 6.0);
  CheckHookBody(f1, a, 1, "chihuahua");
  CHECK(f1.Header("Authorization").empty());

  // Tier 2 at 6 s: federal and sms.
  const HttpRecord f2 =
      ExpectDelivery(d, hooks, "/federal", Key(id, "chihuahua", 2, 0), t0, 5.5, 9.5);
  CheckHookBody(f2, a, 2, "chihuahua");
  const HttpRecord m2 = ExpectDelivery(d, hooks, "/sms", Key(id, "chihuahua", 2, 0), t0, 5.5, 9.5);
  CheckSms(m2, a);

  // Repeats of tier 2 every 3 s, n = 1, 2.
  const HttpRecord f2r1 =
      ExpectDelivery(d, hooks, "/federal", Key(id, "chihuahua", 2, 1), t0, 8.5, 12.5);
  CheckHookBody(f2r1, a, 2, "chihuahua", 1);
  const double gap = Seconds(f2r1.at - f2.at);
  INFO("first repeat " << gap << " s after tier 2");
  CHECK(gap >= 2.0);
  CHECK(gap <= 5.0);
  const HttpRecord m2r1 =
      ExpectDelivery(d, hooks, "/sms", Key(id, "chihuahua", 2, 1), t0, 8.5, 12.5);
  CheckSms(m2r1, a);
  const HttpRecord f2r2 =
      ExpectDelivery(d, hooks, "/federal", Key(id, "chihuahua", 2, 2), t0, 11.5, 15.5);
  CheckHookBody(f2r2, a, 2, "chihuahua", 2);

  // Acknowledged: nothing more (the next repeat was due at 15 s).
  Acknowledge(d, id, "ana", "called the state mechanism");
  const SysTime acked = SysClock::now();
  ExpectNoDelivery(d, hooks, "", id, acked + 1s, std::max(acked, t0 + 15s) + 4s, t0,
                   "no tier nor repeat after the acknowledgement");
  // Tier 0 went once, with one key; no repeat beyond n = 3 (one may have been in flight).
  CHECK(KeysAbout(hooks, "/state", id) == std::set<std::string>{Key(id, "chihuahua", 0, 0)});
  for (const auto& key : KeysAbout(hooks, "/federal", id)) {
    INFO("federal key " << key);
    CHECK(key != Key(id, "chihuahua", 2, 4));
  }

  // The history tells it all.
  RequireEntry(d, id, "notified", "state", 0);
  RequireEntry(d, id, "notified", "federal", 1);
  RequireEntry(d, id, "notified", "federal", 2);
  RequireEntry(d, id, "notified", "sms", 2);
  const auto ack = RequireEntry(d, id, "acknowledged");
  CHECK(Str(ack, "by") == "ana");
  CHECK(Str(ack, "note") == "called the state mechanism");
  const auto history = History(d, id);
  CheckHistoryShape(history);
  CHECK(Str(history.at(0).as_object(), "change") == "fired");
  const auto notified = FindEntry(history, "notified", "state", 0);
  REQUIRE(notified);
  CHECK(Str(*notified, "policy") == "chihuahua");

  // Escalation and acknowledgement are published as updates (daemon.md, alerts PUB).
  std::set<std::string> topics;
  while (auto p = sub.Receive(1500ms))
    if (Str(p->alert, "alert") == id) topics.insert(p->topic);
  INFO("topics about the alert: " << [&] {
    std::string s;
    for (const auto& t : topics) s += t + " ";
    return s;
  }());
  CHECK(topics.count("update.escalated.MX-CHH") == 1);
  CHECK(topics.count("update.acknowledged.MX-CHH") == 1);

  // Metrics: time to acknowledge by region and level; deliveries by receiver.
  std::string metrics;
  const bool counted = WaitUntil(
      [&] {
        metrics = Metrics(d);
        return Metric(metrics, "vigia_alert_time_to_ack_seconds_count",
                      {{"region", "MX-CHH"}, {"level", "warning"}})
            .has_value();
      },
      5s);
  INFO("metrics:\n" << metrics);
  CHECK(counted);
  CHECK_THAT(metrics, Catch::Contains("# TYPE vigia_alert_time_to_ack_seconds histogram"));
  CHECK(Metric(metrics, "vigia_alert_time_to_ack_seconds_count",
               {{"region", "MX-CHH"}, {"level", "warning"}}) == 1.0);
  const auto ack_sum = Metric(metrics, "vigia_alert_time_to_ack_seconds_sum",
                              {{"region", "MX-CHH"}, {"level", "warning"}});
  REQUIRE(ack_sum);
  CHECK(*ack_sum >= 10.0);  // acknowledged after the second repeat, ≥ 12 s after firing
  CHECK(*ack_sum <= 40.0);
  CHECK(Metric(metrics, "vigia_alert_time_to_ack_seconds_bucket",
               {{"region", "MX-CHH"}, {"level", "warning"}, {"le", "+Inf"}}) == 1.0);
  CHECK(Metric(metrics, "vigia_notifier_deliveries_total",
               {{"receiver", "state"}, {"result", "sent"}})
            .value_or(0) >= 1.0);
  CHECK(Metric(metrics, "vigia_notifier_deliveries_total",
               {{"receiver", "federal"}, {"result", "sent"}})
            .value_or(0) >= 4.0);
  CHECK(
      Metric(metrics, "vigia_notifier_deliveries_total", {{"receiver", "sms"}, {"result", "sent"}})
          .value_or(0) >= 2.0);

  // A receiver's secret never reaches the log.
  CHECK(d.Stderr().find(kHookToken) == std::string::npos);
}

TEST_CASE(
    "Resolving stops the escalation and tells every receiver that was notified, with the "
    "reason",
    "[e2e][notifier][resolve]") {
  HttpSink hooks;
  Daemon d({{"main.yaml", kRules}});
  Start(d, Options(hooks));
  SubClient sub = d.Subscribe({"alert."});
  const Fired a = Fire(d, sub, "res-1", "threat");
  const std::string& id = a.id;
  const SysTime t0 = a.fired_at;
  const HttpRecord s0 =
      ExpectDelivery(d, hooks, "/state", Key(id, "chihuahua", 0, 0), t0, -0.5, 2.5);
  CheckHookBody(s0, a, 0, "chihuahua");

  Resolve(d, id, "luis", "family relocated");
  const SysTime resolved = SysClock::now();
  INFO("resolved " << Seconds(resolved - t0) << " s after firing");
  REQUIRE(resolved < t0 + 2800ms);  // else tier 1 (3 s) may have gone legitimately: no test

  // The resolution notice: to state (notified), with the reason.
  const ResolutionNotice notice = ExpectResolutionNotice(d, hooks, "/state", id, t0);
  INFO("notice: " << notice.request.Describe());
  CHECK(notice.request.method == "POST");
  CHECK_THAT(Lower(notice.request.Header("Content-Type")), Catch::StartsWith("application/json"));
  CHECK(notice.request.Header("Authorization") == std::string("Bearer ") + kHookToken);
  const auto& res = notice.resolution;
  CHECK(Str(res, "reason") == "operator");
  CHECK(Str(res, "by") == "luis");
  CHECK(Str(res, "note") == "family relocated");

  // Nothing more: tier 1 (3 s) and tier 2 (6 s) never go, and federal and sms,
  // never notified, get no resolution notice either.
  ExpectNoDelivery(d, hooks, "/federal", id, t0 - 1s, t0 + 9s, t0,
                   "the alert was resolved before tier 1");
  ExpectNoDelivery(d, hooks, "/sms", id, t0 - 1s, SysClock::now(), t0, "the alert was resolved");
  CHECK(KeysAbout(hooks, "/state", id) ==
        std::set<std::string>{Key(id, "chihuahua", 0, 0), id + "/resolved"});

  const auto entry = RequireEntry(d, id, "resolved");
  CHECK(Str(entry, "by") == "luis");
  CHECK(Str(entry, "note") == "family relocated");
  const auto history = History(d, id);
  CheckHistoryShape(history);
  CHECK_FALSE(FindEntry(history, "notified", "federal"));
}

TEST_CASE("A retracted heartbeat alert tells its receivers: reason expected_event_arrived",
          "[e2e][notifier][resolve]") {
  HttpSink hooks;
  Daemon d({{"main.yaml", kRules}});
  Start(d, Options(hooks));
  SubClient sub = d.Subscribe({"alert."});
  AckClient client(d.context(), d.AckEndpoint());
  auto checkin = [](const std::string& id) {
    boost::json::object e = ReportEvent(id);
    e["type"] = "checkin";
    e.erase("category");
    e["subject"] = "p-17";
    return e;
  };
  RequireAccepted(client, checkin("hb-1"));
  // every 2 s + grace 1 s: overdue about 3 s later.
  const Fired a = WaitAlert(
      d, sub, [](const boost::json::object& x) { return Str(x, "rule") == "missed-checkin"; });
  const std::string& id = a.id;
  const SysTime t0 = a.fired_at;
  CHECK(Str(a.alert, "region") == "MX-CHH");
  const HttpRecord s0 =
      ExpectDelivery(d, hooks, "/state", Key(id, "chihuahua", 0, 0), t0, -0.5, 2.5);
  CheckHookBody(s0, a, 0, "chihuahua");

  // The late check-in resolves it by itself.
  RequireAccepted(client, checkin("hb-2"));
  const SysTime late = SysClock::now();
  REQUIRE(late < t0 + 2800ms);  // before tier 1
  const ResolutionNotice notice = ExpectResolutionNotice(d, hooks, "/state", id, t0);
  CHECK(Str(notice.resolution, "reason") == "expected_event_arrived");
  ExpectNoDelivery(d, hooks, "/federal", id, t0 - 1s, t0 + 8s, t0,
                   "the alert was retracted before tier 1");
  RequireEntry(d, id, "resolved");
}

TEST_CASE(
    "Durable schedule: a tier that fell due while vigiad was killed is sent once at start, "
    "tier 0 is not sent again",
    "[e2e][notifier][recovery]") {
  HttpSink hooks;
  Daemon d({{"main.yaml", kRules}});
  Start(d, Options(hooks));
  const Fired a = FireThenKill(d, hooks, "dur-1");
  const std::string& id = a.id;
  const SysTime t0 = a.fired_at;
  const SysTime killed = SysClock::now();
  INFO("killed " << Seconds(killed - t0) << " s after firing");
  REQUIRE(killed < t0 + 2500ms);
  SleepUntil(t0 + 4s);  // tier 1 (3 s) falls due while vigiad is down
  CHECK(hooks.Count("/federal") == 0);

  Start(d);
  const SysTime ready = SysClock::now();
  const HttpRecord f1 =
      ExpectDelivery(d, hooks, "/federal", Key(id, "chihuahua", 1, 0), ready, -0.5, 3.0);
  CheckHookBody(f1, a, 1, "chihuahua");
  // Tier 2 keeps its time (6 s after firing).
  ExpectDelivery(d, hooks, "/federal", Key(id, "chihuahua", 2, 0), t0, 5.5, 10.0);
  Acknowledge(d, id);
  std::this_thread::sleep_for(1s);  // a late duplicate would show up here
  // Tier 0: the same key at most (a redelivery is allowed), never a new one.
  CHECK(KeysAbout(hooks, "/state", id) == std::set<std::string>{Key(id, "chihuahua", 0, 0)});
  INFO(hooks.Describe(t0));
  CHECK(CountKey(hooks, "/federal", Key(id, "chihuahua", 1, 0)) == 1);  // tier 1: once
  CHECK(d.CountLog("daemon.ready") == 1);
}

TEST_CASE(
    "Durable schedule: a tier not yet due at a kill -9 is sent at its time after the "
    "restart",
    "[e2e][notifier][recovery]") {
  HttpSink hooks;
  Daemon d({{"main.yaml", kRules}});
  Start(d, Options(hooks));
  const Fired a = FireThenKill(d, hooks, "dur-2");
  const std::string& id = a.id;
  const SysTime t0 = a.fired_at;
  Start(d);
  const SysTime ready = SysClock::now();
  INFO("restarted " << Seconds(ready - t0) << " s after firing");
  REQUIRE(ready < t0 + 2500ms);  // else tier 1 fell due while down: the other case
  const HttpRecord f1 =
      ExpectDelivery(d, hooks, "/federal", Key(id, "chihuahua", 1, 0), t0, 2.5, 6.5);
  CheckHookBody(f1, a, 1, "chihuahua");
  Acknowledge(d, id);
  std::this_thread::sleep_for(1s);
  CHECK(KeysAbout(hooks, "/state", id) == std::set<std::string>{Key(id, "chihuahua", 0, 0)});
  INFO(hooks.Describe(t0));
  CHECK(CountKey(hooks, "/federal", Key(id, "chihuahua", 1, 0)) == 1);
}

TEST_CASE(
    "A receiver answering 503 gets the delivery once it answers 200, with backoff from 1 s "
    "to retry.max, and the others are not held up",
    "[e2e][notifier][retry]") {
  HttpSink hooks;
  hooks.Answer("/state", 503);
  Daemon d({{"main.yaml", kRules}});
  Start(d, Options(hooks));
  SubClient sub = d.Subscribe({"alert."});
  const Fired a = Fire(d, sub, "retry-1", "threat");
  const std::string& id = a.id;
  const SysTime t0 = a.fired_at;
  const std::string key = Key(id, "chihuahua", 0, 0);

  // Attempts at about 0, 1, 3, 5 s (1 s doubling, at most 2 s).
  const bool four = hooks.WaitUntil(
      [&](const std::vector<HttpRecord>& all) {
        return std::count_if(all.begin(), all.end(),
                             [](const HttpRecord& r) { return r.path() == "/state"; }) >= 4;
      },
      15s);
  const auto attempts = hooks.requests("/state");
  INFO("waited 15 s for 4 attempts at /state (answered 503); " << hooks.Describe(t0)
                                                               << "vigiad stderr:\n"
                                                               << Tail(d.Stderr()));
  REQUIRE(four);
  for (const auto& r : attempts) {
    CHECK(r.Header("Idempotency-Key") == key);
    CHECK(r.answered == 503);
  }
  CHECK(Seconds(attempts[0].at - t0) <= 2.5);
  for (size_t i = 1; i < attempts.size(); ++i) {
    const double gap = Seconds(attempts[i].at - attempts[i - 1].at);
    INFO("gap " << i << ": " << gap << " s");
    CHECK(gap >= 0.7);  // backoff: not hammered
    CHECK(gap <= 3.5);  // retry.max is 2 s
  }
  const double gap2 = Seconds(attempts[2].at - attempts[1].at);
  CHECK(gap2 >= 1.5);  // the backoff doubled
  const auto retrying = RequireEntry(d, id, "retrying", "state", 0);
  CHECK(Str(retrying, "policy") == "chihuahua");

  // Tier 1 (federal, 3 s) went on time meanwhile.
  ExpectDelivery(d, hooks, "/federal", Key(id, "chihuahua", 1, 0), t0, 2.5, 6.0);

  // Back: delivered within one backoff (≤ 2 s) of answering 200, then no more attempts.
  hooks.Answer("/state", 200);
  const SysTime back = SysClock::now();
  const auto ok = hooks.WaitFor(
      "/state", [](const HttpRecord& r) { return r.answered == 200; }, 6s);
  if (!ok) FAIL("no delivery to /state after it answered 200 again; " << hooks.Describe(t0));
  CHECK(ok->Header("Idempotency-Key") == key);
  CHECK(Seconds(ok->at - back) <= 4.5);
  CheckHookBody(*ok, a, 0, "chihuahua");
  RequireEntry(d, id, "notified", "state", 0);
  const size_t after = hooks.Count("/state");
  std::this_thread::sleep_for(3s);  // longer than retry.max
  CHECK(hooks.Count("/state") == after);
  const std::string metrics = Metrics(d);
  INFO("metrics:\n" << metrics);
  CHECK(Metric(metrics, "vigia_notifier_deliveries_total",
               {{"receiver", "state"}, {"result", "sent"}})
            .value_or(0) >= 1.0);
  CheckHistoryShape(History(d, id));
  Acknowledge(d, id);
}

TEST_CASE("A receiver whose port is closed gets the delivery once it listens again",
          "[e2e][notifier][retry]") {
  HttpSink hooks;       // federal, sms
  HttpSink state_hook;  // state, away for a while
  state_hook.Stop();
  Daemon d({{"main.yaml", kRules}});
  NotifierOptions o = Options(hooks);
  o.state_url = state_hook.Url("/state");
  Start(d, o);
  SubClient sub = d.Subscribe({"alert."});
  const Fired a = Fire(d, sub, "closed-1", "threat");
  const std::string& id = a.id;
  const SysTime t0 = a.fired_at;
  // It tried, and knows it failed; the port stays closed for a few retries.
  RequireEntry(d, id, "retrying", "state", 0, 8s);
  SleepUntil(t0 + 3500ms);
  CHECK(state_hook.Count() == 0);
  state_hook.Start();
  const SysTime back = SysClock::now();
  const HttpRecord s0 =
      ExpectDelivery(d, state_hook, "/state", Key(id, "chihuahua", 0, 0), back, -0.5, 3.0);
  CheckHookBody(s0, a, 0, "chihuahua");
  RequireEntry(d, id, "notified", "state", 0);
  Acknowledge(d, id);
  INFO(hooks.Describe(t0));
}

TEST_CASE(
    "A hanging receiver delays neither the other receivers of its tier, nor their repeats, "
    "nor other alerts",
    "[e2e][notifier][retry]") {
  HttpSink hooks;
  hooks.Hang("/sms");  // accepts, reads, never answers (sms has the default timeout)
  Daemon d({{"main.yaml", kRules}});
  Start(d, Options(hooks));
  SubClient sub = d.Subscribe({"alert."});
  const Fired a = Fire(d, sub, "hang-1", "threat");
  const std::string& id = a.id;
  const SysTime t0 = a.fired_at;
  ExpectDelivery(d, hooks, "/state", Key(id, "chihuahua", 0, 0), t0, -0.5, 2.5);
  // Tier 2 (6 s): federal on time although sms hangs.
  ExpectDelivery(d, hooks, "/federal", Key(id, "chihuahua", 2, 0), t0, 5.5, 9.5);
  const auto sms = hooks.WaitForKey("/sms", Key(id, "chihuahua", 2, 0), 5s);
  INFO(hooks.Describe(t0));
  REQUIRE(sms);
  CHECK(hooks.hung() >= 1);
  // Another alert while sms hangs: its tier 0 on time.
  const Fired b = Fire(d, sub, "hang-2", "threat");
  ExpectDelivery(d, hooks, "/state", Key(b.id, "chihuahua", 0, 0), b.fired_at, -0.5, 2.5);
  // The repeat of tier 2 to federal on time too.
  ExpectDelivery(d, hooks, "/federal", Key(id, "chihuahua", 2, 1), t0, 8.5, 12.5);
  Acknowledge(d, id);
  Acknowledge(d, b.id);
  // The engine was not held up either: an event is still accepted promptly.
  AckClient client(d.context(), d.AckEndpoint());
  const auto t = Clock::now();
  RequireAccepted(client, ReportEvent("hang-3", "harassment"));
  CHECK(Clock::now() - t < 2s);
}

TEST_CASE("Delivery stops after give_up_after, and the history says retrying, then gave_up",
          "[e2e][notifier][retry]") {
  HttpSink hooks;
  hooks.Answer("/state", 503);
  Daemon d({{"main.yaml", kRules}});
  NotifierOptions o = Options(hooks);
  o.retry = "{initial: 1s, max: 2s, give_up_after: 5s}";
  Start(d, o);
  SubClient sub = d.Subscribe({"alert."});
  const Fired a = Fire(d, sub, "giveup-1", "threat");
  const std::string& id = a.id;
  const SysTime t0 = a.fired_at;
  const auto gave_up = RequireEntry(d, id, "gave_up", "state", 0, 15s);
  CHECK(Str(gave_up, "policy") == "chihuahua");
  RequireEntry(d, id, "retrying", "state", 0, 1s);
  const auto attempts = hooks.requests("/state");
  INFO(hooks.Describe(t0));
  CHECK(attempts.size() >= 2);
  for (const auto& r : attempts) CHECK(r.Header("Idempotency-Key") == Key(id, "chihuahua", 0, 0));
  if (!attempts.empty()) CHECK(Seconds(attempts.back().at - t0) <= 5.0 + 2.0 + 1.5);
  std::this_thread::sleep_for(4s);  // two retry.max periods: no attempt after giving up
  CHECK(hooks.Count("/state") == attempts.size());
  // Giving up on one receiver is not an acknowledgement: tier 1 went.
  ExpectDelivery(d, hooks, "/federal", Key(id, "chihuahua", 1, 0), t0, 2.5, 6.0);
  CheckHistoryShape(History(d, id));
  Acknowledge(d, id);
}

TEST_CASE(
    "Need to know: the sms receiver gets plain text of at most 160 characters without the "
    "subject or event ids",
    "[e2e][notifier][sms]") {
  HttpSink hooks;
  Daemon d({{"main.yaml", kRules}});
  Start(d, Options(hooks));
  SubClient sub = d.Subscribe({"alert."});
  const Fired a = Fire(d, sub, "sms-ev-9c1f", "stigmatization", "MX-CHH", "p-7f3a9c21");
  const std::string& id = a.id;
  const SysTime t0 = a.fired_at;
  INFO("alert: " << Json(a.alert));
  REQUIRE(Str(a.alert, "subject") == "p-7f3a9c21");
  REQUIRE(Str(a.alert, "summary").size() > 160);
  // The state receiver (no `fields:`) sees everything...
  const HttpRecord s0 =
      ExpectDelivery(d, hooks, "/state", Key(id, "chihuahua", 0, 0), t0, -0.5, 2.5);
  CHECK(Str(ParseObject(s0.body), "subject") == "p-7f3a9c21");
  CHECK(Strings(ParseObject(s0.body), "events") == Strs{"sms-ev-9c1f"});
  // ...the SMS gateway neither the subject nor the event, in 160 characters.
  const HttpRecord m2 = ExpectDelivery(d, hooks, "/sms", Key(id, "chihuahua", 2, 0), t0, 5.5, 9.5);
  CheckSms(m2, a);
  CHECK(m2.body.find("p-7f3a9c21") == std::string::npos);
  CHECK(m2.body.find("sms-ev-9c1f") == std::string::npos);
  Acknowledge(d, id);
}

TEST_CASE(
    "Silences: operators only, a silenced alert is stored and published silenced:true and "
    "notifies no one, DELETE ends it",
    "[e2e][notifier][silence]") {
  HttpSink hooks;
  Daemon d({{"main.yaml", kRules}});
  Start(d, Options(hooks));
  SubClient sub = d.Subscribe({"alert."});

  // Roles.
  HttpReply r = PostSilence(d, "", ChihuahuaSilence());
  INFO("no token: " << Show(r));
  CHECK(r.status == 401);
  r = PostSilence(d, kViewerToken, ChihuahuaSilence());
  INFO("viewer: " << Show(r));
  CHECK(r.status == 403);
  const Strs none_yet = ActiveSilenceIds(d);
  CHECK(none_yet.empty());

  // Created.
  r = PostSilence(d, kOperatorToken, ChihuahuaSilence());
  INFO("operator: " << Show(r));
  REQUIRE(r.status == 201);
  const boost::json::object silence = r.Object();
  const std::string silence_id = Str(silence, "id");
  CHECK(!silence_id.empty());
  CHECK(silence_id != "<missing>");
  CHECK(Str(silence, "by") == "ana");
  CHECK(Str(silence, "reason") == "the state mechanism's line is down for maintenance");
  CHECK(ParseTime(Str(silence, "starts")).has_value());  // defaults to now
  CHECK(ParseTime(Str(silence, "ends")).has_value());
  REQUIRE(silence.contains("where"));
  CHECK(Strings(silence.at("where").as_object(), "region") == Strs{"MX-CHH"});
  const Strs active = ActiveSilenceIds(d);
  CHECK(active == Strs{silence_id});

  // A matching alert: stored, published silenced, no notification at all.
  const Fired s = Fire(d, sub, "sil-1", "threat");
  CHECK(Bool(s.alert, "silenced"));
  const boost::json::object stored = AlertDetail(d, s.id);
  INFO("stored: " << Json(stored));
  CHECK(Bool(stored, "silenced"));
  // A non-matching one (MX-GRO, default policy) is notified as usual.
  const Fired g = Fire(d, sub, "sil-gro", "threat", "MX-GRO");
  CHECK_FALSE(Bool(g.alert, "silenced"));
  std::vector<boost::json::object> archived;
  const bool in_archive =
      WaitUntil([&] { return !(archived = ArchiveLinesAbout(d, g.id)).empty(); }, 10s);
  INFO("var/alerts.jsonl:\n" << ReadFile(d.dir() / "var" / "alerts.jsonl"));
  CHECK(in_archive);
  // Through every tier of chihuahua (0, 3, 6 s) and a repeat: nothing for the silenced alert.
  ExpectNoDelivery(d, hooks, "", s.id, s.fired_at - 1s, s.fired_at + 10s, s.fired_at,
                   "the alert is silenced");
  const auto silenced_lines = ArchiveLinesAbout(d, s.id);
  CHECK(silenced_lines.empty());
  const auto h = History(d, s.id);
  INFO("history:\n" << ShowHistory(h));
  CHECK_FALSE(FindEntry(h, "notified"));
  CheckHistoryShape(h);

  // Ended: gone from the list; the next alert notifies.
  r = Delete(d.HttpPort(), std::string(kSilences) + "/" + silence_id, kOperatorToken);
  INFO("DELETE: " << Show(r));
  CHECK(r.status == 200);
  const Strs after_delete = ActiveSilenceIds(d);
  CHECK(after_delete.empty());
  const Fired n = Fire(d, sub, "sil-2", "threat");
  CHECK_FALSE(Bool(n.alert, "silenced"));
  ExpectDelivery(d, hooks, "/state", Key(n.id, "chihuahua", 0, 0), n.fired_at, -0.5, 2.5);
  Acknowledge(d, n.id);
}

TEST_CASE(
    "Critical alerts reach Alertmanager with their labels, are re-posted while firing, "
    "and end on resolve",
    "[e2e][notifier][alertmanager]") {
  if (Alertmanager::Binary().empty()) {
    WARN(
        "SKIPPED: /usr/bin/prometheus-alertmanager is not installed (Debian package "
        "prometheus-alertmanager; CI installs it)");
    return;
  }
  Alertmanager am;
  HttpSink hooks;
  Daemon d({{"main.yaml", kRules}});
  NotifierOptions o = Options(hooks);
  o.am_url = am.Url();
  o.am_resend = "2s";
  Start(d, o);
  SubClient sub = d.Subscribe({"alert."});
  const Fired a = Fire(d, sub, "am-1", "killing", "MX-GRO");
  const std::string& id = a.id;
  std::optional<boost::json::object> got;
  const bool listed =
      WaitUntil([&] { return (got = am.FindByLabel("vigia_alert", id)).has_value(); }, 10s);
  INFO("waited 10 s for Alertmanager to list an alert labelled vigia_alert="
       << id << "\nAlertmanager alerts: " << Json(am.Alerts()) << "\nAlertmanager log:\n"
       << Tail(am.Log()) << "\nvigiad stderr:\n"
       << Tail(d.Stderr()));
  REQUIRE(listed);
  INFO("listed: " << Json(*got));
  CHECK(Alertmanager::Label(*got, "alertname") == "killing-reported");
  CHECK(Alertmanager::Label(*got, "severity") == "critical");
  CHECK(Alertmanager::Label(*got, "region") == "MX-GRO");
  CHECK(Alertmanager::Annotation(*got, "summary") == Str(a.alert, "summary"));
  const std::string state = Alertmanager::State(*got);
  CHECK((state == "active" || state == "unprocessed"));
  RequireEntry(d, id, "notified", "am", 0);

  // Re-posted every `resend` (2 s) while firing: updatedAt moves.
  const std::string updated = Str(*got, "updatedAt");
  const bool reposted = WaitUntil(
      [&] {
        got = am.FindByLabel("vigia_alert", id);
        return got && Str(*got, "updatedAt") != updated;
      },
      8s);
  CHECK(reposted);

  // Resolved: endsAt is posted and Alertmanager stops listing it, for good.
  Resolve(d, id);
  const bool ended = WaitUntil([&] { return !am.FindByLabel("vigia_alert", id); }, 10s);
  CHECK(ended);
  std::this_thread::sleep_for(3s);  // longer than `resend`: no firing re-post after the resolution
  CHECK_FALSE(am.FindByLabel("vigia_alert", id));
}

TEST_CASE(
    "Critical alerts are mailed: one message per national notification and one resolution "
    "notice",
    "[e2e][notifier][email]") {
  SmtpSink smtp(kPlainSmtp);
  HttpSink hooks;
  Daemon d({{"main.yaml", kRules}});
  NotifierOptions o = Options(hooks);
  o.smtp_url = smtp.Url();
  Start(d, o);
  SubClient sub = d.Subscribe({"alert."});
  const Fired a = Fire(d, sub, "mail-1", "killing", "MX-GRO");
  const std::string& id = a.id;
  const bool sent = smtp.WaitForMails(1, 10s);
  INFO("waited 10 s for the mail receiver's message about " << id << "; " << smtp.Describe()
                                                            << "vigiad stderr:\n"
                                                            << Tail(d.Stderr()));
  REQUIRE(sent);
  const SmtpMail m = smtp.mails().at(0);
  CHECK(m.mail_from == "vigia@example.org");
  CHECK(m.rcpt == Strs{"guardia@example.org"});
  CHECK_THAT(m.Header("From"), Catch::Contains("vigia@example.org"));
  CHECK_THAT(m.Header("To"), Catch::Contains("guardia@example.org"));
  CHECK(!m.Header("Date").empty());
  CHECK_THAT(Lower(m.Subject()), Catch::Contains("critical"));
  CHECK_THAT(m.Subject(), Catch::Contains("killing-reported"));
  CHECK(std::regex_match(m.MessageId(), std::regex(R"(<[^<>@\s]+@[^<>@\s]+>)")));
  CHECK(Seconds(m.at - a.fired_at) <= 3.0);
  RequireEntry(d, id, "notified", "mail", 0);
  std::this_thread::sleep_for(2s);  // one notification, one message
  CHECK(smtp.mails().size() == 1);

  Resolve(d, id);
  REQUIRE(smtp.WaitForMails(2, 10s));
  const SmtpMail notice = smtp.mails().at(1);
  CHECK(notice.rcpt == Strs{"guardia@example.org"});
  CHECK(notice.MessageId() != m.MessageId());
  CHECK(!notice.MessageId().empty());
  std::this_thread::sleep_for(2s);
  CHECK(smtp.mails().size() == 2);
}

TEST_CASE("The default policy appends one JSON line per notification to var/alerts.jsonl",
          "[e2e][notifier][file]") {
  HttpSink hooks;
  Daemon d({{"main.yaml", kRules}});
  Start(d, Options(hooks));
  SubClient sub = d.Subscribe({"alert."});
  const Fired a = Fire(d, sub, "file-1", "threat", "MX-GRO");
  const std::string& id = a.id;
  std::vector<boost::json::object> lines;
  std::string raw;
  const bool written = WaitUntil(
      [&] {
        ArchiveLines(d, &raw);
        return !(lines = ArchiveLinesAbout(d, id)).empty();
      },
      10s);
  INFO("waited 10 s for a line about " << id << " in var/alerts.jsonl:\n"
                                       << raw << "\nvigiad stderr:\n"
                                       << Tail(d.Stderr()));
  REQUIRE(written);
  CHECK(Str(lines[0], "rule") == "threat-reported");
  CHECK(Str(lines[0], "status") == "firing");
  CHECK(Str(lines[0], "policy") == "default");
  CHECK(Int(lines[0], "tier") == 0);
  CHECK(Str(lines[0], "fired_at") == Str(a.alert, "fired_at"));
  RequireEntry(d, id, "notified", "archive", 0);
  std::this_thread::sleep_for(1500ms);
  lines = ArchiveLinesAbout(d, id);
  CHECK(lines.size() == 1);
  // Nothing of it went to the chihuahua receivers.
  CHECK(KeysAbout(hooks, "", id).empty());

  Resolve(d, id);
  const bool noticed = WaitUntil([&] { return ArchiveLinesAbout(d, id).size() >= 2; }, 10s);
  lines = ArchiveLinesAbout(d, id);
  INFO("var/alerts.jsonl:\n" << ReadFile(d.dir() / "var" / "alerts.jsonl"));
  CHECK(noticed);
  REQUIRE(lines.size() >= 2);
  CHECK(Str(lines[1], "status") == "resolved");
  std::this_thread::sleep_for(1500ms);
  lines = ArchiveLinesAbout(d, id);
  CHECK(lines.size() == 2);
  // Every line of the file is a JSON object (probe alerts included).
  ArchiveLines(d);
}

TEST_CASE("The watchdog heartbeats every 2 s while vigiad lives and stops when it is killed",
          "[e2e][notifier][watchdog]") {
  HttpSink hooks;
  Daemon d({{"main.yaml", kRules}});
  NotifierOptions o = Options(hooks);
  o.watchdog = "{notify: [federal], every: 2s}";
  Start(d, o);
  const SysTime ready = SysClock::now();
  const bool beating = hooks.WaitUntil(
      [](const std::vector<HttpRecord>& all) {
        return std::count_if(all.begin(), all.end(),
                             [](const HttpRecord& r) { return r.path() == "/federal"; }) >= 3;
      },
      12s);
  const auto beats = hooks.requests("/federal");
  INFO("waited 12 s after daemon.ready for 3 watchdog heartbeats at /federal; "
       << hooks.Describe(ready) << "vigiad stderr:\n"
       << Tail(d.Stderr()));
  REQUIRE(beating);
  CHECK(Seconds(beats[0].at - ready) <= 4.0);
  for (size_t i = 0; i < beats.size(); ++i) {
    CHECK(beats[i].method == "POST");
    if (i == 0) continue;
    const double gap = Seconds(beats[i].at - beats[i - 1].at);
    INFO("gap " << i << ": " << gap << " s");
    CHECK(gap >= 1.0);
    CHECK(gap <= 4.0);
  }
  // No one else hears the watchdog.
  CHECK(hooks.Count("/state") == 0);
  CHECK(hooks.Count("/sms") == 0);
  // A dead daemon is noticed: the heartbeats stop.
  d.Kill();
  const size_t n = hooks.Count("/federal");
  std::this_thread::sleep_for(5s);
  CHECK(hooks.Count("/federal") == n);
}

TEST_CASE("vigia audit verify passes after acks, resolves and silences, and names a tampered entry",
          "[e2e][notifier][audit]") {
  HttpSink hooks;
  Daemon d({{"main.yaml", kRules}});
  Start(d, Options(hooks));
  {
    SubClient sub = d.Subscribe({"alert."});
    const Fired a = Fire(d, sub, "audit-1", "threat");
    Acknowledge(d, a.id, "ana", "seen");
    Resolve(d, a.id, "luis", "done");
    const HttpReply s = PostSilence(d, kOperatorToken, ChihuahuaSilence());
    INFO("silence: " << Show(s));
    REQUIRE(s.status == 201);
    const HttpReply del =
        Delete(d.HttpPort(), std::string(kSilences) + "/" + Str(s.Object(), "id"), kOperatorToken);
    INFO("delete silence: " << Show(del));
    REQUIRE(del.status == 200);
  }
  d.Signal(SIGTERM);
  REQUIRE(d.WaitExit(10s) == 0);

  const std::vector<std::string> verify = {VIGIA_VIGIA, "audit", "verify", "--config",
                                           d.config_path().string()};
  const CommandResult ok = RunCommand(verify, d.Environment());
  INFO("vigia audit verify: " << ShowCommand(ok));
  CHECK(ok.exit == 0);

  // The audit rows: who acknowledged, resolved and silenced.
  sqlite3* db = nullptr;
  const std::string db_path = (d.dir() / "var" / "vigia.db").string();
  REQUIRE(sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr) == SQLITE_OK);
  struct Row {
    int64_t id;
    std::string actor, action, target;
  };
  std::vector<Row> rows;
  sqlite3_stmt* st = nullptr;
  const int prep = sqlite3_prepare_v2(db, "SELECT id, actor, action, target FROM audit ORDER BY id",
                                      -1, &st, nullptr);
  INFO("sqlite: " << sqlite3_errmsg(db));
  REQUIRE(prep == SQLITE_OK);
  auto text = [&](int col) {
    const unsigned char* t = sqlite3_column_text(st, col);
    return t ? std::string(reinterpret_cast<const char*>(t)) : std::string();
  };
  while (sqlite3_step(st) == SQLITE_ROW)
    rows.push_back({sqlite3_column_int64(st, 0), text(1), text(2), text(3)});
  sqlite3_finalize(st);
  std::ostringstream shown;
  for (const auto& r : rows)
    shown << "  " << r.id << " " << r.actor << " " << r.action << " " << r.target << "\n";
  INFO("audit rows:\n" << shown.str());
  CHECK(rows.size() >= 4);  // ack, resolve, silence, silence ended
  const auto by = [&](std::string_view actor) {
    return std::find_if(rows.begin(), rows.end(), [&](const Row& r) { return r.actor == actor; });
  };
  CHECK(by("ana") != rows.end());
  CHECK(by("luis") != rows.end());

  // Tamper with the resolution (a row after the first): verify fails and names it.
  auto victim = by("luis");
  if (victim == rows.end()) {
    REQUIRE(!rows.empty());
    victim = rows.begin() + static_cast<std::ptrdiff_t>(rows.size() / 2);
  }
  const std::string sql =
      "UPDATE audit SET actor = 'mallory' WHERE id = " + std::to_string(victim->id);
  char* err = nullptr;
  const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err);
  INFO("tamper: " << (err ? err : "ok"));
  sqlite3_free(err);
  REQUIRE(rc == SQLITE_OK);
  REQUIRE(sqlite3_changes(db) == 1);
  sqlite3_close(db);
  const CommandResult bad = RunCommand(verify, d.Environment());
  INFO("vigia audit verify after tampering with entry " << victim->id << ": " << ShowCommand(bad));
  CHECK(bad.exit == 1);
  // "entry 2", "id 2", "id=2", "#2", ...
  const std::regex names_entry("(entry|id|#)[ =:#]*" + std::to_string(victim->id) + "([^0-9]|$)",
                               std::regex::icase);
  CHECK(std::regex_search(bad.out + "\n" + bad.err, names_entry));
}

}  // namespace vigia::e2e
