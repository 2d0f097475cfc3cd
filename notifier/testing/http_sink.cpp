// SPDX-License-Identifier: Apache-2.0
#include "notifier/testing/http_sink.h"

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
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include "notifier/testing/test_certs.h"

namespace vigia::notifier::testing {

namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
namespace http = boost::beast::http;
using tcp = net::ip::tcp;
constexpr auto kNoThrow = net::as_tuple(net::use_awaitable);

std::string HttpRecord::Header(std::string_view name) const {
  for (const auto& [n, v] : headers)
    if (n.size() == name.size() && strncasecmp(n.data(), name.data(), n.size()) == 0) return v;
  return "";
}

struct HttpSink::Impl {
  explicit Impl(Options options_in) : options(std::move(options_in)) {
    if (options.tls) {
      const TestCerts& certs = TestCerts::Get();
      tls.use_certificate_chain_file(certs.cert_file.string());
      tls.use_private_key_file(certs.key_file.string(), ssl::context::pem);
    }
    const tcp::endpoint endpoint(net::ip::make_address(options.address), 0);
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
      {
        std::lock_guard lock(mu);
        ++connections;
      }
      net::co_spawn(ioc, Connection(std::move(socket)), net::detached);
    }
  }

  net::awaitable<void> Connection(tcp::socket socket) {
    if (!options.tls) co_return co_await Serve(socket);
    ssl::stream<tcp::socket&> stream(socket, tls);
    auto [ec] = co_await stream.async_handshake(ssl::stream_base::server, kNoThrow);
    if (ec) {
      std::lock_guard lock(mu);
      ++tls_failures;
      co_return;
    }
    co_await Serve(stream);
  }

  template <typename Stream>
  net::awaitable<void> Serve(Stream& stream) {
    boost::beast::flat_buffer buffer;
    for (;;) {
      http::request<http::string_body> req;
      auto [ec, n] = co_await http::async_read(stream, buffer, req, kNoThrow);
      if (ec) co_return;
      HttpRecord record{std::string(req.method_string()),
                        std::string(req.target()),
                        {},
                        req.body(),
                        std::chrono::steady_clock::now()};
      for (const auto& field : req) record.headers.emplace_back(field.name_string(), field.value());
      const HttpAnswer answer = options.responder ? options.responder(record) : HttpAnswer{};
      {
        std::lock_guard lock(mu);
        records.push_back(std::move(record));
      }
      cv.notify_all();
      if (answer.hang) {
        char c;
        co_await stream.async_read_some(net::buffer(&c, 1), kNoThrow);  // until the client leaves
        co_return;
      }
      if (answer.delay.count() > 0) {
        net::steady_timer timer(co_await net::this_coro::executor, answer.delay);
        co_await timer.async_wait(kNoThrow);
      }
      if (answer.interim) {
        http::response<http::empty_body> interim{http::status::continue_, 11};
        auto [iec, in] = co_await http::async_write(stream, interim, kNoThrow);
        if (iec) co_return;
      }
      http::response<http::string_body> res{static_cast<http::status>(answer.status), 11};
      if (answer.status >= 300 && answer.status < 400) res.set(http::field::location, "/elsewhere");
      if (answer.status >= 200 && answer.status != 204 && answer.status != 304)
        res.body() = "answer body";
      res.keep_alive(req.keep_alive());
      res.prepare_payload();
      auto [wec, wn] = co_await http::async_write(stream, res, kNoThrow);
      if (wec || !req.keep_alive()) co_return;
    }
  }

  Options options;
  ssl::context tls{ssl::context::tls_server};
  mutable std::mutex mu;
  mutable std::condition_variable cv;
  std::vector<HttpRecord> records;
  size_t connections = 0, tls_failures = 0;
  uint16_t port = 0;
  net::io_context ioc{1};
  tcp::acceptor acceptor{ioc};
  std::thread thread;
};

HttpSink::HttpSink() : HttpSink(Options{}) {}
HttpSink::HttpSink(Options options) : impl_(std::make_unique<Impl>(std::move(options))) {}
HttpSink::~HttpSink() = default;

uint16_t HttpSink::port() const { return impl_->port; }

std::string HttpSink::Url(std::string_view path, std::string_view host) const {
  return std::string(impl_->options.tls ? "https://" : "http://") +
         std::string(host.empty() ? std::string_view(impl_->options.address) : host) + ":" +
         std::to_string(impl_->port) + std::string(path);
}

std::vector<HttpRecord> HttpSink::requests() const {
  std::lock_guard lock(impl_->mu);
  return impl_->records;
}

size_t HttpSink::connections() const {
  std::lock_guard lock(impl_->mu);
  return impl_->connections;
}

size_t HttpSink::tls_failures() const {
  std::lock_guard lock(impl_->mu);
  return impl_->tls_failures;
}

bool HttpSink::WaitForRequests(size_t n, std::chrono::milliseconds timeout) const {
  std::unique_lock lock(impl_->mu);
  return impl_->cv.wait_for(lock, timeout, [&] { return impl_->records.size() >= n; });
}

uint16_t ClosedPort() {
  net::io_context ioc;
  tcp::acceptor acceptor(ioc, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0));
  return acceptor.local_endpoint().port();
}

}  // namespace vigia::notifier::testing
