// SPDX-License-Identifier: Apache-2.0
// The HTTP API of the real vigiad (daemon.md "HTTP API", events.md "Validation
// and error replies", notifier.md "The alert"): tokens and roles, posting
// events, alerts and their lifecycle, the SSE stream, reloads, and clients
// that misbehave. Routes and status codes: daemon/http/api.h.
#include <signal.h>

#include <algorithm>
#include <memory>
#include <optional>
#include <regex>
#include <sstream>
#include <thread>

#include <catch2/catch.hpp>

#include "daemon_fixture.h"
#include "http_client.h"

namespace vigia::e2e {
namespace {

using Clock = std::chrono::steady_clock;
using namespace std::string_literals;
using Strs = std::vector<std::string>;

constexpr const char* kEvents = "/api/v1/events";
constexpr const char* kAlerts = "/api/v1/alerts";
constexpr const char* kReload = "/api/v1/rules/reload";

constexpr const char* kRules = R"(rules:
  - id: killing-reported
    level: critical
    match: {type: report, category: killing}
  - id: harassment-seen
    level: watch
    match: {type: report, category: harassment}
)";

// What a reply says, for failure messages.
std::string Show(const HttpReply& r) {
  return std::to_string(r.status) + (r.error.empty() ? "" : " (" + r.error + ")") + " " +
         r.body.substr(0, 2000);
}

HttpReply PostEvent(const Daemon& d, std::string_view token, const boost::json::object& event) {
  return Post(d.HttpPort(), kEvents, token, Json(event));
}

HttpReply Change(const Daemon& d, const std::string& alert_id, std::string_view op,
                 std::string_view token, const boost::json::object& body) {
  return Post(d.HttpPort(), std::string(kAlerts) + "/" + alert_id + "/" + std::string(op), token,
              Json(body));
}

// The alerts of a list reply, newest first, without the fixture's probe alerts.
std::vector<boost::json::object> AlertList(const HttpReply& r) {
  std::vector<boost::json::object> out;
  const boost::json::value v = r.JsonBody();
  if (!v.is_array()) return out;
  for (const auto& a : v.as_array())
    if (a.is_object() && Str(a.as_object(), "rule") != kProbeRuleId) out.push_back(a.as_object());
  return out;
}

// Alert ids of GET /api/v1/alerts?`query` (probes left out); fails the test
// unless the answer is 200.
Strs ListIds(const Daemon& d, std::string_view query = "") {
  const HttpReply r =
      Get(d.HttpPort(), std::string(kAlerts) + (query.empty() ? "" : "?") + std::string(query),
          kViewerToken);
  INFO("GET alerts?" << query << ": " << Show(r));
  REQUIRE(r.status == 200);
  REQUIRE(r.JsonBody().is_array());
  Strs ids;
  for (const auto& a : AlertList(r)) ids.push_back(Str(a, "alert"));
  return ids;
}

// Polls `ready` every 20 ms until it holds or `timeout` passes.
template <typename F>
bool WaitUntil(F ready, Ms timeout = 5s) {
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    if (ready()) return true;
    if (Clock::now() >= deadline) return false;
    std::this_thread::sleep_for(20ms);
  }
}

// The value of the sample `series` (name and labels, as written) in Prometheus
// text; "<absent>" when there is none.
std::string Sample(const std::string& text, const std::string& series) {
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);)
    if (line.size() > series.size() && line.starts_with(series) && line[series.size()] == ' ')
      return line.substr(series.size() + 1);
  return "<absent>";
}

// The error code of an error reply (body or array element), else "".
std::string ErrorCode(const boost::json::object& reply) {
  const auto* e = reply.if_contains("error");
  return e && e->is_object() ? Str(e->as_object(), "code") : "";
}
std::string ErrorField(const boost::json::object& reply) {
  const auto* e = reply.if_contains("error");
  return e && e->is_object() ? Str(e->as_object(), "field") : "";
}

// Fires killing-reported with one event over ZeroMQ; the alert from `sub`.
boost::json::object FireKilling(Daemon& d, SubClient& sub, const std::string& event_id,
                                std::string_view region = "MX-CHH") {
  AckClient client(d.context(), d.AckEndpoint());
  boost::json::object event = ReportEvent(event_id, "killing");
  event["region"] = region;
  RequireAccepted(client, event);
  auto p = sub.Receive(10s);
  REQUIRE(p);
  INFO("alert: " << p->json);
  REQUIRE(Strings(p->alert, "events") == Strs{event_id});
  return p->alert;
}

// The next SSE event that is not about the fixture's probe alerts.
std::optional<SseEvent> NextSse(SseClient& sse, Ms timeout) {
  const auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    auto e = sse.Next(std::chrono::duration_cast<Ms>(deadline - Clock::now()));
    if (!e) return std::nullopt;
    if (Str(ParseObject(e->data), "rule") != kProbeRuleId) return e;
  }
  return std::nullopt;
}

}  // namespace

