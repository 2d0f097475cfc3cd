// SPDX-License-Identifier: Apache-2.0
#include "notifier/detail/mime.h"

#include <openssl/evp.h>

#include <cctype>
#include <cstdio>
#include <ctime>

namespace vigia::notifier::detail {
namespace {

// RFC 2047: an encoded-word is at most 75 characters; "=?UTF-8?B?" and "?="
// leave 63 for base64, i.e. 45 octets of text.
constexpr size_t kWordOctets = 45;
constexpr size_t kMaxLineOctets = 998;

bool IsContinuation(unsigned char c) { return (c & 0xC0) == 0x80; }

// The length of the longest prefix of `text` of at most `max` octets that does
// not end inside a UTF-8 sequence (at least one octet, so progress is made).
size_t Utf8Prefix(std::string_view text, size_t max) {
  if (text.size() <= max) return text.size();
  size_t n = max;
  while (n > 0 && IsContinuation(static_cast<unsigned char>(text[n]))) --n;
  return n == 0 ? max : n;
}

std::string OneLine(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    out.push_back(u < 0x20 || u == 0x7f ? ' ' : c);
  }
  return out;
}

bool MessageIdChar(unsigned char c) {
  // RFC 5322 atext, without '/' (the key's separator becomes '.').
  return std::isalnum(c) || std::string_view("!#$%&'*+-=?^_`{|}~").find(static_cast<char>(c)) !=
                                std::string_view::npos;
}

}  // namespace

std::string Base64(std::string_view data) {
  std::string out(4 * ((data.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(data.data()),
                                static_cast<int>(data.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

std::string EncodeHeaderText(std::string_view text) {
  const std::string line = OneLine(text);
  bool ascii = true;
  for (char c : line) ascii = ascii && static_cast<unsigned char>(c) < 0x80;
  if (ascii) return line;
  std::string out;
  std::string_view rest = line;
  while (!rest.empty()) {
    const size_t n = Utf8Prefix(rest, kWordOctets);
    if (!out.empty()) out += "\r\n ";
    out += "=?UTF-8?B?" + Base64(rest.substr(0, n)) + "?=";
    rest.remove_prefix(n);
  }
  return out;
}

std::string Rfc5322Date(TimeUs t) {
  static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  std::time_t seconds = static_cast<std::time_t>(t / kSecond);
  if (t < 0 && t % kSecond != 0) --seconds;
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%s, %02d %s %04d %02d:%02d:%02d +0000", kDays[tm.tm_wday],
                tm.tm_mday, kMonths[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
                tm.tm_sec);
  return buffer;
}

std::string BareAddress(std::string_view mailbox) {
  const size_t open = mailbox.rfind('<');
  if (open != std::string_view::npos) {
    const size_t close = mailbox.find('>', open);
    if (close != std::string_view::npos) mailbox = mailbox.substr(open + 1, close - open - 1);
  }
  while (!mailbox.empty() && std::isspace(static_cast<unsigned char>(mailbox.front())))
    mailbox.remove_prefix(1);
  while (!mailbox.empty() && std::isspace(static_cast<unsigned char>(mailbox.back())))
    mailbox.remove_suffix(1);
  return OneLine(mailbox);
}

std::string MessageId(std::string_view idempotency_key) {
  std::string id;
  for (char c : idempotency_key) {
    if (c == '/')
      id.push_back('.');
    else
      id.push_back(MessageIdChar(static_cast<unsigned char>(c)) ? c : '-');
  }
  // A dot-atom has no empty parts.
  std::string clean;
  for (char c : id)
    if (c != '.' || (!clean.empty() && clean.back() != '.')) clean.push_back(c);
  while (!clean.empty() && clean.back() == '.') clean.pop_back();
  if (clean.empty()) clean = "unknown";
  return "<" + clean + "@vigia>";
}

std::string FormatMail(const MailMessage& mail) {
  std::string to;
  for (const std::string& address : mail.to) to += (to.empty() ? "" : ", ") + OneLine(address);
  std::string out;
  out.reserve(mail.text.size() + 512);
  out += "From: " + OneLine(mail.from) + "\r\n";
  out += "To: " + to + "\r\n";
  out += "Subject: " + EncodeHeaderText(mail.subject) + "\r\n";
  out += "Date: " + Rfc5322Date(mail.date) + "\r\n";
  out += "Message-ID: " + MessageId(mail.idempotency_key) + "\r\n";
  out += "MIME-Version: 1.0\r\n";
  out += "Content-Type: text/plain; charset=utf-8\r\n";
  out += "Content-Transfer-Encoding: 8bit\r\n";
  // RFC 3834: tells vacation responders not to answer.
  out += "Auto-Submitted: auto-generated\r\n";
  out += "\r\n";
  std::string_view text = mail.text;
  while (!text.empty()) {
    const size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    do {
      const size_t n = Utf8Prefix(line, kMaxLineOctets);
      for (char c : line.substr(0, n)) out.push_back(c == '\r' ? ' ' : c);  // no bare CR in SMTP
      out += "\r\n";
      line.remove_prefix(n);
    } while (!line.empty());
  }
  return out;
}

std::string DotStuff(std::string_view message) {
  std::string out;
  out.reserve(message.size() + message.size() / 64 + 8);
  bool line_start = true;
  for (char c : message) {
    if (line_start && c == '.') out.push_back('.');
    out.push_back(c);
    line_start = c == '\n';
  }
  out += ".\r\n";
  return out;
}

}  // namespace vigia::notifier::detail
