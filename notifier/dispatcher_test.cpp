// SPDX-License-Identifier: Apache-2.0
#include "notifier/dispatcher.h"

#include <poll.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

#include <catch2/catch.hpp>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include "notifier/testing/http_sink.h"
#include "notifier/testing/smtp_sink.h"
#include "notifier/testing/test_certs.h"

namespace vigia::notifier {
namespace {

using namespace std::chrono_literals;
using testing::HttpAnswer;
using testing::HttpRecord;
using testing::HttpSink;
using testing::SmtpSink;
using testing::SmtpSinkOptions;
using testing::TestCerts;
namespace fs = std::filesystem;

TimeUs WallNowUs() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

config::Receiver Webhook(std::string name, std::string url, DurationUs timeout = 5 * kSecond) {
  config::WebhookReceiver w;
  w.url = std::move(url);
  w.timeout = timeout;
  return {std::move(name), w, {}, {}};
}

config::Receiver Email(std::string name, config::EmailReceiver e) {
  return {std::move(name), e, {}, {}};
}

config::NotifierConfig ConfigOf(std::vector<config::Receiver> receivers) {
  config::NotifierConfig config;
  config.receivers = std::move(receivers);
  return config;
}

Delivery D(int64_t id, std::string receiver, std::string body = R"({"alert":"a-1"})") {
  return {id, std::move(receiver), "a-1/chihuahua/0/" + std::to_string(id), std::move(body), ""};
}

// Waits on wake_fd (as the daemon does) and collects outcomes.
class Outcomes {
 public:
  explicit Outcomes(Dispatcher& d) : d_(d) {}
  // Collects until `n` outcomes in all were seen or `timeout` passed.
  const std::vector<Outcome>& WaitFor(size_t n, std::chrono::milliseconds timeout = 10s) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (all_.size() < n) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) break;
      pollfd p{d_.wake_fd(), POLLIN, 0};
      if (poll(&p, 1, static_cast<int>(left.count())) > 0)
        for (Outcome& o : d_.TakeOutcomes()) all_.push_back(std::move(o));
    }
    return all_;
  }
  const Outcome& One(std::chrono::milliseconds timeout = 10s) {
    REQUIRE(WaitFor(all_.size() + 1, timeout).size() >= 1);
    return all_.back();
  }

 private:
  Dispatcher& d_;
  std::vector<Outcome> all_;
};

// Delivers `delivery` with a dispatcher that knows `receiver` alone and
// returns its outcome; fails the test when none comes within 10 s.
Outcome DeliverOne(config::Receiver receiver, Delivery delivery) {
  Dispatcher d(ConfigOf({std::move(receiver)}));
  d.Start();
  d.Submit(std::move(delivery));
  Outcomes outcomes(d);
  return outcomes.One();
}

bool Readable(int fd) {
  pollfd p{fd, POLLIN, 0};
  return poll(&p, 1, 0) == 1;
}

fs::path TempDir() {
  char pattern[] = "/tmp/vigia-dispatcher-test-XXXXXX";
  REQUIRE(mkdtemp(pattern) != nullptr);
  return pattern;
}

std::string Header(const std::string& message, const std::string& name) {
  const size_t at = message.find("\r\n" + name + ": ");
  if (at == std::string::npos) return "";
  const size_t start = at + name.size() + 4;
  return message.substr(start, message.find("\r\n", start) - start);
}

// ---- webhook ----

