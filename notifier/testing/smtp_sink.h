// SPDX-License-Identifier: Apache-2.0
// A local SMTP server for notifier tests, unit and end to end (RFC 5321
// subset): multi-line greeting and EHLO, STARTTLS or implicit TLS with
// TestCerts, AUTH PLAIN, MAIL, RCPT (one address may be refused), DATA
// (un-dot-stuffed), RSET, NOOP, QUIT; what it does not offer it answers with
// 502. Records every command and every message, with its envelope, its parsed
// headers and the wall-clock time it arrived.
//
// Thread rules: the server runs on its own thread; every public member may be
// called from any thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace vigia::notifier::testing {

struct SmtpSinkOptions {
  bool starttls = true;       // offer STARTTLS
  bool implicit_tls = false;  // smtps: TLS from the first byte
  bool auth = true;           // offer AUTH PLAIN
  bool refuse_auth = false;   // answer 535 to AUTH
  std::string refuse_rcpt{};  // answer `refuse_code` to RCPT TO:<refuse_rcpt>
  int refuse_code = 550;
};

struct SmtpMail {
  std::string helo;  // the last EHLO/HELO argument
  bool tls = false;  // the message came over TLS
  std::string auth_user, auth_password;
  bool auth_over_tls = false;
  std::string mail_from;          // the MAIL FROM address, without <>
  std::string mail_from_arg;      // the MAIL FROM line's argument, as sent
  std::vector<std::string> rcpt;  // accepted RCPT TO addresses, without <>
  std::string wire;               // DATA as received, dot-stuffed, without the final ".\r\n"
  std::string message;            // DATA un-stuffed: headers, blank line, text (CRLF)
  std::vector<std::pair<std::string, std::string>> headers;  // message's, unfolded, as written
  std::string body;                                          // message's text, after the blank line
  std::chrono::system_clock::time_point at;                  // when the final "." was read

  // The first header `name` (case-insensitive), as written; "" when absent.
  std::string Header(std::string_view name) const;
  // The same with RFC 2047 encoded words (=?charset?B|Q?...?=) decoded; the
  // bytes are kept as they are (UTF-8 stays UTF-8).
  std::string DecodedHeader(std::string_view name) const;
  std::string Subject() const { return DecodedHeader("Subject"); }
  std::string MessageId() const { return Header("Message-ID"); }
  // Envelope and headers in one paragraph, for failure messages.
  std::string Describe() const;
};

// RFC 2047 decoding of a header value (exposed for tests of the sink).
std::string DecodeEncodedWords(std::string_view value);

class SmtpSink {
 public:
  // Listens on a free port of 127.0.0.1 at once. Throws std::system_error
  // when it cannot, std::runtime_error when TLS is asked for and TestCerts fails.
  explicit SmtpSink(SmtpSinkOptions options = {});
  ~SmtpSink();
  SmtpSink(const SmtpSink&) = delete;
  SmtpSink& operator=(const SmtpSink&) = delete;

  uint16_t port() const;
  // "smtp://127.0.0.1:<port>" ("smtps://" with implicit_tls).
  std::string Url() const;
  std::vector<SmtpMail> mails() const;
  // Every command line received, in order (AUTH lines included: test data).
  std::vector<std::string> commands() const;
  // Waits until at least `n` messages arrived. False on timeout.
  bool WaitForMails(size_t n, std::chrono::milliseconds timeout) const;
  // The messages and the commands, for failure messages.
  std::string Describe() const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace vigia::notifier::testing
