// SPDX-License-Identifier: Apache-2.0
// Nothing lost (daemon.md, "Storage and recovery"): vigiad is killed with
// SIGKILL at random moments while events are in flight, restarted on the same
// database, and must have journaled every event it answered `accepted`, go on
// with counts and deadlines as if nothing had happened, and raise no alert twice.
#include <catch2/catch.hpp>

#include <signal.h>
#include <sys/resource.h>

#include <chrono>
#include <ctime>
#include <map>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "daemon_fixture.h"
#include "http_client.h"
#include "storage/database.h"

namespace vigia::e2e {
namespace {

constexpr const char* kCountRule = R"(rules:
  - id: threat-cluster
    level: warning
    match: {type: report, category: threat}
    count: {at_least: 3, within: 1h, by: [region]}
)";

constexpr const char* kHeartbeatRule = R"(rules:
  - id: missed-checkin
    level: warning
    heartbeat:
      of: {type: checkin}
      every: 2s
      grace: 1s
      by: [subject]
)";

// The ids in the journal of the daemon's database, read as another process would.
std::set<std::string> JournalIds(const Daemon& d) {
  auto db = storage::Database::Open(d.dir() / "var" / "vigia.db", storage::SyncMode::kNormal);
  REQUIRE(db.has_value());
  std::set<std::string> ids;
  auto st = (*db)->ReadJournal(0, [&](const storage::JournalRow& row) { ids.insert(row.id); });
  REQUIRE(st.ok());
  return ids;
}

boost::json::object Checkin(std::string_view id, std::string_view subject) {
  boost::json::object e = ReportEvent(id);
  e["type"] = "checkin";
  e.erase("category");
  e["subject"] = subject;
  return e;
}

std::string Rfc3339(std::chrono::system_clock::time_point t) {
  const std::time_t secs = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

void WriteConfigWithGrace(Daemon& d, std::string_view grace) {
  std::string config = d.DefaultConfig();
  config += "engine: {startup_grace: " + std::string(grace) + "}\n";
  d.WriteConfig(config);
}

}  // namespace

TEST_CASE("Every event answered accepted survives kill -9, and duplicates stay duplicates",
          "[e2e][recovery]") {
  Daemon d;
  std::mt19937 rng(20261129);
  std::set<std::string> accepted;
  std::map<std::string, std::string> sent;  // id → the exact text sent
  int next_id = 0;
  for (int round = 0; round < 4; ++round) {
    INFO("round " << round);
    REQUIRE(d.StartAndWaitReady());
    {
      AckClient client(d.context(), d.AckEndpoint());
      // Many in flight: 3,000 sent at once; kill at a random moment while the
      // replies come back.
      std::vector<std::string> ids;
      for (int i = 0; i < 3000; ++i) {
        ids.push_back("crash-" + std::to_string(next_id++));
        sent[ids.back()] = Json(ReportEvent(ids.back(), "harassment"));
        client.Send(sent[ids.back()]);
      }
      const auto kill_after = Ms(std::uniform_int_distribution<int>(5, 120)(rng));
      const auto deadline = std::chrono::steady_clock::now() + kill_after;
      while (std::chrono::steady_clock::now() < deadline) {
        auto reply = client.Receive(5ms);
        if (reply && ReplyKind(*reply) == "accepted") accepted.insert(Str(ParseObject(*reply), "accepted"));
      }
      d.Kill();
    }
    const auto journal = JournalIds(d);
    for (const auto& id : accepted) {
      INFO("accepted, then lost: " << id);
      REQUIRE(journal.count(id) == 1);
    }
  }
  REQUIRE(!accepted.empty());

  // After the last crash: every event answered accepted is now a duplicate.
  REQUIRE(d.StartAndWaitReady());
  AckClient client(d.context(), d.AckEndpoint());
  size_t checked = 0;
  for (const auto& id : accepted) {
    auto reply = client.Request(sent.at(id));
    REQUIRE(reply);
    INFO(*reply);
    CHECK(ParseObject(*reply).contains("duplicate"));
    if (++checked == 300) break;  // a sample keeps the test quick
  }
  CHECK(d.CountLog("recovery.done") == 1);
}

