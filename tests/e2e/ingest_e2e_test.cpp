// SPDX-License-Identifier: Apache-2.0
// ZeroMQ ingest of the real vigiad (daemon.md "ZeroMQ", events.md "Validation"):
// replies and their envelopes, every kind of bad input, and many clients at once.
#include <set>

#include <catch2/catch.hpp>

#include "daemon_fixture.h"

namespace vigia::e2e {
namespace {

using Clock = std::chrono::steady_clock;

std::string ErrorField(std::string_view reply, const char* name) {
  const boost::json::object o = ParseObject(reply);
  const auto* err = o.if_contains("error");
  if (!err || !err->is_object()) return "<no error>";
  const auto* v = err->as_object().if_contains(name);
  return v && v->is_string() ? std::string(v->as_string()) : "<none>";
}

std::string AcceptedId(std::string_view reply) {
  const boost::json::object o = ParseObject(reply);
  const auto* id = o.if_contains("accepted");
  return id && id->is_string() ? std::string(id->as_string()) : "";
}

// The id an accepted or rejected reply names.
std::string ReplyId(std::string_view reply) {
  std::string id = AcceptedId(reply);
  return id.empty() ? ErrorField(reply, "id") : id;
}

}  // namespace

TEST_CASE("A valid event is accepted over REQ, DEALER and ipc, the reply keeping the envelope",
          "[e2e][ingest]") {
  Daemon d;
  REQUIRE(d.StartAndWaitReady());
  CHECK(d.CountLog("ingest.listening") == 4);  // ack tcp, push, ack ipc, and the HTTP API
  CHECK_THAT(d.Stderr(), Catch::Contains("connector=http bind=127.0.0.1:" +
                                         std::to_string(d.HttpPort())));

  ReqClient req(d.context(), d.AckEndpoint());
  auto frames = req.Request(Json(ReportEvent("env-req")));
  REQUIRE(frames);  // a REQ drops a reply without its delimiter: getting one proves it was kept
  CHECK(*frames == std::vector<std::string>{R"({"accepted":"env-req"})"});

  AckClient with_delimiter(d.context(), d.AckEndpoint(), true);
  with_delimiter.Send(Json(ReportEvent("env-dealer-delim")));
  frames = with_delimiter.ReceiveFrames(10s);
  REQUIRE(frames);
  CHECK(*frames == std::vector<std::string>{"", R"({"accepted":"env-dealer-delim"})"});

  AckClient bare(d.context(), d.AckEndpoint(), false);
  bare.Send(Json(ReportEvent("env-dealer-bare")));
  frames = bare.ReceiveFrames(10s);
  REQUIRE(frames);
  CHECK(*frames == std::vector<std::string>{R"({"accepted":"env-dealer-bare"})"});

  // A multi-frame message: the event is the last frame, every frame before it comes back.
  bare.SendFrames({"hop-1", "hop-2", "", Json(ReportEvent("env-multi"))});
  frames = bare.ReceiveFrames(10s);
  REQUIRE(frames);
  CHECK(*frames == std::vector<std::string>{"hop-1", "hop-2", "", R"({"accepted":"env-multi"})"});

  ReqClient ipc(d.context(), d.IpcEndpoint());
  frames = ipc.Request(Json(ReportEvent("env-ipc")));
  REQUIRE(frames);
  CHECK(*frames == std::vector<std::string>{R"({"accepted":"env-ipc"})"});

  // Within engine.max_future_skew (5m) of the daemon's clock is not the future.
  auto soon = bare.Request(Json(ReportEvent("env-soon", "threat", 4min)));
  REQUIRE(soon);
  CHECK(ReplyKind(*soon) == "accepted");
}

TEST_CASE("A re-sent event is a duplicate and a changed one with its id a duplicate_conflict",
          "[e2e][ingest]") {
  Daemon d;
  REQUIRE(d.StartAndWaitReady());
  AckClient client(d.context(), d.AckEndpoint());
  const std::string event = Json(ReportEvent("dup-1"));

  auto first = client.Request(event);
  REQUIRE(first);
  CHECK(ParseObject(*first) == ParseObject(R"({"accepted":"dup-1"})"));
  auto again = client.Request(event);
  REQUIRE(again);
  CHECK(ParseObject(*again) == ParseObject(R"({"accepted":"dup-1","duplicate":true})"));

  // Same content written differently (field order, whitespace) is the same event.
  boost::json::object reordered;
  const boost::json::object original = ParseObject(event);
  for (auto it = original.end(); it != original.begin();) {
    --it;
    reordered[it->key()] = it->value();
  }
  auto same = client.Request("\n { " + Json(reordered).substr(1));
  REQUIRE(same);
  CHECK(ReplyKind(*same) == "duplicate");

  boost::json::object changed = ParseObject(event);
  changed["category"] = "harassment";
  auto conflict = client.Request(Json(changed));
  REQUIRE(conflict);
  CHECK(ReplyKind(*conflict) == "duplicate_conflict");
  CHECK(ErrorField(*conflict, "id") == "dup-1");

  // The same id from another source is another event.
  changed["source"] = "e2e-other";
  auto other = client.Request(Json(changed));
  REQUIRE(other);
  CHECK(ReplyKind(*other) == "accepted");
}

TEST_CASE("Every kind of bad input gets its error code and the daemon keeps serving",
          "[e2e][ingest]") {
  Daemon d;
  REQUIRE(d.StartAndWaitReady());
  AckClient client(d.context(), d.AckEndpoint());
  ReqClient req(d.context(), d.AckEndpoint());

  auto with = [](std::string_view key, boost::json::value v) {
    boost::json::object e = ReportEvent("bad-event");
    e[key] = std::move(v);
    return Json(e);
  };
  auto without = [](std::string_view key) {
    boost::json::object e = ReportEvent("bad-event");
    e.erase(key);
    return Json(e);
  };
  std::string nested = "1";
  for (int i = 0; i < 10; ++i) nested = "[" + nested + "]";
  const std::string too_deep = R"({"id":"deep","type":"report","time":")" + TimeFromNow() +
                               R"(","attrs":{"a":)" + nested + "}}";
  boost::json::object huge = ReportEvent("huge");
  huge["attrs"] = {{"note", std::string(70 * 1024, 'x')}};
  const std::string garbage("\x00\x01\x7f\x80\xff{\"\\\xfe\xc3", 11);

  struct Case {
    const char* name;
    std::vector<std::string> frames;  // as sent by a DEALER with no delimiter
    const char* code;
    const char* field = nullptr;    // expected "field", when one is named
    const char* message = nullptr;  // a part of "message"
  };
  const Case cases[] = {
      {"malformed JSON", {"", R"({"id": "m-1",})"}, "malformed_json", nullptr, "at byte 13"},
      {"truncated JSON", {"", R"({"id": "m-2", "type": )"}, "malformed_json", nullptr, "at byte "},
      {"severity of the wrong type", {"", with("severity", "high")}, "invalid_event", "severity"},
      {"time of the wrong type", {"", with("time", 12345)}, "invalid_event", "time"},
      {"time not RFC 3339", {"", with("time", "23/03/2017")}, "invalid_event", "time"},
      {"groups not an array", {"", with("groups", "journalist")}, "invalid_event", "groups"},
      {"missing region", {"", without("region")}, "invalid_event", "region"},
      {"missing time", {"", without("time")}, "invalid_event", "time"},
      {"missing id", {"", without("id")}, "invalid_event", "id"},
      {"unknown top-level field", {"", with("regoin", "MX-CHH")}, "invalid_event", "regoin"},
      {"unknown region", {"", with("region", "MX-CHX")}, "unknown_region", nullptr, "MX-CHH"},
      {"unknown group",
       {"", with("groups", boost::json::array{"journalists"})},
       "unknown_group",
       nullptr,
       "journalist"},
      {"over 64 KiB", {"", Json(huge)}, "too_large"},
      {"nesting deeper than 8", {"", too_deep}, "too_large"},
      {"a day in the future",
       {"", Json(ReportEvent("future-1", "threat", 24h))},
       "future_event",
       "time"},
      {"binary garbage", {"", garbage}, "malformed_json"},
      {"an empty frame", {"", ""}, "malformed_json"},
      {"an empty frame with no delimiter", {""}, "malformed_json"},
      {"the last of several frames is garbage",
       {Json(ReportEvent("not-last")), "", "{"},
       "malformed_json"},
      {"type alert from outside", {"", with("type", "alert")}, "invalid_event", "type"},
  };
  int n = 0;
  for (const Case& c : cases) {
    INFO("case: " << c.name);
    client.SendFrames(c.frames);
    auto frames = client.ReceiveFrames(10s);
    REQUIRE(frames);
    // The envelope comes back as sent: every frame but the last.
    CHECK(std::vector<std::string>(frames->begin(), frames->end() - 1) ==
          std::vector<std::string>(c.frames.begin(), c.frames.end() - 1));
    const std::string& reply = frames->back();
    INFO("reply: " << reply);
    CHECK(ReplyKind(reply) == c.code);
    if (c.field) CHECK(ErrorField(reply, "field") == c.field);
    if (c.message) CHECK_THAT(ErrorField(reply, "message"), Catch::Contains(c.message));
    CHECK(ErrorField(reply, "message") != "<none>");
    // Still serving valid events.
    auto ok = client.Request(Json(ReportEvent("after-bad-" + std::to_string(++n))));
    REQUIRE(ok);
    CHECK(ReplyKind(*ok) == "accepted");
  }
  // Logs never carry event payloads (README "Non-negotiables"), valid or not.
  boost::json::object personal = ReportEvent("personal-1");
  personal["subject"] = "p-secret-subject";
  personal["municipality"] = "SecretTown";
  auto valid_personal = client.Request(Json(personal));
  personal["severity"] = "SecretSeverity";
  auto bad_personal = client.Request(Json(personal));
  REQUIRE(valid_personal);
  REQUIRE(bad_personal);
  CHECK(ReplyKind(*bad_personal) == "invalid_event");
  CHECK_THAT(d.Stderr(), !Catch::Contains("p-secret-subject") && !Catch::Contains("SecretTown") &&
                             !Catch::Contains("SecretSeverity"));

  auto empty = req.Request("");
  REQUIRE(empty);
  CHECK(ReplyKind(empty->back()) == "malformed_json");
  auto ok = req.Request(Json(ReportEvent("after-all")));
  REQUIRE(ok);
  CHECK(ReplyKind(ok->back()) == "accepted");
  CHECK(d.IsRunning());
}

