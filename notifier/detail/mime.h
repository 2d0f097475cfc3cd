// SPDX-License-Identifier: Apache-2.0
// The email as vigia sends it (RFC 5322, RFC 2045-2047): headers, a UTF-8
// text/plain body in 8bit, and SMTP's DATA framing. Pure functions.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/time.h"

namespace vigia::notifier::detail {

// RFC 4648 base64, with padding.
std::string Base64(std::string_view data);

// A header's unstructured text: control characters (CR, LF, ...) become
// spaces; printable ASCII is kept as is; anything else becomes RFC 2047
// encoded-words ("=?UTF-8?B?...?=", at most 75 characters each, never
// splitting a UTF-8 sequence) folded onto continuation lines.
std::string EncodeHeaderText(std::string_view text);

// RFC 5322 date-time in UTC: "Mon, 06 Mar 2017 09:00:02 +0000".
std::string Rfc5322Date(TimeUs t);

// The address of a mailbox: "a@b" for "Name <a@b>" and for "a@b".
std::string BareAddress(std::string_view mailbox);

// "<alert.policy.1.0@vigia>" for "alert/policy/1/0": '/' becomes '.', any
// other character not allowed in a Message-ID becomes '-'.
std::string MessageId(std::string_view idempotency_key);

struct MailMessage {
  std::string from;  // a mailbox as configured
  std::vector<std::string> to;
  std::string subject;  // UTF-8
  std::string text;     // UTF-8; lines end in "\n" (or "\r\n")
  std::string idempotency_key;
  TimeUs date = 0;
};

// Headers (From, To, Subject, Date, Message-ID, MIME-Version, Content-Type,
// Content-Transfer-Encoding, Auto-Submitted), a blank line and the text, every
// line ending in CRLF; lines longer than 998 octets are broken (RFC 5322 2.1.1).
std::string FormatMail(const MailMessage& mail);

// SMTP DATA framing: each line starting with '.' gets another '.', then the
// terminating ".\r\n". REQUIRES: `message` ends in CRLF (FormatMail's does).
std::string DotStuff(std::string_view message);

}  // namespace vigia::notifier::detail