TEST_CASE("A webhook POST carries the body, the key, the configured headers and the type",
          "[notifier][dispatch][webhook]") {
  HttpSink sink;
  config::Receiver r = Webhook("chihuahua-state", sink.Url("/hook?x=1"));
  auto& w = std::get<config::WebhookReceiver>(r.kind);
  w.headers = {{"Authorization", "Bearer s3cr3t", true}, {"X-Region", "MX-CHH", false}};
  bool sms = false;
  SECTION("JSON") {}
  SECTION("SMS text") { sms = w.sms = true; }
  const std::string body = sms ? "CRITICAL MX-CHH: 3 amenazas" : R"({"alert":"a-1","tier":0})";
  const Outcome o = DeliverOne(r, D(7, "chihuahua-state", body));
  CHECK(o.id == 7);
  CHECK(o.receiver == "chihuahua-state");
  CHECK(o.ok);
  CHECK_FALSE(o.permanent);
  CHECK(o.detail == "HTTP 200");
  CHECK(std::abs(o.finished_at - WallNowUs()) < 10 * kSecond);

  const auto requests = sink.requests();
  REQUIRE(requests.size() == 1);
  const HttpRecord& req = requests[0];
  CHECK(req.method == "POST");
  CHECK(req.target == "/hook?x=1");
  CHECK(req.body == body);
  CHECK(req.Header("Content-Type") == (sms ? "text/plain; charset=utf-8" : "application/json"));
  CHECK(req.Header("Idempotency-Key") == "a-1/chihuahua/0/7");
  CHECK(req.Header("Authorization") == "Bearer s3cr3t");
  CHECK(req.Header("X-Region") == "MX-CHH");
  CHECK(req.Header("User-Agent") == "vigia");
  CHECK(req.Header("Host") == "127.0.0.1:" + std::to_string(sink.port()));
  CHECK(req.Header("Content-Length") == std::to_string(body.size()));
}

TEST_CASE("Configured headers cannot replace Idempotency-Key or Host; userinfo is Basic auth",
          "[notifier][dispatch][webhook]") {
  HttpSink sink;
  config::Receiver r =
      Webhook("hook", "http://us%65r:pa55@127.0.0.1:" + std::to_string(sink.port()));
  std::get<config::WebhookReceiver>(r.kind).headers = {{"Idempotency-Key", "mine", false},
                                                       {"Host", "elsewhere.example", false}};
  CHECK(DeliverOne(r, D(1, "hook")).ok);
  const auto requests = sink.requests();
  REQUIRE(requests.size() == 1);
  CHECK(requests[0].target == "/");
  CHECK(requests[0].Header("Idempotency-Key") == "a-1/chihuahua/0/1");
  CHECK(requests[0].Header("Authorization") == "Basic dXNlcjpwYTU1");  // user:pa55
  CHECK(requests[0].Header("Host") == "127.0.0.1:" + std::to_string(sink.port()));
}

TEST_CASE("Webhook answers: 2xx ok; 408, 429 and 5xx retryable; 3xx and other 4xx permanent",
          "[notifier][dispatch][webhook]") {
  HttpSink sink({[](const HttpRecord& r) { return HttpAnswer{std::stoi(r.target.substr(1))}; }});
  struct Case {
    int status;
    bool ok, permanent;
    std::string detail;
  };
  const std::vector<Case> cases = {
      {200, true, false, "HTTP 200"},
      {204, true, false, "HTTP 204"},
      {503, false, false, "HTTP 503"},
      {500, false, false, "HTTP 500"},
      {408, false, false, "HTTP 408"},
      {429, false, false, "HTTP 429"},
      {400, false, true, "HTTP 400"},
      {404, false, true, "HTTP 404"},
      {302, false, true, "HTTP 302 (redirects are not followed)"},
  };
  std::vector<config::Receiver> receivers;
  for (const Case& c : cases)
    receivers.push_back(
        Webhook("r" + std::to_string(c.status), sink.Url("/" + std::to_string(c.status))));
  Dispatcher d(ConfigOf(receivers));
  d.Start();
  for (size_t i = 0; i < cases.size(); ++i)
    d.Submit(D(static_cast<int64_t>(i), "r" + std::to_string(cases[i].status)));
  Outcomes outcomes(d);
  auto all = outcomes.WaitFor(cases.size());
  REQUIRE(all.size() == cases.size());
  std::sort(all.begin(), all.end(), [](const Outcome& a, const Outcome& b) { return a.id < b.id; });
  for (size_t i = 0; i < cases.size(); ++i) {
    INFO("status " << cases[i].status);
    CHECK(all[i].ok == cases[i].ok);
    CHECK(all[i].permanent == cases[i].permanent);
    CHECK(all[i].detail == cases[i].detail);
  }
  // The redirect was not followed: one request per delivery.
  CHECK(sink.requests().size() == cases.size());
}