TEST_CASE("A count window that straddles a crash still fires", "[e2e][recovery]") {
  Daemon d({{"count.yaml", kCountRule}});
  REQUIRE(d.StartAndWaitReady());
  {
    AckClient client(d.context(), d.AckEndpoint());
    for (const char* id : {"before-1", "before-2"}) {
      RequireAccepted(client, ReportEvent(id));
    }
  }
  d.Kill();
  REQUIRE(d.StartAndWaitReady());
  SubClient sub = d.Subscribe({"alert."});
  AckClient client(d.context(), d.AckEndpoint());
  RequireAccepted(client, ReportEvent("after-1"));
  auto p = sub.Receive(10s);
  REQUIRE(p);
  CHECK(Str(p->alert, "rule") == "threat-cluster");
  CHECK(Strings(p->alert, "events") == std::vector<std::string>{"before-1", "before-2", "after-1"});
}

TEST_CASE("A heartbeat that expired while vigiad was down fires after the startup grace",
          "[e2e][recovery]") {
  Daemon d({{"checkin.yaml", kHeartbeatRule}});
  WriteConfigWithGrace(d, "2s");
  REQUIRE(d.StartAndWaitReady());
  {
    AckClient client(d.context(), d.AckEndpoint());
    RequireAccepted(client, Checkin("c-1", "p-17"));
  }
  d.Kill();
  std::this_thread::sleep_for(4s);  // the deadline (3 s after the check-in) passes while down

  REQUIRE(d.StartAndWaitReady());
  const auto ready = std::chrono::steady_clock::now();
  SubClient sub = d.Subscribe({"alert."});
  auto p = sub.Receive(10s);
  REQUIRE(p);
  const auto waited = std::chrono::steady_clock::now() - ready;
  CHECK(Str(p->alert, "rule") == "missed-checkin");
  CHECK(Strings(p->alert, "events") == std::vector<std::string>{"c-1"});
  // Not at once: the grace gives queued check-ins their chance first.
  CHECK(waited >= 1500ms);
}

TEST_CASE("A check-in queued during the outage closes the overdue deadline within the grace",
          "[e2e][recovery]") {
  Daemon d({{"checkin.yaml", kHeartbeatRule}});
  WriteConfigWithGrace(d, "3s");
  // Whole seconds, as the events carry them.
  const auto t0 = std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
  REQUIRE(d.StartAndWaitReady());
  {
    AckClient client(d.context(), d.AckEndpoint());
    boost::json::object c1 = Checkin("c-1", "p-17");
    c1["time"] = Rfc3339(t0);
    RequireAccepted(client, c1);
  }
  d.Kill();
  std::this_thread::sleep_for(4s);  // c-1's deadline (t0 + 3 s) passes while down

  REQUIRE(d.StartAndWaitReady());
  SubClient sub = d.Subscribe({"alert."});
  AckClient client(d.context(), d.AckEndpoint());
  // Sent at t0 + 2 s, before the deadline, and queued until vigiad came back.
  boost::json::object c2 = Checkin("c-2", "p-17");
  c2["time"] = Rfc3339(t0 + 2s);
  RequireAccepted(client, c2);
  // c-1's deadline never fires; the one c-2 set (t0 + 5 s, also past) fires
  // when the grace ends.
  auto p = sub.Receive(15s);
  REQUIRE(p);
  CHECK(Str(p->alert, "rule") == "missed-checkin");
  CHECK(Strings(p->alert, "events") == std::vector<std::string>{"c-2"});
  // Nor was c-1's alert raised out of sight (before the subscription) and
  // retracted: vigiad knows of no alert but c-2's (and the probe's).
  const HttpReply list = Get(d.HttpPort(), "/api/v1/alerts", kViewerToken);
  REQUIRE(list.status == 200);
  int heartbeat_alerts = 0;
  const boost::json::value alerts = boost::json::parse(list.body);
  for (const auto& a : alerts.as_array()) {
    if (Str(a.as_object(), "rule") != "missed-checkin") continue;
    ++heartbeat_alerts;
    CHECK(Strings(a.as_object(), "events") == std::vector<std::string>{"c-2"});
  }
  CHECK(heartbeat_alerts == 1);
}

