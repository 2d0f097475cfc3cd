// SPDX-License-Identifier: Apache-2.0
#include "notifier/testing/http_sink.h"

#include <strings.h>

#include <condition_variable>
#include <iomanip>
#include <map>
#include <mutex>
#include <sstream>
#include <system_error>
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
using namespace std::chrono_literals;
constexpr auto kNoThrow = net::as_tuple(net::use_awaitable);

std::string HttpRecord::path() const { return target.substr(0, target.find('?')); }

std::string HttpRecord::Header(std::string_view name) const {
  for (const auto& [n, v] : headers)
    if (n.size() == name.size() && strncasecmp(n.data(), name.data(), n.size()) == 0) return v;
  return "";
}

std::string HttpRecord::Describe() const {
  std::string text = method + " " + target + " key=" + Header("Idempotency-Key") + " -> " +
                     (answered ? std::to_string(answered) : std::string("hung")) + " " +
                     body.substr(0, 300);
  if (body.size() > 300) text += "...";
  return text;
}

struct HttpSink::Impl {
  // One Start() to Stop(). Destroying the io_context destroys every
  // connection's coroutine with its socket: the clients see the close.
  struct Listener {
    net::io_context ioc{1};
    tcp::acceptor acceptor{ioc};
    std::thread thread;
  };

  explicit Impl(Options options_in) : options(std::move(options_in)) {
    if (options.tls) {
      const TestCerts& certs = TestCerts::Get();
      tls.use_certificate_chain_file(certs.cert_file.string());
      tls.use_private_key_file(certs.key_file.string(), ssl::context::pem);
    }
    port = options.port;
  }
  ~Impl() { Stop(); }

  // Binds address:port (port 0: any) and serves; the error when it cannot.
  boost::system::error_code Listen() {
    auto l = std::make_unique<Listener>();
    boost::system::error_code ec;
    const tcp::endpoint endpoint(net::ip::make_address(options.address), port);
    l->acceptor.open(endpoint.protocol(), ec);
    if (!ec) l->acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
    if (!ec) l->acceptor.bind(endpoint, ec);
    if (!ec) l->acceptor.listen(net::socket_base::max_listen_connections, ec);
    if (ec) return ec;
    port = l->acceptor.local_endpoint().port();
    net::co_spawn(l->ioc, Accept(l->acceptor), net::detached);
    l->thread = std::thread([&ioc = l->ioc] { ioc.run(); });
    listener = std::move(l);
    std::lock_guard lock(mu);
    running = true;
    return ec;
  }

  void Stop() {
    {
      std::lock_guard lock(mu);
      if (!running) return;
      running = false;
      hung = 0;
    }
    listener->ioc.stop();
    listener->thread.join();
    listener.reset();
  }