TEST_CASE("One DEALER pipelining 5,000 events gets exactly 5,000 accepted replies",
          "[e2e][ingest][load]") {
  Daemon d;
  REQUIRE(d.StartAndWaitReady());
  AckClient client(d.context(), d.AckEndpoint());
  constexpr int kEvents = 5000;
  std::set<std::string> sent;
  for (int i = 0; i < kEvents; ++i) {
    const std::string id = "pipe-" + std::to_string(i);
    sent.insert(id);
    client.Send(Json(ReportEvent(id)));
  }
  const std::vector<std::string> replies = client.ReceiveMany(kEvents, 60s);
  REQUIRE(replies.size() == kEvents);
  std::set<std::string> accepted;
  int other = 0;
  for (const auto& r : replies) {
    if (ReplyKind(r) == "accepted")
      accepted.insert(AcceptedId(r));
    else if (++other <= 3)
      UNSCOPED_INFO("not accepted: " << r);
  }
  CHECK(other == 0);
  CHECK(accepted == sent);
  CHECK_FALSE(client.Receive(200ms));  // and not one reply more
}

TEST_CASE("A client that never reads its replies does not hold up another client's",
          "[e2e][ingest][load]") {
  Daemon d;
  REQUIRE(d.StartAndWaitReady());
  // The smallest queues a client can have, so the daemon's side fills up.
  zmq::socket_t deaf(d.context(), zmq::socket_type::dealer);
  deaf.set(zmq::sockopt::linger, 0);
  deaf.set(zmq::sockopt::rcvhwm, 1);
  deaf.set(zmq::sockopt::rcvbuf, 4096);
  deaf.set(zmq::sockopt::sndhwm, 0);
  deaf.connect(d.AckEndpoint());
  for (int i = 0; i < 2000; ++i) {
    const std::string event = Json(ReportEvent("deaf-" + std::to_string(i)));
    REQUIRE(deaf.send(zmq::buffer(event), zmq::send_flags::none));
  }

  AckClient polite(d.context(), d.AckEndpoint());
  const auto start = Clock::now();
  for (int i = 0; i < 20; ++i) {
    INFO("event " << i);
    auto reply = polite.Request(Json(ReportEvent("polite-" + std::to_string(i))), 5s);
    REQUIRE(reply);
    CHECK(ReplyKind(*reply) == "accepted");
  }
  CHECK(Clock::now() - start < 5s);
  CHECK(d.IsRunning());

  // A slow reader rather than a deaf one: its replies were kept for it.
  int deaf_replies = 0;
  zmq::pollitem_t item{deaf.handle(), 0, ZMQ_POLLIN, 0};
  const auto deadline = Clock::now() + 30s;
  while (deaf_replies < 2000 && Clock::now() < deadline && zmq::poll(&item, 1, 5s) > 0) {
    zmq::message_t reply;
    while (deaf_replies < 2000 && deaf.recv(reply, zmq::recv_flags::dontwait)) ++deaf_replies;
  }
  CHECK(deaf_replies == 2000);
}

