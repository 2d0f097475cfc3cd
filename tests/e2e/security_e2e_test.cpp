// SPDX-License-Identifier: Apache-2.0
// Security of the real vigiad, end to end. [curve]: CurveZMQ on the ingest
// sockets and the alert stream (daemon.md "CurveZMQ"): only listed client keys
// get through the handshake; each may send only its source and regions
// (events.md `unauthorized`); SIGHUP adds and revokes keys; `vigia keygen`
// writes files that vigiad and `vigia push` read.
#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <fstream>
#include <sstream>
#include <thread>

#include <catch2/catch.hpp>
#include <zmq.h>
#include <zmq_addon.hpp>

#include "daemon_fixture.h"

#ifndef VIGIA_VIGIA
#error "VIGIA_VIGIA must name the vigia binary (tests/e2e/security.cmake)"
#endif

namespace vigia::e2e {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

// --- keys and files ---

struct Keys {
  std::string pub, sec;  // Z85
};

Keys NewKeys() {
  char pub[41] = {}, sec[41] = {};
  REQUIRE(zmq_curve_keypair(pub, sec) == 0);
  return {pub, sec};
}

std::string ReadFile(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), {});
}

void WriteSecretKey(const fs::path& file, const Keys& k, mode_t mode = 0600) {
  fs::create_directories(file.parent_path());
  std::ofstream(file) << "public: \"" << k.pub << "\"\nsecret: \"" << k.sec << "\"\n";
  REQUIRE(::chmod(file.c_str(), mode) == 0);
}

// A client file in clients_dir; `limits` adds lines such as "source: e2e".
void WriteClient(const fs::path& file, const Keys& k, const std::string& limits) {
  fs::create_directories(file.parent_path());
  std::ofstream(file) << "public: \"" << k.pub << "\"\n" << limits;
}

// The fixture's config with ingest.auth (`ingest`) and/or alerts.auth (`alerts`).
std::string CurveConfig(const Daemon& d, bool ingest, bool alerts) {
  std::string c = d.DefaultConfig();
  const size_t alerts_at = c.find("alerts: {publish: ");
  REQUIRE(alerts_at != std::string::npos);
  if (alerts) {
    const size_t close = c.find("}\n", alerts_at);
    c.insert(close, ", auth: {curve_secret_key_file: keys/server.key, clients_dir: keys/operators}");
  }
  if (ingest)
    c.insert(alerts_at, "  auth: {curve_secret_key_file: keys/server.key, clients_dir: keys/clients}\n");
  return c;
}

// --- Curve clients ---

// A DEALER on an ack endpoint, CurveZMQ when `client` is given.
class CurveDealer {
 public:
  CurveDealer(zmq::context_t& context, const std::string& endpoint, const Keys* client,
              const std::string& server_public)
      : socket_(context, zmq::socket_type::dealer) {
    socket_.set(zmq::sockopt::linger, 0);
    if (client) {
      socket_.set(zmq::sockopt::curve_serverkey, server_public);
      socket_.set(zmq::sockopt::curve_publickey, client->pub);
      socket_.set(zmq::sockopt::curve_secretkey, client->sec);
    }
    socket_.connect(endpoint);
  }
  // Sends `event` (after the REQ delimiter) and waits for the reply's last frame.
  // Sending never blocks: a refused connection just queues it.
  std::optional<std::string> Request(std::string_view event, Ms timeout) {
    std::array<zmq::const_buffer, 2> frames = {zmq::const_buffer(), zmq::buffer(event)};
    zmq::send_multipart(socket_, frames, zmq::send_flags::dontwait);
    zmq::pollitem_t item{socket_.handle(), 0, ZMQ_POLLIN, 0};
    if (zmq::poll(&item, 1, timeout) == 0) return std::nullopt;
    std::vector<zmq::message_t> reply;
    if (!zmq::recv_multipart(socket_, std::back_inserter(reply)) || reply.empty()) return std::nullopt;
    return reply.back().to_string();
  }

 private:
  zmq::socket_t socket_;
};

// A SUB on the alert stream, CurveZMQ when `client` is given.
zmq::socket_t CurveSub(zmq::context_t& context, const std::string& endpoint, const Keys* client,
                       const std::string& server_public) {
  zmq::socket_t s(context, zmq::socket_type::sub);
  s.set(zmq::sockopt::linger, 0);
  if (client) {
    s.set(zmq::sockopt::curve_serverkey, server_public);
    s.set(zmq::sockopt::curve_publickey, client->pub);
    s.set(zmq::sockopt::curve_secretkey, client->sec);
  }
  s.set(zmq::sockopt::subscribe, "alert.");
  s.connect(endpoint);
  return s;
}

