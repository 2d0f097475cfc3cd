// SPDX-License-Identifier: Apache-2.0
#include "notifier/detail/smtp.h"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <optional>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "notifier/detail/mime.h"
#include "notifier/detail/tls.h"

namespace vigia::notifier::detail {
namespace {

constexpr size_t kMaxReplyLine = 4096;
constexpr size_t kMaxReplyLines = 200;
constexpr size_t kMaxDetailText = 200;

using Failure = std::optional<AttemptResult>;

struct Reply {
  int code = 0;
  std::vector<std::string> lines;  // the text after "250-" / "250 "
};

std::string Upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

// The server's words for a detail: one line, printable, short.
std::string DetailText(const Reply& reply) {
  std::string text = reply.lines.empty() ? std::string() : reply.lines.front();
  if (text.size() > kMaxDetailText) text = text.substr(0, kMaxDetailText) + "...";
  for (char& c : text)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
  return text;
}

AttemptResult ReplyResult(const Reply& reply, std::string_view step) {
  std::string detail = "SMTP " + std::to_string(reply.code);
  if (const std::string text = DetailText(reply); !text.empty()) detail += " " + text;
  if (!step.empty()) detail += " (" + std::string(step) + ")";
  const bool ok = reply.code >= 200 && reply.code < 400;
  return {false, !ok && reply.code >= 500 && reply.code < 600, detail};
}

// EHLO keywords: {"STARTTLS", "AUTH PLAIN LOGIN", "8BITMIME", ...} in upper case.
struct Extensions {
  std::vector<std::string> lines;
  bool Has(std::string_view keyword) const {
    return std::any_of(lines.begin(), lines.end(), [&](const std::string& l) {
      return l.compare(0, keyword.size(), keyword) == 0 &&
             (l.size() == keyword.size() || l[keyword.size()] == ' ' || l[keyword.size()] == '=');
    });
  }
  bool HasAuth(std::string_view mechanism) const {
    for (const std::string& l : lines) {
      if (l.compare(0, 4, "AUTH") != 0 || l.size() < 5 || (l[4] != ' ' && l[4] != '=')) continue;
      std::string_view rest = std::string_view(l).substr(5);
      while (!rest.empty()) {
        const size_t space = rest.find(' ');
        if (rest.substr(0, space) == mechanism) return true;
        if (space == std::string_view::npos) break;
        rest.remove_prefix(space + 1);
      }
    }
    return false;
  }
};

class Session {
 public:
  Session(tcp::socket& socket, const SmtpRequest& request, AttemptGuard& guard)
      : socket_(socket), request_(request), guard_(guard) {}

  net::awaitable<AttemptResult> Run();

 private:
  net::awaitable<Failure> Read(Reply& reply);
  net::awaitable<Failure> Write(std::string_view data);
  // Sends `line` (without CRLF), reads the reply and wants `code`; `step`
  // names the command in a failure's detail.
  net::awaitable<Failure> Command(std::string line, int code, std::string_view step, Reply& reply);
  net::awaitable<Failure> Ehlo();
  net::awaitable<Failure> StartTls();

