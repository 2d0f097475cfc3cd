// SPDX-License-Identifier: Apache-2.0
#include "http_client.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <chrono>
#include <functional>
#include <limits>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <catch2/catch.hpp>

namespace vigia::e2e {
namespace {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;

// Runs one asynchronous operation on `socket`, cancelling it after `timeout`.
// Synchronous Asio calls ignore SO_RCVTIMEO (they poll again forever), and a
// beast::tcp_stream closes its socket on a timeout; cancelling keeps it usable.
// `start` takes a completion handler (error_code, ...).
template <typename Start>
beast::error_code Await(net::io_context& ioc, tcp::socket& socket, Clock::duration timeout,
                        Start&& start) {
  std::optional<beast::error_code> result;
  bool timed_out = false;
  net::steady_timer timer(ioc);
  timer.expires_after(std::max(timeout, Clock::duration::zero()));
  timer.async_wait([&](beast::error_code ec) {
    if (ec || result) return;
    timed_out = true;
    beast::error_code ignored;
    socket.cancel(ignored);
  });
  start([&](beast::error_code ec, auto&&...) {
    result = ec;
    timer.cancel();
  });
  ioc.restart();
  ioc.run();
  if (result && *result != net::error::operation_aborted) return *result;
  if (timed_out || !result) return net::error::timed_out;
  return *result;
}

std::string Describe(std::string_view step, const beast::error_code& ec) {
  if (ec == net::error::timed_out) return std::string(step) + ": timeout";
  return std::string(step) + ": " + ec.message();
}

beast::error_code Connect(net::io_context& ioc, tcp::socket& socket, uint16_t port,
                          Clock::duration timeout) {
  beast::error_code ec;
  socket.open(tcp::v4(), ec);
  if (ec) return ec;
  const tcp::endpoint endpoint(net::ip::address_v4::loopback(), port);
  return Await(ioc, socket, timeout, [&](auto handler) { socket.async_connect(endpoint, handler); });
}

bhttp::request<bhttp::string_body> BuildRequest(const HttpRequest& r) {
  bhttp::request<bhttp::string_body> req;
  req.method_string(r.method);
  req.target(r.target);
  req.version(11);
  req.set(bhttp::field::host, "127.0.0.1");
  req.set(bhttp::field::user_agent, "vigia-e2e");
  if (!r.token.empty()) req.set(bhttp::field::authorization, "Bearer " + r.token);
  if (!r.body.empty()) req.set(bhttp::field::content_type, "application/json");
  req.body() = r.body;
  req.keep_alive(false);
  req.prepare_payload();
  for (const auto& [name, value] : r.headers) req.set(name, value);
  return req;
}

template <typename Fields>
std::vector<std::pair<std::string, std::string>> Headers(const Fields& fields) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& f : fields) out.emplace_back(std::string(f.name_string()), std::string(f.value()));
  return out;
}

bool IEquals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

Clock::duration Left(Clock::time_point deadline) {
  return std::max(deadline - Clock::now(), Clock::duration::zero());
}

}  // namespace

std::string HttpReply::Header(std::string_view name) const {
  for (const auto& [n, v] : headers)
    if (IEquals(n, name)) return v;
  return "";
}

boost::json::value HttpReply::JsonBody() const {
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(body, ec);
  return ec ? boost::json::value() : v;
}

boost::json::object HttpReply::Object() const {
  const boost::json::value v = JsonBody();
  return v.is_object() ? v.as_object() : boost::json::object();
}

