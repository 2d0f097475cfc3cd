// SPDX-License-Identifier: Apache-2.0
// A local SMTP server for notifier tests (RFC 5321 subset): multi-line
// greeting and EHLO, STARTTLS or implicit TLS with TestCerts, AUTH PLAIN,
// MAIL, RCPT (one address may be refused), DATA (un-dot-stuffed), RSET, NOOP,
// QUIT. Records every command and every message. Runs its own thread; every
// method is thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
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
  std::string mail_from;          // the MAIL FROM line's argument, as sent
  std::vector<std::string> rcpt;  // accepted RCPT TO addresses
  std::string wire;               // DATA as received, dot-stuffed, without the final ".\r\n"
  std::string message;            // DATA un-stuffed: headers, blank line, text (CRLF)
};

class SmtpSink {
 public:
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
  bool WaitForMails(size_t n, std::chrono::milliseconds timeout) const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace vigia::notifier::testing
