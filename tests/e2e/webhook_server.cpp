// SPDX-License-Identifier: Apache-2.0
#include "webhook_server.h"

#include <algorithm>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <catch2/catch.hpp>
#include <cctype>
#include <condition_variable>
#include <iomanip>
#include <map>
#include <mutex>
#include <sstream>
#include <thread>

namespace vigia::e2e {
namespace {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using SysClock = std::chrono::system_clock;

bool IEquals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

std::string PathOf(std::string_view target) {
  return std::string(target.substr(0, target.find('?')));
}

}  // namespace

std::string HookRequest::path() const { return PathOf(target); }

std::string HookRequest::Header(std::string_view name) const {
  for (const auto& [n, v] : headers)
    if (IEquals(n, name)) return v;
  return "";
}

boost::json::object HookRequest::Json() const { return ParseObject(body); }

std::string HookRequest::Describe() const {
  std::string text = method + " " + target + " key=" + Header("Idempotency-Key") + " -> " +
                     (answered ? std::to_string(answered) : std::string("hung")) + " " +
                     body.substr(0, 300);
  if (body.size() > 300) text += "...";
  return text;
}

struct WebhookServer::Impl {
  struct Session;

  net::io_context ioc;
  std::optional<net::executor_work_guard<net::io_context::executor_type>> work;
  std::thread thread;
  std::optional<tcp::acceptor> acceptor;  // the io thread's once it runs
  uint16_t port = 0;

  mutable std::mutex mu;
  mutable std::condition_variable changed;
  bool running = false;
  std::vector<HookRequest> requests;
  std::map<std::string, HookBehaviour, std::less<>> behaviours;
  size_t hung_count = 0;

  // The io thread's only.
  std::vector<std::weak_ptr<Session>> sessions;
  std::vector<std::shared_ptr<Session>> hung;

  struct Session : std::enable_shared_from_this<Session> {
    Session(tcp::socket s, Impl* server) : socket(std::move(s)), server(server) {}
    tcp::socket socket;
    Impl* server;
    beast::flat_buffer buffer;
    std::optional<bhttp::request_parser<bhttp::string_body>> parser;
    bhttp::response<bhttp::string_body> response;

    void Close() {
      beast::error_code ignored;
      socket.shutdown(tcp::socket::shutdown_both, ignored);
      socket.close(ignored);
    }

    void Read() {
      parser.emplace();
      parser->body_limit(64 * 1024 * 1024);
      bhttp::async_read(
          socket, buffer, *parser,
          [self = shared_from_this()](beast::error_code ec, size_t) { self->OnRead(ec); });
    }

    void OnRead(beast::error_code ec) {
      if (ec) return Close();
      const auto& req = parser->get();
      HookRequest r;
      r.method = std::string(req.method_string());
      r.target = std::string(req.target());
      for (const auto& f : req)
        r.headers.emplace_back(std::string(f.name_string()), std::string(f.value()));
      r.body = req.body();
      r.at = SysClock::now();
      HookBehaviour b;
      {
        std::lock_guard lock(server->mu);
        if (auto it = server->behaviours.find(r.path()); it != server->behaviours.end())
          b = it->second;
        r.answered = b.hang ? 0 : b.status;
        server->requests.push_back(r);
        if (b.hang) ++server->hung_count;
      }
      server->changed.notify_all();
      if (b.hang) {
        server->hung.push_back(shared_from_this());
        return;
      }
      const bool keep_alive = req.keep_alive();
      response = {};
      response.version(11);
      response.result(b.status);
      response.set(bhttp::field::server, "vigia-e2e-webhook");
      response.set(bhttp::field::content_type, "application/json");
      response.body() = b.status / 100 == 2 ? std::string(R"({"ok":true})")
                                            : R"({"error":"the e2e webhook answers )" +
                                                  std::to_string(b.status) + "\"}";
      response.keep_alive(keep_alive);
      response.prepare_payload();
      bhttp::async_write(socket, response,
                         [self = shared_from_this(), keep_alive](beast::error_code ec, size_t) {
                           if (ec || !keep_alive) return self->Close();
                           self->Read();
                         });
    }
  };

  void Accept() {
    acceptor->async_accept([this](beast::error_code ec, tcp::socket socket) {
      if (ec) return;  // closed by Stop()
      auto s = std::make_shared<Session>(std::move(socket), this);
      std::erase_if(sessions, [](const auto& w) { return w.expired(); });
      sessions.push_back(s);
      s->Read();
      Accept();
    });
  }