TEST_CASE("A flood from one client leaves another client's replies prompt", "[e2e][ingest][load]") {
  Daemon d;
  REQUIRE(d.StartAndWaitReady());
  constexpr int kFlood = 20000;
  std::set<std::string> flood_ids;
  std::optional<AckClient> ack_flooder;
  std::optional<PushClient> push_flooder;

  SECTION("a push client") {
    push_flooder.emplace(d.context(), d.PushEndpoint());
    for (int i = 0; i < kFlood; ++i)
      push_flooder->Send(Json(ReportEvent("flood-" + std::to_string(i))));
  }
  SECTION("an ack client") {
    ack_flooder.emplace(d.context(), d.AckEndpoint());
    for (int i = 0; i < kFlood; ++i) {
      flood_ids.insert("flood-" + std::to_string(i));
      ack_flooder->Send(Json(ReportEvent("flood-" + std::to_string(i))));
    }
  }

  AckClient normal(d.context(), d.AckEndpoint());
  const auto start = Clock::now();
  for (int i = 0; i < 20; ++i) {
    INFO("event " << i);
    auto reply = normal.Request(Json(ReportEvent("normal-" + std::to_string(i))), 5s);
    REQUIRE(reply);
    // Shedding load is allowed (`overloaded`); silence is not.
    CHECK((ReplyKind(*reply) == "accepted" || ReplyKind(*reply) == "overloaded"));
  }
  const auto took = Clock::now() - start;
  INFO("20 replies took " << std::chrono::duration_cast<Ms>(took).count() << " ms");
  CHECK(took < 5s);

  if (ack_flooder) {
    // The flooder, too, gets exactly one reply per event: accepted or overloaded.
    const std::vector<std::string> replies = ack_flooder->ReceiveMany(kFlood, 60s);
    CHECK(replies.size() == kFlood);
    std::set<std::string> answered;
    for (const auto& r : replies) {
      const std::string kind = ReplyKind(r);
      CHECK((kind == "accepted" || kind == "overloaded"));
      answered.insert(ReplyId(r));
    }
    CHECK(answered == flood_ids);
  }
  CHECK(d.IsRunning());
}