TEST_CASE("An alert raised before a crash is not raised again after it", "[e2e][recovery]") {
  Daemon d({{"main.yaml", kKillingRule}});
  REQUIRE(d.StartAndWaitReady());
  std::string alert_id;
  {
    SubClient sub = d.Subscribe({"alert."});
    AckClient client(d.context(), d.AckEndpoint());
    RequireAccepted(client, ReportEvent("k-1", "killing"));
    auto p = sub.Receive(10s);
    REQUIRE(p);
    alert_id = Str(p->alert, "alert");
  }
  // Let the alert reach the database (it is written right after it is raised).
  std::this_thread::sleep_for(200ms);
  d.Kill();
  REQUIRE(d.StartAndWaitReady());
  // Recovery replayed k-1 (and the subscription probe) without raising their
  // alerts again; the alert is still known, fired once, with its history.
  const std::string metrics = Get(d.HttpPort(), "/metrics").body;
  CHECK_THAT(metrics, Catch::Contains("vigia_alerts{status=\"firing\"} 2\n"));
  CHECK_THAT(metrics, Catch::Contains("vigia_recovered_events_total 2\n"));
  CHECK_THAT(d.Stderr(), Catch::Contains("recovery.done events=2 skipped=0 alerts=2"));
  const HttpReply detail = Get(d.HttpPort(), "/api/v1/alerts/" + alert_id, kViewerToken);
  REQUIRE(detail.status == 200);
  const auto history = ParseObject(detail.body).at("history").as_array();
  REQUIRE(history.size() == 1);
  CHECK(history[0].as_object().at("change") == "fired");
  SubClient sub = d.Subscribe({"alert."});
  AckClient client(d.context(), d.AckEndpoint());
  auto reply = client.Request(Json(ReportEvent("k-2", "killing")));
  REQUIRE(reply);
  auto p = sub.Receive(10s);
  REQUIRE(p);
  CHECK(Str(p->alert, "alert") != alert_id);
  CHECK(Strings(p->alert, "events") == std::vector<std::string>{"k-2"});
}

TEST_CASE("Retention deletes old journal rows, never those after the newest checkpoint",
          "[e2e][recovery][storage]") {
  Daemon d;
  std::string config = d.DefaultConfig();
  const size_t at = config.find("storage: {path: var/vigia.db");
  REQUIRE(at != std::string::npos);
  config.replace(at, std::string("storage: {path: var/vigia.db").size(),
                 "storage: {retention: 1s, path: var/vigia.db");
  // No grace: events after a restart get their real arrival (during the grace
  // they count as arrived when the daemon went down).
  config += "engine: {startup_grace: 0s}\n";
  d.WriteConfig(config);
  std::map<std::string, std::string> sent;
  auto push = [&](const std::string& id) {
    AckClient client(d.context(), d.AckEndpoint());
    const boost::json::object event = ReportEvent(id, "harassment");
    sent[id] = Json(event);
    RequireAccepted(client, event);
  };

  // Killed: no checkpoint holds r-1, so retention must keep it however old.
  REQUIRE(d.StartAndWaitReady());
  push("r-1");
  d.Kill();
  std::this_thread::sleep_for(1500ms);
  REQUIRE(d.StartAndWaitReady());
  CHECK(JournalIds(d).count("r-1") == 1);

  // Stopped: the checkpoint written at shutdown holds r-1 and r-2; older than
  // the retention, r-1's row goes at the next start (r-2's stays: it arrived
  // with the checkpoint's last event, and rows go strictly before that), and
  // both are still known as duplicates (the checkpoint's duplicate-check map).
  push("r-2");
  d.Signal(SIGTERM);
  REQUIRE(d.WaitExit(10s) == 0);
  d.Kill();  // resets the fixture for the next start
  std::this_thread::sleep_for(1500ms);
  REQUIRE(d.StartAndWaitReady());
  REQUIRE(d.WaitForLog("storage.retention", 5s));
  CHECK_THAT(d.Stderr(), Catch::Contains("storage.retention deleted=1\n"));
  CHECK(JournalIds(d) == std::set<std::string>{"r-2"});
  AckClient client(d.context(), d.AckEndpoint());
  for (const char* id : {"r-1", "r-2"}) {
    auto reply = client.Request(sent.at(id));
    REQUIRE(reply);
    INFO(*reply);
    CHECK(ParseObject(*reply).contains("duplicate"));
  }
}

