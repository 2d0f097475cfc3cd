// SPDX-License-Identifier: Apache-2.0
#include "notifier/detail/mime.h"

#include <catch2/catch.hpp>

namespace vigia::notifier::detail {
namespace {

TEST_CASE("Base64 follows RFC 4648", "[notifier][mime]") {
  CHECK(Base64("") == "");
  CHECK(Base64("f") == "Zg==");
  CHECK(Base64("fo") == "Zm8=");
  CHECK(Base64("foobar") == "Zm9vYmFy");
  CHECK(Base64(std::string("\0u\0p", 4)) == "AHUAcA==");
}

TEST_CASE("Header text is kept when ASCII and encoded-words otherwise", "[notifier][mime]") {
  CHECK(EncodeHeaderText("CRITICAL MX-CHH 3 threats") == "CRITICAL MX-CHH 3 threats");
  CHECK(EncodeHeaderText("two\r\nBcc: x@y") == "two  Bcc: x@y");
  CHECK(EncodeHeaderText("Amenaza crítica") == "=?UTF-8?B?QW1lbmF6YSBjcsOtdGljYQ==?=");

  // 30 two-octet characters (60 octets): two words, split between characters.
  std::string long_text;
  for (int i = 0; i < 30; ++i) long_text += "é";
  const std::string encoded = EncodeHeaderText(long_text);
  const size_t fold = encoded.find("\r\n ");
  REQUIRE(fold != std::string::npos);
  CHECK(encoded.substr(0, fold) == "=?UTF-8?B?" + Base64(long_text.substr(0, 44)) + "?=");
  CHECK(encoded.substr(fold + 3) == "=?UTF-8?B?" + Base64(long_text.substr(44)) + "?=");
  CHECK(fold <= 75);
}

TEST_CASE("Dates are RFC 5322 in UTC", "[notifier][mime]") {
  CHECK(Rfc5322Date(*ParseRfc3339("2017-03-06T09:00:02Z")) == "Mon, 06 Mar 2017 09:00:02 +0000");
  CHECK(Rfc5322Date(*ParseRfc3339("2024-12-31T23:59:59.9Z")) == "Tue, 31 Dec 2024 23:59:59 +0000");
}

TEST_CASE("Addresses and Message-IDs", "[notifier][mime]") {
  CHECK(BareAddress("Vigia <vigia@example>") == "vigia@example");
  CHECK(BareAddress(" guardia@example ") == "guardia@example");
  CHECK(MessageId("a-5d41402abc4b2a76/chihuahua/1/0") ==
        "<a-5d41402abc4b2a76.chihuahua.1.0@vigia>");
  CHECK(MessageId("a/b c//d/") == "<a.b-c.d@vigia>");
  CHECK(MessageId("") == "<unknown@vigia>");
}

TEST_CASE("A mail has its headers, CRLF lines, and DATA framing", "[notifier][mime]") {
  MailMessage mail{"Vigia <vigia@example>",
                   {"a@example", "b@example"},
                   "Alerta",
                   "line 1\n.hidden\n\nend",
                   "a-1/p/0/0",
                   *ParseRfc3339("2017-03-06T09:00:02Z")};
  const std::string text = FormatMail(mail);
  CHECK(text ==
        "From: Vigia <vigia@example>\r\n"
        "To: a@example, b@example\r\n"
        "Subject: Alerta\r\n"
        "Date: Mon, 06 Mar 2017 09:00:02 +0000\r\n"
        "Message-ID: <a-1.p.0.0@vigia>\r\n"
        "MIME-Version: 1.0\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n"
        "Content-Transfer-Encoding: 8bit\r\n"
        "Auto-Submitted: auto-generated\r\n"
        "\r\n"
        "line 1\r\n.hidden\r\n\r\nend\r\n");
  CHECK(DotStuff(".a\r\nb.\r\n.\r\n..\r\n") == "..a\r\nb.\r\n..\r\n...\r\n.\r\n");

  SECTION("long lines are broken at 998 octets, not inside a character") {
    mail.text = std::string(997, 'x') + "é" + "tail";
    const std::string body = FormatMail(mail).substr(FormatMail(mail).find("\r\n\r\n") + 4);
    CHECK(body == std::string(997, 'x') + "\r\n" + "étail\r\n");
  }
  SECTION("CRLF text stays CRLF; bare CR becomes a space") {
    mail.text = "a\r\nb\rc";
    const std::string formatted = FormatMail(mail);
    CHECK(formatted.substr(formatted.find("\r\n\r\n") + 4) == "a\r\nb c\r\n");
  }
}

}  // namespace
}  // namespace vigia::notifier::detail
