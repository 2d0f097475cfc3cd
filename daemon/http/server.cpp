// SPDX-License-Identifier: Apache-2.0
#include "daemon/http/server.h"

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <unordered_map>
#include <utility>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <zmq_addon.hpp>

#include "daemon/core.h"
#include "daemon/http/api.h"
#include "daemon/http/core_client.h"
#include "daemon/http/session.h"

namespace vigia::daemon::http {
namespace {

namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
using tcp = net::ip::tcp;

// How often the server thread looks at `stop` and at the alert stream: SSE
// clients see an alert at most this long after it was published.
constexpr std::chrono::milliseconds kTick{25};
constexpr std::chrono::seconds kKeepAlive{15};
constexpr size_t kMaxConnections = 1000;
// Published messages taken from the SUB socket in one go. After each batch the
// io_context runs the write completions before the next (posted) batch, so a
// burst of alerts reaches a client that keeps up without piling into its
// backlog, while one that does not read falls behind and is dropped.
constexpr int kAlertsPerBatch = 128;
// What the SUB socket may hold while the server thread is busy; beyond it the
// PUB side drops messages for this subscriber (SSE is a live view, not a log:
// the alerts stay queryable at /api/v1/alerts).
constexpr int kAlertsHighWaterMark = 100000;

// The SSE text of one published message: topic "alert.<level>.<region>" is
// event "alert", "update.<change>.<region>" is "update".
std::string SseEvent(std::string_view topic, std::string_view json) {
  std::string_view kind = topic.substr(0, topic.find('.'));
  if (kind != "alert" && kind != "update") kind = "message";
  std::string out = "event: " + std::string(kind) + "\ndata: ";
  for (char c : json) {
    if (c == '\n') out += "\ndata: ";  // each line of data needs its own field
    else if (c != '\r') out += c;
  }
  return out + "\n\n";
}

// OpenSSL's reason for the last failure (its queue emptied), for a start error.
std::string OpenSslReason() {
  std::string reason;
  while (unsigned long e = ERR_get_error()) {
    char text[256];
    ERR_error_string_n(e, text, sizeof text);
    reason = text;  // the last one is the most specific
  }
  return reason.empty() ? "unknown error" : reason;
}

// A TLS 1.2+ server context with `files` loaded; empty and `error` set if not.
std::unique_ptr<ssl::context> LoadTls(const TlsFiles& files, std::string& error) {
  for (const auto& [what, path] : {std::pair{"certificate", &files.cert}, std::pair{"key", &files.key}}) {
    if (FILE* f = std::fopen(path->c_str(), "rb")) {
      std::fclose(f);
    } else {
      error = std::string("cannot read the HTTPS ") + what + " file '" + path->string() + "': " +
              std::strerror(errno);
      return nullptr;
    }
  }
  auto ctx = std::make_unique<ssl::context>(ssl::context::tls_server);
  SSL_CTX* native = ctx->native_handle();
  SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION);
  SSL_CTX_set_options(native, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION |
                                  SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_SINGLE_DH_USE);
  // Without this OpenSSL would prompt on the terminal for an encrypted key's passphrase.
  SSL_CTX_set_default_passwd_cb(native, [](char*, int, int, void*) { return 0; });
  ERR_clear_error();
  // The key first: a certificate loaded after it drops a key that does not
  // match, which SSL_CTX_check_private_key then reports.
  if (SSL_CTX_use_PrivateKey_file(native, files.key.c_str(), SSL_FILETYPE_PEM) != 1) {
    error = "the HTTPS key file '" + files.key.string() +
            "' holds no usable PEM private key (an encrypted key is not supported): " + OpenSslReason();
    return nullptr;
  }
  if (SSL_CTX_use_certificate_chain_file(native, files.cert.c_str()) != 1) {
    error = "the HTTPS certificate file '" + files.cert.string() +
            "' holds no usable PEM certificate: " + OpenSslReason();
    return nullptr;
  }
  if (SSL_CTX_check_private_key(native) != 1) {
    ERR_clear_error();
    error = "the HTTPS key '" + files.key.string() + "' does not match the certificate '" +
            files.cert.string() + "'";
    return nullptr;
  }
  return ctx;
}

}  // namespace

struct HttpServer::Impl {
  Impl(zmq::context_t& context_in, const connectors::CatalogHandle& catalogs_in,
       DecodeLimits limits_in,
       TokenTable tokens_in, ReloadFn reload_in, std::string bind_in,
       std::optional<TlsFiles> tls_files_in)
      : context(context_in),
        catalogs(catalogs_in),
        limits(limits_in),
        tokens(std::move(tokens_in)),
        reload(std::move(reload_in)),
        bind(std::move(bind_in)),
        tls_files(std::move(tls_files_in)) {}

