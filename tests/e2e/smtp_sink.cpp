// SPDX-License-Identifier: Apache-2.0
#include "smtp_sink.h"

#include <algorithm>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/write.hpp>
#include <catch2/catch.hpp>
#include <cctype>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <sstream>
#include <thread>

namespace vigia::e2e {
namespace {

namespace net = boost::asio;
using tcp = net::ip::tcp;
using error_code = boost::system::error_code;

bool IEquals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

bool IStartsWith(std::string_view text, std::string_view prefix) {
  return text.size() >= prefix.size() && IEquals(text.substr(0, prefix.size()), prefix);
}

std::string Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return std::string(s);
}

// "FROM:<a@b> SIZE=12" → "a@b".
std::string Address(std::string_view arg) {
  const size_t lt = arg.find('<'), gt = arg.find('>');
  if (lt != std::string_view::npos && gt != std::string_view::npos && gt > lt)
    return std::string(arg.substr(lt + 1, gt - lt - 1));
  const size_t colon = arg.find(':');
  return Trim(colon == std::string_view::npos ? arg : arg.substr(colon + 1));
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::optional<std::string> Base64Decode(std::string_view in) {
  static constexpr std::string_view kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  for (char c : in) {
    if (c == '=') break;
    const size_t v = kAlphabet.find(c);
    if (v == std::string_view::npos) return std::nullopt;
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xff);
    }
  }
  return out;
}

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