// The topics `s` receives within `timeout`.
std::vector<std::string> Topics(zmq::socket_t& s, Ms timeout) {
  std::vector<std::string> topics;
  const auto until = Clock::now() + timeout;
  zmq::pollitem_t item{s.handle(), 0, ZMQ_POLLIN, 0};
  while (Clock::now() < until) {
    if (zmq::poll(&item, 1, std::chrono::duration_cast<Ms>(until - Clock::now())) == 0) break;
    std::vector<zmq::message_t> frames;
    if (zmq::recv_multipart(s, std::back_inserter(frames)) && !frames.empty())
      topics.push_back(frames[0].to_string());
  }
  return topics;
}

std::string ErrorField(std::string_view reply) {
  const boost::json::object o = ParseObject(reply);
  const auto* err = o.if_contains("error");
  if (!err || !err->is_object()) return "<no error>";
  const auto* f = err->as_object().if_contains("field");
  return f && f->is_string() ? std::string(f->as_string()) : "<none>";
}

// --- processes ---

mode_t Mode(const fs::path& p) {
  struct stat st {};
  REQUIRE(::stat(p.c_str(), &st) == 0);
  return st.st_mode & 0777;
}

}  // namespace

TEST_CASE("Curve ingest: a listed key sends its source and regions only; an unknown key cannot connect",
          "[e2e][curve]") {
  Daemon d;
  const Keys server = NewKeys(), red = NewKeys(), stranger = NewKeys();
  WriteSecretKey(d.dir() / "keys/server.key", server);
  WriteClient(d.dir() / "keys/clients/red-tdt.pub.yaml", red, "source: e2e\nregions: [MX-CHH]\n");
  d.WriteConfig(CurveConfig(d, true, false));
  REQUIRE(d.StartAndWaitReady());
  CHECK_THAT(d.Stderr(), Catch::Contains("curve.ready domain=vigia.ingest clients=1"));

  CurveDealer good(d.context(), d.AckEndpoint(), &red, server.pub);
  auto reply = good.Request(Json(ReportEvent("curve-ok")), 10s);
  REQUIRE(reply);
  CHECK(ReplyKind(*reply) == "accepted");

  boost::json::object other_source = ReportEvent("curve-source");
  other_source["source"] = "someone-else";
  reply = good.Request(Json(other_source), 10s);
  REQUIRE(reply);
  CHECK(ReplyKind(*reply) == "unauthorized");
  CHECK(ErrorField(*reply) == "source");

  boost::json::object other_region = ReportEvent("curve-region");
  other_region["region"] = "MX-GRO";
  reply = good.Request(Json(other_region), 10s);
  REQUIRE(reply);
  CHECK(ReplyKind(*reply) == "unauthorized");
  CHECK(ErrorField(*reply) == "region");

  // The same over the ipc ack endpoint: every ingest socket requires Curve.
  CurveDealer ipc(d.context(), d.IpcEndpoint(), &red, server.pub);
  reply = ipc.Request(Json(ReportEvent("curve-ipc")), 10s);
  REQUIRE(reply);
  CHECK(ReplyKind(*reply) == "accepted");

  // Refused at the handshake: nothing comes back, with or without Curve.
  CurveDealer unknown(d.context(), d.AckEndpoint(), &stranger, server.pub);
  CHECK_FALSE(unknown.Request(Json(ReportEvent("curve-stranger")), 1500ms));
  CurveDealer plain(d.context(), d.AckEndpoint(), nullptr, "");
  CHECK_FALSE(plain.Request(Json(ReportEvent("curve-plain")), 1000ms));

  REQUIRE(d.WaitForLog("curve.refused", 5s));
  const std::string log = d.Stderr();
  CHECK_THAT(log, Catch::Contains("domain=vigia.ingest") && Catch::Contains("reason=\"unknown key\""));
  CHECK_THAT(log, !Catch::Contains(stranger.pub) && !Catch::Contains(stranger.sec) &&
                      !Catch::Contains(server.sec) && !Catch::Contains(red.pub));
  // The refused events never reached the core: their ids are new to it.
  reply = good.Request(Json(ReportEvent("curve-stranger")), 10s);
  REQUIRE(reply);
  CHECK(ReplyKind(*reply) == "accepted");
}