  tcp::socket& socket_;
  const SmtpRequest& request_;
  AttemptGuard& guard_;
  std::optional<TlsStream> tls_;
  std::string in_;  // read, not yet parsed
  Extensions extensions_;
};

net::awaitable<Failure> Session::Read(Reply& reply) {
  constexpr auto kNoThrow = net::as_tuple(net::use_awaitable);
  reply = Reply();
  for (;;) {
    auto buffer = net::dynamic_buffer(in_, kMaxReplyLine);
    auto [ec, n] = tls_ ? co_await net::async_read_until(*tls_, buffer, '\n', kNoThrow)
                        : co_await net::async_read_until(socket_, buffer, '\n', kNoThrow);
    if (ec || guard_.over()) co_return IoFailure("read", ec, guard_);
    std::string line = in_.substr(0, n - 1);
    in_.erase(0, n);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.size() < 3 ||
        !std::all_of(line.begin(), line.begin() + 3, [](char c) { return c >= '0' && c <= '9'; }) ||
        (line.size() > 3 && line[3] != ' ' && line[3] != '-') ||
        reply.lines.size() >= kMaxReplyLines)
      co_return AttemptResult{false, false, "SMTP: malformed reply"};
    reply.code = std::stoi(line.substr(0, 3));
    reply.lines.push_back(line.size() > 4 ? line.substr(4) : std::string());
    if (line.size() == 3 || line[3] == ' ') co_return std::nullopt;
  }
}

net::awaitable<Failure> Session::Write(std::string_view data) {
  constexpr auto kNoThrow = net::as_tuple(net::use_awaitable);
  auto [ec, n] = tls_ ? co_await net::async_write(*tls_, net::buffer(data), kNoThrow)
                      : co_await net::async_write(socket_, net::buffer(data), kNoThrow);
  if (ec || guard_.over()) co_return IoFailure("write", ec, guard_);
  co_return std::nullopt;
}

net::awaitable<Failure> Session::Command(std::string line, int code, std::string_view step,
                                         Reply& reply) {
  line += "\r\n";
  if (auto failed = co_await Write(line)) co_return failed;
  if (auto failed = co_await Read(reply)) co_return failed;
  if (reply.code == code) co_return std::nullopt;
  co_return ReplyResult(reply, step);
}

net::awaitable<Failure> Session::Ehlo() {
  Reply reply;
  if (auto failed = co_await Command("EHLO " + request_.helo_name, 250, "EHLO", reply))
    co_return failed;
  extensions_.lines.clear();
  for (size_t i = 1; i < reply.lines.size(); ++i)
    extensions_.lines.push_back(Upper(reply.lines[i]));
  co_return std::nullopt;
}

net::awaitable<Failure> Session::StartTls() {
  Reply reply;
  if (auto failed = co_await Command("STARTTLS", 220, "STARTTLS", reply)) co_return failed;
  // Anything the server sent after its 220 came before TLS and could have been
  // injected on the way (CVE-2011-0411): drop it.
  in_.clear();
  tls_.emplace(socket_, *request_.tls);
  if (auto failed = co_await TlsHandshake(*tls_, request_.url, guard_)) co_return failed;
  co_return co_await Ehlo();  // RFC 3207: forget what was learnt before TLS
}

net::awaitable<AttemptResult> Session::Run() {
  const SmtpRequest& r = request_;
  Reply reply;
  if (r.url.scheme == "smtps") {
    tls_.emplace(socket_, *r.tls);
    if (auto failed = co_await TlsHandshake(*tls_, r.url, guard_)) co_return *failed;
  }
  if (auto failed = co_await Read(reply)) co_return *failed;
  if (reply.code != 220) co_return ReplyResult(reply, "greeting");
  if (auto failed = co_await Ehlo()) co_return *failed;

  if (!tls_ && r.starttls != config::StartTls::kOff) {
    if (extensions_.Has("STARTTLS")) {
      if (auto failed = co_await StartTls()) co_return *failed;
    } else if (r.starttls == config::StartTls::kRequired) {
      co_await Write("QUIT\r\n");  // polite; the result is the failure either way
      co_return AttemptResult{false, false, "SMTP: the server does not offer STARTTLS"};
    }
  }

  if (!r.username.empty()) {
    if (!tls_ && r.starttls != config::StartTls::kOff)
      co_return AttemptResult{false, false, "SMTP: no TLS, so the password is not sent"};
    if (!extensions_.HasAuth("PLAIN"))
      co_return AttemptResult{false, true, "SMTP: the server does not offer AUTH PLAIN"};
    std::string credentials;
    credentials.push_back('\0');
    credentials += r.username;
    credentials.push_back('\0');
    credentials += r.password;
    if (auto failed = co_await Command("AUTH PLAIN " + Base64(credentials), 235, "AUTH", reply))
      co_return *failed;
  }

  const bool eight_bit = std::any_of(r.data.begin(), r.data.end(),
                                     [](char c) { return static_cast<unsigned char>(c) >= 0x80; });
  std::string mail_from = "MAIL FROM:<" + r.from + ">";
  if (eight_bit && extensions_.Has("8BITMIME")) mail_from += " BODY=8BITMIME";
  if (auto failed = co_await Command(mail_from, 250, "MAIL FROM", reply)) co_return *failed;

  size_t accepted = 0;
  std::optional<AttemptResult> first_refusal;
  bool all_refusals_permanent = true;
  for (const std::string& to : r.to) {
    if (auto failed = co_await Write("RCPT TO:<" + to + ">\r\n")) co_return *failed;
    if (auto failed = co_await Read(reply)) co_return *failed;
    if (reply.code == 250 || reply.code == 251) {
      ++accepted;
      continue;
    }
    // A refusal only skips this recipient: the others still get the alert.
    AttemptResult refusal = ReplyResult(reply, "RCPT TO");
    all_refusals_permanent = all_refusals_permanent && refusal.permanent;
    if (!first_refusal) first_refusal = std::move(refusal);
  }
  if (accepted == 0) {
    co_await Write("QUIT\r\n");
    if (!first_refusal) co_return AttemptResult{false, true, "SMTP: no recipients"};
    first_refusal->permanent = all_refusals_permanent;
    co_return *first_refusal;
  }

  if (auto failed = co_await Command("DATA", 354, "DATA", reply)) co_return *failed;
  if (auto failed = co_await Write(r.data)) co_return *failed;
  if (auto failed = co_await Read(reply)) co_return *failed;
  if (reply.code != 250) co_return ReplyResult(reply, "end of DATA");
  AttemptResult done = ReplyResult(reply, "");
  done.ok = true;
  done.permanent = false;
  if (first_refusal)
    done.detail += "; " + std::to_string(r.to.size() - accepted) + " of " +
                   std::to_string(r.to.size()) + " recipients refused: " + first_refusal->detail;
  // The message is accepted: QUIT is a courtesy and its failure changes nothing.
  if (!co_await Write("QUIT\r\n")) co_await Read(reply);
  co_return done;
}

}  // namespace

net::awaitable<AttemptResult> SmtpSend(const SmtpRequest& request, AttemptGuard& guard) {
  tcp::socket socket(co_await net::this_coro::executor);
  auto watch = guard.Watching(socket);
  if (auto failed = co_await Connect(request.url, socket, guard)) co_return *failed;
  Session session(socket, request, guard);
  co_return co_await session.Run();
}

std::string LocalHeloName() {
  char name[256] = {};
  if (gethostname(name, sizeof name - 1) != 0) return "vigia";
  const std::string_view host(name);
  const bool plausible =
      !host.empty() && host.front() != '-' && host.front() != '.' &&
      std::all_of(host.begin(), host.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.';
      });
  return plausible ? std::string(host) : "vigia";
}

}  // namespace vigia::notifier::detail