HttpReply Http(uint16_t port, const HttpRequest& request, Ms timeout) {
  const auto deadline = Clock::now() + timeout;
  HttpReply reply;
  net::io_context ioc;
  tcp::socket socket(ioc);
  if (auto ec = Connect(ioc, socket, port, Left(deadline))) {
    reply.error = Describe("connect", ec);
    return reply;
  }
  auto req = BuildRequest(request);
  if (auto ec = Await(ioc, socket, Left(deadline),
                      [&](auto handler) { bhttp::async_write(socket, req, handler); })) {
    // The server may answer (413, say) and close before the whole body is sent:
    // still read what it said.
    reply.error = Describe("write", ec);
    if (ec == net::error::timed_out) return reply;
  }
  beast::flat_buffer buffer;
  bhttp::response_parser<bhttp::string_body> parser;
  parser.body_limit(std::numeric_limits<uint64_t>::max());
  if (auto ec = Await(ioc, socket, Left(deadline),
                      [&](auto handler) { bhttp::async_read(socket, buffer, parser, handler); })) {
    if (!parser.is_header_done()) {
      reply.error = Describe("read", ec);
      return reply;
    }
    reply.error = Describe("read body", ec);
  } else {
    reply.error.clear();
  }
  reply.status = parser.get().result_int();
  reply.headers = Headers(parser.get().base());
  reply.body = parser.get().body();
  return reply;
}

HttpReply Get(uint16_t port, std::string_view target, std::string_view token, Ms timeout) {
  return Http(port, {"GET", std::string(target), std::string(token), "", {}}, timeout);
}

HttpReply Post(uint16_t port, std::string_view target, std::string_view token,
               std::string_view body, Ms timeout) {
  return Http(port, {"POST", std::string(target), std::string(token), std::string(body), {}},
              timeout);
}

HttpReply Delete(uint16_t port, std::string_view target, std::string_view token, Ms timeout) {
  return Http(port, {"DELETE", std::string(target), std::string(token), "", {}}, timeout);
}

// --- RawConnection ---

struct RawConnection::Impl {
  net::io_context ioc;
  tcp::socket socket{ioc};
};

RawConnection::RawConnection(uint16_t port) : impl_(std::make_unique<Impl>()) {
  const auto ec = Connect(impl_->ioc, impl_->socket, port, 5s);
  INFO("connecting to 127.0.0.1:" << port << ": " << ec.message());
  REQUIRE_FALSE(ec);
}

RawConnection::~RawConnection() {
  beast::error_code ignored;
  impl_->socket.close(ignored);
}

bool RawConnection::Send(std::string_view bytes, Ms timeout) {
  return !Await(impl_->ioc, impl_->socket, timeout, [&](auto handler) {
    net::async_write(impl_->socket, net::buffer(bytes.data(), bytes.size()), handler);
  });
}

RawConnection::Received RawConnection::ReadUntilClosed(Ms timeout) {
  const auto deadline = Clock::now() + timeout;
  Received out;
  std::array<char, 16384> chunk;
  for (;;) {
    size_t n = 0;
    const auto ec = Await(impl_->ioc, impl_->socket, Left(deadline), [&](auto handler) {
      impl_->socket.async_read_some(net::buffer(chunk),
                                    [&n, handler](beast::error_code e, size_t got) mutable {
                                      n = got;
                                      handler(e);
                                    });
    });
    out.bytes.append(chunk.data(), n);
    if (!ec) continue;
    out.closed = ec != net::error::timed_out;
    return out;
  }
}

// --- SseClient ---

struct SseClient::Impl {
  net::io_context ioc;
  tcp::socket socket{ioc};
  beast::flat_buffer buffer;
  bhttp::response_parser<bhttp::string_body> parser;
  HttpReply head;
  std::string text;  // SSE text taken from the chunks, not yet split into blocks
  // Beast keeps a reference to the chunk callback: it lives here.
  std::function<size_t(uint64_t, beast::string_view, beast::error_code&)> on_chunk;
  bool connected = false;
  bool ended = false;

  // The next whole block ("...\n\n"), comments included; nullopt when none is
  // complete within `deadline` or the stream ended.
  std::optional<std::string> NextBlock(Clock::time_point deadline);
};