TEST_CASE("An interim 100 Continue is skipped for the final answer",
          "[notifier][dispatch][webhook]") {
  HttpSink sink({[](const HttpRecord&) {
    HttpAnswer answer{503};
    answer.interim = true;
    return answer;
  }});
  CHECK(DeliverOne(Webhook("hook", sink.Url("/")), D(1, "hook")).detail == "HTTP 503");
}

TEST_CASE("A closed port is a retryable connect failure", "[notifier][dispatch][webhook]") {
  const uint16_t port = testing::ClosedPort();
  const Outcome o =
      DeliverOne(Webhook("down", "http://127.0.0.1:" + std::to_string(port) + "/"), D(1, "down"));
  CHECK_FALSE(o.ok);
  CHECK_FALSE(o.permanent);
  CHECK(o.detail == "connect: Connection refused");
}

TEST_CASE("A receiver that never answers times out while the others are delivered at once",
          "[notifier][dispatch][webhook][slow]") {
  HttpSink hanging({[](const HttpRecord&) { return HttpAnswer{200, true}; }});
  HttpSink healthy;
  Dispatcher d(
      ConfigOf({Webhook("slow", hanging.Url("/"), kSecond), Webhook("fast", healthy.Url("/"))}));
  d.Start();
  const TimeUs t0 = WallNowUs();
  for (int i = 0; i < 6; ++i) d.Submit(D(i, "slow"));
  for (int i = 100; i < 120; ++i) d.Submit(D(i, "fast"));

  Outcomes outcomes(d);
  auto fast_done = outcomes.WaitFor(20, 3s);
  std::vector<Outcome> fast;
  for (const Outcome& o : fast_done)
    if (o.receiver == "fast") fast.push_back(o);
  REQUIRE(fast.size() == 20);
  TimeUs fast_last = 0;
  for (const Outcome& o : fast) {
    CHECK(o.ok);
    fast_last = std::max(fast_last, o.finished_at - t0);
  }
  CHECK(fast_last < 500'000);  // none waited for the slow receiver
  // Meanwhile the slow one has 4 attempts open and 2 queued.
  CHECK(hanging.WaitForRequests(4, 2s));
  const auto pending = d.Pending();
  CHECK(std::find(pending.begin(), pending.end(), std::pair<std::string, size_t>{"slow", 6}) !=
        pending.end());
  CHECK(std::find(pending.begin(), pending.end(), std::pair<std::string, size_t>{"fast", 0}) !=
        pending.end());
  CHECK(hanging.requests().size() == 4);  // at most 4 in flight

  auto all = outcomes.WaitFor(26, 6s);
  std::vector<TimeUs> slow_times;
  for (const Outcome& o : all) {
    if (o.receiver != "slow") continue;
    CHECK_FALSE(o.ok);
    CHECK_FALSE(o.permanent);
    CHECK(o.detail == "timeout after 1s");
    slow_times.push_back(o.finished_at - t0);
  }
  REQUIRE(slow_times.size() == 6);
  std::sort(slow_times.begin(), slow_times.end());
  std::printf(
      "slow-receiver timing: fast receiver's 20 outcomes by %.3fs; slow receiver's 6 timeouts at",
      static_cast<double>(fast_last) / 1e6);
  for (TimeUs t : slow_times) std::printf(" %.3fs", static_cast<double>(t) / 1e6);
  std::printf("\n");
  for (size_t i = 0; i < 4; ++i) {
    CHECK(slow_times[i] >= 950'000);
    CHECK(slow_times[i] < 1'600'000);
  }
  for (size_t i = 4; i < 6; ++i) {
    CHECK(slow_times[i] >= 1'900'000);
    CHECK(slow_times[i] < 2'800'000);
  }
}

TEST_CASE("Alertmanager alerts go to {url}/api/v2/alerts whatever the base ends with",
          "[notifier][dispatch][alertmanager]") {
  HttpSink sink;
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"", "/api/v2/alerts"},
      {"/", "/api/v2/alerts"},
      {"/am", "/am/api/v2/alerts"},
      {"/am/", "/am/api/v2/alerts"},
  };
  std::vector<config::Receiver> receivers;
  for (size_t i = 0; i < cases.size(); ++i) {
    config::AlertmanagerReceiver a;
    a.url = sink.Url(cases[i].first);
    receivers.push_back({"am" + std::to_string(i), a, {}, {}});
  }
  Dispatcher d(ConfigOf(receivers));
  d.Start();
  for (size_t i = 0; i < cases.size(); ++i) {
    d.Submit(D(static_cast<int64_t>(i), "am" + std::to_string(i), R"([{"labels":{}}])"));
    Outcomes outcomes(d);
    CHECK(outcomes.One().ok);
    REQUIRE(sink.requests().size() == i + 1);
    const HttpRecord req = sink.requests()[i];
    CHECK(req.target == cases[i].second);
    CHECK(req.Header("Content-Type") == "application/json");
    CHECK(req.body == R"([{"labels":{}}])");
  }
}

