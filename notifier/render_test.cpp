// SPDX-License-Identifier: Apache-2.0
#include "notifier/render.h"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <catch2/catch.hpp>
#include <cstdint>
#include <string>
#include <vector>

#include "notifier/detail/text.h"

namespace vigia::notifier {
namespace {

constexpr char kAlert[] = R"({"alert":"a-5d41402abc4b2a76","rule":"journalist-threat-cluster",
  "level":"critical","status":"firing","key":{"region":"MX-CHH"},"region":"MX-CHH",
  "groups":["journalist"],"subject":"p-123","time":"2017-03-06T09:00:00Z",
  "first_time":"2017-03-01T10:00:00Z","events":["e1","e2","e3"],"count":3,
  "summary":"3 threats against journalists in MX-CHH within 7 days",
  "fired_at":"2017-03-06T09:00:02Z","variant":"override-1","rule_version":"3f9a1c0b",
  "escalations":[{"policy":"chihuahua","tier":0,"next_at":"2017-03-06T09:30:02Z"}],
  "silenced":false,
  "history":[{"at":"2017-03-06T09:00:02Z","change":"fired","by":"vigia","note":"internal"}]})";

boost::json::object Parse(std::string_view json) { return boost::json::parse(json).as_object(); }
boost::json::object ExampleAlert() { return Parse(kAlert); }

TimeZone MexicoCity() {
  auto tz = TimeZone::Load("America/Mexico_City");
  REQUIRE(tz);
  return *tz;
}

Notice Firing(int tier = 1, int repeat = 0) {
  Notice n;
  n.policy = "chihuahua";
  n.tier = tier;
  n.repeat = repeat;
  return n;
}

Notice Resolved(std::string reason = "operator", std::string note = "") {
  Notice n;
  n.kind = Notice::Kind::kResolved;
  n.policy = "chihuahua";
  n.tier = 1;
  n.reason = std::move(reason);
  n.by = "maria";
  n.note = std::move(note);
  return n;
}

std::vector<std::string> Keys(const boost::json::object& o) {
  std::vector<std::string> keys;
  for (const auto& kv : o) keys.emplace_back(kv.key());
  return keys;
}

