// SPDX-License-Identifier: Apache-2.0
// Test-only: a real core and HTTP server on 127.0.0.1 (ephemeral port), and a
// small synchronous Beast client to talk to them.
#pragma once

#include <catch2/catch.hpp>

#include <sys/socket.h>
#include <sys/time.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>
#include <zmq.hpp>

#include "daemon/core.h"
#include "daemon/http/server.h"
#include "rules/loader.h"

namespace vigia::daemon::http::testing {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

// One viewer, operator, integrator (limited to source red-tdt in MX-CHH and
// MX-GRO) and admin token; the secrets are the role names plus "-secret".
inline TokenTable TestTokens() {
  auto entry = [](const std::string& role) {
    return "  - {name: " + role + "-token, role: " + role + ", sha256: " +
           ToHex(Sha256Of(role + "-secret")) + "}\n";
  };
  const std::string yaml = "tokens:\n" + entry("viewer") + entry("operator") + entry("admin") +
                           "  - {name: tdt, role: integrator, sha256: " +
                           ToHex(Sha256Of("integrator-secret")) +
                           ", sources: [red-tdt], regions: [MX-CHH, MX-GRO]}\n";
  auto loaded = ParseTokens(yaml, "tokens.yaml");
  INFO(RenderText(loaded.diagnostics()));
  REQUIRE(loaded.ok());
  return loaded.value();
}

// Every report of a threat raises a warning (a rule without a pattern).
inline constexpr const char* kTestRules = R"yaml(
rules:
  - id: any-threat
    level: warning
    match: {type: report, category: threat}
    summary: "threat reported ({rule})"
)yaml";

inline std::shared_ptr<const engine::CompiledRules> CompileTestRules() {
  auto loaded = rules::LoadRuleTexts({{"test.yaml", kTestRules}});
  INFO(RenderText(loaded.diagnostics()));
  REQUIRE(loaded.ok());
  auto set = std::make_shared<const rules::RuleSet>(std::move(loaded).value());
  return std::make_shared<const engine::CompiledRules>(set, engine::EngineDefaults{});
}

// A report "now" (the engine's clock follows the wall clock: older events are late).
inline std::string Report(const std::string& id, const std::string& region = "MX-CHH",
                          const std::string& source = "red-tdt",
                          const std::string& category = "threat") {
  return R"({"id":")" + id + R"(","type":"report","time":")" + FormatRfc3339(SystemNow()) +
         R"(","source":")" + source + R"(","region":")" + region + R"(","category":")" + category +
         "\"}";
}

// How the test server differs from the default one.
struct TestServerOptions {
  std::optional<TlsFiles> tls;                // HTTPS
  std::chrono::milliseconds read_timeout{0};  // 0: kReadTimeout
};

class TestDaemon {
 public:
  explicit TestDaemon(
      TokenTable tokens = TestTokens(),
      HttpServer::ReloadFn reload = [] { return std::string(R"({"ok":true,"rules":1})"); },
      CoreOptions core_options = {}, TestServerOptions server_options = {})
      : core_(context_, std::move(core_options), CompileTestRules()),
        server_(context_, catalogs_, DecodeLimits{}, std::move(tokens), std::move(reload),
                "127.0.0.1:0", std::move(server_options.tls)) {
    if (server_options.read_timeout.count() > 0)
      server_.SetReadTimeoutForTest(server_options.read_timeout);
    REQUIRE(core_.Open().empty());
    REQUIRE(server_.Open().empty());
    REQUIRE(server_.bound_port() != 0);
    core_thread_ = std::thread([this] { core_.Run(stop_); });
    WaitForCore();
    http_thread_ = std::thread([this] { server_.Run(stop_); });
  }
  ~TestDaemon() { Stop(); }

  // Stops both threads; returns how long the HTTP server took to return.
  std::chrono::milliseconds Stop() {
    if (!http_thread_.joinable()) return {};
    const auto start = std::chrono::steady_clock::now();
    stop_ = true;
    http_thread_.join();
    const auto took = std::chrono::steady_clock::now() - start;
    core_thread_.join();
    return std::chrono::duration_cast<std::chrono::milliseconds>(took);
  }

