// SPDX-License-Identifier: Apache-2.0
#include "notifier/notifier.h"

#include <filesystem>
#include <map>

#include <boost/json.hpp>
#include <catch2/catch.hpp>

namespace vigia::notifier {
namespace {

namespace json = boost::json;
using config::NotifierConfig;
using config::Receiver;

constexpr TimeUs kT0 = 1'700'000'000 * kSecond;

Receiver Hook(const std::string& name, std::vector<std::string> fields = {}) {
  Receiver r;
  r.name = name;
  r.kind = config::WebhookReceiver{"http://127.0.0.1:1/" + name, {}, 5 * kSecond, false, {}};
  r.fields = std::move(fields);
  return r;
}

// notifier.md's example, with webhooks for every receiver.
NotifierConfig ExampleConfig() {
  NotifierConfig c;
  c.receivers = {Hook("chihuahua-state"), Hook("federal-mechanism"), Hook("sms-gateway", {"level"}),
                 Hook("archive")};
  Receiver am;
  am.name = "alertmanager";
  am.kind = config::AlertmanagerReceiver{"http://127.0.0.1:9093", 5 * kSecond, kMinute, {}};
  c.receivers.push_back(am);
  c.routes = {{{{"critical"}, {}, {}, {}, {}}, "national", true, {}},
              {{{}, {"MX-CHH"}, {}, {}, {}}, "chihuahua", false, {}},
              {{}, "default", false, {}}};
  c.policies["chihuahua"] = {"chihuahua",
                             {{0, {"chihuahua-state"}, std::nullopt},
                              {30 * kMinute, {"federal-mechanism"}, std::nullopt},
                              {2 * kHour, {"federal-mechanism", "sms-gateway"}, 2 * kHour}},
                             {}};
  c.policies["national"] = {"national", {{0, {"federal-mechanism", "alertmanager"}, std::nullopt}}, {}};
  c.policies["default"] = {"default", {{0, {"archive"}, std::nullopt}}, {}};
  c.retry = {kSecond, 8 * kSecond, kMinute};
  return c;
}

json::object MakeAlert(const std::string& id, const std::string& level, const std::string& region,
                       TimeUs fired_at) {
  json::object a;
  a["alert"] = id;
  a["rule"] = "journalist-threat-cluster";
  a["level"] = level;
  a["status"] = "firing";
  if (!region.empty()) a["region"] = region;
  a["groups"] = json::array{"journalist"};
  a["subject"] = "p-secret-1";
  a["summary"] = "3 threats";
  a["fired_at"] = FormatRfc3339(fired_at);
  return a;
}

// The notice of a resolution: by an operator (reason "operator") or a retraction.
Notice Resolution(std::string reason, std::string by) {
  Notice n;
  n.kind = Notice::Kind::kResolved;
  n.reason = std::move(reason);
  n.by = std::move(by);
  return n;
}

// A notifier with recording hooks.
struct Harness {
  explicit Harness(NotifierConfig config = ExampleConfig(), storage::Database* db = nullptr)
      : notifier(std::move(config), *TimeZone::Load("America/Mexico_City"), "node-1", Hooks()) {
    REQUIRE(notifier.Load(db, kT0).ok());
    this->db = db;
  }

  Notifier::Hooks Hooks() {
    Notifier::Hooks h;
    h.submit = [this](Delivery d) { sent.push_back(std::move(d)); };
    h.publish = [this](const std::string& topic, const std::string&) { published.push_back(topic); };
    h.alert = [this](const std::string& id) -> std::optional<json::object> {
      auto it = alerts.find(id);
      if (it == alerts.end()) return std::nullopt;
      return it->second;
    };
    h.history = [this](const std::string& id, const HistoryNote& n) { history[id].push_back(n); };
    h.schedule = [this](const std::string& id, const std::vector<EscalationView>& v, bool) {
      schedule[id] = v;
    };
    return h;
  }