  void Accept();
  // Api::StartReload: runs `reload` on the worker, then `done` on ioc.
  void StartReload(std::function<void(std::string)> done);
  void Tick();
  void Shutdown();
  void DrainAlerts();
  void Broadcast(std::string_view text);

  // Declared first so that it is destroyed last: sessions and timers use it.
  net::io_context ioc{1};
  tcp::acceptor acceptor{ioc};
  net::steady_timer tick{ioc};
  net::steady_timer accept_retry{ioc};

  zmq::context_t& context;
  const connectors::CatalogHandle& catalogs;
  DecodeLimits limits;
  TokenTable tokens;
  ReloadFn reload;
  std::string bind;
  std::optional<TlsFiles> tls_files;
  std::unique_ptr<ssl::context> tls;  // set by Open() when tls_files are
  SessionTimeouts timeouts;
  uint16_t port = 0;

  HttpStats stats;
  std::unordered_map<Session*, std::unique_ptr<Session>> sessions;
  const std::atomic<bool>* stop = nullptr;
  Api* api = nullptr;               // during Run
  zmq::socket_t* alerts = nullptr;  // during Run
  // During Run: the one thread that runs reloads, one after the other, in the
  // order asked, so that a reload never holds up the connections.
  net::thread_pool* worker = nullptr;
  std::chrono::steady_clock::time_point next_keep_alive;
  bool shutting_down = false;
  bool draining = false;  // a DrainAlerts() is posted
};

void HttpServer::Impl::Accept() {
  acceptor.async_accept([this](boost::system::error_code ec, tcp::socket socket) {
    if (shutting_down || ec == net::error::operation_aborted) return;
    if (ec) {
      // Out of descriptors, for instance: try again soon rather than spin.
      accept_retry.expires_after(std::chrono::milliseconds(50));
      accept_retry.async_wait([this](boost::system::error_code ec2) {
        if (!ec2 && !shutting_down) Accept();
      });
      return;
    }
    if (sessions.size() < kMaxConnections) {
      auto session = MakeSession(std::move(socket), tls.get(), *api, stats, timeouts, [this](Session* done) {
        // Destroyed from a handler of its own, after the one that finished it returned.
        net::post(ioc, [this, done] { sessions.erase(done); });
      });
      Session* raw = session.get();
      sessions.emplace(raw, std::move(session));
      raw->Start();
    }  // else the socket closes here: too many connections
    Accept();
  });
}

void HttpServer::Impl::StartReload(std::function<void(std::string)> done) {
  net::post(*worker, [this, done = std::move(done)]() mutable {
    std::string result;
    try {
      result = reload();
    } catch (...) {
      result.clear();  // reported: Api::Reload answers 500 and counts it
    }
    net::post(ioc, [done = std::move(done), result = std::move(result)]() mutable {
      done(std::move(result));
    });
  });
}

void HttpServer::Impl::Tick() {
  tick.expires_after(kTick);
  tick.async_wait([this](boost::system::error_code ec) {
    if (ec || shutting_down) return;
    if (stop->load(std::memory_order_relaxed)) return Shutdown();
    try {
      if (!draining) DrainAlerts();
      const auto now = std::chrono::steady_clock::now();
      if (now >= next_keep_alive) {
        next_keep_alive = now + kKeepAlive;
        Broadcast(": keep-alive\n\n");
      }
    } catch (const std::exception&) {
      ++stats.internal_errors;
    }
    Tick();
  });
}

void HttpServer::Impl::Shutdown() {
  shutting_down = true;
  boost::system::error_code ec;
  acceptor.close(ec);
  accept_retry.cancel();
  for (auto& [raw, session] : sessions) session->Close();
  ioc.stop();
}

void HttpServer::Impl::DrainAlerts() {
  draining = false;
  if (shutting_down) return;
  std::vector<zmq::message_t> frames;
  for (int i = 0; i < kAlertsPerBatch; ++i) {
    frames.clear();
    if (!zmq::recv_multipart(*alerts, std::back_inserter(frames), zmq::recv_flags::dontwait)) return;
    if (frames.size() != 2 || stats.stream_clients == 0) continue;
    Broadcast(SseEvent(frames[0].to_string_view(), frames[1].to_string_view()));
  }
  draining = true;  // more may wait: go on after the handlers already queued
  net::post(ioc, [this] {
    try {
      DrainAlerts();
    } catch (const std::exception&) {
      ++stats.internal_errors;
      draining = false;
    }
  });
}

void HttpServer::Impl::Broadcast(std::string_view text) {
  // Send() may close a session; it is erased later from a posted handler, so
  // the map does not change during this loop.
  for (auto& [raw, session] : sessions)
    if (session->streaming()) session->Send(text);
}