// Strict UTF-8 check, written independently of the code under test.
bool ValidUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
    if (n == 0 || i + n > s.size()) return false;
    uint32_t cp = n == 1 ? c : c & (0x7F >> n);
    for (size_t k = 1; k < n; ++k) {
      const auto b = static_cast<unsigned char>(s[i + k]);
      if ((b & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (b & 0x3F);
    }
    const uint32_t min[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < min[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += n;
  }
  return true;
}

size_t CodePointCount(std::string_view s) {
  size_t n = 0;
  for (char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

std::string Repeat(std::string_view s, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += s;
  return out;
}

std::optional<TimeUs> At(std::string_view rfc3339) { return ParseRfc3339(rfc3339); }

// ---------------------------------------------------------------- detail/text

TEST_CASE("OneLine makes any bytes valid UTF-8 on one line", "[notifier][render][text]") {
  using detail::OneLine;
  CHECK(OneLine("Ñandú 🙂 €") == "Ñandú 🙂 €");
  CHECK(OneLine("a\r\nb\tc\x7F"
                "d") == "a  b c d");
  CHECK(OneLine("\xC2\x85 \xE2\x80\xA8 \xE2\x80\xA9") == "     ");  // NEL, LS, PS
  const std::string fffd = "\xEF\xBF\xBD";
  CHECK(OneLine("\xC0\xAF") == fffd + fffd);                        // overlong '/'
  CHECK(OneLine("\xED\xA0\x80") == fffd + fffd + fffd);             // a surrogate
  CHECK(OneLine("\xF4\x90\x80\x80") == fffd + fffd + fffd + fffd);  // above U+10FFFF
  CHECK(OneLine("ok\xE2\x82") == "ok" + fffd + fffd);               // cut off at the end
  CHECK(OneLine("") == "");
}

TEST_CASE("truncation counts code points and keeps characters whole", "[notifier][render][text]") {
  CHECK(detail::CodePoints("Ñ🙂a") == 3);
  CHECK(detail::FirstCodePoints("Ñ🙂a", 2) == "Ñ🙂");
  CHECK(detail::FirstCodePoints("Ñ🙂a", 9) == "Ñ🙂a");
  CHECK(detail::FirstCodePoints("Ñ🙂a", 0) == "");
  CHECK(detail::Truncate("Ñ🙂a", 3) == "Ñ🙂a");
  CHECK(detail::Truncate("Ñ🙂a", 2) == "Ñ…");
  CHECK(detail::Truncate("ab cd", 4) == "ab…");  // no space before the ellipsis
  CHECK(detail::Truncate("abc", 1) == "…");
}

// ---------------------------------------------------------------- TimeZone

TEST_CASE("times render in the configured zone with its abbreviation", "[notifier][render][tz]") {
  const TimeZone tz = MexicoCity();
  CHECK(tz.name() == "America/Mexico_City");
  CHECK(tz.Format(*At("2017-03-06T09:00:02Z")) == "2017-03-06 03:00 CST");
  SECTION("summer 2017 was daylight time") {
    CHECK(tz.Format(*At("2017-07-01T12:00:00Z")) == "2017-07-01 07:00 CDT");
    // The switch, 2017-04-02 02:00 CST.
    CHECK(tz.Format(*At("2017-04-02T07:59:59Z")) == "2017-04-02 01:59 CST");
    CHECK(tz.Format(*At("2017-04-02T08:00:00Z")) == "2017-04-02 03:00 CDT");
  }
  SECTION("Mexico abolished daylight time in October 2022") {
    CHECK(tz.Format(*At("2022-07-01T12:00:00Z")) == "2022-07-01 07:00 CDT");
    CHECK(tz.Format(*At("2024-07-01T12:00:00Z")) == "2024-07-01 06:00 CST");
  }
  SECTION("another zone with daylight time") {
    auto ny = TimeZone::Load("America/New_York");
    REQUIRE(ny);
    CHECK(ny->Format(*At("2024-07-01T12:00:00Z")) == "2024-07-01 08:00 EDT");
    CHECK(ny->Format(*At("2024-12-01T12:00:00Z")) == "2024-12-01 07:00 EST");
  }
  SECTION("across midnight and the year, seconds dropped") {
    CHECK(tz.Format(*At("2017-01-01T05:59:59.999Z")) == "2016-12-31 23:59 CST");
  }
}

TEST_CASE("unknown zones are not loaded", "[notifier][render][tz]") {
  CHECK_FALSE(TimeZone::Load("America/Chihuahua_City"));
  CHECK_FALSE(TimeZone::Load(""));
  CHECK_FALSE(TimeZone::Load("../../../etc/passwd"));
  CHECK_FALSE(TimeZone::Load("/usr/share/zoneinfo/UTC"));
  CHECK_FALSE(TimeZone::Load("america/mexico_city"));
}

TEST_CASE("UTC and the default zone render UTC", "[notifier][render][tz]") {
  auto utc = TimeZone::Load("UTC");
  REQUIRE(utc);
  CHECK(utc->Format(*At("2017-03-06T09:00:02Z")) == "2017-03-06 09:00 UTC");
  const TimeZone none;
  CHECK(none.Format(*At("2017-03-06T09:00:02Z")) == "2017-03-06 09:00 UTC");
  CHECK(none.Format(-1) == "1969-12-31 23:59 UTC");  // floored, not truncated toward 0
  CHECK(none.Format(0) == "1970-01-01 00:00 UTC");
}

// ---------------------------------------------------------------- Redact

TEST_CASE("redaction keeps the listed fields, the id and the status, in order",
          "[notifier][render][redact]") {
  const auto alert = ExampleAlert();
  SECTION("listed fields") {
    auto kept = Redact(alert, {"summary", "region", "level", "no_such_field"});
    CHECK(Keys(kept) == std::vector<std::string>{"alert", "level", "status", "region", "summary"});
    CHECK(kept.at("region") == "MX-CHH");
  }
  SECTION("no fields: all of it but the history") {
    auto kept = Redact(alert, {});
    CHECK(kept.size() == alert.size() - 1);
    CHECK_FALSE(kept.contains("history"));
    CHECK(Keys(kept).front() == "alert");
    CHECK(Keys(kept).back() == "silenced");
  }
  SECTION("the history is never sent, even when listed") {
    CHECK_FALSE(Redact(alert, {"history", "rule"}).contains("history"));
  }
  SECTION("the key loses entries of fields that are not kept") {
    auto keyed = Parse(R"({"alert":"a-1","status":"firing","key":{"subject":"p-9","region":"MX-GRO",
                           "groups":"x","municipality":"Iguala"}})");
    CHECK(boost::json::serialize(Redact(keyed, {"key"}).at("key")) ==
          R"({"municipality":"Iguala"})");
    CHECK(boost::json::serialize(Redact(keyed, {"key", "subject", "region", "groups"}).at("key")) ==
          R"({"subject":"p-9","region":"MX-GRO","groups":"x","municipality":"Iguala"})");
    CHECK(Redact(keyed, {}).at("key").as_object().size() == 4);
  }
  SECTION("an alert without id or status") {
    CHECK(Redact(Parse(R"({"rule":"r"})"), {"level"}).empty());
  }
}

// ---------------------------------------------------------------- Webhook

TEST_CASE("a firing webhook is the alert plus tier and policy", "[notifier][render][webhook]") {
  const auto alert = ExampleAlert();
  SECTION("whole alert") {
    auto body = Parse(WebhookBody(alert, {}, Firing(0)));
    auto expected = alert;
    expected.erase("history");
    expected["tier"] = 0;
    expected["policy"] = "chihuahua";
    CHECK(boost::json::serialize(body) == boost::json::serialize(expected));
    CHECK_FALSE(body.contains("repeat"));
  }
  SECTION("redacted, a repeat") {
    CHECK(WebhookBody(alert, {"rule", "level", "summary"}, Firing(2, 3)) ==
          R"({"alert":"a-5d41402abc4b2a76","rule":"journalist-threat-cluster","level":"critical",)"
          R"("status":"firing","summary":"3 threats against journalists in MX-CHH within 7 days",)"
          R"("tier":2,"policy":"chihuahua","repeat":3})");
  }
}

TEST_CASE("a resolution webhook says resolved, why, and by whom", "[notifier][render][webhook]") {
  auto alert = ExampleAlert();
  alert["resolution"] = Parse(R"({"reason":"expected_event_arrived","event":"e9"})");
  SECTION("with a note") {
    CHECK(WebhookBody(alert, {"rule"}, Resolved("operator", "false alarm")) ==
          R"({"alert":"a-5d41402abc4b2a76","rule":"journalist-threat-cluster","status":"resolved",)"
          R"("tier":1,"policy":"chihuahua",)"
          R"("resolution":{"reason":"operator","by":"maria","note":"false alarm"}})");
  }
  SECTION("a retraction, without a note") {
    Notice n = Resolved("expected_event_arrived");
    n.by = "vigia";
    n.repeat = 4;  // not a repeat of anything: ignored
    auto body = Parse(WebhookBody(alert, {}, n));
    CHECK(body.at("status") == "resolved");
    CHECK(boost::json::serialize(body.at("resolution")) ==
          R"({"reason":"expected_event_arrived","by":"vigia"})");
    CHECK_FALSE(body.contains("repeat"));
    CHECK_FALSE(body.contains("history"));
  }
}

TEST_CASE("the watchdog heartbeat", "[notifier][render][watchdog]") {
  const std::string body = WatchdogBody("vigia-1", *At("2017-03-06T09:00:00Z"));
  CHECK(body ==
        R"({"watchdog":true,"node":"vigia-1","at":"2017-03-06T09:00:00Z","status":"healthy"})");
  Notice n;
  n.kind = Notice::Kind::kWatchdog;
  auto heartbeat = Parse(body);
  heartbeat["extra"] = "dropped";
  CHECK(WebhookBody(heartbeat, {"extra"}, n) == body);
  CHECK(SmsText(heartbeat, {}, n, MexicoCity()) ==
        "vigia watchdog: vigia-1 healthy. 2017-03-06 03:00 CST");
  const Mail mail = EmailMessage(heartbeat, {}, n, MexicoCity());
  CHECK(mail.subject == "[vigia] WATCHDOG vigia-1 healthy");
  CHECK(mail.text ==
        "vigiad on vigia-1 is healthy.\nAt: 2017-03-06 03:00 CST (2017-03-06T09:00:00Z)\n");
}

// ---------------------------------------------------------------- SMS

TEST_CASE("the SMS names level, place, groups, summary, local time, id and tier",
          "[notifier][render][sms]") {
  const auto alert = ExampleAlert();
  const TimeZone tz = MexicoCity();
  CHECK(SmsText(alert, {}, Firing(1), tz) ==
        "CRITICAL MX-CHH journalist: 3 threats against journalists in MX-CHH within 7 days. "
        "2017-03-06 03:00 CST. a-5d41402abc4b2a76 tier 1");
  CHECK(SmsText(alert, {}, Firing(2, 1), tz) ==
        "CRITICAL MX-CHH journalist: 3 threats against journalists in MX-CHH within 7 days. "
        "2017-03-06 03:00 CST. a-5d41402abc4b2a76 tier 2 repeat 1");
  SECTION("fields not kept are not printed; the rule stands in for the summary") {
    CHECK(SmsText(alert, {"level", "rule"}, Firing(1), tz) ==
          "CRITICAL: journalist-threat-cluster. a-5d41402abc4b2a76 tier 1");
    CHECK(SmsText(alert, {"fired_at"}, Firing(1), tz) ==
          "2017-03-06 03:00 CST. a-5d41402abc4b2a76 tier 1");
    CHECK(SmsText(alert, {"status"}, Firing(0), tz) == "a-5d41402abc4b2a76 tier 0");
  }
  SECTION("resolved") {
    CHECK(SmsText(alert, {}, Resolved("expected_event_arrived"), tz) ==
          "RESOLVED a-5d41402abc4b2a76 (expected_event_arrived) MX-CHH: 3 threats against "
          "journalists in MX-CHH within 7 days");
    CHECK(SmsText(alert, {"rule"}, Resolved(), tz) ==
          "RESOLVED a-5d41402abc4b2a76 (operator): journalist-threat-cluster");
    CHECK(SmsText(alert, {"status"}, Resolved(""), tz) == "RESOLVED a-5d41402abc4b2a76");
  }
}

TEST_CASE("the SMS fits 160 characters, cutting the summary first, never inside a character",
          "[notifier][render][sms]") {
  auto alert = ExampleAlert();
  const TimeZone tz = MexicoCity();
  const std::string ellipsis = "\xE2\x80\xA6";
  const std::string id = "a-5d41402abc4b2a76";
  for (const std::string unit : {"a", "\xC3\x91" /* Ñ */, "\xF0\x9F\x99\x82" /* 🙂 */,
                                 "\xE2\x82\xAC" /* € */, "a\xF0\x9F\x99\x82"}) {
    DYNAMIC_SECTION("summary of '" << unit << "'") {
      alert["summary"] = Repeat(unit, 300);
      for (const Notice& n : {Firing(1), Resolved()}) {
        const std::string sms = SmsText(alert, {}, n, tz);
        INFO(sms);
        CHECK(ValidUtf8(sms));
        CHECK(CodePointCount(sms) == 160);  // cut to exactly the limit
        CHECK(sms.find(id) != std::string::npos);
        CHECK(sms.find(ellipsis) != std::string::npos);
        if (n.kind == Notice::Kind::kFiring) {
          CHECK(sms.find("2017-03-06 03:00 CST. " + id + " tier 1") != std::string::npos);
          CHECK(sms.rfind("CRITICAL MX-CHH journalist: ", 0) == 0);
        }
      }
    }
  }
  SECTION("exactly 160 is not cut") {
    const std::string fixed =
        "CRITICAL MX-CHH journalist: . 2017-03-06 03:00 CST. " + id + " tier 1";
    alert["summary"] = Repeat("\xC3\x91", static_cast<int>(160 - CodePointCount(fixed)));
    const std::string sms = SmsText(alert, {}, Firing(1), tz);
    CHECK(CodePointCount(sms) == 160);
    CHECK(sms.find(ellipsis) == std::string::npos);
    alert["summary"] = Repeat("\xC3\x91", static_cast<int>(161 - CodePointCount(fixed)));
    CHECK(SmsText(alert, {}, Firing(1), tz).find(ellipsis) != std::string::npos);
  }
  SECTION("huge region and groups are cut too, the id still whole") {
    alert["region"] = Repeat("R", 400);
    alert["groups"] = boost::json::array{Repeat("\xF0\x9F\x99\x82", 400).c_str()};
    const std::string sms = SmsText(alert, {}, Firing(1), tz);
    CHECK(CodePointCount(sms) <= 160);
    CHECK(ValidUtf8(sms));
    CHECK(sms.find(id + " tier 1") != std::string::npos);
    CHECK(sms.find("2017-03-06 03:00 CST") != std::string::npos);
  }
  SECTION("invalid UTF-8 and control characters in the input") {
    alert["summary"] = std::string("bad \xFF\xC3 byte\ttab\r\nnew line \xED\xA0\x80 surrogate");
    const std::string sms = SmsText(alert, {}, Firing(1), tz);
    CHECK(ValidUtf8(sms));
    CHECK(sms.find_first_of("\r\n\t") == std::string::npos);
  }
}

// ---------------------------------------------------------------- Email

TEST_CASE("the email lists the kept fields, the policy and the tier", "[notifier][render][email]") {
  const auto alert = ExampleAlert();
  const TimeZone tz = MexicoCity();
  const Mail mail = EmailMessage(alert, {}, Firing(1), tz);
  CHECK(mail.subject == "[vigia] CRITICAL journalist-threat-cluster MX-CHH (tier 1)");
  CHECK(mail.text ==
        "Alert: a-5d41402abc4b2a76\n"
        "Rule: journalist-threat-cluster\n"
        "Level: critical\n"
        "Status: firing\n"
        "Key: region=MX-CHH\n"
        "Region: MX-CHH\n"
        "Groups: journalist\n"
        "Subject: p-123\n"
        "Time: 2017-03-06 03:00 CST (2017-03-06T09:00:00Z)\n"
        "First time: 2017-03-01 04:00 CST (2017-03-01T10:00:00Z)\n"
        "Events: e1, e2, e3\n"
        "Count: 3\n"
        "Summary: 3 threats against journalists in MX-CHH within 7 days\n"
        "Fired at: 2017-03-06 03:00 CST (2017-03-06T09:00:02Z)\n"
        "Variant: override-1\n"
        "Rule version: 3f9a1c0b\n"
        "\n"
        "Policy: chihuahua, tier 1\n");
  SECTION("a repeat") {
    CHECK(EmailMessage(alert, {}, Firing(2, 1), tz).subject ==
          "[vigia] CRITICAL journalist-threat-cluster MX-CHH (tier 2, repeat 1)");
  }
  SECTION("redacted: the id stands in for the rule") {
    const Mail m = EmailMessage(alert, {"level", "events"}, Firing(0), tz);
    CHECK(m.subject == "[vigia] CRITICAL a-5d41402abc4b2a76 (tier 0)");
    CHECK(m.text ==
          "Alert: a-5d41402abc4b2a76\nLevel: critical\nStatus: firing\nEvents: e1, e2, e3\n\n"
          "Policy: chihuahua, tier 0\n");
  }
}

TEST_CASE("a resolution email says why, by whom, and the note", "[notifier][render][email]") {
  const auto alert = ExampleAlert();
  const Mail mail = EmailMessage(alert, {"rule", "region"},
                                 Resolved("operator", "called her\r\nsafe"), MexicoCity());
  CHECK(mail.subject == "[vigia] RESOLVED journalist-threat-cluster MX-CHH (operator)");
  CHECK(mail.text ==
        "Resolution: operator\n"
        "Resolved by: maria\n"
        "Note: called her\n"
        "  safe\n"
        "\n"
        "Alert: a-5d41402abc4b2a76\n"
        "Rule: journalist-threat-cluster\n"
        "Status: resolved\n"
        "Region: MX-CHH\n"
        "\n"
        "Policy: chihuahua, tier 1\n");
}

TEST_CASE("CR and LF in values cannot inject headers or lines", "[notifier][render][email]") {
  auto alert = ExampleAlert();
  alert["rule"] = "rule\r\nBcc: victim@example";
  alert["region"] = "MX-CHH\nX-Injected: 1";
  alert["summary"] = "line one\nStatus: resolved";
  Notice n = Resolved("operator\r\nBcc: x@example");
  for (const Notice& notice : {Firing(1), n}) {
    const Mail mail = EmailMessage(alert, {}, notice, MexicoCity());
    INFO(mail.subject);
    CHECK(mail.subject.find_first_of("\r\n") == std::string::npos);
    CHECK(mail.text.find('\r') == std::string::npos);
    CHECK(mail.text.find("\nBcc:") == std::string::npos);
    CHECK(mail.text.find("\nX-Injected") == std::string::npos);
    CHECK(mail.text.find("\nSummary: line one Status: resolved\n") != std::string::npos);
  }
  CHECK(EmailMessage(alert, {}, Firing(1), MexicoCity()).subject ==
        "[vigia] CRITICAL rule  Bcc: victim@example MX-CHH X-Injected: 1 (tier 1)");
}

TEST_CASE("long email subjects are cut", "[notifier][render][email]") {
  auto alert = ExampleAlert();
  alert["region"] = Repeat("\xC3\x91", 500);
  const Mail mail = EmailMessage(alert, {}, Firing(1), MexicoCity());
  CHECK(CodePointCount(mail.subject) == 200);
  CHECK(ValidUtf8(mail.subject));
}

// ---------------------------------------------------------------- Alertmanager

TEST_CASE("the Alertmanager body is a v2 alert list", "[notifier][render][alertmanager]") {
  const auto alert = ExampleAlert();
  CHECK(AlertmanagerBody(alert, {}, std::nullopt) ==
        R"([{"labels":{"alertname":"journalist-threat-cluster","severity":"critical",)"
        R"("region":"MX-CHH","group":"journalist","vigia_alert":"a-5d41402abc4b2a76"},)"
        R"("annotations":{"summary":"3 threats against journalists in MX-CHH within 7 days",)"
        R"("subject":"p-123"},"startsAt":"2017-03-06T09:00:02Z"}])");
  SECTION("resolution sets endsAt") {
    auto body = boost::json::parse(AlertmanagerBody(alert, {}, *At("2017-03-07T10:00:00Z")));
    CHECK(body.at(0).at("endsAt") == "2017-03-07T10:00:00Z");
  }
  SECTION("need to know: only the identifying labels") {
    CHECK(AlertmanagerBody(alert, {"status"}, std::nullopt) ==
          R"([{"labels":{"alertname":"journalist-threat-cluster","severity":"critical",)"
          R"("vigia_alert":"a-5d41402abc4b2a76"},"annotations":{},)"
          R"("startsAt":"2017-03-06T09:00:02Z"}])");
  }
  SECTION("several groups; empty values are left out") {
    auto a = ExampleAlert();
    a["groups"] = boost::json::array{"journalist", "", "defender"};
    a["region"] = "";
    a["fired_at"] = "2017-03-06T03:00:02-06:00";
    auto am = boost::json::parse(AlertmanagerBody(a, {}, std::nullopt)).at(0).as_object();
    CHECK(am.at("labels").at("group") == "journalist,defender");
    CHECK_FALSE(am.at("labels").as_object().contains("region"));
    CHECK(am.at("startsAt") == "2017-03-06T09:00:02Z");
  }
}

// ---------------------------------------------------------------- Cross-cutting

TEST_CASE("a subject not kept appears in no output", "[notifier][render][redact]") {
  auto alert = ExampleAlert();
  alert["key"] = Parse(R"({"subject":"p-123","region":"MX-CHH"})");
  const std::vector<std::string> fields = {"rule", "level",       "region", "groups",
                                           "key",  "summary",     "events", "fired_at",
                                           "time", "escalations", "history"};
  const TimeZone tz = MexicoCity();
  std::vector<std::string> outputs;
  for (const Notice& n : {Firing(1), Firing(2, 1), Resolved("operator", "ok")}) {
    outputs.push_back(WebhookBody(alert, fields, n));
    outputs.push_back(SmsText(alert, fields, n, tz));
    const Mail mail = EmailMessage(alert, fields, n, tz);
    outputs.push_back(mail.subject);
    outputs.push_back(mail.text);
  }
  outputs.push_back(AlertmanagerBody(alert, fields, std::nullopt));
  outputs.push_back(AlertmanagerBody(alert, fields, *At("2017-03-07T10:00:00Z")));
  for (const auto& out : outputs) {
    INFO(out);
    CHECK(out.find("p-123") == std::string::npos);
    CHECK(out.find("subject") == std::string::npos);
    CHECK(out.find("internal") == std::string::npos);  // the history's note
  }
  // And with the subject kept, it is there.
  CHECK(WebhookBody(alert, {"subject"}, Firing()).find("p-123") != std::string::npos);
}

TEST_CASE("an alert with only an id renders everywhere", "[notifier][render]") {
  const auto bare = Parse(R"({"alert":"a-0000000000000001","status":"firing"})");
  const TimeZone tz = MexicoCity();
  CHECK(WebhookBody(bare, {}, Firing(0)) ==
        R"({"alert":"a-0000000000000001","status":"firing","tier":0,"policy":"chihuahua"})");
  CHECK(SmsText(bare, {}, Firing(0), tz) == "a-0000000000000001 tier 0");
  CHECK(SmsText(bare, {}, Resolved(), tz) == "RESOLVED a-0000000000000001 (operator)");
  const Mail mail = EmailMessage(bare, {}, Firing(0), tz);
  CHECK(mail.subject == "[vigia] a-0000000000000001 (tier 0)");
  CHECK(mail.text == "Alert: a-0000000000000001\nStatus: firing\n\nPolicy: chihuahua, tier 0\n");
  CHECK(AlertmanagerBody(bare, {}, std::nullopt) ==
        R"([{"labels":{"vigia_alert":"a-0000000000000001"},"annotations":{}}])");
}

TEST_CASE("fields of unexpected types are skipped, not trusted", "[notifier][render]") {
  const auto odd = Parse(R"({"alert":"a-2","status":"firing","level":7,"region":["x"],
                             "groups":"journalist","fired_at":"yesterday","summary":null})");
  const TimeZone tz = MexicoCity();
  CHECK(SmsText(odd, {}, Firing(0), tz) == "a-2 tier 0");
  const Mail mail = EmailMessage(odd, {}, Firing(0), tz);
  CHECK(mail.text.find("Fired at: yesterday\n") != std::string::npos);
  CHECK(mail.text.find("Level: 7\n") != std::string::npos);
  CHECK(AlertmanagerBody(odd, {}, std::nullopt) ==
        R"([{"labels":{"vigia_alert":"a-2"},"annotations":{}}])");
}

}  // namespace
}  // namespace vigia::notifier