  // One core loop: poll, write in a transaction, then submit.
  void Loop(TimeUs now, bool healthy = true) {
    notifier.Poll(now, healthy);
    if (db) REQUIRE(db->Transaction([&] { return notifier.WritePending(*db); }).ok());
    notifier.AfterCommit();
  }

  void Fire(const std::string& id, const std::string& level, const std::string& region, TimeUs at) {
    alerts[id] = MakeAlert(id, level, region, at);
    CHECK_FALSE(notifier.OnFired(alerts[id], at));
  }

  // The deliveries since the last call, as "receiver key".
  std::vector<std::string> Take() {
    std::vector<std::string> out;
    for (const auto& d : sent) out.push_back(d.receiver + " " + d.idempotency_key);
    taken.insert(taken.end(), sent.begin(), sent.end());
    sent.clear();
    std::sort(out.begin(), out.end());
    return out;
  }

  void Answer(const std::string& receiver, bool ok, TimeUs now, bool permanent = false) {
    for (const auto& d : taken)
      if (d.receiver == receiver && d.id > 0)
        notifier.OnOutcome({d.id, d.receiver, ok, permanent, ok ? "HTTP 200" : "HTTP 503", now}, now);
    std::erase_if(taken, [&](const Delivery& d) { return d.receiver == receiver; });
  }