TEST_CASE("A full disk makes vigiad answer overloaded, and it recovers when space returns",
          "[e2e][recovery][storage]") {
  Daemon d;
  REQUIRE(d.StartAndWaitReady());
  AckClient client(d.context(), d.AckEndpoint());
  RequireAccepted(client, ReportEvent("disk-0"));

  // The disk is full: no file of the daemon may grow past one byte (its writes
  // fail with EFBIG, which SQLite reports as a full disk).
  struct rlimit old_limit {};
  struct rlimit full {1, RLIM_INFINITY};
  REQUIRE(prlimit(d.pid(), RLIMIT_FSIZE, nullptr, &old_limit) == 0);
  full.rlim_max = old_limit.rlim_max;
  REQUIRE(prlimit(d.pid(), RLIMIT_FSIZE, &full, nullptr) == 0);

  client.Send(Json(ReportEvent("disk-1")));  // cannot be committed: no reply yet
  CHECK(!client.Receive(500ms));
  bool unhealthy = false;
  for (int i = 0; i < 100 && !unhealthy; ++i) {
    unhealthy = Get(d.HttpPort(), "/metrics").body.find("vigia_journal_healthy 0\n") != std::string::npos;
    if (!unhealthy) std::this_thread::sleep_for(50ms);
  }
  REQUIRE(unhealthy);
  // Meanwhile new events are refused honestly, and other clients are served.
  AckClient other(d.context(), d.AckEndpoint());
  auto refused = other.Request(Json(ReportEvent("disk-2")));
  REQUIRE(refused);
  CHECK(ReplyKind(*refused) == "overloaded");
  CHECK(Get(d.HttpPort(), "/healthz").status == 200);

  // Space returns: the waiting event is committed and answered, new ones are taken.
  REQUIRE(prlimit(d.pid(), RLIMIT_FSIZE, &old_limit, nullptr) == 0);
  auto late = client.Receive(10s);
  REQUIRE(late);
  CHECK(*late == "{\"accepted\":\"disk-1\"}");
  auto again = other.Request(Json(ReportEvent("disk-2")));
  REQUIRE(again);
  CHECK(ReplyKind(*again) == "accepted");
  CHECK(d.WaitForLog("storage.journal_recovered", 5s));
  const auto journal = JournalIds(d);
  CHECK(journal == std::set<std::string>{"disk-0", "disk-1", "disk-2"});
}

TEST_CASE("After kill -9, duplicates and conflicts are recognised across several checkpoint segments",
          "[e2e][recovery][checkpoint]") {
  Daemon d;
  WriteConfigWithGrace(d, "0s");
  std::map<std::string, boost::json::object> sent;
  auto push = [&](const std::string& id) {
    AckClient client(d.context(), d.AckEndpoint());
    sent[id] = ReportEvent(id, "harassment");
    RequireAccepted(client, sent[id]);
  };
  // Two clean stops: two checkpoints, each adding a segment of the keys
  // recorded since the one before; then keys in no segment (the journal
  // after the newest checkpoint), and kill -9.
  for (const char* round : {"a", "b"}) {
    REQUIRE(d.StartAndWaitReady());
    for (int i = 1; i <= 3; ++i) push(std::string("seg-") + round + std::to_string(i));
    d.Signal(SIGTERM);
    REQUIRE(d.WaitExit(10s) == 0);
    d.Kill();  // resets the fixture for the next start
  }
  REQUIRE(d.StartAndWaitReady());
  for (int i = 1; i <= 3; ++i) push("seg-c" + std::to_string(i));
  d.Kill();
  {
    auto db = storage::Database::Open(d.dir() / "var" / "vigia.db", storage::SyncMode::kNormal);
    REQUIRE(db.has_value());
    std::vector<uint64_t> keys;
    REQUIRE((*db)->ReadDedupSegments(0, UINT64_MAX, [&](const storage::DedupSegmentRow& r) {
                   keys.push_back(r.keys);
                 }).ok());
    CHECK(keys == std::vector<uint64_t>{3, 3});
  }

  REQUIRE(d.StartAndWaitReady());
  CHECK_THAT(d.Stderr(), Catch::Contains("dedup_keys=6 dedup_segments=2"));
  CHECK_THAT(d.Stderr(), !Catch::Contains("checkpoint_unusable"));
  AckClient client(d.context(), d.AckEndpoint());
  for (const char* round : {"a", "b", "c"}) {
    for (int i = 1; i <= 3; ++i) {
      const std::string id = std::string("seg-") + round + std::to_string(i);
      INFO(id);
      boost::json::object event = sent.at(id);
      if (i == 2) event["category"] = "threat";  // same key, other content
      auto reply = client.Request(Json(event));
      REQUIRE(reply);
      CHECK(ReplyKind(*reply) == (i == 2 ? "duplicate_conflict" : "duplicate"));
    }
  }
  RequireAccepted(client, ReportEvent("seg-d1", "harassment"));  // still new
}

}  // namespace vigia::e2e
