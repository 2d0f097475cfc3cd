// SPDX-License-Identifier: Apache-2.0
#include "daemon/controller.h"

#include <pthread.h>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <thread>
#include <vector>

#include <boost/json.hpp>
#include <spdlog/spdlog.h>
#include <zmq.hpp>

#include "connectors/curve_gate.h"
#include "connectors/file_connector.h"
#include "connectors/zmq_connector.h"
#include "core/thread_name.h"
#include "daemon/core.h"
#include "daemon/http/server.h"
#include "daemon/log_events.h"
#include "daemon/rule_loading.h"

namespace vigia::daemon {

struct Controller::Impl {
  config::Config config;
  zmq::context_t context{1};
  std::unique_ptr<connectors::CurveGate> curve;  // ingest.auth, alerts.auth; outlives the sockets
  connectors::CatalogHandle catalogs;  // replaced whole on reload
  std::unique_ptr<Core> core;
  std::vector<std::unique_ptr<connectors::Connector>> connectors;
  connectors::ZmqStats zmq_stats;
  std::unique_ptr<http::HttpServer> http_server;
  std::atomic<bool> stop_connectors{false}, stop_core{false};
  std::vector<std::thread> connector_threads;  // the HTTP server's among them
  std::thread core_thread;
  std::mutex reload_mu;  // SIGHUP and the HTTP reload may race
  rules::RuleLoader rule_loader;  // keeps the rule files: a reload re-reads changed ones

  struct ReloadOutcome {
    bool ok = false;
    size_t rules = 0;
    std::string diagnostics;  // as `vigia check` prints them
  };