  Notifier notifier;
  storage::Database* db = nullptr;
  std::map<std::string, json::object> alerts;
  std::vector<Delivery> sent, taken;
  std::vector<std::string> published;
  std::map<std::string, std::vector<HistoryNote>> history;
  std::map<std::string, std::vector<EscalationView>> schedule;
};

using Keys = std::vector<std::string>;

TEST_CASE("notifier: routes take the first match, and go on after continue", "[notifier]") {
  const NotifierConfig c = ExampleConfig();
  AlertFacts f;
  f.level = "critical";
  f.region = "MX-CHH";
  CHECK(Route(c, f) == Keys{"national", "chihuahua"});
  f.level = "warning";
  CHECK(Route(c, f) == Keys{"chihuahua"});
  f.region = "MX-OAX";
  CHECK(Route(c, f) == Keys{"default"});
  f.level = "critical";
  CHECK(Route(c, f) == Keys{"national", "default"});
}

TEST_CASE("notifier: where matches every listed field, groups by any", "[notifier]") {
  AlertFacts f;
  f.level = "warning";
  f.groups = {"journalist", "woman_defender"};
  config::Where w;
  CHECK(Matches(w, f));
  w.group = {"woman_defender"};
  CHECK(Matches(w, f));
  w.region = {"MX-CHH"};
  CHECK_FALSE(Matches(w, f));  // the alert has no region
  f.region = "MX-CHH";
  CHECK(Matches(w, f));
  w.level = {"critical"};
  CHECK_FALSE(Matches(w, f));
}

TEST_CASE("notifier: tiers go out at fired_at + after while firing; the last one repeats",
          "[notifier]") {
  Harness h;
  h.Fire("a-1", "warning", "MX-CHH", kT0);
  h.Loop(kT0);
  CHECK(h.Take() == Keys{"chihuahua-state a-1/chihuahua/0/0"});
  CHECK(h.schedule["a-1"].size() == 1);
  CHECK(h.schedule["a-1"][0].tier == 0);
  CHECK(h.schedule["a-1"][0].next_at == kT0 + 30 * kMinute);
  h.Loop(kT0 + 30 * kMinute - kSecond);
  CHECK(h.Take().empty());
  h.Loop(kT0 + 30 * kMinute);
  CHECK(h.Take() == Keys{"federal-mechanism a-1/chihuahua/1/0"});
  h.Loop(kT0 + 2 * kHour);
  CHECK(h.Take() == Keys{"federal-mechanism a-1/chihuahua/2/0", "sms-gateway a-1/chihuahua/2/0"});
  h.Loop(kT0 + 4 * kHour);
  CHECK(h.Take() == Keys{"federal-mechanism a-1/chihuahua/2/1", "sms-gateway a-1/chihuahua/2/1"});
  h.Loop(kT0 + 5 * kHour);
  CHECK(h.Take().empty());
  // The escalation to tier 1 is in the history.
  bool escalated = false;
  for (const auto& n : h.history["a-1"]) escalated |= n.change == "escalated" && n.tier == 1;
  CHECK(escalated);
}

TEST_CASE("notifier: each matched policy runs its own escalation", "[notifier]") {
  Harness h;
  h.Fire("a-1", "critical", "MX-CHH", kT0);
  h.Loop(kT0);
  CHECK(h.Take() == Keys{"alertmanager a-1/national/0/0", "chihuahua-state a-1/chihuahua/0/0",
                         "federal-mechanism a-1/national/0/0"});
}

TEST_CASE("notifier: acknowledging stops further tiers, resolving tells who was notified",
          "[notifier]") {
  Harness h;
  h.Fire("a-1", "warning", "MX-CHH", kT0);
  h.Loop(kT0);
  h.Take();
  h.Answer("chihuahua-state", true, kT0 + kSecond);
  h.notifier.OnAcknowledged("a-1", kT0 + kMinute);
  h.Loop(kT0 + 3 * kHour);
  CHECK(h.Take().empty());

  h.alerts["a-1"]["status"] = "resolved";
  h.notifier.OnResolved("a-1", Resolution("operator", "ana"), kT0 + 4 * kHour);
  h.Loop(kT0 + 4 * kHour);
  REQUIRE(h.sent.size() == 1);
  CHECK(h.sent[0].receiver == "chihuahua-state");
  CHECK(h.sent[0].idempotency_key == "a-1/resolved");
  auto body = json::parse(h.sent[0].body).as_object();
  CHECK(body["status"] == "resolved");
  CHECK(body["resolution"].as_object()["by"] == "ana");
}

TEST_CASE("notifier: resolving cancels deliveries not yet tried and notifies nobody else",
          "[notifier]") {
  Harness h;
  h.Fire("a-1", "warning", "MX-OAX", kT0);
  h.notifier.Poll(kT0, true);  // the archive row exists but was not submitted yet
  h.notifier.OnResolved("a-1", Resolution("expected_event_arrived", "vigia"), kT0);
  h.notifier.AfterCommit();
  // Submitted in the same loop before the resolution: it counts as told.
  CHECK(h.Take() == Keys{"archive a-1/default/0/0", "archive a-1/resolved"});
}

TEST_CASE("notifier: failed deliveries are retried with backoff, then given up", "[notifier]") {
  Harness h;
  h.Fire("a-1", "warning", "MX-OAX", kT0);
  h.Loop(kT0);
  CHECK(h.Take() == Keys{"archive a-1/default/0/0"});
  h.Answer("archive", false, kT0);
  h.Loop(kT0 + kSecond - 1);
  CHECK(h.Take().empty());
  h.Loop(kT0 + kSecond);  // initial: 1s
  CHECK(h.Take() == Keys{"archive a-1/default/0/0"});
  h.Answer("archive", false, kT0 + kSecond);
  h.Loop(kT0 + 2 * kSecond);
  CHECK(h.Take().empty());
  h.Loop(kT0 + 3 * kSecond);  // then 2s
  CHECK(h.Take() == Keys{"archive a-1/default/0/0"});
  h.Answer("archive", true, kT0 + 3 * kSecond);
  h.Loop(kT0 + kHour);
  CHECK(h.Take().empty());
  std::vector<std::string> changes;
  for (const auto& n : h.history["a-1"]) changes.push_back(n.change);
  CHECK(changes == Keys{"retrying", "retrying", "notified"});

  SECTION("a permanent failure is given up at once") {
    h.Fire("a-2", "warning", "MX-OAX", kT0 + kHour);
    h.Loop(kT0 + kHour);
    h.Take();
    h.Answer("archive", false, kT0 + kHour, true);
    CHECK(h.history["a-2"].back().change == "gave_up");
    h.Loop(kT0 + 2 * kHour);
    CHECK(h.Take().empty());
  }
  SECTION("a delivery is given up after give_up_after") {
    h.Fire("a-3", "warning", "MX-OAX", kT0 + kHour);
    TimeUs now = kT0 + kHour;
    int attempts = 0;
    for (; attempts < 100; ++attempts) {
      h.Loop(now);
      if (h.Take().empty()) break;
      h.Answer("archive", false, now);
      now += 8 * kSecond;  // retry.max
    }
    CHECK(h.history["a-3"].back().change == "gave_up");
    CHECK(attempts >= 7);
    CHECK(attempts <= 9);  // about give_up_after / max
  }
}

TEST_CASE("notifier: silences", "[notifier]") {
  Harness h;
  Silence s;
  s.where.region = {"MX-CHH"};
  s.starts = kT0;
  s.ends = kT0 + kHour;
  s.by = "ana";
  const Silence added = h.notifier.AddSilence(s, kT0);
  CHECK(added.id.rfind("s-", 0) == 0);
  h.alerts["a-1"] = MakeAlert("a-1", "warning", "MX-CHH", kT0);
  CHECK(h.notifier.OnFired(h.alerts["a-1"], kT0) == added.id);
  h.Loop(kT0 + 3 * kHour);
  CHECK(h.Take().empty());

  SECTION("a silence added later holds back the tiers due while it lasts") {
    h.Fire("a-2", "warning", "MX-CHH", kT0 + 2 * kHour);  // after the first silence ended
    h.Loop(kT0 + 2 * kHour);
    CHECK(h.Take() == Keys{"chihuahua-state a-2/chihuahua/0/0"});
    Silence later = s;
    later.starts = kT0 + 2 * kHour;
    later.ends = kT0 + 3 * kHour;
    h.notifier.AddSilence(later, kT0 + 2 * kHour);
    h.Loop(kT0 + 2 * kHour + 30 * kMinute);
    CHECK(h.Take().empty());
    CHECK(h.history["a-2"].back().change == "silenced");
    h.Loop(kT0 + 4 * kHour);  // tier 2, after the silence
    CHECK(h.Take() == Keys{"federal-mechanism a-2/chihuahua/2/0", "sms-gateway a-2/chihuahua/2/0"});
  }
  SECTION("ending a silence") {
    CHECK(h.notifier.Silences(kT0).size() == 1);
    CHECK(h.notifier.EndSilence(added.id, kT0 + kMinute));
    CHECK(h.notifier.Silences(kT0 + kMinute).empty());
    CHECK_FALSE(h.notifier.EndSilence(added.id, kT0 + kMinute));
  }
}

TEST_CASE("notifier: parsing a silence names the field at fault", "[notifier]") {
  CHECK(ParseSilence(R"({"where":{"region":"MX-CHH"},"ends":"2030-01-01T00:00:00Z","by":"ana"})", kT0));
  CHECK(ParseSilence("[]", kT0).error() == "body: expected a JSON object");
  CHECK_THAT(ParseSilence(R"({"where":{},"ends":"2030-01-01T00:00:00Z","by":"a"})", kT0).error(),
             Catch::StartsWith("where: at least one"));
  CHECK_THAT(ParseSilence(R"({"where":{"zone":"x"},"ends":"2030-01-01T00:00:00Z","by":"a"})", kT0).error(),
             Catch::StartsWith("where.zone: unknown field"));
  CHECK_THAT(ParseSilence(R"({"where":{"level":"severe"},"ends":"2030-01-01T00:00:00Z","by":"a"})", kT0).error(),
             Catch::StartsWith("where.level:"));
  CHECK_THAT(ParseSilence(R"({"where":{"region":"X"},"by":"a"})", kT0).error(), Catch::StartsWith("ends: required"));
  CHECK_THAT(ParseSilence(R"({"where":{"region":"X"},"ends":"2001-01-01T00:00:00Z","by":"a"})", kT0).error(),
             Catch::StartsWith("ends: must be"));
  CHECK_THAT(ParseSilence(R"({"where":{"region":"X"},"ends":"2030-01-01T00:00:00Z"})", kT0).error(),
             Catch::StartsWith("by: required"));
  CHECK_THAT(ParseSilence(R"({"where":{"region":"X"},"ends":"2030-01-01T00:00:00Z","by":"a","x":1})", kT0).error(),
             Catch::StartsWith("'x': unknown field"));
}

TEST_CASE("notifier: Alertmanager hears of firing alerts every minute until resolved", "[notifier]") {
  Harness h;
  h.Fire("a-1", "critical", "MX-OAX", kT0);
  h.Loop(kT0);
  h.Take();
  h.Answer("alertmanager", true, kT0);
  h.Loop(kT0 + kMinute);
  CHECK(h.Take() == Keys{"alertmanager a-1/refresh"});
  h.notifier.OnResolved("a-1", Resolution("operator", "ana"), kT0 + 90 * kSecond);
  h.Loop(kT0 + 90 * kSecond);
  const Keys resolved = h.Take();
  CHECK(std::find(resolved.begin(), resolved.end(), "alertmanager a-1/resolved") != resolved.end());
  auto body = json::parse(h.taken.back().receiver == "alertmanager" ? h.taken.back().body : "[{}]");
  h.Loop(kT0 + 3 * kMinute);
  CHECK(h.Take().empty());
}

struct TempDb {
  TempDb() {
    dir = std::filesystem::temp_directory_path() / ("vigia-notifier-" + std::to_string(::getpid()) + "-" +
                                                    std::to_string(reinterpret_cast<uintptr_t>(this)));
    std::filesystem::create_directories(dir);
  }
  ~TempDb() { std::filesystem::remove_all(dir); }
  std::unique_ptr<storage::Database> Open() {
    auto db = storage::Database::Open(dir / "v.db", storage::SyncMode::kNormal);
    REQUIRE(db);
    return std::move(*db);
  }
  std::filesystem::path dir;
};

TEST_CASE("notifier: a failing disk does not hold back a delivery, and its rows are written later",
          "[notifier]") {
  TempDb tmp;
  auto db = tmp.Open();
  Harness h(ExampleConfig(), db.get());
  h.Fire("a-1", "warning", "MX-CHH", kT0);
  h.notifier.Poll(kT0, true);
  // The transaction failed: the delivery goes out all the same...
  h.notifier.SubmitUncommitted();
  CHECK(h.Take() == Keys{"chihuahua-state a-1/chihuahua/0/0"});
  CHECK(h.notifier.dirty());
  std::vector<storage::OutboxRow> rows;
  REQUIRE(db->ReadOutbox("a-1", "", [&](const storage::OutboxRow& r) { rows.push_back(r); }).ok());
  CHECK(rows.empty());
  // ...and the rows reach the disk when it recovers.
  h.Loop(kT0 + kSecond);
  CHECK(h.Take().empty());  // not sent twice
  REQUIRE(db->ReadOutbox("a-1", "", [&](const storage::OutboxRow& r) { rows.push_back(r); }).ok());
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].idempotency_key == "a-1/chihuahua/0/0");
}