TEST_CASE("Curve ingest: SIGHUP adds and revokes client keys without a restart", "[e2e][curve]") {
  Daemon d;
  const Keys server = NewKeys(), red = NewKeys(), blue = NewKeys();
  WriteSecretKey(d.dir() / "keys/server.key", server);
  WriteClient(d.dir() / "keys/clients/red-tdt.pub.yaml", red, "source: e2e\n");
  d.WriteConfig(CurveConfig(d, true, false));
  REQUIRE(d.StartAndWaitReady());

  CurveDealer before(d.context(), d.AckEndpoint(), &red, server.pub);
  auto reply = before.Request(Json(ReportEvent("rev-1")), 10s);
  REQUIRE(reply);
  CHECK(ReplyKind(*reply) == "accepted");
  CurveDealer blue_early(d.context(), d.AckEndpoint(), &blue, server.pub);
  CHECK_FALSE(blue_early.Request(Json(ReportEvent("rev-blue-early")), 1000ms));

  // Add blue, revoke red.
  WriteClient(d.dir() / "keys/clients/blue.pub.yaml", blue, "sources: [e2e]\n");
  fs::remove(d.dir() / "keys/clients/red-tdt.pub.yaml");
  d.Signal(SIGHUP);
  REQUIRE(d.WaitForLog("curve.keys_reloaded", 10s));
  CHECK_THAT(d.Stderr(), Catch::Contains("curve.keys_reloaded domain=vigia.ingest clients=1"));

  CurveDealer blue_now(d.context(), d.AckEndpoint(), &blue, server.pub);
  reply = blue_now.Request(Json(ReportEvent("rev-blue")), 10s);
  REQUIRE(reply);
  CHECK(ReplyKind(*reply) == "accepted");

  CurveDealer after(d.context(), d.AckEndpoint(), &red, server.pub);
  CHECK_FALSE(after.Request(Json(ReportEvent("rev-2")), 1500ms));
  // A connection opened before the revocation may no longer send anything.
  reply = before.Request(Json(ReportEvent("rev-3")), 10s);
  REQUIRE(reply);
  CHECK(ReplyKind(*reply) == "unauthorized");

  // A bad client file keeps the keys in force.
  WriteClient(d.dir() / "keys/clients/broken.pub.yaml", blue, "colour: red\n");
  d.Signal(SIGHUP);
  REQUIRE(d.WaitForLog("curve.keys_reload_failed", 10s));
  CHECK_THAT(d.Stderr(), Catch::Contains("broken.pub.yaml") && Catch::Contains("unknown key 'colour'"));
  reply = blue_now.Request(Json(ReportEvent("rev-blue-2")), 10s);
  REQUIRE(reply);
  CHECK(ReplyKind(*reply) == "accepted");
  // The ZAP handler stops with the rest: a clean exit within 10 s.
  d.Signal(SIGTERM);
  CHECK(d.WaitExit(10s) == 0);
}

TEST_CASE("Curve: a server key file that others may read stops the start", "[e2e][curve]") {
  Daemon d;
  const Keys server = NewKeys();
  WriteSecretKey(d.dir() / "keys/server.key", server, 0644);
  fs::create_directories(d.dir() / "keys/clients");
  d.WriteConfig(CurveConfig(d, true, false));
  CHECK_FALSE(d.StartAndWaitReady());
  CHECK(d.WaitExit(10s) == 2);
  CHECK_THAT(d.Stderr(), Catch::Contains("daemon.start_failed reason=curve") &&
                             Catch::Contains("chmod 600") && !Catch::Contains(server.sec));
}