  int Start();
  int StartHttp(const DecodeLimits& limits);
  ReloadOutcome Reload(const char* via);
  void ReloadTokens();
  int StartCurve(CoreOptions& core_options);
  void ReloadClientKeys();
  void Stop();
};

namespace {

// SIGHUP, SIGTERM and SIGINT are taken by the controller's thread only
// (sigwait). Blocked before any thread exists (ZeroMQ's I/O threads included),
// so that every thread inherits the mask and none dies of a default action.
sigset_t BlockSignals() {
  sigset_t set;
  sigemptyset(&set);
  for (int s : {SIGHUP, SIGTERM, SIGINT}) sigaddset(&set, s);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  signal(SIGPIPE, SIG_IGN);
  signal(SIGXFSZ, SIG_IGN);  // a file size limit is a write error (EFBIG), reported, not a crash
  return set;
}

}  // namespace

Controller::Controller(ControllerOptions options) {
  BlockSignals();
  impl_ = std::make_unique<Impl>();
  impl_->config = std::move(options.config);
}

Controller::~Controller() = default;

int Controller::Run() {
  sigset_t set = BlockSignals();

  if (int rc = impl_->Start(); rc != 0) {
    impl_->Stop();
    return rc;
  }
  spdlog::info("{} node={}", log::kReady, impl_->config.node);
  for (;;) {
    int signo = 0;
    if (sigwait(&set, &signo) != 0) continue;
    if (signo == SIGHUP) {
      impl_->Reload("sighup");
      impl_->ReloadTokens();
      impl_->ReloadClientKeys();
      continue;
    }
    spdlog::info("{} signal={}", log::kStopping, strsignal(signo));
    break;
  }
  impl_->Stop();
  spdlog::info("{}", log::kStopped);
  return 0;
}

int Controller::Impl::Start() {
  spdlog::info("{} config={}", log::kStarting, config.file.string());
  CatalogPaths paths{config.catalogs.regions, config.catalogs.groups, config.catalogs.taxonomy};
  auto loaded_catalogs = LoadCatalogs(paths);
  if (!loaded_catalogs.ok()) {
    spdlog::error("{} reason=catalogs\n{}", log::kStartFailed, RenderText(loaded_catalogs.diagnostics(), true, "vigiad not started"));
    return 2;
  }
  catalogs.store(std::make_shared<const Catalogs>(std::move(loaded_catalogs).value()));
  LoadedRules rules = LoadConfiguredRules(config, *catalogs.load(), rule_loader);
  if (!rules.rules) {
    spdlog::error("{} reason=rules\n{}", log::kStartFailed, rules.diagnostics);
    return 2;
  }
  if (!rules.diagnostics.empty()) spdlog::warn("rules.warnings\n{}", rules.diagnostics);
  spdlog::info("{} rules={} files={}", log::kRulesLoaded, rules.rules->rules().size(), rules.files);

  CoreOptions core_options;
  core_options.max_future_skew = config.engine.max_future_skew;
  core_options.dedup_window = config.ingest.dedup_window;
  if (config.alerts) core_options.publish.push_back(config.alerts->publish);
  core_options.storage = StorageOptions{
      config.storage.path,
      config.storage.sync == config::SyncMode::kFull ? storage::SyncMode::kFull : storage::SyncMode::kNormal,
      config.storage.retention};
  core_options.startup_grace = config.engine.startup_grace;
  core_options.catalogs = &catalogs;
  core_options.notifier = config.notifier;
  core_options.node = config.node;
  if (int rc = StartCurve(core_options); rc != 0) return rc;
  core = std::make_unique<Core>(context, core_options, rules.rules);
  if (std::string err = core->Open(); !err.empty()) {
    spdlog::error("{} reason=\"{}\"", log::kStartFailed, err);
    return 1;
  }
  core_thread = std::thread([this] {
    NameThisThread("vigia-core");
    try {
      core->Run(stop_core);
    } catch (const std::exception& e) {
      spdlog::critical("{} thread=core what=\"{}\"", log::kThreadFailed, e.what());
      std::abort();  // the engine thread is the heart: no silent half-daemon
    }
  });

  for (const auto& bind : config.ingest.zmq) {
    auto mode = bind.mode == config::ZmqMode::kAck ? connectors::ZmqMode::kAck : connectors::ZmqMode::kPush;
    std::optional<connectors::ZmqCurve> zmq_curve;
    if (config.ingest.auth)
      zmq_curve = connectors::ZmqCurve{curve->ServerKeys(connectors::kIngestZapDomain),
                                       &curve->Clients(connectors::kIngestZapDomain)};
    auto c = std::make_unique<connectors::ZmqConnector>(context, bind.endpoint, mode,
                                                        config.ingest.max_message, zmq_stats, zmq_curve);
    if (std::string err = c->Open(); !err.empty()) {
      spdlog::error("{} reason=\"{}\"", log::kStartFailed, err);
      return 1;
    }
    spdlog::info("{} connector={} endpoint={}", log::kListening, c->name(), c->bound_endpoint());
    connectors.push_back(std::move(c));
  }
  for (const auto& tailed : config.ingest.files) {
    auto c = std::make_unique<connectors::FileConnector>(
        tailed.path, tailed.from == config::TailFrom::kStart, config.ingest.max_message);
    if (std::string err = c->Open(); !err.empty()) {
      spdlog::error("{} reason=\"{}\"", log::kStartFailed, err);
      return 1;
    }
    spdlog::info("{} connector={}", log::kListening, c->name());
    connectors.push_back(std::move(c));
  }
  DecodeLimits limits;
  limits.max_message = config.ingest.max_message;
  for (auto& c : connectors) {
    connector_threads.emplace_back([this, connector = c.get(), limits] {
      NameThisThread(connector->name().starts_with("zmq") ? "vigia-in-zmq" : "vigia-in-file");
      try {
        connectors::IngestChannel channel(context, catalogs);
        auto initial = catalogs.load();
        EventDecoder decoder(*initial, limits);
        channel.RefreshDecoder(decoder);
        connector->Run(channel, decoder, stop_connectors);
      } catch (const std::exception& e) {
        spdlog::error("{} thread={} what=\"{}\"", log::kThreadFailed, connector->name(), e.what());
      }
    });
  }
  return StartHttp(limits);
}

int Controller::Impl::StartHttp(const DecodeLimits& limits) {
  if (!config.http) return 0;
  http::TokenTable tokens;
  if (!config.http->tokens_file.empty()) {
    auto loaded = http::LoadTokenFile(config.http->tokens_file);
    if (!loaded.ok()) {
      spdlog::error("{} reason=tokens\n{}", log::kStartFailed,
                    RenderText(loaded.diagnostics(), true, "vigiad not started"));
      return 2;
    }
    tokens = std::move(loaded).value();
  } else {
    spdlog::warn("http.no_tokens: no tokens_file in the config; /api/v1 answers 401 to everyone");
  }
  // Runs on the HTTP server's worker thread, so that other requests are served
  // meanwhile; reload_mu orders it with SIGHUP's.
  auto reload = [this] {
    ReloadOutcome outcome = Reload("http");
    boost::json::object reply{{"ok", outcome.ok}};
    if (outcome.ok) reply["rules"] = outcome.rules;
    else reply["diagnostics"] = outcome.diagnostics;
    return boost::json::serialize(reply);
  };
  std::optional<http::TlsFiles> tls;
  if (config.http->tls) tls = http::TlsFiles{config.http->tls->cert, config.http->tls->key};
  http_server = std::make_unique<http::HttpServer>(context, catalogs, limits, std::move(tokens),
                                                   reload, config.http->bind, std::move(tls));
  if (std::string err = http_server->Open(); !err.empty()) {
    spdlog::error("{} reason=\"{}\"", log::kStartFailed, err);
    return 1;
  }
  spdlog::info("{} connector=http bind={} port={} tls={}", log::kListening, config.http->bind,
               http_server->bound_port(), config.http->tls ? "on" : "off");
  connector_threads.emplace_back([this] {
    NameThisThread("vigia-http");
    http_server->Run(stop_connectors);
  });
  return 0;
}

void Controller::Impl::ReloadTokens() {
  if (!http_server || config.http->tokens_file.empty()) return;
  auto loaded = http::LoadTokenFile(config.http->tokens_file);
  if (!loaded.ok()) {
    spdlog::error("tokens.reload_failed\n{}",
                  RenderText(loaded.diagnostics(), true, "previous tokens stay active"));
    return;
  }
  size_t n = loaded.value().entries().size();
  http_server->SetTokens(std::move(loaded).value());
  spdlog::info("tokens.reloaded tokens={}", n);
}

// CurveZMQ (daemon.md): the ZAP handler must serve before a Curve socket binds.
int Controller::Impl::StartCurve(CoreOptions& core_options) {
  std::vector<connectors::CurveGate::Domain> domains;
  if (config.ingest.auth)
    domains.push_back({connectors::kIngestZapDomain, config.ingest.auth->curve_secret_key_file,
                       config.ingest.auth->clients_dir});
  if (config.alerts && config.alerts->auth)
    domains.push_back({connectors::kAlertsZapDomain, config.alerts->auth->curve_secret_key_file,
                       config.alerts->auth->clients_dir});
  if (domains.empty()) return 0;
  curve = std::make_unique<connectors::CurveGate>(context, [](const auto& r) {
    spdlog::warn("curve.refused domain={} address={} reason=\"{}\" suppressed={}", r.domain,
                 r.address, r.reason, r.suppressed);
  });
  if (auto errors = curve->Open(domains); !errors.empty()) {
    std::string text;
    for (const auto& e : errors) text += "\n  " + e;
    spdlog::error("{} reason=curve{}", log::kStartFailed, text);
    return 2;
  }
  for (const auto& d : domains)
    spdlog::info("curve.ready domain={} clients={}", d.name, curve->Clients(d.name).load()->size());
  if (config.alerts && config.alerts->auth)
    core_options.publish_curve = curve->ServerKeys(connectors::kAlertsZapDomain);
  return 0;
}

void Controller::Impl::ReloadClientKeys() {
  if (!curve) return;
  for (const auto& r : curve->Reload()) {
    if (r.errors.empty()) {
      spdlog::info("curve.keys_reloaded domain={} clients={}", r.domain, r.keys);
      continue;
    }
    std::string text;
    for (const auto& e : r.errors) text += "\n  " + e;
    spdlog::error("curve.keys_reload_failed domain={} clients_dir={}; previous keys stay active{}",
                  r.domain, r.clients_dir.string(), text);
  }
}

Controller::Impl::ReloadOutcome Controller::Impl::Reload(const char* via) {
  std::lock_guard lock(reload_mu);
  // Catalogs and rules are reloaded together: the rules are checked against the
  // new catalogs, and neither is swapped unless both load.
  CatalogPaths paths{config.catalogs.regions, config.catalogs.groups, config.catalogs.taxonomy};
  auto loaded_catalogs = LoadCatalogs(paths);
  if (!loaded_catalogs.ok()) {
    std::string text = RenderText(loaded_catalogs.diagnostics(), true, "previous catalogs and rules stay active");
    spdlog::error("{} via={} reason=catalogs\n{}", log::kRulesReloadFailed, via, text);
    return {false, 0, text};
  }
  auto new_catalogs = std::make_shared<const Catalogs>(std::move(loaded_catalogs).value());
  LoadedRules rules = LoadConfiguredRules(config, *new_catalogs, rule_loader);
  if (!rules.rules) {
    spdlog::error("{} via={}\n{}", log::kRulesReloadFailed, via, rules.diagnostics);
    return {false, 0, rules.diagnostics};
  }
  // Either the core swaps them in, or they are withdrawn and it never will.
  if (!SwapRulesInCore(context, rules.rules, via, std::chrono::seconds(10))) {
    spdlog::error("{} via={} reason=\"the core did not take the rules within 10 s\"",
                  log::kRulesReloadFailed, via);
    return {false, 0,
            "the engine did not take the new rules within 10 s; they were withdrawn, the previous "
            "rules stay active"};
  }
  catalogs.store(std::move(new_catalogs));
  spdlog::info("{} via={} rules={} files={}", log::kRulesReloaded, via, rules.rules->rules().size(),
               rules.files);
  return {true, rules.rules->rules().size(), {}};
}

void Controller::Impl::Stop() {
  stop_connectors = true;
  for (auto& t : connector_threads) t.join();
  connector_threads.clear();
  stop_core = true;
  if (core_thread.joinable()) core_thread.join();
  connectors.clear();
  http_server.reset();
  core.reset();
}

}  // namespace vigia::daemon
