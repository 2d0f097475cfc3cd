// SPDX-License-Identifier: Apache-2.0
// The core thread: takes validated events from the connectors (bus.h), checks
// future skew and duplicates, stamps seq and arrival (the journal), evaluates
// them with the engine, keeps the alerts, publishes alerts and updates, and
// answers the HTTP thread's queries. Its clock follows the wall clock between
// events, so deadlines fire when nothing arrives.
// Thread rules: Open() and Run() on the core thread; other threads talk to it
// only through its sockets (kQueryEndpoint, kIngestEndpoint). No locks.
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include <zmq.hpp>

#include "core/event_decoder.h"
#include "daemon/alert_store.h"
#include "engine/dedup_index.h"
#include "engine/engine.h"

namespace vigia::daemon {

inline constexpr const char* kQueryEndpoint = "inproc://vigia.query";
inline constexpr const char* kAlertsInproc = "inproc://vigia.alerts";

struct CoreOptions {
  DurationUs max_future_skew = 5 * kMinute;
  DurationUs dedup_window = 30 * kDay;
  std::vector<std::string> publish;  // PUB endpoints (besides kAlertsInproc)
};

// A wall clock that tests can replace.
using WallClock = TimeUs (*)();
TimeUs SystemNow();

class Core : public engine::AlertSink {
 public:
  // `context` must outlive the core.
  Core(zmq::context_t& context, CoreOptions options,
       std::shared_ptr<const engine::CompiledRules> rules, WallClock now = SystemNow);
  ~Core() override;

  // Binds the bus, query and publish sockets. Empty string on success.
  std::string Open();
  // Serves until `stop`; then answers what is queued and returns.
  void Run(const std::atomic<bool>& stop);

  // engine::AlertSink
  void OnAlert(const engine::Alert& alert) override;
  void OnRetraction(const engine::Retraction& retraction) override;

 private:
  void OnIngest();
  void OnQuery();
  std::string HandleQuery(const std::string& request);
  std::string Swap(const zmq::message_t& frame);
  void Publish(const std::string& topic, const std::string& json);
  void Reply(const zmq::message_t& connector, uint64_t token, const std::string& json);
  std::string MetricsText() const;

  zmq::context_t& context_;
  CoreOptions options_;
  WallClock now_;
  zmq::socket_t ingest_, query_, pub_;
  std::shared_ptr<const engine::CompiledRules> rules_;
  std::unique_ptr<engine::Engine> engine_;
  engine::DedupIndex dedup_;
  AlertStore store_;
  uint64_t seq_ = 0;
  TimeUs last_arrival_ = 0;

  struct DeadLetter {
    TimeUs arrival;
    std::string raw, reply;
  };
  std::deque<DeadLetter> dead_letters_;

  // Counters (exported by /metrics).
  uint64_t received_ = 0, accepted_ = 0, duplicates_ = 0, unknown_category_ = 0;
  uint64_t rejected_[kErrorCodeCount] = {};
  uint64_t alerts_raised_ = 0, alerts_repeated_ = 0;
};

}  // namespace vigia::daemon
