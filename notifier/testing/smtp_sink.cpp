// SPDX-License-Identifier: Apache-2.0
#include "notifier/testing/smtp_sink.h"

#include <openssl/evp.h>
#include <strings.h>

#include <cctype>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <sstream>
#include <system_error>
#include <thread>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "notifier/testing/test_certs.h"

namespace vigia::notifier::testing {

namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
using tcp = net::ip::tcp;

namespace {

constexpr auto kNoThrow = net::as_tuple(net::use_awaitable);

std::optional<std::string> DecodeBase64(std::string_view in) {
  std::string out(in.size(), '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(in.data()),
                                static_cast<int>(in.size()));
  if (n < 0) return std::nullopt;
  size_t size = static_cast<size_t>(n);
  for (size_t i = in.size(); i > 0 && in[i - 1] == '='; --i) --size;  // EVP pads with zeros
  out.resize(size);
  return out;
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// RFC 2047 "Q": "_" is a space, "=XX" a byte.
std::string QDecode(std::string_view in) {
  std::string out;
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '_') {
      out += ' ';
    } else if (in[i] == '=' && i + 2 < in.size() && HexDigit(in[i + 1]) >= 0 &&
               HexDigit(in[i + 2]) >= 0) {
      out += static_cast<char>(HexDigit(in[i + 1]) * 16 + HexDigit(in[i + 2]));
      i += 2;
    } else {
      out += in[i];
    }
  }
  return out;
}

bool IEquals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && strncasecmp(a.data(), b.data(), a.size()) == 0;
}

bool StartsWith(std::string_view line, std::string_view prefix) {
  return line.size() >= prefix.size() && IEquals(line.substr(0, prefix.size()), prefix);
}

std::string Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return std::string(s);
}

// "<a@b> SIZE=12" → "a@b"; without <>, the argument trimmed.
std::string Address(std::string_view arg) {
  const size_t lt = arg.find('<'), gt = arg.find('>');
  if (lt != std::string_view::npos && gt != std::string_view::npos && gt > lt)
    return std::string(arg.substr(lt + 1, gt - lt - 1));
  return Trim(arg);
}

// Splits mail.message into unfolded headers and the body.
void ParseMessage(SmtpMail& mail) {
  const std::string_view text = mail.message;
  const size_t end = text.find("\r\n\r\n");
  mail.body = end == std::string_view::npos ? "" : std::string(text.substr(end + 4));
  std::istringstream lines{std::string(text.substr(0, end))};
  for (std::string line; std::getline(lines, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    if ((line[0] == ' ' || line[0] == '\t') && !mail.headers.empty()) {
      mail.headers.back().second += line;  // unfold: the CRLF goes, the whitespace stays
      continue;
    }
    const size_t colon = line.find(':');
    if (colon == std::string::npos) continue;
    mail.headers.emplace_back(line.substr(0, colon),
                              Trim(std::string_view(line).substr(colon + 1)));
  }
}

// Forgets the envelope and the message; keeps HELO, TLS and AUTH.
void ResetTransaction(SmtpMail& mail) {
  SmtpMail next;
  next.helo = std::move(mail.helo);
  next.tls = mail.tls;
  next.auth_user = std::move(mail.auth_user);
  next.auth_password = std::move(mail.auth_password);
  next.auth_over_tls = mail.auth_over_tls;
  mail = std::move(next);
}

}  // namespace

std::string DecodeEncodedWords(std::string_view value) {
  std::string out;
  size_t i = 0;
  bool last_was_word = false;
  std::string pending_space;
  while (i < value.size()) {
    if (value.substr(i, 2) == "=?") {
      // =?charset?E?text?=
      const size_t q1 = value.find('?', i + 2);
      const size_t q2 = q1 == std::string_view::npos ? q1 : value.find('?', q1 + 1);
      const size_t close = q2 == std::string_view::npos ? q2 : value.find("?=", q2 + 1);
      if (close != std::string_view::npos && q2 == q1 + 2) {
        const char enc = static_cast<char>(std::toupper(static_cast<unsigned char>(value[q1 + 1])));
        const std::string_view text = value.substr(q2 + 1, close - q2 - 1);
        std::optional<std::string> decoded;
        if (enc == 'B') decoded = DecodeBase64(text);
        if (enc == 'Q') decoded = QDecode(text);
        if (decoded) {
          // Whitespace between two encoded words is dropped (RFC 2047 §6.2).
          if (!last_was_word) out += pending_space;
          pending_space.clear();
          out += *decoded;
          last_was_word = true;
          i = close + 2;
          continue;
        }
      }
    }
    if (value[i] == ' ' || value[i] == '\t') {
      pending_space += value[i++];
      continue;
    }
    out += pending_space;
    pending_space.clear();
    out += value[i++];
    last_was_word = false;
  }
  out += pending_space;
  return out;
}