// ---- HTTPS ----

TEST_CASE("HTTPS verifies the server against ca_file or the system trust store",
          "[notifier][dispatch][tls]") {
  const TestCerts& certs = TestCerts::Get();
  HttpSink sink({{}, true});
  SECTION("the receiver's CA: delivered, by IP address or by name") {
    const std::vector<std::string> hosts = {"127.0.0.1", "localhost"};
    std::vector<config::Receiver> receivers;
    for (const std::string& host : hosts) {
      receivers.push_back(Webhook(host, sink.Url("/hook", host)));
      std::get<config::WebhookReceiver>(receivers.back().kind).ca_file = certs.ca_file;
    }
    Dispatcher d(ConfigOf(receivers));
    d.Start();
    for (size_t i = 0; i < hosts.size(); ++i) {
      INFO(hosts[i]);
      d.Submit(D(static_cast<int64_t>(i), hosts[i]));
      Outcomes outcomes(d);
      const Outcome& o = outcomes.One();
      CHECK(o.ok);
      CHECK(o.detail == "HTTP 200");
      REQUIRE(sink.requests().size() == i + 1);
      CHECK(sink.requests()[i].Header("Host") == hosts[i] + ":" + std::to_string(sink.port()));
    }
  }
  SECTION("the system trust store does not know the test CA: a permanent failure") {
    const Outcome o = DeliverOne(Webhook("tls", sink.Url("/hook")), D(1, "tls"));
    CHECK_FALSE(o.ok);
    CHECK(o.permanent);
    CHECK(o.detail == "TLS: certificate verify failed");
    CHECK(sink.requests().empty());
  }
  SECTION("a plain http:// URL against a TLS server fails, retryably") {
    std::string url = sink.Url("/");
    url.replace(0, 5, "http");
    const Outcome o = DeliverOne(Webhook("tls", url), D(1, "tls"));
    CHECK_FALSE(o.ok);
    CHECK_FALSE(o.permanent);
  }
}

TEST_CASE("HTTPS to a server whose certificate names another host fails permanently",
          "[notifier][dispatch][tls]") {
  // The whole of 127/8 is loopback on Linux; the certificate names 127.0.0.1 only.
  std::unique_ptr<HttpSink> sink;
  try {
    sink = std::make_unique<HttpSink>(HttpSink::Options{{}, true, "127.0.0.2"});
  } catch (const std::exception& e) {
    WARN("cannot listen on 127.0.0.2, skipped: " << e.what());
    return;
  }
  config::Receiver r = Webhook("tls", sink->Url("/"));
  std::get<config::WebhookReceiver>(r.kind).ca_file = TestCerts::Get().ca_file;
  const Outcome o = DeliverOne(r, D(1, "tls"));
  CHECK_FALSE(o.ok);
  CHECK(o.permanent);
  CHECK(o.detail == "TLS: certificate verify failed");
}

// ---- email ----

config::EmailReceiver EmailTo(const SmtpSink& sink,
                              std::vector<std::string> to = {"guardia@example"}) {
  config::EmailReceiver e;
  e.smtp = sink.Url();
  e.from = "Vigia <vigia@example>";
  e.to = std::move(to);
  e.ca_file = TestCerts::Get().ca_file;
  e.timeout = 5 * kSecond;
  return e;
}

