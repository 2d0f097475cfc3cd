// SPDX-License-Identifier: Apache-2.0
// Privacy of the real vigiad (STYLE.md §7, "No personal data"): what events
// carry (subject ids, free text) and the secrets that guard the API (tokens)
// never reach its log, at info nor at debug, through the whole path: posted
// events, a rejected one, an alert, its acknowledgement, a stream, shutdown.
// And the database it creates is readable by its own user only.
#include <signal.h>
#include <sys/stat.h>

#include <string>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include "daemon_fixture.h"
#include "http_client.h"

namespace vigia::e2e {
namespace {

// Distinctive strings: any of them in the log is a leak.
constexpr const char* kSubject = "p-privacy-5f3e91c7";
constexpr const char* kMunicipality = "Municipio-Reservado-4417";
constexpr const char* kFreeText = "texto-confidencial-7781";
constexpr const char* kNote = "nota-privada-3321";
constexpr const char* kAckBy = "operadora-ana-9054";

// Two threats about the same subject within an hour: the alert is keyed by subject.
constexpr const char* kRules = R"(rules:
  - id: subject-threatened-twice
    level: warning
    match: {type: report, category: threat}
    count: {at_least: 2, within: 1h, by: [subject]}
)";

boost::json::object PrivateEvent(std::string_view id) {
  boost::json::object e = ReportEvent(id);
  e["subject"] = kSubject;
  e["municipality"] = kMunicipality;
  e["tags"] = boost::json::array{kFreeText};
  e["attrs"] = boost::json::object{{"note", kFreeText}};
  return e;
}

unsigned ModeOf(const std::filesystem::path& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return 0;
  return st.st_mode & 07777;
}

// Polls `ready` every 20 ms until it holds or `timeout` passes.
template <class F>
bool WaitFor(F ready, Ms timeout) {
  const auto until = std::chrono::steady_clock::now() + timeout;
  while (!ready()) {
    if (std::chrono::steady_clock::now() > until) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return true;
}

TEST_CASE("The daemon's log holds no subject, event text or token, at info and at debug",
          "[e2e][privacy]") {
  const std::string level = GENERATE(as<std::string>{}, "info", "debug");
  INFO("log level " << level);
  Daemon d({{"main.yaml", kRules}});
  std::string config = d.DefaultConfig();
  // A storage folder that does not exist yet: the daemon creates it.
  const std::string storage_line = "storage: {path: var/vigia.db, sync: normal}";
  REQUIRE(config.find(storage_line) != std::string::npos);
  config.replace(config.find(storage_line), storage_line.size(),
                 "storage: {path: private/db/vigia.db, sync: normal}");
  const std::string log_line = "log: {level: info";
  REQUIRE(config.find(log_line) != std::string::npos);
  config.replace(config.find(log_line), log_line.size(), "log: {level: " + level);
  d.WriteConfig(config);
  REQUIRE(d.StartAndWaitReady());

  // Two events about the subject over HTTP (the integrator's token), one over ZeroMQ.
  REQUIRE(Post(d.HttpPort(), "/api/v1/events", kIntegratorToken, Json(PrivateEvent("priv-1"))).status == 200);
  AckClient ack(d.context(), d.AckEndpoint());
  RequireAccepted(ack, PrivateEvent("priv-2"));

  // Rejected events that carry the same data: an unknown field, broken JSON,
  // a source the token may not send as, a wrong token.
  boost::json::object bad = PrivateEvent("priv-bad-1");
  bad["regoin"] = kFreeText;
  CHECK(Post(d.HttpPort(), "/api/v1/events", kIntegratorToken, Json(bad)).status == 400);
  CHECK(Post(d.HttpPort(), "/api/v1/events", kIntegratorToken,
             std::string(R"({"id":"priv-bad-2","subject":")") + kSubject + R"(","attrs":{")" + kFreeText)
            .status == 400);
  boost::json::object foreign = PrivateEvent("priv-bad-3");
  foreign["source"] = "someone-else";
  CHECK(Post(d.HttpPort(), "/api/v1/events", kIntegratorToken, Json(foreign)).status == 403);
  CHECK(Post(d.HttpPort(), "/api/v1/events", "not-a-token-8812", Json(PrivateEvent("priv-4"))).status == 401);
  ack.Request(std::string(R"({"id":"priv-bad-5","subject":")") + kSubject + "\"");

  // The alert, keyed by the subject, acknowledged with a note.
  std::string alert_id;
  REQUIRE(WaitFor(
      [&] {
        const HttpReply r = Get(d.HttpPort(), "/api/v1/alerts", kViewerToken);
        const boost::json::value v = r.JsonBody();
        if (!v.is_array()) return false;
        for (const auto& a : v.as_array())
          if (a.is_object() && Str(a.as_object(), "rule") == "subject-threatened-twice")
            alert_id = Str(a.as_object(), "alert");
        return !alert_id.empty();
      },
      10s));
  const HttpReply acked =
      Post(d.HttpPort(), "/api/v1/alerts/" + alert_id + "/ack", kOperatorToken,
           Json(boost::json::object{{"by", kAckBy}, {"note", kNote}}));
  CHECK(acked.status == 200);
  CHECK(Get(d.HttpPort(), "/api/v1/alerts/" + alert_id, kAdminToken).status == 200);

  // The files it made, while it runs (-wal and -shm exist only then).
  const auto folder = d.dir() / "private" / "db";
  CHECK(ModeOf(d.dir() / "private") == 0700);
  CHECK(ModeOf(folder) == 0700);
  CHECK(ModeOf(folder / "vigia.db") == 0600);
  CHECK(ModeOf(folder / "vigia.db-wal") == 0600);
  CHECK(ModeOf(folder / "vigia.db-shm") == 0600);

  d.Signal(SIGTERM);
  REQUIRE(d.WaitExit(10s) == 0);

  const std::string log = d.Stderr() + d.Stdout();
  REQUIRE_THAT(log, Catch::Contains("daemon.ready"));  // the log is the one we think
  for (const std::string& leak :
       {std::string(kSubject), std::string(kMunicipality), std::string(kFreeText), std::string(kNote),
        std::string(kAckBy), std::string(kViewerToken), std::string(kOperatorToken),
        std::string(kIntegratorToken), std::string(kAdminToken), std::string("not-a-token-8812"),
        Sha256Hex(kIntegratorToken), Sha256Hex(kOperatorToken)}) {
    INFO("the log holds '" << leak << "':\n" << log);
    CHECK(log.find(leak) == std::string::npos);
  }
}

}  // namespace
}  // namespace vigia::e2e