  // Binds 127.0.0.1:`want` (0: any); the error when it cannot.
  beast::error_code Listen(uint16_t want) {
    beast::error_code ec;
    tcp::acceptor a(ioc);
    const tcp::endpoint endpoint(net::ip::address_v4::loopback(), want);
    a.open(endpoint.protocol(), ec);
    if (!ec) a.set_option(net::socket_base::reuse_address(true), ec);
    if (!ec) a.bind(endpoint, ec);
    if (!ec) a.listen(net::socket_base::max_listen_connections, ec);
    if (ec) return ec;
    port = a.local_endpoint().port();
    acceptor.emplace(std::move(a));
    return ec;
  }

  void Run() {
    ioc.restart();
    work.emplace(net::make_work_guard(ioc));
    net::post(ioc, [this] { Accept(); });
    thread = std::thread([this] { ioc.run(); });
    std::lock_guard lock(mu);
    running = true;
  }

  void Shutdown() {
    {
      std::lock_guard lock(mu);
      if (!running) return;
      running = false;
    }
    net::post(ioc, [this] {
      beast::error_code ignored;
      acceptor->close(ignored);
      for (auto& w : sessions)
        if (auto s = w.lock()) s->Close();
      sessions.clear();
      hung.clear();
      work.reset();
    });
    thread.join();
    acceptor.reset();
    std::lock_guard lock(mu);
    hung_count = 0;
  }
};

WebhookServer::WebhookServer(uint16_t port) : impl_(std::make_shared<Impl>()) {
  const auto ec = impl_->Listen(port);
  INFO("binding the e2e webhook server to 127.0.0.1:" << port << ": " << ec.message());
  REQUIRE_FALSE(ec);
  impl_->Run();
}

WebhookServer::~WebhookServer() { impl_->Shutdown(); }

uint16_t WebhookServer::port() const { return impl_->port; }

std::string WebhookServer::Url(std::string_view path) const {
  return "http://127.0.0.1:" + std::to_string(impl_->port) + std::string(path);
}

void WebhookServer::SetBehaviour(std::string_view path, HookBehaviour behaviour) {
  std::lock_guard lock(impl_->mu);
  impl_->behaviours[std::string(path)] = behaviour;
}

void WebhookServer::Stop() { impl_->Shutdown(); }

void WebhookServer::Start() {
  if (running()) return;
  // The port was ours a moment ago; closed connections may linger in TIME_WAIT,
  // which SO_REUSEADDR allows, but retry a little all the same.
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  beast::error_code ec;
  while ((ec = impl_->Listen(impl_->port)) && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(50ms);
  INFO("listening again on 127.0.0.1:" << impl_->port << ": " << ec.message());
  REQUIRE_FALSE(ec);
  impl_->Run();
}

bool WebhookServer::running() const {
  std::lock_guard lock(impl_->mu);
  return impl_->running;
}

std::vector<HookRequest> WebhookServer::Requests(std::string_view path) const {
  std::lock_guard lock(impl_->mu);
  if (path.empty()) return impl_->requests;
  std::vector<HookRequest> out;
  for (const auto& r : impl_->requests)
    if (r.path() == path) out.push_back(r);
  return out;
}

size_t WebhookServer::Count(std::string_view path) const { return Requests(path).size(); }

size_t WebhookServer::Hung() const {
  std::lock_guard lock(impl_->mu);
  return impl_->hung_count;
}

void WebhookServer::Clear() {
  std::lock_guard lock(impl_->mu);
  impl_->requests.clear();
}

bool WebhookServer::WaitUntil(const std::function<bool(const std::vector<HookRequest>&)>& ready,
                              Ms timeout) const {
  std::unique_lock lock(impl_->mu);
  return impl_->changed.wait_for(lock, timeout, [&] { return ready(impl_->requests); });
}

std::optional<HookRequest> WebhookServer::WaitFor(
    std::string_view path, const std::function<bool(const HookRequest&)>& match, Ms timeout) const {
  std::optional<HookRequest> found;
  WaitUntil(
      [&](const std::vector<HookRequest>& all) {
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

std::optional<HookRequest> WebhookServer::WaitForKey(std::string_view path, std::string_view key,
                                                     Ms timeout) const {
  return WaitFor(
      path, [key](const HookRequest& r) { return r.Header("Idempotency-Key") == key; }, timeout);
}

std::string WebhookServer::Describe(std::optional<SysClock::time_point> origin) const {
  const auto all = Requests();
  if (all.empty())
    return "(the webhook server on port " + std::to_string(port()) + " got no request)\n";
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

}  // namespace vigia::e2e