  uint16_t port() const { return server_.bound_port(); }

  // One query answered means the core has been through its loop once, so its
  // engine clock has followed the wall clock. (Before that, the core's
  // vigia_engine_lag_seconds overflows: reported to its owner.)
  void WaitForCore() {
    zmq::socket_t req(context_, zmq::socket_type::req);
    req.set(zmq::sockopt::linger, 0);
    req.set(zmq::sockopt::rcvtimeo, 5000);
    req.connect(kQueryEndpoint);
    req.send(zmq::str_buffer(R"({"op":"rules"})"));
    zmq::message_t reply;
    REQUIRE(req.recv(reply));
  }
  HttpServer& server() { return server_; }
  connectors::CatalogHandle& catalogs() { return catalogs_; }

 private:
  zmq::context_t context_;
  // The built-in catalogs, not owned (they are static).
  connectors::CatalogHandle catalogs_{
      std::shared_ptr<const Catalogs>(&Catalogs::Defaults(), [](const Catalogs*) {})};
  std::atomic<bool> stop_{false};
  Core core_;
  HttpServer server_;
  std::thread core_thread_, http_thread_;
};

struct Reply {
  unsigned status = 0;
  std::string body;
  bhttp::fields headers;
  boost::json::value json() const { return boost::json::parse(body); }
};

// A client connection (keep-alive); reads fail after 15 s rather than hang.
class Client {
 public:
  // `receive_buffer` > 0 sets SO_RCVBUF (before connecting, so that the window is small).
  explicit Client(uint16_t port, int receive_buffer = 0) : socket_(ioc_) {
    socket_.open(tcp::v4());
    if (receive_buffer > 0) socket_.set_option(net::socket_base::receive_buffer_size(receive_buffer));
    socket_.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
    timeval tv{15, 0};
    setsockopt(socket_.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  }

  Reply Call(bhttp::verb method, const std::string& target, const std::string& token = "",
             const std::string& body = "", bool keep_alive = true) {
    bhttp::request<bhttp::string_body> req{method, target, 11};
    req.set(bhttp::field::host, "127.0.0.1");
    if (!token.empty()) req.set(bhttp::field::authorization, "Bearer " + token);
    if (method == bhttp::verb::post) req.set(bhttp::field::content_type, "application/json");
    req.body() = body;
    req.keep_alive(keep_alive);
    req.prepare_payload();
    bhttp::write(socket_, req);
    return Read();
  }

  Reply Read() {
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(64 << 20);
    bhttp::read(socket_, buffer_, parser);
    Reply r;
    r.status = parser.get().result_int();
    r.body = parser.get().body();
    r.headers = parser.get().base();
    return r;
  }

  // Reads raw bytes until `needle` has been seen (or the read times out: false).
  bool ReadUntil(const std::string& needle) {
    while (raw_.find(needle) == std::string::npos)
      if (!ReadMore()) return false;
    return true;
  }
  // Appends what the socket has to raw(); false on error or timeout.
  bool ReadMore() {
    char chunk[16384];
    beast::error_code ec;
    const size_t n = socket_.read_some(net::buffer(chunk), ec);
    if (ec) return false;
    raw_.append(chunk, n);
    return true;
  }
  const std::string& raw() const { return raw_; }

  void WriteRaw(const std::string& text) { net::write(socket_, net::buffer(text)); }
  tcp::socket& socket() { return socket_; }

 private:
  net::io_context ioc_;
  tcp::socket socket_;
  beast::flat_buffer buffer_;
  std::string raw_;
};

inline Reply Get(uint16_t port, const std::string& target, const std::string& token = "") {
  return Client(port).Call(bhttp::verb::get, target, token);
}
inline Reply Post(uint16_t port, const std::string& target, const std::string& token,
                  const std::string& body) {
  return Client(port).Call(bhttp::verb::post, target, token, body);
}

}  // namespace vigia::daemon::http::testing