  net::awaitable<void> Accept(tcp::acceptor& acceptor) {
    for (;;) {
      auto [ec, socket] = co_await acceptor.async_accept(kNoThrow);
      if (ec) co_return;
      {
        std::lock_guard lock(mu);
        ++connections;
      }
      net::co_spawn(acceptor.get_executor(), Connection(std::move(socket)), net::detached);
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

  // Decides the answer to `record` and records it, answer included.
  HttpAnswer Record(HttpRecord record) {
    std::optional<HttpAnswer> fixed;
    {
      std::lock_guard lock(mu);
      if (auto it = answers.find(record.path()); it != answers.end()) fixed = it->second;
    }
    // The responder is the test's code: called without the lock.
    const HttpAnswer answer = fixed               ? *fixed
                              : options.responder ? options.responder(record)
                                                  : HttpAnswer{};
    record.answered = answer.hang ? 0 : answer.status;
    {
      std::lock_guard lock(mu);
      records.push_back(std::move(record));
      if (answer.hang) ++hung;
    }
    cv.notify_all();
    return answer;
  }

  template <typename Stream>
  net::awaitable<void> Serve(Stream& stream) {
    boost::beast::flat_buffer buffer;
    for (;;) {
      http::request_parser<http::string_body> parser;
      parser.body_limit(64 * 1024 * 1024);
      auto [ec, n] = co_await http::async_read(stream, buffer, parser, kNoThrow);
      if (ec) co_return;
      const auto& req = parser.get();
      HttpRecord record{std::string(req.method_string()),
                        std::string(req.target()),
                        {},
                        req.body(),
                        std::chrono::system_clock::now()};
      for (const auto& field : req) record.headers.emplace_back(field.name_string(), field.value());
      const HttpAnswer answer = Record(std::move(record));
      if (answer.hang) {
        char c;
        for (;;) {  // until the client leaves or Stop()
          auto [rec, rn] = co_await stream.async_read_some(net::buffer(&c, 1), kNoThrow);
          if (rec) co_return;
        }
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
      res.set(http::field::server, "vigia-test-sink");
      if (answer.status >= 300 && answer.status < 400) res.set(http::field::location, "/elsewhere");
      if (answer.status >= 200 && answer.status != 204 && answer.status != 304) {
        res.set(http::field::content_type, "application/json");
        res.body() = R"({"status":)" + std::to_string(answer.status) + "}";
      }
      res.keep_alive(req.keep_alive());
      res.prepare_payload();
      auto [wec, wn] = co_await http::async_write(stream, res, kNoThrow);
      if (wec || !res.keep_alive()) co_return;
    }
  }

  Options options;
  ssl::context tls{ssl::context::tls_server};
  uint16_t port = 0;
  std::unique_ptr<Listener> listener;  // the owner thread's

  mutable std::mutex mu;
  mutable std::condition_variable cv;
  bool running = false;
  std::vector<HttpRecord> records;
  std::map<std::string, HttpAnswer, std::less<>> answers;  // by path
  size_t connections = 0, tls_failures = 0, hung = 0;
};

HttpSink::HttpSink() : HttpSink(Options{}) {}

HttpSink::HttpSink(Options options) : impl_(std::make_unique<Impl>(std::move(options))) {
  if (const auto ec = impl_->Listen())
    throw std::system_error(
        ec, "listening on " + impl_->options.address + ":" + std::to_string(impl_->port));
}

HttpSink::~HttpSink() = default;

uint16_t HttpSink::port() const { return impl_->port; }

std::string HttpSink::Url(std::string_view path, std::string_view host) const {
  return std::string(impl_->options.tls ? "https://" : "http://") +
         std::string(host.empty() ? std::string_view(impl_->options.address) : host) + ":" +
         std::to_string(impl_->port) + std::string(path);
}

void HttpSink::SetAnswer(std::string_view path, HttpAnswer answer) {
  std::lock_guard lock(impl_->mu);
  impl_->answers.insert_or_assign(std::string(path), answer);
}

void HttpSink::Stop() { impl_->Stop(); }

void HttpSink::Start() {
  if (running()) return;
  // The port was ours a moment ago; closed connections may linger in TIME_WAIT,
  // which SO_REUSEADDR allows, but retry a little all the same.
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  boost::system::error_code ec;
  while ((ec = impl_->Listen()) && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(50ms);
  if (ec)
    throw std::system_error(
        ec, "listening again on " + impl_->options.address + ":" + std::to_string(impl_->port));
}

bool HttpSink::running() const {
  std::lock_guard lock(impl_->mu);
  return impl_->running;
}

std::vector<HttpRecord> HttpSink::requests(std::string_view path) const {
  std::lock_guard lock(impl_->mu);
  if (path.empty()) return impl_->records;
  std::vector<HttpRecord> out;
  for (const auto& r : impl_->records)
    if (r.path() == path) out.push_back(r);
  return out;
}

size_t HttpSink::Count(std::string_view path) const { return requests(path).size(); }

void HttpSink::Clear() {
  std::lock_guard lock(impl_->mu);
  impl_->records.clear();
}

size_t HttpSink::connections() const {
  std::lock_guard lock(impl_->mu);
  return impl_->connections;
}

size_t HttpSink::tls_failures() const {
  std::lock_guard lock(impl_->mu);
  return impl_->tls_failures;
}

size_t HttpSink::hung() const {
  std::lock_guard lock(impl_->mu);
  return impl_->hung;
}

bool HttpSink::WaitForRequests(size_t n, std::chrono::milliseconds timeout) const {
  return WaitUntil([n](const std::vector<HttpRecord>& all) { return all.size() >= n; }, timeout);
}

bool HttpSink::WaitUntil(const std::function<bool(const std::vector<HttpRecord>&)>& ready,
                         std::chrono::milliseconds timeout) const {
  std::unique_lock lock(impl_->mu);
  return impl_->cv.wait_for(lock, timeout, [&] { return ready(impl_->records); });
}

std::optional<HttpRecord> HttpSink::WaitFor(std::string_view path,
                                            const std::function<bool(const HttpRecord&)>& match,
                                            std::chrono::milliseconds timeout) const {
  std::optional<HttpRecord> found;
  WaitUntil(
      [&](const std::vector<HttpRecord>& all) {
        for (const auto& r : all)
          if (r.path() == path && match(r)) {
            found = r;
            return true;
          }
        return false;
      },
      timeout);
  return found;
}

std::optional<HttpRecord> HttpSink::WaitForKey(std::string_view path, std::string_view key,
                                               std::chrono::milliseconds timeout) const {
  return WaitFor(
      path, [key](const HttpRecord& r) { return r.Header("Idempotency-Key") == key; }, timeout);
}

std::string HttpSink::Describe(std::optional<std::chrono::system_clock::time_point> origin) const {
  const auto all = requests();
  if (all.empty()) return "(the HTTP sink on port " + std::to_string(port()) + " got no request)\n";
  std::ostringstream out;
  out << all.size() << " request(s) to port " << port() << ":\n";
  for (const auto& r : all) {
    out << "  ";
    if (origin) {
      const double s = std::chrono::duration<double>(r.at - *origin).count();
      out << "[" << std::showpos << std::fixed << std::setprecision(2) << s << std::noshowpos
          << "s] ";
    }
    out << r.Describe() << "\n";
  }
  return out.str();
}

uint16_t ClosedPort() {
  net::io_context ioc;
  tcp::acceptor acceptor(ioc, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0));
  return acceptor.local_endpoint().port();
}

}  // namespace vigia::notifier::testing