TEST_CASE("notifier: the watchdog beats while the daemon is healthy", "[notifier]") {
  NotifierConfig c = ExampleConfig();
  c.watchdog = config::WatchdogConfig{{"federal-mechanism"}, kMinute};
  Harness h(c);
  h.Loop(kT0);
  CHECK(h.Take() == Keys{"federal-mechanism watchdog/node-1/0"});
  h.Loop(kT0 + 30 * kSecond);
  CHECK(h.Take().empty());
  h.Loop(kT0 + kMinute, false);  // unhealthy: silence is the alarm
  CHECK(h.Take().empty());
  h.Loop(kT0 + kMinute + kSecond);
  CHECK(h.Take() == Keys{"federal-mechanism watchdog/node-1/1"});
}


TEST_CASE("notifier: a restart neither skips nor repeats a tier", "[notifier]") {
  TempDb tmp;
  std::string pending_key;
  {
    auto db = tmp.Open();
    Harness h(ExampleConfig(), db.get());
    h.Fire("a-1", "warning", "MX-CHH", kT0);
    h.Loop(kT0);
    CHECK(h.Take() == Keys{"chihuahua-state a-1/chihuahua/0/0"});
    h.Answer("chihuahua-state", true, kT0);
    h.Loop(kT0 + kSecond);
    // A second alert whose tier 0 is in flight when the daemon dies.
    h.Fire("a-2", "warning", "MX-CHH", kT0 + kSecond);
    h.Loop(kT0 + kSecond);
    CHECK(h.Take() == Keys{"chihuahua-state a-2/chihuahua/0/0"});
  }
  auto db = tmp.Open();
  Harness h(ExampleConfig(), db.get());
  h.alerts["a-1"] = MakeAlert("a-1", "warning", "MX-CHH", kT0);
  h.alerts["a-2"] = MakeAlert("a-2", "warning", "MX-CHH", kT0 + kSecond);
  // Down past tier 1 and tier 2: each is sent at start, once; the in-flight
  // tier 0 of a-2 is sent again with its own key (at least once).
  h.Loop(kT0 + 3 * kHour);
  CHECK(h.Take() == Keys{"chihuahua-state a-2/chihuahua/0/0", "federal-mechanism a-1/chihuahua/1/0",
                         "federal-mechanism a-1/chihuahua/2/0", "federal-mechanism a-2/chihuahua/1/0",
                         "federal-mechanism a-2/chihuahua/2/0", "sms-gateway a-1/chihuahua/2/0",
                         "sms-gateway a-2/chihuahua/2/0"});
  // The missed repeats are not sent in a burst: the next one is a full interval later.
  h.Loop(kT0 + 3 * kHour + kSecond);
  CHECK(h.Take().empty());
  h.Loop(kT0 + 5 * kHour);
  CHECK(h.Take() == Keys{"federal-mechanism a-1/chihuahua/2/1", "federal-mechanism a-2/chihuahua/2/1",
                         "sms-gateway a-1/chihuahua/2/1", "sms-gateway a-2/chihuahua/2/1"});
}