std::optional<std::string> SseClient::Impl::NextBlock(Clock::time_point deadline) {
  for (;;) {
    if (const size_t end = text.find("\n\n"); end != std::string::npos) {
      std::string block = text.substr(0, end + 1);
      text.erase(0, end + 2);
      return block;
    }
    if (ended || Clock::now() >= deadline) return std::nullopt;
    const auto ec = Await(ioc, socket, Left(deadline), [&](auto handler) {
      bhttp::async_read_some(socket, buffer, parser, handler);
    });
    if (ec == net::error::timed_out) return std::nullopt;
    if (ec || parser.is_done()) ended = true;
  }
}

SseClient::SseClient(uint16_t port, std::string_view token, Ms timeout)
    : impl_(std::make_unique<Impl>()) {
  Impl& s = *impl_;
  const auto deadline = Clock::now() + timeout;
  if (auto ec = Connect(s.ioc, s.socket, port, Left(deadline))) {
    s.head.error = Describe("connect", ec);
    return;
  }
  HttpRequest r{"GET", "/api/v1/stream", std::string(token), "", {{"Accept", "text/event-stream"}}};
  auto req = BuildRequest(r);
  req.keep_alive(true);
  if (auto ec = Await(s.ioc, s.socket, Left(deadline),
                      [&](auto handler) { bhttp::async_write(s.socket, req, handler); })) {
    s.head.error = Describe("write", ec);
    return;
  }
  s.parser.body_limit(std::numeric_limits<uint64_t>::max());
  // Chunks go to `text` as they come, not into the (never complete) body.
  s.on_chunk = [&s](uint64_t, beast::string_view data, beast::error_code&) {
    s.text.append(data.data(), data.size());
    return data.size();
  };
  s.parser.on_chunk_body(s.on_chunk);
  if (auto ec = Await(s.ioc, s.socket, Left(deadline), [&](auto handler) {
        bhttp::async_read_header(s.socket, s.buffer, s.parser, handler);
      })) {
    s.head.error = Describe("read header", ec);
    return;
  }
  s.head.status = s.parser.get().result_int();
  s.head.headers = Headers(s.parser.get().base());
  if (s.head.status != 200) {
    if (auto ec = Await(s.ioc, s.socket, Left(deadline), [&](auto handler) {
          bhttp::async_read(s.socket, s.buffer, s.parser, handler);
        }))
      s.head.error = Describe("read body", ec);
    s.head.body = s.parser.get().body();
    s.ended = true;
    return;
  }
  while (auto block = s.NextBlock(deadline)) {
    if (block->starts_with(": connected")) {
      s.connected = true;
      return;
    }
  }
  s.head.error = "no ': connected' comment in time";
}

SseClient::~SseClient() {
  beast::error_code ignored;
  impl_->socket.close(ignored);
}

const HttpReply& SseClient::head() const { return impl_->head; }
bool SseClient::connected() const { return impl_->connected; }

std::optional<SseEvent> SseClient::Next(Ms timeout) {
  const auto deadline = Clock::now() + timeout;
  while (auto block = impl_->NextBlock(deadline)) {
    SseEvent event;
    bool any_field = false, has_data = false;
    std::string_view rest = *block;
    while (!rest.empty()) {
      const size_t eol = rest.find('\n');
      std::string_view line = rest.substr(0, eol);
      rest.remove_prefix(eol == std::string_view::npos ? rest.size() : eol + 1);
      if (line.empty() || line.front() == ':') continue;  // a comment
      const size_t colon = line.find(':');
      const std::string_view name = line.substr(0, colon);
      std::string_view value = colon == std::string_view::npos ? "" : line.substr(colon + 1);
      if (value.starts_with(' ')) value.remove_prefix(1);
      any_field = true;
      if (name == "event") {
        event.event = value;
      } else if (name == "data") {
        if (has_data) event.data += '\n';
        event.data += value;
        has_data = true;
      }
    }
    if (!any_field) continue;
    if (event.event.empty()) event.event = "message";
    return event;
  }
  return std::nullopt;
}

}  // namespace vigia::e2e
