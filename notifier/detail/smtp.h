// SPDX-License-Identifier: Apache-2.0
// One email sent over SMTP (RFC 5321) on a fresh connection: smtp:// with
// STARTTLS (RFC 3207) as configured, or smtps:// with implicit TLS (RFC 8314);
// AUTH PLAIN (RFC 4616) when a username is configured, only over TLS unless
// `starttls: off`; one message to every recipient; QUIT.
#pragma once

#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ssl/context.hpp>

#include "config/notifier_config.h"
#include "notifier/detail/attempt.h"
#include "notifier/detail/url.h"

namespace vigia::notifier::detail {

struct SmtpRequest {
  Url url;                                                  // smtp:// or smtps://
  config::StartTls starttls = config::StartTls::kRequired;  // smtp:// only
  std::string username;                                     // empty: no AUTH
  std::string password;                                     // never in a detail or a log
  std::string helo_name;                                    // see LocalHeloName()
  std::string from;                                         // bare addresses (BareAddress)
  std::vector<std::string> to;
  std::string data;                          // DotStuff(FormatMail(...))
  boost::asio::ssl::context* tls = nullptr;  // REQUIRES: set; outlives the call
};

// Sends the message. ok when the server accepted it after DATA for at least
// one recipient; when some recipients were refused, the detail says how many.
// A 5xx reply is permanent and a 4xx one retryable ("SMTP 550 5.1.1 ... (RCPT
// TO)"); `starttls: required` without the server offering it is a retryable
// "SMTP: the server does not offer STARTTLS".
net::awaitable<AttemptResult> SmtpSend(const SmtpRequest& request, AttemptGuard& guard);

// This machine's host name when it is a plausible domain, else "vigia".
std::string LocalHeloName();

}  // namespace vigia::notifier::detail