// Splits the message text into unfolded headers and the body.
void ParseMessage(SmtpMessage& m) {
  std::string_view text = m.data;
  size_t end = text.find("\r\n\r\n");
  size_t skip = 4;
  if (const size_t lf = text.find("\n\n"); lf != std::string_view::npos && lf < end) {
    end = lf;
    skip = 2;
  }
  const std::string_view head = text.substr(0, end);
  m.body = end == std::string_view::npos ? "" : std::string(text.substr(end + skip));
  std::istringstream lines{std::string(head)};
  for (std::string line; std::getline(lines, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    if ((line[0] == ' ' || line[0] == '\t') && !m.headers.empty()) {
      m.headers.back().second += line;  // unfold: the CRLF goes, the whitespace stays
      continue;
    }
    const size_t colon = line.find(':');
    if (colon == std::string::npos) continue;
    m.headers.emplace_back(line.substr(0, colon), Trim(std::string_view(line).substr(colon + 1)));
  }
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
        if (enc == 'B') decoded = Base64Decode(text);
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

std::string SmtpMessage::Header(std::string_view name) const {
  for (const auto& [n, v] : headers)
    if (IEquals(n, name)) return v;
  return "";
}

std::string SmtpMessage::DecodedHeader(std::string_view name) const {
  return DecodeEncodedWords(Header(name));
}

std::string SmtpMessage::Describe() const {
  std::ostringstream out;
  out << "MAIL FROM:<" << mail_from << ">";
  for (const auto& r : rcpt_to) out << " RCPT TO:<" << r << ">";
  out << "\n";
  for (const auto& [n, v] : headers) out << "    " << n << ": " << v << "\n";
  out << "    body: " << body.substr(0, 400) << (body.size() > 400 ? "..." : "") << "\n";
  return out.str();
}

struct SmtpSink::Impl {
  struct Session;

  net::io_context ioc;
  std::optional<net::executor_work_guard<net::io_context::executor_type>> work;
  std::thread thread;
  std::optional<tcp::acceptor> acceptor;
  uint16_t port = 0;
  int next_connection = 0;

  mutable std::mutex mu;
  mutable std::condition_variable changed;
  std::vector<SmtpMessage> messages;
  std::vector<std::string> transcript;

  std::vector<std::weak_ptr<Session>> sessions;  // the io thread's

  void Log(int connection, std::string_view line) {
    std::lock_guard lock(mu);
    transcript.push_back(std::to_string(connection) + ": " + std::string(line));
  }

  struct Session : std::enable_shared_from_this<Session> {
    Session(tcp::socket s, Impl* server, int id) : socket(std::move(s)), server(server), id(id) {}
    tcp::socket socket;
    Impl* server;
    int id;
    std::string in;   // bytes read, not yet taken as lines
    std::string out;  // the reply being written
    bool in_data = false;
    bool closing = false;
    SmtpMessage message;

    void Close() {
      error_code ignored;
      socket.shutdown(tcp::socket::shutdown_both, ignored);
      socket.close(ignored);
    }

    void Reply(std::string text) {
      out = std::move(text);
      net::async_write(socket, net::buffer(out),
                       [self = shared_from_this()](error_code ec, size_t) {
                         if (ec || self->closing) return self->Close();
                         self->ReadLine();
                       });
    }

    void ReadLine() {
      net::async_read_until(socket, net::dynamic_buffer(in), '\n',
                            [self = shared_from_this()](error_code ec, size_t n) {
                              if (ec) return self->Close();
                              std::string line = self->in.substr(0, n - 1);
                              self->in.erase(0, n);
                              if (!line.empty() && line.back() == '\r') line.pop_back();
                              self->OnLine(line);
                            });
    }

    void OnLine(const std::string& line) {
      if (in_data) {
        if (line == ".") {
          in_data = false;
          message.at = std::chrono::system_clock::now();
          ParseMessage(message);
          {
            std::lock_guard lock(server->mu);
            server->messages.push_back(message);
            server->transcript.push_back(std::to_string(id) + ": <message of " +
                                         std::to_string(message.data.size()) + " bytes>");
          }
          server->changed.notify_all();
          const std::string helo = message.helo;
          message = SmtpMessage{};
          message.helo = helo;
          return Reply("250 2.0.0 Ok: queued\r\n");
        }
        message.data += (line.starts_with("..") ? line.substr(1) : line) + "\r\n";
        return ReadLine();
      }
      server->Log(id, line);
      const std::string arg = line.size() > 4 ? Trim(std::string_view(line).substr(4)) : "";
      if (IStartsWith(line, "EHLO")) {
        message = SmtpMessage{};
        message.helo = arg;
        return Reply("250-vigia-e2e-sink\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n250 SIZE 10485760\r\n");
      }
      if (IStartsWith(line, "HELO")) {
        message = SmtpMessage{};
        message.helo = arg;
        return Reply("250 vigia-e2e-sink\r\n");
      }
      if (IStartsWith(line, "MAIL FROM:")) {
        message.mail_from = Address(std::string_view(line).substr(10));
        message.rcpt_to.clear();
        return Reply("250 2.1.0 Ok\r\n");
      }
      if (IStartsWith(line, "RCPT TO:")) {
        message.rcpt_to.push_back(Address(std::string_view(line).substr(8)));
        return Reply("250 2.1.5 Ok\r\n");
      }
      if (IEquals(line, "DATA")) {
        if (message.rcpt_to.empty()) return Reply("554 5.5.1 Error: no valid recipients\r\n");
        in_data = true;
        message.data.clear();
        return Reply("354 End data with <CR><LF>.<CR><LF>\r\n");
      }
      if (IEquals(line, "RSET")) {
        const std::string helo = message.helo;
        message = SmtpMessage{};
        message.helo = helo;
        return Reply("250 2.0.0 Ok\r\n");
      }
      if (IStartsWith(line, "NOOP")) return Reply("250 2.0.0 Ok\r\n");
      if (IEquals(line, "QUIT")) {
        closing = true;
        return Reply("221 2.0.0 Bye\r\n");
      }
      if (IStartsWith(line, "STARTTLS") || IStartsWith(line, "AUTH"))
        return Reply("502 5.5.1 Not implemented by the e2e sink\r\n");
      return Reply("500 5.5.2 Error: command not recognized\r\n");
    }
  };

  void Accept() {
    acceptor->async_accept([this](error_code ec, tcp::socket socket) {
      if (ec) return;
      auto s = std::make_shared<Session>(std::move(socket), this, ++next_connection);
      std::erase_if(sessions, [](const auto& w) { return w.expired(); });
      sessions.push_back(s);
      Log(s->id, "<connected>");
      s->Reply("220 vigia-e2e-sink ESMTP\r\n");
      Accept();
    });
  }
};

SmtpSink::SmtpSink() : impl_(std::make_shared<Impl>()) {
  Impl& s = *impl_;
  error_code ec;
  tcp::acceptor a(s.ioc);
  const tcp::endpoint endpoint(net::ip::address_v4::loopback(), 0);
  a.open(endpoint.protocol(), ec);
  if (!ec) a.bind(endpoint, ec);
  if (!ec) a.listen(net::socket_base::max_listen_connections, ec);
  INFO("binding the e2e SMTP sink: " << ec.message());
  REQUIRE_FALSE(ec);
  s.port = a.local_endpoint().port();
  s.acceptor.emplace(std::move(a));
  s.work.emplace(net::make_work_guard(s.ioc));
  net::post(s.ioc, [&s] { s.Accept(); });
  s.thread = std::thread([&s] { s.ioc.run(); });
}

SmtpSink::~SmtpSink() {
  Impl& s = *impl_;
  net::post(s.ioc, [&s] {
    error_code ignored;
    s.acceptor->close(ignored);
    for (auto& w : s.sessions)
      if (auto session = w.lock()) session->Close();
    s.work.reset();
  });
  s.thread.join();
}

uint16_t SmtpSink::port() const { return impl_->port; }

std::string SmtpSink::Url() const { return "smtp://127.0.0.1:" + std::to_string(impl_->port); }

std::vector<SmtpMessage> SmtpSink::Messages() const {
  std::lock_guard lock(impl_->mu);
  return impl_->messages;
}

size_t SmtpSink::Count() const { return Messages().size(); }

bool SmtpSink::WaitForCount(size_t n, Ms timeout) const {
  std::unique_lock lock(impl_->mu);
  return impl_->changed.wait_for(lock, timeout, [&] { return impl_->messages.size() >= n; });
}

std::vector<std::string> SmtpSink::Transcript() const {
  std::lock_guard lock(impl_->mu);
  return impl_->transcript;
}

std::string SmtpSink::Describe() const {
  std::ostringstream out;
  const auto messages = Messages();
  out << messages.size() << " message(s) at the SMTP sink on port " << port() << ":\n";
  for (const auto& m : messages) out << "  " << m.Describe();
  out << "transcript:\n";
  for (const auto& line : Transcript()) out << "  " << line << "\n";
  return out.str();
}

}  // namespace vigia::e2e
