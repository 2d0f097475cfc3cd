// SPDX-License-Identifier: Apache-2.0
#include "notifier/testing/smtp_sink.h"

#include <openssl/evp.h>
#include <strings.h>

#include <condition_variable>
#include <mutex>
#include <optional>
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

std::string DecodeBase64(const std::string& in) {
  std::string out(in.size(), '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(in.data()),
                                static_cast<int>(in.size()));
  if (n < 0) return "";
  size_t size = static_cast<size_t>(n);
  for (size_t i = in.size(); i > 0 && in[i - 1] == '='; --i) --size;  // EVP pads with zeros
  out.resize(size);
  return out;
}

bool StartsWith(const std::string& line, std::string_view prefix) {
  return line.size() >= prefix.size() &&
         strncasecmp(line.data(), prefix.data(), prefix.size()) == 0;
}

std::string Between(const std::string& line, char open, char close) {
  const size_t a = line.find(open), b = line.find(close, a == std::string::npos ? 0 : a);
  if (a == std::string::npos || b == std::string::npos) return "";
  return line.substr(a + 1, b - a - 1);
}

}  // namespace

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
        const std::string plain = DecodeBase64(line.substr(11));
        const size_t a = plain.find('\0'), b = plain.find('\0', a + 1);
        if (a != std::string::npos && b != std::string::npos) {
          mail.auth_user = plain.substr(a + 1, b - a - 1);
          mail.auth_password = plain.substr(b + 1);
          mail.auth_over_tls = c.tls.has_value();
        }
        reply = options.refuse_auth ? "535 5.7.8 authentication failed\r\n"
                                    : "235 2.7.0 authenticated\r\n";
      } else if (StartsWith(line, "MAIL FROM:")) {
        mail.mail_from = line.substr(10);
        mail.rcpt.clear();
        reply = "250 2.1.0 ok\r\n";
      } else if (StartsWith(line, "RCPT TO:")) {
        const std::string address = Between(line, '<', '>');
        if (!options.refuse_rcpt.empty() && address == options.refuse_rcpt) {
          reply =
              std::to_string(options.refuse_code) + " 5.1.1 <" + address + ">: no such user\r\n";
        } else {
          mail.rcpt.push_back(address);
          reply = "250 2.1.5 ok\r\n";
        }
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
        {
          std::lock_guard lock(mu);
          mails.push_back(mail);
        }
        cv.notify_all();
        mail.wire.clear();
        mail.message.clear();
        reply = "250 2.0.0 ok: queued as 42\r\n";
      } else if (StartsWith(line, "RSET") || StartsWith(line, "NOOP")) {
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

}  // namespace vigia::notifier::testing