TEST_CASE("GET /healthz needs no token and /metrics counts malformed events from HTTP and ZeroMQ",
          "[e2e][http][metrics]") {
  Daemon d({{"main.yaml", kRules}});
  REQUIRE(d.StartAndWaitReady());

  const HttpReply health = Get(d.HttpPort(), "/healthz");
  INFO("healthz: " << Show(health));
  CHECK(health.status == 200);
  CHECK_THAT(health.Header("Content-Type"), Catch::StartsWith("application/json"));
  CHECK(health.JsonBody().is_object());

  auto metrics = [&d] {
    const HttpReply m = Get(d.HttpPort(), "/metrics");
    INFO("metrics: " << Show(m));
    REQUIRE(m.status == 200);
    return m;
  };
  const std::string kMalformed = R"(vigia_events_rejected_total{code="malformed_json"})";
  const HttpReply before = metrics();
  CHECK_THAT(before.Header("Content-Type"), Catch::StartsWith("text/plain; version=0.0.4"));
  CHECK(Sample(before.body, kMalformed) == "0");
  CHECK_THAT(before.body, Catch::Contains("# TYPE vigia_events_rejected_total counter\n"));
  // Every line is a comment or a sample `name{label="value",...} number`.
  const std::regex sample(
      R"re([a-zA-Z_:][a-zA-Z0-9_:]*(\{[a-zA-Z_][a-zA-Z0-9_]*="[^"]*"(,[a-zA-Z_][a-zA-Z0-9_]*="[^"]*")*\})? [-+]?([0-9.]+([eE][-+]?[0-9]+)?|NaN|Inf))re");
  std::istringstream lines(before.body);
  for (std::string line; std::getline(lines, line);) {
    if (line.empty() || line.starts_with("# HELP ") || line.starts_with("# TYPE ")) continue;
    INFO("line: " << line);
    CHECK(std::regex_match(line, sample));
  }

  // One over HTTP (a body that is not JSON), one over ZeroMQ.
  const HttpReply http = Post(d.HttpPort(), kEvents, kIntegratorToken, R"({"id": "broken", )");
  INFO("POST: " << Show(http));
  CHECK(http.status == 400);
  CHECK(ErrorCode(http.Object()) == "malformed_json");
  AckClient client(d.context(), d.AckEndpoint());
  auto zmq_reply = client.Request("{not json");
  REQUIRE(zmq_reply);
  CHECK(ReplyKind(*zmq_reply) == "malformed_json");

  // The dead letters reach the core's counters shortly after the replies.
  std::string last;
  WaitUntil([&] {
    last = metrics().body;
    const std::string n = Sample(last, kMalformed);
    return n != "<absent>" && n != "0" && n != "1";
  });
  INFO("metrics:\n" << last);
  CHECK(Sample(last, kMalformed) == "2");
  CHECK(Sample(last, R"(vigia_events_rejected_total{code="invalid_event"})") == "0");
  CHECK(Sample(last, "vigia_events_accepted_total") == "0");
}

TEST_CASE("The API answers 401 without a known token and 403 without the role",
          "[e2e][http][auth]") {
  Daemon d({{"main.yaml", kRules}});
  REQUIRE(d.StartAndWaitReady());
  SubClient sub = d.Subscribe({"alert.critical."});
  const std::string id = Str(FireKilling(d, sub, "auth-kill-1"), "alert");
  const uint16_t port = d.HttpPort();
  const boost::json::object ack_body = {{"by", "ana"}, {"note", "seen"}};

  SECTION("no token, an unknown token or another scheme: 401 with WWW-Authenticate") {
    for (const auto& auth : {std::string(), std::string("Bearer not-a-token"),
                             std::string("Bearer ") + kViewerToken + "x",
                             std::string("Basic ZTJlOmUyZQ==")}) {
      HttpRequest request{"GET", kAlerts, "", "", {}};
      if (!auth.empty()) request.headers.emplace_back("Authorization", auth);
      const HttpReply r = Http(port, request);
      INFO("Authorization: '" << auth << "': " << Show(r));
      CHECK(r.status == 401);
      CHECK_THAT(r.Header("WWW-Authenticate"), Catch::StartsWith("Bearer"));
      CHECK(r.Object().contains("error"));
    }
    CHECK(Post(port, kEvents, "", Json(ReportEvent("no-token"))).status == 401);
    CHECK(Post(port, kReload, "wrong", "").status == 401);
    CHECK(Get(port, "/api/v1/rules").status == 401);
  }

  SECTION("every role reads; only integrators and admins post events") {
    for (const char* token : {kViewerToken, kOperatorToken, kIntegratorToken, kAdminToken}) {
      INFO("token " << token);
      const HttpReply r = Get(port, kAlerts, token);
      CHECK(r.status == 200);
      CHECK_THAT(r.Header("Content-Type"), Catch::StartsWith("application/json"));
      CHECK(r.JsonBody().is_array());
      CHECK(Get(port, std::string(kAlerts) + "/" + id, token).status == 200);
      CHECK(Get(port, "/api/v1/rules", token).status == 200);
    }
    const HttpReply viewer = PostEvent(d, kViewerToken, ReportEvent("by-viewer"));
    INFO("viewer posts: " << Show(viewer));
    CHECK(viewer.status == 403);
    CHECK(viewer.Object().contains("error"));
    CHECK(PostEvent(d, kOperatorToken, ReportEvent("by-operator")).status == 403);
    CHECK(PostEvent(d, kIntegratorToken, ReportEvent("by-integrator")).status == 200);
    const HttpReply admin = PostEvent(d, kAdminToken, ReportEvent("by-admin"));
    INFO("admin posts: " << Show(admin));
    CHECK(admin.status == 200);
    CHECK(ReplyKind(admin.body) == "accepted");
  }

  SECTION("operators and admins acknowledge; viewers and integrators may not") {
    const HttpReply viewer = Change(d, id, "ack", kViewerToken, ack_body);
    INFO("viewer acks: " << Show(viewer));
    CHECK(viewer.status == 403);
    CHECK(Change(d, id, "ack", kIntegratorToken, ack_body).status == 403);
    CHECK(Change(d, id, "resolve", kViewerToken, ack_body).status == 403);
    const HttpReply op = Change(d, id, "ack", kOperatorToken, ack_body);
    INFO("operator acks: " << Show(op));
    CHECK(op.status == 200);
    CHECK(Str(op.Object(), "status") == "acknowledged");
    const HttpReply admin = Change(d, id, "resolve", kAdminToken, ack_body);
    INFO("admin resolves: " << Show(admin));
    CHECK(admin.status == 200);
  }

  SECTION("only admins reload the rules") {
    for (const char* token : {kViewerToken, kOperatorToken, kIntegratorToken}) {
      INFO("token " << token);
      CHECK(Post(port, kReload, token, "").status == 403);
    }
    CHECK(d.CountLog("rules.reloaded") == 0);
    const HttpReply admin = Post(port, kReload, kAdminToken, "");
    INFO("admin reloads: " << Show(admin));
    CHECK(admin.status == 200);
    CHECK(Str(admin.Object(), "ok") == "true");
    CHECK(d.WaitForLog("rules.reloaded", 5s));
  }
}

TEST_CASE("POST /api/v1/events takes one event or an array and replies as on ZeroMQ",
          "[e2e][http][events]") {
  Daemon d({{"main.yaml", kRules}});
  REQUIRE(d.StartAndWaitReady());
  const uint16_t port = d.HttpPort();

  const boost::json::object event = ReportEvent("http-one", "threat");
  const HttpReply one = PostEvent(d, kIntegratorToken, event);
  INFO("one: " << Show(one));
  CHECK(one.status == 200);
  CHECK_THAT(one.Header("Content-Type"), Catch::StartsWith("application/json"));
  CHECK(one.JsonBody() == boost::json::value(boost::json::object{{"accepted", "http-one"}}));

  // The same event again: a duplicate, accepted again; other content: a conflict.
  const HttpReply again = PostEvent(d, kIntegratorToken, event);
  INFO("again: " << Show(again));
  CHECK(again.status == 200);
  CHECK(ReplyKind(again.body) == "duplicate");
  CHECK(Str(again.Object(), "accepted") == "http-one");
  boost::json::object changed = event;
  changed["severity"] = 5;
  const HttpReply conflict = PostEvent(d, kIntegratorToken, changed);
  INFO("conflict: " << Show(conflict));
  CHECK(conflict.status == 409);
  CHECK(ErrorCode(conflict.Object()) == "duplicate_conflict");
  // One idempotency key across the ways in: sent over ZeroMQ, then over HTTP.
  AckClient client(d.context(), d.AckEndpoint());
  const boost::json::object zmq_first = ReportEvent("zmq-then-http");
  RequireAccepted(client, zmq_first);
  CHECK(ReplyKind(PostEvent(d, kIntegratorToken, zmq_first).body) == "duplicate");

  // One reply per element, in order; a bad element does not spoil the others.
  boost::json::object typo = ReportEvent("http-typo");
  typo["regoin"] = "MX-CHH";
  boost::json::object nowhere = ReportEvent("http-nowhere");
  nowhere["region"] = "MX-XXX";
  const std::string array = "[" + Json(ReportEvent("http-arr-ok")) + R"(, {"id": "m", }, )" +
                            Json(typo) + ",\n " + Json(nowhere) + "]";
  const HttpReply batch = Post(port, kEvents, kIntegratorToken, array);
  INFO("batch: " << Show(batch));
  CHECK(batch.status == 200);
  const boost::json::value replies = batch.JsonBody();
  REQUIRE(replies.is_array());
  REQUIRE(replies.as_array().size() == 4);
  const auto reply = [&](size_t i) { return replies.as_array()[i].as_object(); };
  CHECK(Str(reply(0), "accepted") == "http-arr-ok");
  CHECK(ErrorCode(reply(1)) == "malformed_json");
  CHECK(ErrorCode(reply(2)) == "invalid_event");
  CHECK(ErrorField(reply(2)) == "regoin");
  CHECK(ErrorCode(reply(3)) == "unknown_region");
  CHECK(Str(reply(3).at("error").as_object(), "id") == "http-nowhere");

  // A body that is not JSON at all, or a broken array: 400 malformed_json.
  for (const std::string body : {"{\"id\": \"x\", \"type\": ", "[{}, {}", "not json", ""}) {
    const HttpReply r = Post(port, kEvents, kIntegratorToken, body);
    INFO("body '" << body << "': " << Show(r));
    CHECK(r.status == 400);
    CHECK(ErrorCode(r.Object()) == "malformed_json");
  }
  // Wrong methods on a known route.
  const HttpReply get = Get(port, kEvents, kIntegratorToken);
  CHECK(get.status == 405);
  CHECK_THAT(get.Header("Allow"), Catch::Contains("POST"));
  CHECK(Delete(port, kEvents, kAdminToken).status == 405);
}

TEST_CASE("An integrator token posts only for its sources and regions", "[e2e][http][events]") {
  Daemon d({{"main.yaml", kRules}});
  REQUIRE(d.StartAndWaitReady());
  SubClient sub = d.Subscribe({"alert."});

  boost::json::object other_source = ReportEvent("foreign-source", "killing");
  other_source["source"] = "red-tdt";
  boost::json::object other_region = ReportEvent("foreign-region", "killing");
  other_region["region"] = "MX-GRO";
  for (const auto& [event, field] : {std::pair{other_source, "source"},
                                     std::pair{other_region, "region"}}) {
    const HttpReply r = PostEvent(d, kIntegratorToken, event);
    INFO("event " << Json(event) << ": " << Show(r));
    CHECK(r.status == 403);
    CHECK(ErrorCode(r.Object()) == "unauthorized");
    CHECK(ErrorField(r.Object()) == field);
  }
  // Inside an array, too.
  const HttpReply batch = Post(d.HttpPort(), kEvents, kIntegratorToken,
                               "[" + Json(other_region) + "," + Json(ReportEvent("own-1")) + "]");
  INFO("batch: " << Show(batch));
  CHECK(batch.status == 200);
  REQUIRE(batch.JsonBody().is_array());
  REQUIRE(batch.JsonBody().as_array().size() == 2);
  CHECK(ErrorCode(batch.JsonBody().as_array()[0].as_object()) == "unauthorized");
  CHECK(ReplyKind(Json(batch.JsonBody().as_array()[1])) == "accepted");

  // None of them was evaluated: the next alert is that of the next killing.
  const HttpReply own = PostEvent(d, kIntegratorToken, ReportEvent("own-kill", "killing"));
  CHECK(own.status == 200);
  auto p = sub.Receive(10s);
  REQUIRE(p);
  CHECK(Strings(p->alert, "events") == Strs{"own-kill"});
  // A token without limits (admin) may post for any source and region.
  const HttpReply admin = PostEvent(d, kAdminToken, other_region);
  INFO("admin: " << Show(admin));
  CHECK(ReplyKind(admin.body) == "accepted");
  // Rejected, so counted by code (events.md).
  const std::string kUnauthorized = R"(vigia_events_rejected_total{code="unauthorized"})";
  std::string metrics;
  WaitUntil([&] {
    metrics = Get(d.HttpPort(), "/metrics").body;
    return Sample(metrics, kUnauthorized) == "3";
  });
  CHECK(Sample(metrics, kUnauthorized) == "3");
}

TEST_CASE("Posted bodies over the limits get 413", "[e2e][http][events]") {
  Daemon d({{"main.yaml", kRules}});
  REQUIRE(d.StartAndWaitReady());

  SECTION("a body over 1 MiB, refused before it is read") {
    const std::string body = "[" + std::string(1 << 20, ' ') + "]";
    const HttpReply r = Post(d.HttpPort(), kEvents, kIntegratorToken, body);
    INFO(Show(r));
    CHECK(r.status == 413);
  }
  SECTION("one event over the 64 KiB message limit: too_large") {
    boost::json::object big = ReportEvent("too-big");
    big["attrs"] = boost::json::object{{"blob", std::string(70 << 10, 'x')}};
    const HttpReply r = PostEvent(d, kIntegratorToken, big);
    INFO(Show(r).substr(0, 300));
    CHECK(r.status == 413);
    CHECK(ErrorCode(r.Object()) == "too_large");
  }
  CHECK(Get(d.HttpPort(), "/healthz").status == 200);
}

TEST_CASE("An event posted over HTTP raises an alert on the PUB stream and in /api/v1/alerts",
          "[e2e][http][events][alerts]") {
  Daemon d({{"main.yaml", kRules}});
  REQUIRE(d.StartAndWaitReady());
  SubClient sub = d.Subscribe({"alert."});

  std::vector<boost::json::object> published;
  for (const char* id : {"http-kill-1", "http-kill-2"}) {
    const HttpReply r = PostEvent(d, kIntegratorToken, ReportEvent(id, "killing"));
    INFO(Show(r));
    REQUIRE(ReplyKind(r.body) == "accepted");
    auto p = sub.Receive(10s);
    REQUIRE(p);
    INFO("alert: " << p->json);
    CHECK(p->topic == "alert.critical.MX-CHH");
    CHECK(Strings(p->alert, "events") == Strs{id});
    published.push_back(p->alert);
  }
  const std::string first = Str(published[0], "alert"), second = Str(published[1], "alert");

  // Newest first: the fixture's probe alerts (raised before) come after these two.
  HttpReply list;
  WaitUntil([&] {
    list = Get(d.HttpPort(), kAlerts, kViewerToken);
    return AlertList(list).size() >= 2;
  });
  INFO("list: " << Show(list));
  const boost::json::value all = list.JsonBody();
  REQUIRE(all.is_array());
  REQUIRE(all.as_array().size() >= 3);
  CHECK(Str(all.as_array()[0].as_object(), "alert") == second);
  CHECK(Str(all.as_array()[1].as_object(), "alert") == first);
  CHECK(Str(all.as_array()[2].as_object(), "rule") == kProbeRuleId);
  // The listed alert is the published one.
  boost::json::object listed = all.as_array()[1].as_object();
  for (const char* key : {"alert", "rule", "level", "status", "region", "events", "time",
                          "fired_at", "summary"})
    CHECK(Str(listed, key) == Str(published[0], key));

  const HttpReply one = Get(d.HttpPort(), std::string(kAlerts) + "/" + first, kViewerToken);
  INFO("one: " << Show(one));
  REQUIRE(one.status == 200);
  const boost::json::object a = one.Object();
  CHECK(Str(a, "alert") == first);
  CHECK(Str(a, "rule") == "killing-reported");
  CHECK(Str(a, "status") == "firing");
  CHECK(Strings(a, "events") == Strs{"http-kill-1"});
  REQUIRE(a.contains("history"));
  REQUIRE(a.at("history").is_array());
  const auto& history = a.at("history").as_array();
  REQUIRE(history.size() == 1);
  CHECK(Str(history[0].as_object(), "change") == "fired");
  CHECK(Str(history[0].as_object(), "at") == Str(published[0], "fired_at"));

  const HttpReply unknown =
      Get(d.HttpPort(), std::string(kAlerts) + "/a-0000000000000000", kViewerToken);
  CHECK(unknown.status == 404);
  CHECK(unknown.Object().contains("error"));

  // The rule's counters, on /api/v1/rules and /metrics.
  const boost::json::value rules = Get(d.HttpPort(), "/api/v1/rules", kViewerToken).JsonBody();
  REQUIRE(rules.is_array());
  const auto rule = std::find_if(rules.as_array().begin(), rules.as_array().end(), [](const auto& r) {
    return Str(r.as_object(), "id") == "killing-reported";
  });
  REQUIRE(rule != rules.as_array().end());
  INFO("rule: " << Json(*rule));
  CHECK(Str(rule->as_object(), "firings") == "2");
  CHECK(Str(rule->as_object(), "evaluations") == "2");
  const std::string metrics = Get(d.HttpPort(), "/metrics").body;
  CHECK(Sample(metrics, R"(vigia_rule_firings_total{rule="killing-reported"})") == "2");
  CHECK(Sample(metrics, R"(vigia_rule_firings_total{rule="harassment-seen"})") == "0");
}

TEST_CASE("Alerts are filtered by region, level, status, group and since",
          "[e2e][http][alerts]") {
  Daemon d({{"main.yaml", kRules}});
  REQUIRE(d.StartAndWaitReady());
  SubClient sub = d.Subscribe({"alert."});
  AckClient client(d.context(), d.AckEndpoint());

  const std::string since = TimeFromNow(-1s);
  const std::string chh_kill = Str(FireKilling(d, sub, "f-kill-chh"), "alert");
  const std::string gro_kill = Str(FireKilling(d, sub, "f-kill-gro", "MX-GRO"), "alert");
  RequireAccepted(client, ReportEvent("f-harass-chh", "harassment"));
  auto h = sub.Receive(10s);
  REQUIRE(h);
  const std::string chh_harass = Str(h->alert, "alert");
  REQUIRE(Change(d, chh_kill, "ack", kOperatorToken, {{"by", "ana"}}).status == 200);

  CHECK(ListIds(d) == Strs{chh_harass, gro_kill, chh_kill});
  CHECK(ListIds(d, "region=MX-GRO") == Strs{gro_kill});
  CHECK(ListIds(d, "region=MX-CHH") == Strs{chh_harass, chh_kill});
  CHECK(ListIds(d, "level=critical") == Strs{gro_kill, chh_kill});
  CHECK(ListIds(d, "level=watch") == Strs{chh_harass});
  CHECK(ListIds(d, "status=acknowledged") == Strs{chh_kill});
  CHECK(ListIds(d, "status=firing") == Strs{chh_harass, gro_kill});
  CHECK(ListIds(d, "status=resolved").empty());
  CHECK(ListIds(d, "region=MX-CHH&level=critical") == Strs{chh_kill});
  CHECK(ListIds(d, "group=journalist") == Strs{chh_harass, gro_kill, chh_kill});
  CHECK(ListIds(d, "group=lgbti").empty());
  CHECK(ListIds(d, "since=" + since) == Strs{chh_harass, gro_kill, chh_kill});
  CHECK(ListIds(d, "since=" + TimeFromNow(60s)).empty());

  for (const char* bad : {"colour=red", "since=yesterday"}) {
    const HttpReply r = Get(d.HttpPort(), std::string(kAlerts) + "?" + bad, kViewerToken);
    INFO(bad << ": " << Show(r));
    CHECK(r.status == 400);
  }
}

TEST_CASE("Acknowledging and resolving over HTTP changes the status, keeps the history and "
          "publishes updates",
          "[e2e][http][alerts]") {
  Daemon d({{"main.yaml", kRules}});
  REQUIRE(d.StartAndWaitReady());
  SubClient sub = d.Subscribe({"alert.", "update."});
  const std::string id = Str(FireKilling(d, sub, "life-kill"), "alert");
  const std::string path = std::string(kAlerts) + "/" + id;

  const HttpReply ack =
      Change(d, id, "ack", kOperatorToken, {{"by", "ana"}, {"note", "called the journalist"}});
  INFO("ack: " << Show(ack));
  REQUIRE(ack.status == 200);
  CHECK(Str(ack.Object(), "status") == "acknowledged");
  auto update = sub.Receive(10s);
  REQUIRE(update);
  INFO("update: " << update->json);
  CHECK(update->topic == "update.acknowledged.MX-CHH");
  CHECK(Str(update->alert, "alert") == id);
  CHECK(Str(update->alert, "status") == "acknowledged");

  HttpReply got = Get(d.HttpPort(), path, kViewerToken);
  INFO("after ack: " << Show(got));
  REQUIRE(got.status == 200);
  CHECK(Str(got.Object(), "status") == "acknowledged");

  const HttpReply resolve =
      Change(d, id, "resolve", kOperatorToken, {{"by", "luis"}, {"note", "measures in place"}});
  INFO("resolve: " << Show(resolve));
  REQUIRE(resolve.status == 200);
  update = sub.Receive(10s);
  REQUIRE(update);
  CHECK(update->topic == "update.resolved.MX-CHH");
  CHECK(Str(update->alert, "alert") == id);
  CHECK(Str(update->alert, "status") == "resolved");

  got = Get(d.HttpPort(), path, kViewerToken);
  INFO("after resolve: " << Show(got));
  const boost::json::object a = got.Object();
  CHECK(Str(a, "status") == "resolved");
  REQUIRE(a.contains("history"));
  const auto& history = a.at("history").as_array();
  REQUIRE(history.size() == 3);
  const auto entry = [&](size_t i) { return history[i].as_object(); };
  CHECK(Str(entry(0), "change") == "fired");
  CHECK(Str(entry(1), "change") == "acknowledged");
  CHECK(Str(entry(1), "by") == "ana");
  CHECK(Str(entry(1), "note") == "called the journalist");
  CHECK(Str(entry(2), "change") == "resolved");
  CHECK(Str(entry(2), "by") == "luis");
  CHECK(Str(entry(2), "note") == "measures in place");
  CHECK(Str(entry(1), "at") >= Str(entry(0), "at"));
  CHECK(Str(entry(2), "at") >= Str(entry(1), "at"));

  // A resolved alert does not change again; nothing more is published.
  const HttpReply twice = Change(d, id, "resolve", kOperatorToken, {{"by", "luis"}});
  INFO("resolve again: " << Show(twice));
  CHECK(twice.status == 409);
  CHECK(Change(d, id, "ack", kOperatorToken, {{"by", "ana"}}).status == 409);
  CHECK_FALSE(sub.Receive(200ms));
  CHECK(ListIds(d, "status=resolved") == Strs{id});
  const std::string metrics = Get(d.HttpPort(), "/metrics").body;
  CHECK(Sample(metrics, R"(vigia_alerts{status="resolved"})") == "1");
  CHECK(Sample(metrics, R"(vigia_alerts{status="acknowledged"})") == "0");

  const HttpReply unknown = Change(d, "a-0000000000000000", "ack", kOperatorToken, {{"by", "ana"}});
  INFO("unknown: " << Show(unknown));
  CHECK(unknown.status == 404);
  CHECK(Change(d, "a-0000000000000000", "resolve", kOperatorToken, {{"by", "ana"}}).status == 404);

  // Bad bodies: 400, and the alert is untouched.
  const std::string other = Str(FireKilling(d, sub, "life-kill-2"), "alert");
  for (const std::string body : {"", "not json", R"({"note": "who?"})", R"({"by": 7})",
                                 R"({"by": "ana", "colour": "red"})"}) {
    const HttpReply r =
        Post(d.HttpPort(), std::string(kAlerts) + "/" + other + "/ack", kOperatorToken, body);
    INFO("body '" << body << "': " << Show(r));
    CHECK(r.status == 400);
  }
  CHECK(ListIds(d, "status=firing") == Strs{other});
}

TEST_CASE("The SSE stream delivers alerts and updates as they happen; it needs a token",
          "[e2e][http][sse]") {
  Daemon d({{"main.yaml", kRules}});
  REQUIRE(d.StartAndWaitReady());

  SECTION("without a known token: 401") {
    for (const char* token : {"", "not-a-token"}) {
      SseClient sse(d.HttpPort(), token);
      INFO("token '" << token << "': " << Show(sse.head()));
      CHECK(sse.status() == 401);
      CHECK_THAT(sse.head().Header("WWW-Authenticate"), Catch::StartsWith("Bearer"));
    }
  }

  SECTION("a viewer (and any role) gets every alert and update") {
    SseClient viewer(d.HttpPort(), kViewerToken);
    INFO("viewer: " << Show(viewer.head()));
    REQUIRE(viewer.status() == 200);
    CHECK_THAT(viewer.head().Header("Content-Type"), Catch::StartsWith("text/event-stream"));
    REQUIRE(viewer.connected());
    SseClient integrator(d.HttpPort(), kIntegratorToken);
    REQUIRE(integrator.connected());

    PushClient push(d.context(), d.PushEndpoint());
    push.Send(Json(ReportEvent("sse-kill", "killing")));
    std::string id;
    for (SseClient* sse : {&viewer, &integrator}) {
      auto e = NextSse(*sse, 10s);
      REQUIRE(e);
      INFO("event: " << e->event << " data: " << e->data);
      CHECK(e->event == "alert");
      const boost::json::object a = ParseObject(e->data);
      CHECK(Str(a, "rule") == "killing-reported");
      CHECK(Str(a, "level") == "critical");
      CHECK(Str(a, "status") == "firing");
      CHECK(Strings(a, "events") == Strs{"sse-kill"});
      CHECK_THAT(Str(a, "alert"), Catch::Matches("a-[0-9a-f]{16}"));
      id = Str(a, "alert");
    }

    REQUIRE(Change(d, id, "ack", kOperatorToken, {{"by", "ana"}}).status == 200);
    auto e = NextSse(viewer, 10s);
    REQUIRE(e);
    INFO("event: " << e->event << " data: " << e->data);
    CHECK(e->event == "update");
    CHECK(Str(ParseObject(e->data), "alert") == id);
    CHECK(Str(ParseObject(e->data), "status") == "acknowledged");

    // An alert from an event posted over HTTP, too.
    REQUIRE(ReplyKind(PostEvent(d, kIntegratorToken, ReportEvent("sse-harass", "harassment")).body) ==
            "accepted");
    e = NextSse(viewer, 10s);
    REQUIRE(e);
    CHECK(e->event == "alert");
    CHECK(Strings(ParseObject(e->data), "events") == Strs{"sse-harass"});
  }
}

TEST_CASE("POST /api/v1/rules/reload refuses a broken file with its position and takes a fixed one",
          "[e2e][http][reload]") {
  Daemon d({{"main.yaml", kKillingRule}});
  REQUIRE(d.StartAndWaitReady());
  SubClient sub = d.Subscribe({"alert."});

  d.WriteRuleFile({"main.yaml", kBrokenRule});
  const HttpReply refused = Post(d.HttpPort(), kReload, kAdminToken, "");
  INFO("refused: " << Show(refused));
  CHECK(refused.status == 422);
  const boost::json::object r = refused.Object();
  CHECK(Str(r, "ok") == "false");
  CHECK_THAT(Str(r, "diagnostics"),
             Catch::Contains((d.dir() / "rules" / "main.yaml").string() + ":4:"));
  CHECK(d.WaitForLog("rules.reload_failed", 5s));
  CHECK(d.CountLog("rules.reloaded") == 0);

  // The old rule still fires.
  REQUIRE(ReplyKind(PostEvent(d, kIntegratorToken, ReportEvent("still-old", "killing")).body) ==
          "accepted");
  auto p = sub.Receive(10s);
  REQUIRE(p);
  CHECK(Str(p->alert, "rule") == "killing-reported");

  d.WriteRuleFile({"main.yaml", kRules});
  const HttpReply taken = Post(d.HttpPort(), kReload, kAdminToken, "");
  INFO("taken: " << Show(taken));
  CHECK(taken.status == 200);
  // kRules' two and the fixture's probe rule.
  CHECK(taken.JsonBody() == boost::json::value(boost::json::object{{"ok", true}, {"rules", 3}}));
  CHECK(d.WaitForLog("rules.reloaded", 5s));

  const HttpReply rules = Get(d.HttpPort(), "/api/v1/rules", kViewerToken);
  const boost::json::value listed = rules.JsonBody();
  REQUIRE(listed.is_array());
  Strs ids;
  for (const auto& rule : listed.as_array()) ids.push_back(Str(rule.as_object(), "id"));
  std::sort(ids.begin(), ids.end());
  CHECK(ids == Strs{"e2e-probe", "harassment-seen", "killing-reported"});

  REQUIRE(ReplyKind(PostEvent(d, kIntegratorToken, ReportEvent("now-new", "harassment")).body) ==
          "accepted");
  p = sub.Receive(10s);
  REQUIRE(p);
  CHECK(Str(p->alert, "rule") == "harassment-seen");
}

TEST_CASE("POST /api/v1/rules/reload reloads the catalogs that posted events are checked against",
          "[e2e][http][reload][catalogs]") {
  auto regions = [](std::initializer_list<const char*> codes) {
    std::string yaml = "regions:\n";
    for (const char* c : codes) yaml += "  - {code: " + std::string(c) + ", name: " + c + "}\n";
    return yaml;
  };
  Daemon d({{"main.yaml", kKillingRule}});
  d.WriteDirFile("regions.yaml", regions({"MX-CHH", "MX-ZAC"}));
  d.WriteConfig(d.DefaultConfig() + "catalogs: {regions: regions.yaml}\n");
  REQUIRE(d.StartAndWaitReady());
  boost::json::object sonora = ReportEvent("http-sonora", "killing");
  sonora["region"] = "MX-SON";
  const HttpReply before = PostEvent(d, kAdminToken, sonora);
  INFO("before: " << Show(before));
  CHECK(ErrorCode(before.Object()) == "unknown_region");

  d.WriteDirFile("regions.yaml", regions({"MX-CHH", "MX-ZAC", "MX-SON"}));
  const HttpReply reload = Post(d.HttpPort(), kReload, kAdminToken, "");
  INFO("reload: " << Show(reload));
  REQUIRE(reload.status == 200);
  const HttpReply after = PostEvent(d, kAdminToken, sonora);
  INFO("after: " << Show(after));
  CHECK(ReplyKind(after.body) == "accepted");
}

TEST_CASE("SIGHUP reloads the tokens file; a broken one keeps the old tokens",
          "[e2e][http][reload][auth]") {
  Daemon d;
  REQUIRE(d.StartAndWaitReady());
  const uint16_t port = d.HttpPort();
  REQUIRE(Get(port, kAlerts, kViewerToken).status == 200);

  constexpr const char* kRotated = "e2e-viewer-rotated-secret";
  std::vector<ApiToken> tokens = DefaultTokens();
  tokens.erase(tokens.begin());  // the viewer's
  tokens.push_back({"e2e-viewer-2", "viewer", kRotated, ""});
  d.WriteTokens(tokens);
  CHECK(Get(port, kAlerts, kRotated).status == 401);  // not before the SIGHUP
  d.Signal(SIGHUP);
  REQUIRE(d.WaitForLog("tokens.reloaded", 10s));
  CHECK(Get(port, kAlerts, kViewerToken).status == 401);
  CHECK(Get(port, kAlerts, kRotated).status == 200);
  CHECK(Get(port, kAlerts, kOperatorToken).status == 200);
  CHECK(Post(port, kEvents, kRotated, Json(ReportEvent("rotated"))).status == 403);

  // A bad role: refused, logged, and the tokens of the last good file stay.
  tokens.back().role = "superuser";
  d.WriteTokens(tokens);
  d.Signal(SIGHUP);
  REQUIRE(d.WaitForLog("tokens.reload_failed", 10s));
  CHECK_THAT(d.Stderr(), Catch::Contains(d.tokens_path().string() + ":6:"));  // the last entry
  REQUIRE(d.IsRunning());
  CHECK(Get(port, kAlerts, kRotated).status == 200);
  CHECK(Get(port, kAlerts, kViewerToken).status == 401);
}

TEST_CASE("A token removed by SIGHUP no longer receives the SSE stream it opened",
          "[e2e][http][sse][auth]") {
  // daemon.md: SIGHUP reloads the tokens; an unknown token gets nothing (401).
  // A stream opened before the revocation must not go on delivering alerts.
  Daemon d({{"main.yaml", kRules}});
  REQUIRE(d.StartAndWaitReady());
  SseClient revoked(d.HttpPort(), kViewerToken);
  SseClient kept(d.HttpPort(), kOperatorToken);
  REQUIRE(revoked.connected());
  REQUIRE(kept.connected());

  std::vector<ApiToken> tokens = DefaultTokens();
  tokens.erase(tokens.begin());  // the viewer's
  d.WriteTokens(tokens);
  d.Signal(SIGHUP);
  REQUIRE(d.WaitForLog("tokens.reloaded", 10s));
  REQUIRE(Get(d.HttpPort(), kAlerts, kViewerToken).status == 401);

  AckClient client(d.context(), d.AckEndpoint());
  RequireAccepted(client, ReportEvent("after-revocation", "killing"));
  auto seen = NextSse(kept, 10s);  // published to the streams...
  REQUIRE(seen);
  CHECK(Strings(ParseObject(seen->data), "events") == Strs{"after-revocation"});
  auto leaked = NextSse(revoked, 500ms);  // ...but not to the revoked token's
  INFO("the revoked stream got: " << (leaked ? leaked->event + " " + leaked->data : "-"));
  CHECK_FALSE(leaked);
}

TEST_CASE("A body over the HTTP limit is rejected as too_large, in the reply shape of events.md",
          "[e2e][http][events]") {
  // events.md: every way in uses one reply shape; a message over the size
  // limit is too_large, and a rejected message is counted by code.
  Daemon d({{"main.yaml", kRules}});
  REQUIRE(d.StartAndWaitReady());
  const HttpReply r =
      Post(d.HttpPort(), kEvents, kIntegratorToken, "[" + std::string(1 << 20, ' ') + "]");
  INFO(Show(r));
  CHECK(r.status == 413);
  CHECK(ErrorCode(r.Object()) == "too_large");
  const std::string kTooLarge = R"(vigia_events_rejected_total{code="too_large"})";
  std::string metrics;
  WaitUntil([&] {
    metrics = Get(d.HttpPort(), "/metrics").body;
    return Sample(metrics, kTooLarge) == "1";
  }, 2s);
  CHECK(Sample(metrics, kTooLarge) == "1");
}

TEST_CASE("A broken tokens file stops vigiad at start with exit 2 and its position",
          "[e2e][http][lifecycle]") {
  Daemon d;
  std::vector<ApiToken> tokens = DefaultTokens();
  tokens[1].role = "superuser";  // line 4: a comment, "tokens:", then one line per entry
  d.WriteTokens(tokens);
  SECTION("vigiad") {
    d.Start();
    CHECK(d.WaitExit(10s) == 2);
    CHECK(d.CountLog("daemon.ready") == 0);
  }
  SECTION("vigiad --check-config") {
    d.Start({"--check-config"});
    CHECK(d.WaitExit(10s) == 2);
  }
  CHECK_THAT(d.Stderr(), Catch::Contains(d.tokens_path().string() + ":4:"));
  CHECK_THAT(d.Stderr(), Catch::Contains("superuser"));
}

TEST_CASE("Idle and half-sent connections do not hold up other clients, nor SIGTERM",
          "[e2e][http][robustness]") {
  Daemon d({{"main.yaml", kRules}});
  REQUIRE(d.StartAndWaitReady());
  const uint16_t port = d.HttpPort();

  std::vector<std::unique_ptr<RawConnection>> idle;
  for (int i = 0; i < 50; ++i) idle.push_back(std::make_unique<RawConnection>(port));
  const std::string auth = std::string("Authorization: Bearer ") + kIntegratorToken + "\r\n";
  for (int i = 0; i < 25; ++i) {
    auto half_body = std::make_unique<RawConnection>(port);
    REQUIRE(half_body->Send("POST /api/v1/events HTTP/1.1\r\nHost: x\r\n" + auth +
                            "Content-Length: 500\r\n\r\n{\"id\": \"half-" + std::to_string(i)));
    idle.push_back(std::move(half_body));
    auto half_header = std::make_unique<RawConnection>(port);
    REQUIRE(half_header->Send("GET /healthz HTTP/1.1\r\nHo"));
    idle.push_back(std::move(half_header));
  }
  SseClient sse(port, kViewerToken);
  REQUIRE(sse.connected());

  const auto start = Clock::now();
  const HttpReply health = Get(port, "/healthz", "", 2s);
  INFO("healthz: " << Show(health));
  CHECK(health.status == 200);
  const HttpReply posted = PostEvent(d, kIntegratorToken, ReportEvent("beside-idle", "killing"));
  INFO("post: " << Show(posted));
  CHECK(ReplyKind(posted.body) == "accepted");
  CHECK(Clock::now() - start < 2s);
  auto e = NextSse(sse, 10s);
  REQUIRE(e);
  CHECK(Strings(ParseObject(e->data), "events") == Strs{"beside-idle"});

  // None of the half requests was taken for an event.
  CHECK(ListIds(d).size() == 1);

  d.Signal(SIGTERM);
  CHECK(d.WaitExit(10s) == 0);
  CHECK(d.CountLog("daemon.stopped") == 1);
}

TEST_CASE("Garbage instead of a request gets a 400 or a closed connection; vigiad stays up",
          "[e2e][http][robustness]") {
  Daemon d;
  REQUIRE(d.StartAndWaitReady());
  const uint16_t port = d.HttpPort();

  std::string tls_hello = "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03"s;
  for (int i = 0; i < 512; ++i) tls_hello += static_cast<char>((i * 7919 + 13) & 0xff);
  const std::string garbage[] = {
      tls_hello,
      "\x00\x01\x02\x03 / HTTP/1.1\r\n\r\n"s,
      "GET /he\x00lthz HTTP/1.1\r\nHost: x\r\n\r\n"s,
      "GET /healthz HTTP/1.1\r\nContent-Length: -5\r\n\r\n",
      "POST /api/v1/events HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
  };
  for (const auto& bytes : garbage) {
    RawConnection c(port);
    c.Send(bytes);  // the daemon may close before it has read all of it
    const auto got = c.ReadUntilClosed(5s);
    INFO("sent " << bytes.size() << " bytes starting '" << bytes.substr(0, 12)
                 << "'; got: " << got.bytes.substr(0, 200));
    CHECK(got.closed);
    if (!got.bytes.empty()) CHECK_THAT(got.bytes, Catch::StartsWith("HTTP/1.1 400"));
    REQUIRE(d.IsRunning());
  }
  CHECK(Get(port, "/healthz").status == 200);
  CHECK(ReplyKind(PostEvent(d, kIntegratorToken, ReportEvent("after-garbage")).body) ==
        "accepted");
}

}  // namespace vigia::e2e