TEST_CASE("notifier: an acknowledged alert stays quiet across a restart, and its resolution is told",
          "[notifier]") {
  TempDb tmp;
  {
    auto db = tmp.Open();
    Harness h(ExampleConfig(), db.get());
    h.Fire("a-1", "warning", "MX-CHH", kT0);
    h.Loop(kT0);
    h.Take();
    h.Answer("chihuahua-state", true, kT0);
    h.notifier.OnAcknowledged("a-1", kT0 + kMinute);
    h.Loop(kT0 + kMinute);
  }
  auto db = tmp.Open();
  Harness h(ExampleConfig(), db.get());
  h.alerts["a-1"] = MakeAlert("a-1", "warning", "MX-CHH", kT0);
  h.Loop(kT0 + 3 * kHour);
  CHECK(h.Take().empty());
  h.notifier.OnResolved("a-1", Resolution("operator", "ana"), kT0 + 4 * kHour);
  h.Loop(kT0 + 4 * kHour);
  CHECK(h.Take() == Keys{"chihuahua-state a-1/resolved"});
}

TEST_CASE("notifier: silences survive a restart", "[notifier]") {
  TempDb tmp;
  std::string id;
  {
    auto db = tmp.Open();
    Harness h(ExampleConfig(), db.get());
    Silence s;
    s.where.group = {"journalist"};
    s.starts = kT0;
    s.ends = kT0 + kHour;
    s.by = "ana";
    id = h.notifier.AddSilence(s, kT0).id;
    h.Loop(kT0);
  }
  auto db = tmp.Open();
  Harness h(ExampleConfig(), db.get());
  REQUIRE(h.notifier.Silences(kT0).size() == 1);
  CHECK(h.notifier.Silences(kT0)[0].id == id);
  CHECK(h.notifier.Silences(kT0)[0].where.group == Keys{"journalist"});
}

}  // namespace
}  // namespace vigia::notifier