TEST_CASE("Curve alert stream: a listed subscriber gets alerts, an unknown one nothing",
          "[e2e][curve]") {
  Daemon d({{"killing.yaml", kKillingRule}});
  const Keys server = NewKeys(), ops = NewKeys(), stranger = NewKeys();
  WriteSecretKey(d.dir() / "keys/server.key", server);
  // Source and regions are ignored on the stream.
  WriteClient(d.dir() / "keys/operators/ops.pub.yaml", ops, "source: nobody\nregions: [MX-GRO]\n");
  d.WriteConfig(CurveConfig(d, false, true));
  REQUIRE(d.StartAndWaitReady());
  CHECK_THAT(d.Stderr(), Catch::Contains("curve.ready domain=vigia.alerts clients=1"));

  zmq::socket_t good = CurveSub(d.context(), d.AlertsEndpoint(), &ops, server.pub);
  zmq::socket_t unknown = CurveSub(d.context(), d.AlertsEndpoint(), &stranger, server.pub);
  zmq::socket_t plain = CurveSub(d.context(), d.AlertsEndpoint(), nullptr, "");
  AckClient ack(d.context(), d.AckEndpoint());
  // Probes until the listed subscriber sees one: its subscription is live.
  bool live = false;
  for (int i = 0; i < 50 && !live; ++i) {
    boost::json::object probe = {{"id", "probe-" + std::to_string(i)}, {"type", "e2e_probe"},
                                 {"time", TimeFromNow()},              {"source", "e2e"},
                                 {"region", "MX-ZAC"}};
    REQUIRE(ReplyKind(ack.Request(Json(probe)).value()) == "accepted");
    live = !Topics(good, 200ms).empty();
  }
  REQUIRE(live);
  RequireAccepted(ack, ReportEvent("stream-killing", "killing"));
  bool got_killing = false;
  for (const auto& t : Topics(good, 3000ms)) got_killing = got_killing || t == "alert.critical.MX-CHH";
  CHECK(got_killing);
  CHECK(Topics(unknown, 500ms).empty());
  CHECK(Topics(plain, 200ms).empty());
  REQUIRE(d.WaitForLog("curve.refused", 5s));
  CHECK_THAT(d.Stderr(), Catch::Contains("domain=vigia.alerts") && !Catch::Contains(stranger.pub));
}

TEST_CASE("vigia keygen writes keys that vigiad and vigia push --client-key use", "[e2e][curve]") {
  Daemon d;
  const fs::path keys = d.dir() / "keys";
  const fs::path made = d.dir() / "made";  // where keygen writes; the operator copies from it
  auto server = RunCommand({VIGIA_VIGIA, "keygen", "server", "--dir", keys.string()});
  INFO("keygen server: " << server.out << server.err);
  REQUIRE(server.exit == 0);
  auto red = RunCommand({VIGIA_VIGIA, "keygen", "red-tdt", "--dir", made.string(), "--source",
                         "e2e", "--region", "MX-CHH", "--region", "MX-GRO"});
  INFO("keygen red-tdt: " << red.out << red.err);
  REQUIRE(red.exit == 0);
  CHECK_THAT(red.out, Catch::Contains((made / "red-tdt.key").string()) &&
                          Catch::Contains((made / "red-tdt.pub.yaml").string()));
  CHECK(Mode(made) == 0700);
  CHECK(Mode(made / "red-tdt.key") == 0600);
  CHECK(Mode(keys / "server.key") == 0600);
  const std::string pub = ReadFile(made / "red-tdt.pub.yaml");
  CHECK_THAT(pub, Catch::Contains("source: e2e") && Catch::Contains("regions: [MX-CHH, MX-GRO]") &&
                      !Catch::Contains("secret"));
  // Never replaces a key.
  CHECK(RunCommand({VIGIA_VIGIA, "keygen", "red-tdt", "--dir", made.string()}).exit == 2);

  fs::create_directories(keys / "clients");
  fs::copy_file(made / "red-tdt.pub.yaml", keys / "clients/red-tdt.pub.yaml");
  d.WriteConfig(CurveConfig(d, true, false));
  REQUIRE(d.StartAndWaitReady());

  const fs::path events = d.dir() / "events.jsonl";
  boost::json::object region_not_held = ReportEvent("kg-2");
  region_not_held["region"] = "MX-OAX";
  std::ofstream(events) << Json(ReportEvent("kg-1")) << "\n" << Json(region_not_held) << "\n";
  auto push = RunCommand({VIGIA_VIGIA, "push", "--endpoint", d.AckEndpoint(), "--client-key",
                          (made / "red-tdt.key").string(), "--server-key",
                          (keys / "server.pub.yaml").string(), events.string()});
  INFO("push: " << push.out << push.err);
  CHECK(push.exit == 1);  // one rejected
  CHECK_THAT(push.out, Catch::Contains(R"({"accepted":"kg-1"})") &&
                           Catch::Contains(R"("code":"unauthorized","id":"kg-2","field":"region")"));

  auto half = RunCommand({VIGIA_VIGIA, "push", "--endpoint", d.AckEndpoint(), "--client-key",
                          (made / "red-tdt.key").string(), events.string()});
  CHECK(half.exit == 2);
  CHECK_THAT(half.err, Catch::Contains("both --client-key and --server-key"));
}

}  // namespace vigia::e2e