std::string SmtpMail::Header(std::string_view name) const {
  for (const auto& [n, v] : headers)
    if (IEquals(n, name)) return v;
  return "";
}

std::string SmtpMail::DecodedHeader(std::string_view name) const {
  return DecodeEncodedWords(Header(name));
}

std::string SmtpMail::Describe() const {
  std::ostringstream out;
  out << "MAIL FROM:<" << mail_from << ">";
  for (const auto& r : rcpt) out << " RCPT TO:<" << r << ">";
  out << "\n";
  for (const auto& [n, v] : headers) out << "    " << n << ": " << v << "\n";
  out << "    body: " << body.substr(0, 400) << (body.size() > 400 ? "..." : "") << "\n";
  return out.str();
}

struct SmtpSink::Impl {
  explicit Impl(SmtpSinkOptions options_in) : options(std::move(options_in)) {
    if (options.starttls || options.implicit_tls) {
      const TestCerts& certs = TestCerts::Get();
      tls.use_certificate_chain_file(certs.cert_file.string());
      tls.use_private_key_file(certs.key_file.string(), ssl::context::pem);
    }
    const tcp::endpoint endpoint(net::ip::make_address("127.0.0.1"), 0);
    acceptor.open(endpoint.protocol());
    acceptor.set_option(tcp::acceptor::reuse_address(true));
    acceptor.bind(endpoint);
    acceptor.listen();
    port = acceptor.local_endpoint().port();
    net::co_spawn(ioc, Accept(), net::detached);
    thread = std::thread([this] { ioc.run(); });
  }
  ~Impl() {
    ioc.stop();
    thread.join();
  }

  net::awaitable<void> Accept() {
    for (;;) {
      auto [ec, socket] = co_await acceptor.async_accept(kNoThrow);
      if (ec) co_return;
      net::co_spawn(ioc, Session(std::move(socket)), net::detached);
    }
  }

  // One connection. Line I/O over the socket, or over TLS once it started.
  struct Conn {
    tcp::socket socket;
    std::optional<ssl::stream<tcp::socket&>> tls;
    std::string in;

    net::awaitable<bool> ReadLine(std::string& line) {
      auto buffer = net::dynamic_buffer(in, 1 << 20);
      auto [ec, n] = tls ? co_await net::async_read_until(*tls, buffer, "\r\n", kNoThrow)
                         : co_await net::async_read_until(socket, buffer, "\r\n", kNoThrow);
      if (ec) co_return false;
      line = in.substr(0, n - 2);
      in.erase(0, n);
      co_return true;
    }
    net::awaitable<bool> Send(std::string text) {
      auto [ec, n] = tls ? co_await net::async_write(*tls, net::buffer(text), kNoThrow)
                         : co_await net::async_write(socket, net::buffer(text), kNoThrow);
      co_return !ec;
    }
  };

  void Record(const std::string& line) {
    std::lock_guard lock(mu);
    commands.push_back(line);
  }