TEST_CASE("An email goes out over STARTTLS with AUTH PLAIN, its headers and dot-stuffed text",
          "[notifier][dispatch][smtp]") {
  SmtpSink sink;
  config::EmailReceiver e = EmailTo(sink, {"guardia@example", "Mecanismo <mecanismo@example>"});
  e.username = "vigia";
  e.password = "hunter2";
  const std::string text = "Alerta crítica en MX-CHH\n.line with a dot\n..two dots\n.\nend\n";
  Delivery delivery = D(3, "federal-mechanism", text);
  delivery.subject = "CRÍTICO: 3 amenazas contra periodistas";
  const Outcome o = DeliverOne(Email("federal-mechanism", e), delivery);
  CHECK(o.ok);
  CHECK(o.detail == "SMTP 250 2.0.0 ok: queued as 42");

  REQUIRE(sink.mails().size() == 1);
  const testing::SmtpMail mail = sink.mails()[0];
  CHECK(mail.tls);
  CHECK(mail.auth_user == "vigia");
  CHECK(mail.auth_password == "hunter2");
  CHECK(mail.auth_over_tls);
  CHECK(mail.mail_from == "vigia@example");
  CHECK(mail.mail_from_arg == "<vigia@example> BODY=8BITMIME");
  CHECK(mail.rcpt == std::vector<std::string>{"guardia@example", "mecanismo@example"});
  CHECK_FALSE(mail.helo.empty());

  const std::string& m = mail.message;
  CHECK(Header(m, "From").empty());  // the first header has no CRLF before it
  CHECK(m.rfind("From: Vigia <vigia@example>\r\n", 0) == 0);
  CHECK(Header(m, "To") == "guardia@example, Mecanismo <mecanismo@example>");
  CHECK(Header(m, "Subject") == "=?UTF-8?B?Q1LDjVRJQ086IDMgYW1lbmF6YXMgY29udHJhIHBlcmlvZGlzdGFz?=");
  CHECK(Header(m, "Message-ID") == "<a-1.chihuahua.0.3@vigia>");
  CHECK(Header(m, "MIME-Version") == "1.0");
  CHECK(Header(m, "Content-Type") == "text/plain; charset=utf-8");
  CHECK(Header(m, "Content-Transfer-Encoding") == "8bit");
  const std::string date = Header(m, "Date");
  CHECK(date.size() == 31);  // "Mon, 06 Mar 2017 09:00:02 +0000"
  CHECK(date.substr(date.size() - 6) == " +0000");
  const std::string body = m.substr(m.find("\r\n\r\n") + 4);
  CHECK(body == "Alerta crítica en MX-CHH\r\n.line with a dot\r\n..two dots\r\n.\r\nend\r\n");
  CHECK(mail.wire.find("\r\n..line with a dot\r\n...two dots\r\n..\r\nend\r\n") !=
        std::string::npos);

  // STARTTLS came before AUTH, and EHLO was sent again after it.
  const auto commands = sink.commands();
  std::vector<std::string> verbs;
  for (const std::string& c : commands) verbs.push_back(c.substr(0, c.find_first_of(" :")));
  CHECK(verbs == std::vector<std::string>{"EHLO", "STARTTLS", "EHLO", "AUTH", "MAIL", "RCPT",
                                          "RCPT", "DATA", "QUIT"});
}

TEST_CASE("STARTTLS: required, opportunistic and off against a server without it",
          "[notifier][dispatch][smtp]") {
  SmtpSink sink({.starttls = false});
  config::EmailReceiver e = EmailTo(sink);
  SECTION("required: not sent, retryable") {
    e.starttls = config::StartTls::kRequired;
    const Outcome o = DeliverOne(Email("mail", e), D(1, "mail"));
    CHECK_FALSE(o.ok);
    CHECK_FALSE(o.permanent);
    CHECK(o.detail == "SMTP: the server does not offer STARTTLS");
    CHECK(sink.mails().empty());
  }
  SECTION("opportunistic: sent in the clear") {
    e.starttls = config::StartTls::kOpportunistic;
    CHECK(DeliverOne(Email("mail", e), D(1, "mail", "hola")).ok);
    REQUIRE(sink.mails().size() == 1);
    CHECK_FALSE(sink.mails()[0].tls);
  }
  SECTION("opportunistic with a password: the password is not sent in the clear") {
    e.starttls = config::StartTls::kOpportunistic;
    e.username = "vigia";
    e.password = "hunter2";
    const Outcome o = DeliverOne(Email("mail", e), D(1, "mail"));
    CHECK_FALSE(o.ok);
    CHECK(o.detail == "SMTP: no TLS, so the password is not sent");
    for (const std::string& c : sink.commands()) CHECK(c.rfind("AUTH", 0) != 0);
  }
  SECTION("off with a password: AUTH in the clear, as configured") {
    e.starttls = config::StartTls::kOff;
    e.username = "vigia";
    e.password = "hunter2";
    CHECK(DeliverOne(Email("mail", e), D(1, "mail")).ok);
    REQUIRE(sink.mails().size() == 1);
    CHECK(sink.mails()[0].auth_password == "hunter2");
    CHECK_FALSE(sink.mails()[0].tls);
  }
}