HttpServer::HttpServer(zmq::context_t& context, const connectors::CatalogHandle& catalogs,
                       DecodeLimits limits, TokenTable tokens, ReloadFn reload, std::string bind,
                       std::optional<TlsFiles> tls)
    : impl_(std::make_unique<Impl>(context, catalogs, limits, std::move(tokens), std::move(reload),
                                   std::move(bind), std::move(tls))) {}

HttpServer::~HttpServer() = default;

std::string HttpServer::Open() {
  if (impl_->tls_files) {
    std::string error;
    impl_->tls = LoadTls(*impl_->tls_files, error);
    if (!impl_->tls) return error;
  }
  const std::string& bind = impl_->bind;
  const size_t colon = bind.rfind(':');
  if (colon == std::string::npos) return "bad HTTP bind address '" + bind + "': expected host:port";
  std::string host = bind.substr(0, colon);
  const std::string port = bind.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  unsigned port_number = 0;
  auto [end, err] = std::from_chars(port.data(), port.data() + port.size(), port_number);
  if (host.empty() || port.empty() || err != std::errc() || end != port.data() + port.size() ||
      port_number > 65535)
    return "bad HTTP bind address '" + bind + "': expected host:port";
  boost::system::error_code ec;
  tcp::resolver resolver(impl_->ioc);
  auto endpoints = resolver.resolve(host, port, tcp::resolver::passive | tcp::resolver::numeric_service, ec);
  if (ec || endpoints.empty()) return "cannot resolve the HTTP bind address '" + bind + "': " + ec.message();
  const tcp::endpoint endpoint = endpoints.begin()->endpoint();
  tcp::acceptor& acceptor = impl_->acceptor;
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (!ec) impl_->port = acceptor.local_endpoint(ec).port();
  if (ec) {
    acceptor.close();
    return "cannot listen on " + bind + ": " + ec.message();
  }
  return {};
}

uint16_t HttpServer::bound_port() const { return impl_->port; }

void HttpServer::SetTokens(TokenTable tokens) {
  Impl* impl = impl_.get();
  net::post(impl->ioc, [impl, t = std::move(tokens)]() mutable {
    impl->tokens = std::move(t);
    // A stream lasts only as long as its token: a revoked (or demoted) token
    // stops receiving alerts at once.
    for (auto& [raw, session] : impl->sessions) {
      if (!session->streaming()) continue;
      bool still_granted = false;
      for (const TokenEntry& e : impl->tokens.entries())
        if (CRYPTO_memcmp(e.sha256.data(), session->stream_token().data(), e.sha256.size()) == 0 &&
            Grants(e.role, Role::kViewer))
          still_granted = true;
      if (!still_granted) session->Close();
    }
  });
}

void HttpServer::SetReadTimeoutForTest(std::chrono::milliseconds timeout) {
  impl_->timeouts.read = timeout;
}

void HttpServer::Run(const std::atomic<bool>& stop) {
  Impl& s = *impl_;
  s.stop = &stop;
  try {
    CoreClient core(s.context, s.catalogs, s.limits);
    zmq::socket_t alerts(s.context, zmq::socket_type::sub);
    alerts.set(zmq::sockopt::rcvhwm, kAlertsHighWaterMark);
    alerts.set(zmq::sockopt::linger, 0);
    alerts.set(zmq::sockopt::subscribe, "");
    alerts.connect(kAlertsInproc);
    net::thread_pool worker(1);
    s.worker = &worker;
    Api::StartReload start_reload;
    if (s.reload) start_reload = [&s](auto done) { s.StartReload(std::move(done)); };
    Api api(core, s.tokens, start_reload, s.stats);
    s.api = &api;
    s.alerts = &alerts;
    if (s.acceptor.is_open()) s.Accept();
    s.Tick();
    for (;;) {
      try {
        s.ioc.run();
        break;
      } catch (const std::exception&) {
        ++s.stats.internal_errors;  // a handler threw; keep serving the others
      }
    }
    // Shutdown() closed every connection: let their handlers complete (at once,
    // with errors) so that each session is destroyed after its last handler.
    s.shutting_down = true;
    for (auto& [raw, session] : s.sessions) session->Close();
    // A reload in progress finishes first (the core is still running); its
    // answer, posted to ioc, then ends its session's pending operation.
    worker.join();
    s.ioc.restart();
    s.ioc.run_for(std::chrono::milliseconds(200));
    s.sessions.clear();
    s.api = nullptr;
    s.alerts = nullptr;
    s.worker = nullptr;
  } catch (const std::exception&) {
    ++s.stats.internal_errors;  // the ZeroMQ sockets could not be set up
  }
}

}  // namespace vigia::daemon::http