TEST_CASE("A message far over the size limit is answered too_large and costs no other reply",
          "[e2e][ingest]") {
  // events.md: over the size limit → too_large; daemon.md: every request gets
  // exactly one reply. Here 2 MiB, over the connector's hard cap (4 × max_message,
  // at least 1 MiB) beyond which it currently drops the connection unanswered.
  Daemon d;
  REQUIRE(d.StartAndWaitReady());
  AckClient client(d.context(), d.AckEndpoint());
  std::set<std::string> sent;
  for (int i = 0; i < 50; ++i) {
    sent.insert("before-huge-" + std::to_string(i));
    client.Send(Json(ReportEvent("before-huge-" + std::to_string(i))));
  }
  boost::json::object huge = ReportEvent("huge-2mib");
  huge["attrs"] = {{"note", std::string(2 * 1024 * 1024, 'x')}};
  client.Send(Json(huge));

  std::set<std::string> answered;
  int too_large = 0;
  for (const auto& r : client.ReceiveMany(sent.size() + 1, 5s)) {
    if (ReplyKind(r) == "accepted") answered.insert(AcceptedId(r));
    if (ReplyKind(r) == "too_large") ++too_large;
  }
  CHECK(answered == sent);
  CHECK(too_large == 1);
  // The same client is served afterwards (over a new connection if it lost its own).
  auto later = client.Request(Json(ReportEvent("after-huge")));
  REQUIRE(later);
  CHECK(ReplyKind(*later) == "accepted");
  CHECK(d.IsRunning());
}

TEST_CASE("Events sent to the push endpoint raise alerts on the stream", "[e2e][ingest]") {
  Daemon d({{"main.yaml", kKillingRule}});
  REQUIRE(d.StartAndWaitReady());
  SubClient sub = d.Subscribe({"alert."});
  PushClient push(d.context(), d.PushEndpoint());

  push.Send("{not an event");  // no reply on push; it must not poison what follows
  push.Send(Json(ReportEvent("push-killing-1", "killing")));
  auto alert = sub.Receive(10s);
  REQUIRE(alert);
  CHECK(alert->topic == "alert.critical.MX-CHH");
  CHECK(Str(alert->alert, "rule") == "killing-reported");
  CHECK(Strings(alert->alert, "events") == std::vector<std::string>{"push-killing-1"});
}

}  // namespace vigia::e2e
