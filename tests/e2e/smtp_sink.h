// SPDX-License-Identifier: Apache-2.0
// An SMTP sink for the notifier's e2e tests (the `email` receiver,
// notifier.md): a minimal RFC 5321 server on 127.0.0.1 that accepts every
// message (EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT; no STARTTLS, no AUTH)
// and records it with its envelope, its parsed headers and the wall-clock time
// it arrived. Lines may end in CRLF or LF; dot-stuffing is undone.
//
// Thread rules: the sink runs on its own thread; every public member may be
// called from any thread. No Catch2 macro runs on the sink's thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "zmq_clients.h"  // Ms, literals

namespace vigia::e2e {

struct SmtpMessage {
  std::string helo;                  // the EHLO/HELO argument
  std::string mail_from;             // the MAIL FROM address, without <>
  std::vector<std::string> rcpt_to;  // the RCPT TO addresses, without <>
  std::string data;                  // the message as sent after DATA, dot-unstuffed
  std::vector<std::pair<std::string, std::string>> headers;  // unfolded, as written
  std::string body;                                          // after the blank line
  std::chrono::system_clock::time_point at;

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

// RFC 2047 decoding of a header value (exposed for the self-check).
std::string DecodeEncodedWords(std::string_view value);

class SmtpSink {
 public:
  // Listens on a free loopback port and serves at once.
  SmtpSink();
  ~SmtpSink();
  SmtpSink(const SmtpSink&) = delete;
  SmtpSink& operator=(const SmtpSink&) = delete;

  uint16_t port() const;
  // "smtp://127.0.0.1:<port>".
  std::string Url() const;

  std::vector<SmtpMessage> Messages() const;
  size_t Count() const;
  // Waits until at least `n` messages were received; false after `timeout`.
  bool WaitForCount(size_t n, Ms timeout) const;
  // Every command line received so far, in order, "<connection #>: <line>"
  // (message text left out), for failure messages.
  std::vector<std::string> Transcript() const;
  // The messages and the transcript, for failure messages.
  std::string Describe() const;

  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace vigia::e2e
