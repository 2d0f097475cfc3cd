// SPDX-License-Identifier: Apache-2.0
#include "daemon/http/server.h"

#include <catch2/catch.hpp>

#include <condition_variable>
#include <mutex>
#include <thread>

#include "daemon/http/server_test_util.h"

namespace vigia::daemon::http::testing {
namespace {

using V = bhttp::verb;

struct RouteCase {
  V method;
  const char* target;
  const char* body;
  Role need;
};

const RouteCase kApiRoutes[] = {
    {V::post, "/api/v1/events", "{}", Role::kIntegrator},
    {V::get, "/api/v1/alerts", "", Role::kViewer},
    {V::get, "/api/v1/alerts?status=firing", "", Role::kViewer},
    {V::get, "/api/v1/alerts/a-0000000000000000", "", Role::kViewer},
    {V::post, "/api/v1/alerts/a-0000000000000000/ack", R"({"by":"x"})", Role::kOperator},
    {V::post, "/api/v1/alerts/a-0000000000000000/resolve", R"({"by":"x"})", Role::kOperator},
    {V::get, "/api/v1/rules", "", Role::kViewer},
    {V::post, "/api/v1/rules/reload", "", Role::kAdmin},
    {V::get, "/api/v1/deadletters", "", Role::kOperator},
    {V::get, "/api/v1/stream", "", Role::kViewer},
    {V::get, "/api/v1/silences", "", Role::kOperator},
    {V::post, "/api/v1/silences", R"({"where":{"region":"MX-CHH"},"ends":"2099-01-01T00:00:00Z","by":"x"})",
     Role::kOperator},
    {V::delete_, "/api/v1/silences/s-0000000000000000", "", Role::kOperator},
};

std::string SecretFor(Role role) { return std::string(ToString(role)) + "-secret"; }

TEST_CASE("Every API route answers 401 without a valid token and 403 without the role", "[http][auth]") {
  TestDaemon d;
  for (const RouteCase& r : kApiRoutes) {
    INFO(bhttp::to_string(r.method) << " " << r.target);
    for (const std::string token : {"", "wrong-secret", "viewer-secre"}) {
      Reply reply = Client(d.port()).Call(r.method, r.target, token, r.body);
      CHECK(reply.status == 401);
      CHECK(reply.body == R"({"error":"unauthorized"})");
      CHECK(std::string(reply.headers[bhttp::field::www_authenticate]).rfind("Bearer", 0) == 0);
      CHECK(std::string(reply.headers[bhttp::field::content_type]) == "application/json");
    }
    for (Role role : {Role::kViewer, Role::kOperator, Role::kIntegrator}) {
      if (Grants(role, r.need)) continue;
      Reply reply = Client(d.port()).Call(r.method, r.target, SecretFor(role), r.body);
      CHECK(reply.status == 403);
      CHECK(reply.body.find("secret") == std::string::npos);  // never echoes the token
    }
  }
}

TEST_CASE("With no tokens file every API route answers 401", "[http][auth]") {
  TestDaemon d{TokenTable()};
  for (const RouteCase& r : kApiRoutes)
    CHECK(Client(d.port()).Call(r.method, r.target, "admin-secret", r.body).status == 401);
  CHECK(Get(d.port(), "/healthz").status == 200);
}

TEST_CASE("Health, metrics, unknown routes and wrong methods", "[http]") {
  TestDaemon d;
  Reply health = Get(d.port(), "/healthz");
  CHECK(health.status == 200);
  CHECK(health.body == R"({"status":"ok"})");
  CHECK(std::string(health.headers[bhttp::field::content_type]) == "application/json");

  Reply metrics = Get(d.port(), "/metrics");
  CHECK(metrics.status == 200);
  CHECK(std::string(metrics.headers[bhttp::field::content_type]) ==
        "text/plain; version=0.0.4; charset=utf-8");
  CHECK_THAT(metrics.body, Catch::Contains("vigia_events_accepted_total 0\n"));
  CHECK_THAT(metrics.body, Catch::Contains("vigia_http_responses_total{code=\"200\"}"));

  CHECK(Get(d.port(), "/nope").status == 404);
  CHECK(Get(d.port(), "/api/v1/alerts/x/y/z", "admin-secret").status == 404);
  Reply wrong = Post(d.port(), "/healthz", "", "");
  CHECK(wrong.status == 405);
  CHECK(std::string(wrong.headers[bhttp::field::allow]) == "GET");
  CHECK(Client(d.port()).Call(V::delete_, "/api/v1/events", "admin-secret").status == 405);
}

TEST_CASE("A posted event is accepted, an invalid one names the field", "[http][events]") {
  TestDaemon d;
  const std::string tdt = "integrator-secret";
  const std::string e1 = Report("e1");
  Reply ok = Post(d.port(), "/api/v1/events", tdt, e1);
  CHECK(ok.status == 200);
  CHECK(ok.body == R"({"accepted":"e1"})");
  CHECK(Post(d.port(), "/api/v1/events", tdt, e1).body == R"({"accepted":"e1","duplicate":true})");
  Reply conflict = Post(d.port(), "/api/v1/events", tdt, Report("e1", "MX-GRO"));
  CHECK(conflict.status == 409);
  CHECK(conflict.json().at("error").at("code") == "duplicate_conflict");

  Reply bad = Post(d.port(), "/api/v1/events", tdt,
                   R"({"id":"e2","type":"report","time":"23/03/2017","source":"red-tdt","region":"MX-CHH"})");
  CHECK(bad.status == 400);
  CHECK(bad.json().at("error").at("code") == "invalid_event");
  CHECK(bad.json().at("error").at("field") == "time");
  CHECK(bad.json().at("error").at("id") == "e2");

  Reply malformed = Post(d.port(), "/api/v1/events", tdt, R"({"id": )");
  CHECK(malformed.status == 400);
  CHECK(malformed.json().at("error").at("code") == "malformed_json");

  Reply source = Post(d.port(), "/api/v1/events", tdt, Report("e3", "MX-CHH", "someone-else"));
  CHECK(source.status == 403);
  CHECK(source.json().at("error").at("code") == "unauthorized");
  CHECK(source.json().at("error").at("field") == "source");
  Reply region = Post(d.port(), "/api/v1/events", tdt, Report("e4", "MX-OAX"));
  CHECK(region.status == 403);
  CHECK(region.json().at("error").at("field") == "region");
  // admin includes integrator and has no source limits.
  CHECK(Post(d.port(), "/api/v1/events", "admin-secret", Report("e5", "MX-OAX", "x")).status == 200);

  SECTION("rejected events are dead letters, visible to operators") {
    Reply letters = Get(d.port(), "/api/v1/deadletters", "operator-secret");
    REQUIRE(letters.status == 200);
    const boost::json::value json = letters.json();
    const auto& list = json.as_array();
    REQUIRE(list.size() == 5);  // newest first: region, source, malformed, time, conflict
    CHECK(list[0].at("reply").at("error").at("code") == "unauthorized");
    CHECK(list[3].at("reply").at("error").at("field") == "time");
    CHECK(list[4].at("reply").at("error").at("code") == "duplicate_conflict");
  }
  SECTION("a body over 1 MiB is refused with 413") {
    Reply big = Post(d.port(), "/api/v1/events", tdt, std::string((1 << 20) + 1, ' '));
    CHECK(big.status == 413);
  }
  SECTION("events are checked against reloaded catalogs") {
    Catalogs only_guerrero = Catalogs::Defaults();
    only_guerrero.regions = Catalog({{"MX-GRO", "Guerrero", false}});
    d.catalogs().store(std::make_shared<const Catalogs>(std::move(only_guerrero)));
    Reply r = Post(d.port(), "/api/v1/events", tdt, Report("e7"));
    CHECK(r.status == 400);
    CHECK(r.json().at("error").at("code") == "unknown_region");
    CHECK(Post(d.port(), "/api/v1/events", tdt, Report("e8", "MX-GRO")).status == 200);
  }
  SECTION("an event over the message limit is too_large (413)") {
    std::string huge = Report("e6");
    huge.insert(huge.size() - 1, R"(,"municipality":")" + std::string(70000, 'x') + "\"");
    Reply r = Post(d.port(), "/api/v1/events", tdt, huge);
    CHECK(r.status == 413);
    CHECK(r.json().at("error").at("code") == "too_large");
  }
}

TEST_CASE("An array of events gets an array of replies in order", "[http][events]") {
  TestDaemon d;
  const std::string tdt = "integrator-secret";
  Reply r = Post(d.port(), "/api/v1/events", tdt,
                 "[" + Report("b1") + ", {\"id\":\"b2\"}, " + Report("b3", "MX-OAX") + "," +
                     Report("b4", "MX-GRO") + "]");
  CHECK(r.status == 200);
  const boost::json::value json = r.json();
  const auto& replies = json.as_array();
  REQUIRE(replies.size() == 4);
  CHECK(replies[0] == boost::json::parse(R"({"accepted":"b1"})"));
  CHECK(replies[1].at("error").at("code") == "invalid_event");
  CHECK(replies[2].at("error").at("code") == "unauthorized");
  CHECK(replies[3] == boost::json::parse(R"({"accepted":"b4"})"));

  CHECK(Post(d.port(), "/api/v1/events", tdt, "[]").body == "[]");
  Reply broken = Post(d.port(), "/api/v1/events", tdt, "[" + Report("b5") + ",");
  CHECK(broken.status == 400);
  CHECK(broken.json().at("error").at("code") == "malformed_json");
  CHECK_THAT(Get(d.port(), "/metrics").body, Catch::Contains("vigia_events_accepted_total 2\n"));
}

TEST_CASE("An alert can be listed, read, acknowledged and resolved once", "[http][alerts]") {
  TestDaemon d;
  REQUIRE(Post(d.port(), "/api/v1/events", "integrator-secret", Report("t1")).status == 200);
  Reply list = Get(d.port(), "/api/v1/alerts", "viewer-secret");
  REQUIRE(list.status == 200);
  REQUIRE(list.json().as_array().size() == 1);
  const boost::json::value alert = list.json().as_array()[0];
  CHECK(alert.at("rule") == "any-threat");
  CHECK(alert.at("status") == "firing");
  const std::string id(alert.at("alert").as_string());

  auto count = [&](const std::string& query) {
    Reply r = Get(d.port(), "/api/v1/alerts?" + query, "viewer-secret");
    REQUIRE(r.status == 200);
    return r.json().as_array().size();
  };
  CHECK(count("status=firing&region=MX-CHH&level=warning") == 1);
  CHECK(count("region=MX-GRO") == 0);
  CHECK(count("status=&region=") == 1);
  CHECK(count("since=2000-01-01T00%3A00%3A00Z") == 1);
  CHECK(Get(d.port(), "/api/v1/alerts?colour=red", "viewer-secret").status == 400);
  CHECK(Get(d.port(), "/api/v1/alerts?since=yesterday", "viewer-secret").status == 400);

  Reply detail = Get(d.port(), "/api/v1/alerts/" + id, "viewer-secret");
  CHECK(detail.status == 200);
  CHECK(detail.json().at("alert") == id.c_str());
  CHECK(detail.json().at("history").as_array().size() == 1);
  CHECK(Get(d.port(), "/api/v1/alerts/a-nope", "viewer-secret").status == 404);

  const std::string ops = "operator-secret";
  CHECK(Post(d.port(), "/api/v1/alerts/" + id + "/ack", ops, "").status == 400);
  CHECK(Post(d.port(), "/api/v1/alerts/" + id + "/ack", ops, R"({"by":"ana","x":1})").status == 400);
  Reply ack = Post(d.port(), "/api/v1/alerts/" + id + "/ack", ops, R"({"by":"ana","note":"on it"})");
  CHECK(ack.status == 200);
  CHECK(ack.json().at("status") == "acknowledged");
  Reply resolve = Post(d.port(), "/api/v1/alerts/" + id + "/resolve", ops, R"({"by":"ana"})");
  CHECK(resolve.status == 200);
  CHECK(resolve.json().at("status") == "resolved");
  CHECK(Post(d.port(), "/api/v1/alerts/" + id + "/resolve", ops, R"({"by":"ana"})").status == 409);
  CHECK(Post(d.port(), "/api/v1/alerts/a-nope/ack", ops, R"({"by":"ana"})").status == 404);
}

const char* kStreamRequest =
    "GET /api/v1/stream HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer viewer-secret\r\n\r\n";

TEST_CASE("The stream delivers alerts and updates raised after it was opened", "[http][sse]") {
  TestDaemon d;
  Client stream(d.port());
  stream.WriteRaw(kStreamRequest);
  REQUIRE(stream.ReadUntil(": connected\n\n"));
  CHECK_THAT(stream.raw(), Catch::StartsWith("HTTP/1.1 200 OK\r\n"));
  CHECK_THAT(stream.raw(), Catch::Contains("Content-Type: text/event-stream\r\n"));
  CHECK_THAT(stream.raw(), Catch::Contains("Transfer-Encoding: chunked\r\n"));

  REQUIRE(Post(d.port(), "/api/v1/events", "integrator-secret", Report("s1")).status == 200);
  REQUIRE(stream.ReadUntil("\"rule\":\"any-threat\""));
  CHECK_THAT(stream.raw(), Catch::Contains("event: alert\ndata: {\"alert\":\"a-"));

  const boost::json::value alerts = Get(d.port(), "/api/v1/alerts", "viewer-secret").json();
  const std::string id(alerts.as_array().at(0).at("alert").as_string());
  REQUIRE(Post(d.port(), "/api/v1/alerts/" + id + "/ack", "operator-secret", R"({"by":"ana"})").status == 200);
  REQUIRE(stream.ReadUntil("\"status\":\"acknowledged\""));
  CHECK_THAT(stream.raw(), Catch::Contains("event: update\ndata: {"));
  CHECK_THAT(Get(d.port(), "/metrics").body, Catch::Contains("vigia_http_stream_clients 1\n"));
}

TEST_CASE("A stream client that stops reading is dropped without holding up the others",
          "[http][sse]") {
  TestDaemon d;
  Client slow(d.port(), 4096);  // a small receive window: its backlog grows on the server
  slow.WriteRaw(kStreamRequest);
  REQUIRE(slow.ReadUntil(": connected\n\n"));
  Client fast(d.port());
  fast.WriteRaw(kStreamRequest);
  REQUIRE(fast.ReadUntil(": connected\n\n"));

  // About 8,000 alerts of some 450 bytes: well over the 1 MiB backlog bound for
  // the slow client. Batches of 1,000 (under the bound), each read by the fast
  // client before the next is sent, so that a busy machine cannot make the
  // fast client fall behind too.
  constexpr int kBatches = 8, kPerBatch = 1000;
  std::atomic<int> seen{0};
  std::thread reader([&] {
    size_t scanned = 0;
    int count = 0;
    while (count < kBatches * kPerBatch && fast.ReadMore()) {
      const std::string& raw = fast.raw();
      for (size_t at = raw.find("event: alert", scanned); at != std::string::npos;
           at = raw.find("event: alert", at + 1))
        ++count;
      scanned = raw.size() >= 11 ? raw.size() - 11 : 0;  // an event split across reads
      seen = count;
    }
  });
  for (int b = 0; b < kBatches; ++b) {
    std::string body = "[";
    for (int i = 0; i < kPerBatch; ++i)
      body += (i ? "," : "") + Report("d" + std::to_string(b) + "-" + std::to_string(i));
    Reply r = Post(d.port(), "/api/v1/events", "integrator-secret", body + "]");
    REQUIRE(r.status == 200);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (seen < (b + 1) * kPerBatch && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  reader.join();
  CHECK(seen == kBatches * kPerBatch);
  const std::string metrics = Get(d.port(), "/metrics").body;
  CHECK_THAT(metrics, Catch::Contains("vigia_http_stream_dropped_total 1\n"));
  CHECK_THAT(metrics, Catch::Contains("vigia_http_stream_clients 1\n"));
}

TEST_CASE("Rules are listed for viewers and reloaded by admins", "[http][rules]") {
  int reloads = 0;
  std::string result = R"({"ok":true,"rules":1})";
  TestDaemon d{TestTokens(), [&] { ++reloads; return result; }};
  Reply rules = Get(d.port(), "/api/v1/rules", "viewer-secret");
  REQUIRE(rules.status == 200);
  CHECK(rules.json().as_array().at(0).at("id") == "any-threat");

  Reply ok = Post(d.port(), "/api/v1/rules/reload", "admin-secret", "");
  CHECK(ok.status == 200);
  CHECK(ok.body == result);
  result = R"({"ok":false,"diagnostics":"r.yaml:1:1: error[E001]: invalid YAML"})";
  Reply refused = Post(d.port(), "/api/v1/rules/reload", "admin-secret", "");
  CHECK(refused.status == 422);
  CHECK(refused.json().at("diagnostics") == "r.yaml:1:1: error[E001]: invalid YAML");
  CHECK(reloads == 2);
}

// A reload callback that blocks until Release() (or 5 s), as a reload of
// many rules takes a while. Release() before the TestDaemon is destroyed.
class BlockingReload {
 public:
  HttpServer::ReloadFn Fn() {
    return [this] {
      std::unique_lock lock(mu_);
      ++started_;
      cv_.notify_all();
      cv_.wait_for(lock, std::chrono::seconds(5), [this] { return released_; });
      ++returned_;
      return std::string(R"({"ok":true,"rules":7})");
    };
  }
  // True once `n` reloads have started (false after 5 s).
  bool WaitStarted(int n) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, std::chrono::seconds(5), [&] { return started_ >= n; });
  }
  void Release() {
    std::lock_guard lock(mu_);
    released_ = true;
    cv_.notify_all();
  }
  int started() {
    std::lock_guard lock(mu_);
    return started_;
  }
  int returned() {
    std::lock_guard lock(mu_);
    return returned_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  int started_ = 0, returned_ = 0;
  bool released_ = false;
};

// Sends a request on `c` without reading the answer.
void Send(Client& c, V method, const std::string& target, const std::string& token) {
  bhttp::request<bhttp::string_body> req{method, target, 11};
  req.set(bhttp::field::host, "127.0.0.1");
  req.set(bhttp::field::authorization, "Bearer " + token);
  req.prepare_payload();
  bhttp::write(c.socket(), req);
}

TEST_CASE("Other requests are answered while a reload runs", "[http][rules]") {
  BlockingReload reload;
  TestDaemon d{TestTokens(), reload.Fn()};
  struct ReleaseAtEnd {
    BlockingReload& r;
    ~ReleaseAtEnd() { r.Release(); }
  } release_at_end{reload};

  Client reloader(d.port());
  Send(reloader, V::post, "/api/v1/rules/reload", "admin-secret");
  REQUIRE(reload.WaitStarted(1));
  // A second reload waits for the first (reloads are serialised).
  Client second(d.port());
  Send(second, V::post, "/api/v1/rules/reload", "admin-secret");

  // Served meanwhile: a server thread busy with the reload would answer them
  // only once it returned (after 5 s), and the checks of `returned` would fail.
  Client other(d.port());
  CHECK(other.Call(V::get, "/healthz").status == 200);
  CHECK(other.Call(V::get, "/api/v1/alerts", "viewer-secret").status == 200);
  const std::string event = Report("during-reload");
  CHECK(other.Call(V::post, "/api/v1/events", "integrator-secret", event).status == 200);
  CHECK(other.Call(V::get, "/api/v1/rules", "viewer-secret").status == 200);
  CHECK(reload.returned() == 0);
  CHECK(reload.started() == 1);

  reload.Release();
  Reply first = reloader.Read();
  CHECK(first.status == 200);
  CHECK(first.body == R"({"ok":true,"rules":7})");
  Reply next = second.Read();
  CHECK(next.status == 200);
  CHECK(reload.returned() == 2);
  // The connection stays usable after the deferred answer.
  CHECK(reloader.Call(V::get, "/healthz").status == 200);
}

TEST_CASE("Stopping the server during a reload waits for the reload", "[http][rules]") {
  BlockingReload reload;
  TestDaemon d{TestTokens(), reload.Fn()};
  Client reloader(d.port());
  Send(reloader, V::post, "/api/v1/rules/reload", "admin-secret");
  REQUIRE(reload.WaitStarted(1));
  std::thread releaser([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    reload.Release();
  });
  const auto took = d.Stop();
  releaser.join();
  CHECK(took >= std::chrono::milliseconds(250));
  CHECK(reload.returned() == 1);
  // The connection was closed at shutdown, without an answer.
  CHECK_THROWS(reloader.Read());
}

TEST_CASE("Connections are kept alive and limits are enforced", "[http]") {
  TestDaemon d;
  Client c(d.port());
  CHECK(c.Call(V::get, "/healthz").status == 200);
  CHECK(c.Call(V::get, "/api/v1/rules", "viewer-secret").status == 200);
  CHECK(c.Call(V::get, "/healthz").status == 200);

  SECTION("a header over 8 KiB is 431") {
    Client big(d.port());
    big.WriteRaw("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Pad: " + std::string(9000, 'a') + "\r\n\r\n");
    CHECK(big.Read().status == 431);
  }
  SECTION("a request target over 4 KiB is 414") {
    CHECK(Get(d.port(), "/api/v1/alerts?region=" + std::string(5000, 'x'), "viewer-secret").status == 414);
  }
  SECTION("a small route refuses a large body") {
    // The server answers at the header and discards the body, so the client can finish sending.
    CHECK(Post(d.port(), "/api/v1/alerts/a-1/ack", "operator-secret", std::string(900000, ' ')).status == 413);
  }
  SECTION("a client that expects 100-continue gets it before sending the body") {
    Client c2(d.port());
    const std::string event = Report("x1");
    c2.WriteRaw("POST /api/v1/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer integrator-secret\r\n"
                "Expect: 100-continue\r\nContent-Length: " + std::to_string(event.size()) + "\r\n\r\n");
    REQUIRE(c2.ReadUntil("HTTP/1.1 100 Continue\r\n\r\n"));
    c2.WriteRaw(event);
    REQUIRE(c2.ReadUntil("{\"accepted\":\"x1\"}"));
  }
  SECTION("tokens can be replaced while running") {
    d.server().SetTokens(TokenTable());
    for (int i = 0; i < 100 && Get(d.port(), "/api/v1/rules", "viewer-secret").status == 200; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    CHECK(Get(d.port(), "/api/v1/rules", "viewer-secret").status == 401);
  }
  SECTION("the server stops soon after being asked, even with an open stream") {
    Client stream(d.port());
    stream.WriteRaw(kStreamRequest);
    REQUIRE(stream.ReadUntil(": connected\n\n"));
    CHECK(d.Stop() < std::chrono::milliseconds(500));
  }
}

// Sends `text` one byte every `pause` until the server closes the connection;
// returns how long the server took.
std::chrono::steady_clock::duration Trickle(Client& c, const std::string& text,
                                            std::chrono::milliseconds pause) {
  const auto start = std::chrono::steady_clock::now();
  for (size_t i = 0;; i = (i + 1) % text.size()) {
    beast::error_code ec;
    net::write(c.socket(), net::buffer(&text[i], 1), ec);
    if (ec) break;
    // Has the server closed? (A closed socket reads EOF at once.)
    c.socket().non_blocking(true);
    char byte;
    c.socket().read_some(net::buffer(&byte, 1), ec);
    c.socket().non_blocking(false);
    if (ec && ec != net::error::would_block) break;
    if (std::chrono::steady_clock::now() - start > std::chrono::seconds(30)) break;
    std::this_thread::sleep_for(pause);
  }
  return std::chrono::steady_clock::now() - start;
}

TEST_CASE("A client trickling its request is cut at the read deadline (slowloris)", "[http]") {
  TestDaemon d{TestTokens(), {}, {}, {{}, std::chrono::milliseconds(800)}};
  SECTION("the header") {
    Client slow(d.port());
    const auto took = Trickle(slow, "GET /healthz HTTP/1.1\r\nX-Slow: " + std::string(100, 'a'),
                              std::chrono::milliseconds(50));
    CHECK(took > std::chrono::milliseconds(700));
    CHECK(took < std::chrono::milliseconds(2500));
  }
  SECTION("the body") {
    Client slow(d.port());
    slow.WriteRaw("POST /api/v1/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer integrator-secret\r\n"
                  "Content-Length: 100000\r\n\r\n");
    const auto took = Trickle(slow, std::string(100, ' '), std::chrono::milliseconds(50));
    CHECK(took < std::chrono::milliseconds(2500));
  }
}

// Hidden (takes 10 s): run with `http_test "[slow]"`.
TEST_CASE("A client sending its header one byte a second is cut after 10 s", "[http][.][slow]") {
  TestDaemon d;
  Client slow(d.port());
  const auto took = Trickle(slow, "GET /healthz HTTP/1.1\r\nX-Slow: " + std::string(100, 'a'),
                            std::chrono::milliseconds(1000));
  CHECK(took > std::chrono::seconds(9));
  CHECK(took < std::chrono::seconds(13));
}

// Hidden (takes 10 s): run with `http_test "[slow]"`.
TEST_CASE("A client that stops sending mid-request is disconnected after 10 s", "[http][.][slow]") {
  TestDaemon d;
  Client idle(d.port());
  idle.WriteRaw("GET /healthz HTTP/1.1\r\nHost: x\r\n");  // the header never ends
  const auto start = std::chrono::steady_clock::now();
  beast::error_code ec;
  char byte;
  idle.socket().read_some(net::buffer(&byte, 1), ec);
  const auto took = std::chrono::steady_clock::now() - start;
  CHECK(ec == net::error::eof);
  CHECK(took > std::chrono::seconds(9));
  CHECK(took < std::chrono::seconds(12));
}

}  // namespace
}  // namespace vigia::daemon::http::testing