TEST_CASE("SMTP refusals: 5xx permanent, 4xx retryable, one refused recipient of two",
          "[notifier][dispatch][smtp]") {
  SECTION("550 on the only RCPT") {
    SmtpSink sink({.refuse_rcpt = "guardia@example"});
    const Outcome o = DeliverOne(Email("mail", EmailTo(sink)), D(1, "mail"));
    CHECK_FALSE(o.ok);
    CHECK(o.permanent);
    CHECK(o.detail == "SMTP 550 5.1.1 <guardia@example>: no such user (RCPT TO)");
    CHECK(sink.mails().empty());
  }
  SECTION("450 on the only RCPT") {
    SmtpSink sink({.refuse_rcpt = "guardia@example", .refuse_code = 450});
    const Outcome o = DeliverOne(Email("mail", EmailTo(sink)), D(1, "mail"));
    CHECK_FALSE(o.ok);
    CHECK_FALSE(o.permanent);
    CHECK(o.detail.rfind("SMTP 450 ", 0) == 0);
  }
  SECTION("one of two refused: the other still gets it") {
    SmtpSink sink({.refuse_rcpt = "nadie@example"});
    const Outcome o = DeliverOne(Email("mail", EmailTo(sink, {"nadie@example", "guardia@example"})),
                                 D(1, "mail"));
    CHECK(o.ok);
    CHECK(o.detail ==
          "SMTP 250 2.0.0 ok: queued as 42; 1 of 2 recipients refused: SMTP 550 5.1.1 "
          "<nadie@example>: no such user (RCPT TO)");
    REQUIRE(sink.mails().size() == 1);
    CHECK(sink.mails()[0].rcpt == std::vector<std::string>{"guardia@example"});
  }
  SECTION("535 on AUTH: permanent, and the password is nowhere in the detail") {
    SmtpSink sink({.refuse_auth = true});
    config::EmailReceiver e = EmailTo(sink);
    e.username = "vigia";
    e.password = "hunter2";
    const Outcome o = DeliverOne(Email("mail", e), D(1, "mail"));
    CHECK_FALSE(o.ok);
    CHECK(o.permanent);
    CHECK(o.detail == "SMTP 535 5.7.8 authentication failed (AUTH)");
  }
}

TEST_CASE("smtps:// speaks TLS from the first byte", "[notifier][dispatch][smtp][tls]") {
  SmtpSink sink({.starttls = false, .implicit_tls = true});
  config::EmailReceiver e = EmailTo(sink);
  SECTION("with the test CA: sent") {
    CHECK(DeliverOne(Email("mail", e), D(1, "mail", "hola")).ok);
    REQUIRE(sink.mails().size() == 1);
    CHECK(sink.mails()[0].tls);
  }
  SECTION("with the system store: certificate verify failed") {
    e.ca_file.clear();
    const Outcome o = DeliverOne(Email("mail", e), D(1, "mail", "hola"));
    CHECK(o.permanent);
    CHECK(o.detail == "TLS: certificate verify failed");
  }
}

// ---- file, stream, unknown ----

