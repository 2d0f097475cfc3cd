// SPDX-License-Identifier: Apache-2.0
// vigiad's CurveZMQ as a whole (daemon.md "CurveZMQ"): per ZAP domain (ingest,
// alerts) the server's key pair and the keys of its clients_dir, and the ZAP
// handler that admits them. The controller opens it before binding any Curve
// socket and reloads the client keys on SIGHUP; a bad clients_dir keeps the
// previous keys.
// Thread rules: Open and Reload on the controller's thread; the handles it
// gives out are read by the connector and ZAP threads.
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <zmq.hpp>

#include "connectors/curve_auth.h"
#include "connectors/zap_handler.h"

namespace vigia::connectors {

class CurveGate {
 public:
  struct Domain {
    std::string name;  // kIngestZapDomain, kAlertsZapDomain
    std::filesystem::path secret_key_file, clients_dir;
  };
  // `context` must outlive the gate; `log` reports refused handshakes.
  CurveGate(zmq::context_t& context, ZapHandler::RefusalLog log);
  CurveGate(const CurveGate&) = delete;
  CurveGate& operator=(const CurveGate&) = delete;

  // Loads every domain's server key (mode 0600) and client keys, then starts
  // the ZAP handler. Returns every problem, one line each (no key in them);
  // empty on success.
  std::vector<std::string> Open(const std::vector<Domain>& domains);

  // REQUIRES: Open() succeeded with `domain`. The references live as long as the gate.
  CurveServerKeys ServerKeys(std::string_view domain) const;
  const ClientKeyHandle& Clients(std::string_view domain) const;

  struct Reloaded {
    std::string domain;
    std::filesystem::path clients_dir;
    size_t keys = 0;                  // now in force (the previous count on errors)
    std::vector<std::string> errors;  // non-empty: the previous keys stay
  };
  // Re-reads every clients_dir. New handshakes see the new keys at once, and
  // the ingest connectors from their next loop turn (a revoked client's
  // events are then `unauthorized`).
  std::vector<Reloaded> Reload();

 private:
  struct State {
    Domain config;
    CurveKeyPair server;
    ClientKeyHandle clients;
  };
  std::map<std::string, std::unique_ptr<State>, std::less<>> domains_;
  ZapHandler zap_;  // after domains_: stops before the keys it reads go
};

}  // namespace vigia::connectors
