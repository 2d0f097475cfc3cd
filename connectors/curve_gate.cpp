// SPDX-License-Identifier: Apache-2.0
#include "connectors/curve_gate.h"

#include <zmq.h>

namespace vigia::connectors {

CurveGate::CurveGate(zmq::context_t& context, ZapHandler::RefusalLog log)
    : zap_(context, std::move(log)) {}

std::vector<std::string> CurveGate::Open(const std::vector<Domain>& domains) {
  std::vector<std::string> errors;
  if (!zmq_has("curve")) return {"this libzmq was built without CurveZMQ (libsodium)"};
  for (const Domain& d : domains) {
    auto server = LoadKeyPair(d.secret_key_file, /*private_file=*/true);
    if (!server) errors.push_back(server.error());
    auto clients = LoadClientKeys(d.clients_dir);
    if (!clients) errors.insert(errors.end(), clients.error().begin(), clients.error().end());
    if (!server || !clients) continue;
    auto state = std::make_unique<State>();
    state->config = d;
    state->server = std::move(*server);
    state->clients.store(std::move(*clients));
    domains_[d.name] = std::move(state);
    zap_.AddDomain(d.name, domains_[d.name]->clients);
  }
  if (!errors.empty()) return errors;
  if (std::string err = zap_.Start(); !err.empty()) return {err};
  return {};
}

CurveServerKeys CurveGate::ServerKeys(std::string_view domain) const {
  return {domains_.find(domain)->second->server.secret_key, std::string(domain)};
}

const ClientKeyHandle& CurveGate::Clients(std::string_view domain) const {
  return domains_.find(domain)->second->clients;
}

std::vector<CurveGate::Reloaded> CurveGate::Reload() {
  std::vector<Reloaded> out;
  for (auto& [name, state] : domains_) {
    Reloaded r{name, state->config.clients_dir, 0, {}};
    auto clients = LoadClientKeys(state->config.clients_dir);
    if (clients) {
      r.keys = (*clients)->size();
      state->clients.store(std::move(*clients));
    } else {
      r.errors = std::move(clients.error());
      r.keys = state->clients.load()->size();
    }
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace vigia::connectors