  net::awaitable<void> Session(tcp::socket socket) {
    Conn c{std::move(socket), std::nullopt, {}};
    if (options.implicit_tls) {
      c.tls.emplace(c.socket, tls);
      auto [ec] = co_await c.tls->async_handshake(ssl::stream_base::server, kNoThrow);
      if (ec) co_return;
    }
    if (!co_await c.Send("220-sink.test ESMTP test server\r\n220 no UCE\r\n")) co_return;
    SmtpMail mail;
    std::string line;
    while (co_await c.ReadLine(line)) {
      Record(line);
      std::string reply;
      if (StartsWith(line, "EHLO ") || StartsWith(line, "HELO ")) {
        ResetTransaction(mail);
        mail.helo = line.substr(5);
        reply = "250-sink.test greets " + mail.helo + "\r\n";
        if (options.starttls && !c.tls) reply += "250-STARTTLS\r\n";
        if (options.auth) reply += "250-AUTH LOGIN PLAIN\r\n";
        reply += "250-8BITMIME\r\n250 SIZE 10000000\r\n";
      } else if (StartsWith(line, "STARTTLS") && options.starttls && !c.tls) {
        if (!co_await c.Send("220 2.0.0 ready to start TLS\r\n")) co_return;
        c.tls.emplace(c.socket, tls);
        auto [ec] = co_await c.tls->async_handshake(ssl::stream_base::server, kNoThrow);
        if (ec) co_return;
        mail = SmtpMail();
        continue;
      } else if (StartsWith(line, "AUTH PLAIN ") && options.auth) {
        const std::string plain = DecodeBase64(std::string_view(line).substr(11)).value_or("");
        const size_t a = plain.find('\0'), b = plain.find('\0', a + 1);
        if (a != std::string::npos && b != std::string::npos) {
          mail.auth_user = plain.substr(a + 1, b - a - 1);
          mail.auth_password = plain.substr(b + 1);
          mail.auth_over_tls = c.tls.has_value();
        }
        reply = options.refuse_auth ? "535 5.7.8 authentication failed\r\n"
                                    : "235 2.7.0 authenticated\r\n";
      } else if (StartsWith(line, "MAIL FROM:")) {
        ResetTransaction(mail);
        mail.mail_from_arg = line.substr(10);
        mail.mail_from = Address(mail.mail_from_arg);
        reply = "250 2.1.0 ok\r\n";
      } else if (StartsWith(line, "RCPT TO:")) {
        const std::string address = Address(std::string_view(line).substr(8));
        if (!options.refuse_rcpt.empty() && address == options.refuse_rcpt) {
          reply =
              std::to_string(options.refuse_code) + " 5.1.1 <" + address + ">: no such user\r\n";
        } else {
          mail.rcpt.push_back(address);
          reply = "250 2.1.5 ok\r\n";
        }
      } else if (StartsWith(line, "DATA") && mail.rcpt.empty()) {
        reply = "554 5.5.1 no valid recipients\r\n";
      } else if (StartsWith(line, "DATA")) {
        if (!co_await c.Send("354 end data with <CR><LF>.<CR><LF>\r\n")) co_return;
        std::string data_line;
        for (;;) {
          if (!co_await c.ReadLine(data_line)) co_return;
          if (data_line == ".") break;
          mail.wire += data_line + "\r\n";
          mail.message += (data_line.rfind('.', 0) == 0 ? data_line.substr(1) : data_line) + "\r\n";
        }
        mail.tls = c.tls.has_value();
        mail.at = std::chrono::system_clock::now();
        ParseMessage(mail);
        {
          std::lock_guard lock(mu);
          mails.push_back(mail);
        }
        cv.notify_all();
        ResetTransaction(mail);
        reply = "250 2.0.0 ok: queued as 42\r\n";
      } else if (StartsWith(line, "RSET")) {
        ResetTransaction(mail);
        reply = "250 2.0.0 ok\r\n";
      } else if (StartsWith(line, "NOOP")) {
        reply = "250 2.0.0 ok\r\n";
      } else if (StartsWith(line, "QUIT")) {
        co_await c.Send("221 2.0.0 bye\r\n");
        co_return;
      } else {
        reply = "502 5.5.2 command not recognized\r\n";
      }
      if (!co_await c.Send(reply)) co_return;
    }
  }

  SmtpSinkOptions options;
  ssl::context tls{ssl::context::tls_server};
  mutable std::mutex mu;
  mutable std::condition_variable cv;
  std::vector<SmtpMail> mails;
  std::vector<std::string> commands;
  uint16_t port = 0;
  net::io_context ioc{1};
  tcp::acceptor acceptor{ioc};
  std::thread thread;
};

SmtpSink::SmtpSink(SmtpSinkOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}
SmtpSink::~SmtpSink() = default;

uint16_t SmtpSink::port() const { return impl_->port; }

std::string SmtpSink::Url() const {
  return std::string(impl_->options.implicit_tls ? "smtps://" : "smtp://") +
         "127.0.0.1:" + std::to_string(impl_->port);
}

std::vector<SmtpMail> SmtpSink::mails() const {
  std::lock_guard lock(impl_->mu);
  return impl_->mails;
}

std::vector<std::string> SmtpSink::commands() const {
  std::lock_guard lock(impl_->mu);
  return impl_->commands;
}

bool SmtpSink::WaitForMails(size_t n, std::chrono::milliseconds timeout) const {
  std::unique_lock lock(impl_->mu);
  return impl_->cv.wait_for(lock, timeout, [&] { return impl_->mails.size() >= n; });
}

std::string SmtpSink::Describe() const {
  std::ostringstream out;
  const auto all = mails();
  out << all.size() << " message(s) at the SMTP sink on port " << port() << ":\n";
  for (const auto& m : all) out << "  " << m.Describe();
  out << "commands:\n";
  for (const auto& line : commands()) out << "  " << line << "\n";
  return out.str();
}

}  // namespace vigia::notifier::testing