TEST_CASE("A file receiver appends one line per delivery; file 0600, folders 0700",
          "[notifier][dispatch][file]") {
  const fs::path dir = TempDir();
  const fs::path path = dir / "var" / "alerts" / "alerts.jsonl";
  config::FileReceiver f;
  f.path = path;
  config::FileReceiver broken;
  broken.path = dir;  // a folder: cannot be opened for writing
  Dispatcher d(ConfigOf({{"archive", f, {}, {}}, {"broken", broken, {}, {}}}));
  d.Start();
  d.Submit(D(1, "archive", R"({"alert":"a-1"})"));
  d.Submit(D(2, "archive", R"({"alert":"a-2"})"));
  d.Submit(D(3, "archive", R"({"alert":"a-3"})"));
  d.Submit(D(4, "broken"));
  Outcomes outcomes(d);
  auto all = outcomes.WaitFor(4);
  REQUIRE(all.size() == 4);
  for (const Outcome& o : all) {
    INFO(o.receiver << " " << o.detail);
    CHECK(o.ok == (o.receiver == "archive"));
  }
  const auto broken_outcome =
      std::find_if(all.begin(), all.end(), [](const Outcome& o) { return o.id == 4; });
  CHECK(broken_outcome->detail == "file: open: Is a directory");
  CHECK_FALSE(broken_outcome->permanent);

  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  CHECK(text.str() == "{\"alert\":\"a-1\"}\n{\"alert\":\"a-2\"}\n{\"alert\":\"a-3\"}\n");
  struct stat st {};
  REQUIRE(stat(path.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  REQUIRE(stat((dir / "var").c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0700);
  REQUIRE(stat((dir / "var" / "alerts").c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0700);
  fs::remove_all(dir);
}

TEST_CASE("Stream and unknown receivers fail at once and permanently, even before Start",
          "[notifier][dispatch]") {
  Dispatcher d(ConfigOf({{"stream", config::StreamReceiver{}, {}, {}}}));
  CHECK_FALSE(Readable(d.wake_fd()));
  d.Submit(D(1, "stream"));
  d.Submit(D(2, "nobody"));
  CHECK(Readable(d.wake_fd()));
  const auto outcomes = d.TakeOutcomes();
  CHECK_FALSE(Readable(d.wake_fd()));
  REQUIRE(outcomes.size() == 2);
  CHECK(outcomes[0].id == 1);
  CHECK_FALSE(outcomes[0].ok);
  CHECK(outcomes[0].permanent);
  CHECK(outcomes[0].detail == "stream receivers are published by the daemon");
  CHECK(outcomes[1].id == 2);
  CHECK(outcomes[1].permanent);
  CHECK(outcomes[1].detail == "unknown receiver");
  CHECK(d.Pending().empty());  // streams are not the dispatcher's
}

TEST_CASE("A receiver with a bad URL fails every delivery without quoting the URL",
          "[notifier][dispatch]") {
  Dispatcher d(
      ConfigOf({Webhook("bad", "http://user:pw@host:99999/"), Webhook("ftp", "ftp://h/")}));
  d.Submit(D(1, "bad"));
  d.Submit(D(2, "ftp"));
  const auto outcomes = d.TakeOutcomes();
  REQUIRE(outcomes.size() == 2);
  CHECK(outcomes[0].permanent);
  CHECK(outcomes[0].detail == "bad port in URL");
  CHECK(outcomes[1].detail == "unsupported URL scheme");
}

// ---- lifecycle ----

TEST_CASE("Stop() with a hanging receiver returns within the grace period",
          "[notifier][dispatch][stop]") {
  HttpSink hanging({[](const HttpRecord&) { return HttpAnswer{200, true}; }});
  auto d =
      std::make_unique<Dispatcher>(ConfigOf({Webhook("slow", hanging.Url("/"), 30 * kSecond)}));
  d->Start();
  for (int i = 0; i < 6; ++i) d->Submit(D(i, "slow"));
  REQUIRE(hanging.WaitForRequests(4, 5s));
  const auto t0 = std::chrono::steady_clock::now();
  d->Stop(300 * 1000);
  const auto took = std::chrono::steady_clock::now() - t0;
  std::printf("Stop(300ms) with a hanging receiver took %.3fs\n",
              std::chrono::duration<double>(took).count());
  CHECK(took >= 290ms);
  CHECK(took < 1300ms);
  CHECK(d->TakeOutcomes().empty());  // cancelled: no outcome
  d->Submit(D(9, "slow"));           // after Stop: not accepted, no outcome
  CHECK(d->TakeOutcomes().empty());
  d->Stop(0);  // idempotent
  d.reset();
}

TEST_CASE("Stop() lets deliveries in flight and queued finish within the grace period",
          "[notifier][dispatch][stop]") {
  HttpSink sink({[](const HttpRecord&) { return HttpAnswer{200, false, 200ms}; }});
  Dispatcher d(ConfigOf({Webhook("hook", sink.Url("/"))}));
  d.Start();
  for (int i = 0; i < 6; ++i) d.Submit(D(i, "hook"));  // 4 now, 2 after them
  d.Stop(5 * kSecond);
  const auto outcomes = d.TakeOutcomes();
  CHECK(outcomes.size() == 6);
  for (const Outcome& o : outcomes) CHECK(o.ok);
}

TEST_CASE("A dispatcher never started is destroyed cleanly with deliveries queued",
          "[notifier][dispatch][stop]") {
  Dispatcher d(ConfigOf({Webhook("hook", "http://127.0.0.1:9/")}));
  d.Submit(D(1, "hook"));
  CHECK(d.Pending() == std::vector<std::pair<std::string, size_t>>{{"hook", 1}});
}

TEST_CASE("500 webhooks to two receivers get exactly one outcome each",
          "[notifier][dispatch][load]") {
  HttpSink a, b;
  Dispatcher d(ConfigOf({Webhook("a", a.Url("/")), Webhook("b", b.Url("/"))}));
  d.Start();
  for (int i = 0; i < 500; ++i) d.Submit(D(i, i % 2 ? "a" : "b"));
  Outcomes outcomes(d);
  const auto& all = outcomes.WaitFor(500, 30s);
  REQUIRE(all.size() == 500);
  std::set<int64_t> ids;
  for (const Outcome& o : all) {
    CHECK(o.ok);
    CHECK(o.receiver == (o.id % 2 ? "a" : "b"));
    ids.insert(o.id);
  }
  CHECK(ids.size() == 500);
  std::set<std::string> keys;
  for (const HttpSink* sink : {&a, &b})
    for (const HttpRecord& r : sink->requests()) keys.insert(r.Header("Idempotency-Key"));
  CHECK(keys.size() == 500);
  // None left behind, and nothing more arrives.
  std::this_thread::sleep_for(50ms);
  CHECK(d.TakeOutcomes().empty());
  for (const auto& [name, n] : d.Pending()) CHECK(n == 0);
}

TEST_CASE("Logs name the receiver and the detail, never bodies or secrets",
          "[notifier][dispatch][log]") {
  std::ostringstream log_text;
  auto previous = spdlog::default_logger();
  auto logger = std::make_shared<spdlog::logger>(
      "test", std::make_shared<spdlog::sinks::ostream_sink_mt>(log_text));
  logger->set_level(spdlog::level::debug);
  spdlog::set_default_logger(logger);
  {
    HttpSink sink({[](const HttpRecord&) { return HttpAnswer{503}; }});
    config::Receiver r =
        Webhook("hook", "http://user:pw-in-url@127.0.0.1:" + std::to_string(sink.port()) +
                            "/?token=q-secret");
    std::get<config::WebhookReceiver>(r.kind).headers = {
        {"Authorization", "Bearer hdr-secret", true}};
    SmtpSink smtp({.refuse_auth = true});
    config::EmailReceiver e = EmailTo(smtp);
    e.username = "vigia";
    e.password = "smtp-secret";
    Dispatcher d(ConfigOf({r, Email("mail", e)}));
    d.Start();
    d.Submit(D(1, "hook", "body-secret"));
    d.Submit(D(2, "mail", "mail-body-secret"));
    Outcomes outcomes(d);
    for (const Outcome& o : outcomes.WaitFor(2))
      for (const char* secret : {"secret", "pw-in-url", "user:"})
        CHECK(o.detail.find(secret) == std::string::npos);
  }
  spdlog::set_default_logger(previous);
  const std::string text = log_text.str();
  CHECK(text.find(
            "notifier.delivery_failed receiver=hook id=1 permanent=false detail=\"HTTP 503\"") !=
        std::string::npos);
  CHECK(text.find("receiver=mail") != std::string::npos);
  for (const char* secret : {"secret", "pw-in-url", "token="}) {
    INFO(secret);
    CHECK(text.find(secret) == std::string::npos);
  }
}

}  // namespace
}  // namespace vigia::notifier
