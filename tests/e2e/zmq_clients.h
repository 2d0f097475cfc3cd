// SPDX-License-Identifier: Apache-2.0
// Small ZeroMQ clients of vigiad's sockets for the e2e tests: ack (DEALER, REQ),
// push (PUSH) and the alert stream (SUB). Every receive takes a timeout; sends
// time out after 10 s, failing the test rather than hanging it.
//
// Thread rules: a client is used by one thread. Ownership: each borrows a
// zmq::context_t that must outlive it.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json.hpp>
#include <zmq.hpp>

namespace vigia::e2e {

using Ms = std::chrono::milliseconds;
using namespace std::chrono_literals;

// The probe rule every fixture daemon loads: events of type e2e_probe raise
// alert.info.MX-ZAC. Daemon::Subscribe uses it to know a subscription is live;
// SubClient::Receive skips its alerts.
inline constexpr const char* kProbeRuleId = "e2e-probe";

// Rule files shared by the e2e tests.
inline constexpr const char* kKillingRule = R"(rules:
  - id: killing-reported
    level: critical
    match: {type: report, category: killing}
)";
// Line 4: the bad duration.
inline constexpr const char* kBrokenRule = R"(rules:
  - id: threat-cluster
    level: warning
    count: {at_least: 3, within: 7 days}
)";
inline constexpr const char* kProbeTopic = "alert.info.MX-ZAC";

// The object in `json`; an empty object when it is not a JSON object.
boost::json::object ParseObject(std::string_view json);

// DEALER on an ack endpoint; pipelines freely (no send or receive high-water mark).
class AckClient {
 public:
  // `delimiter`: prefix each event with the empty frame REQ would add.
  AckClient(zmq::context_t& context, const std::string& endpoint, bool delimiter = true);
  void Send(std::string_view event);
  // Sends a raw multipart message (the event last), no delimiter added.
  void SendFrames(const std::vector<std::string>& frames);
  std::optional<std::vector<std::string>> ReceiveFrames(Ms timeout);
  // The last frame of the next reply.
  std::optional<std::string> Receive(Ms timeout);
  // Up to `n` replies (last frames), stopping when `timeout` has passed in total.
  std::vector<std::string> ReceiveMany(size_t n, Ms timeout);
  // Send and wait for the reply; nullopt on timeout.
  std::optional<std::string> Request(std::string_view event, Ms timeout = 10s);

 private:
  zmq::socket_t socket_;
  bool delimiter_;
};

// REQ on an ack endpoint: strict send / receive turns.
class ReqClient {
 public:
  ReqClient(zmq::context_t& context, const std::string& endpoint);
  // All frames of the reply as REQ delivers them (envelope stripped); nullopt on timeout.
  std::optional<std::vector<std::string>> Request(std::string_view event, Ms timeout = 10s);

 private:
  zmq::socket_t socket_;
};

// PUSH on a push endpoint.
class PushClient {
 public:
  PushClient(zmq::context_t& context, const std::string& endpoint);
  void Send(std::string_view event);

 private:
  zmq::socket_t socket_;
};

struct Published {
  std::string topic;
  std::string json;
  boost::json::object alert;
};

// SUB on the alert stream. Get one from Daemon::Subscribe, which waits until
// the subscription is live (ZeroMQ drops what a PUB sends before that).
class SubClient {
 public:
  SubClient(zmq::context_t& context, const std::string& endpoint,
            const std::vector<std::string>& prefixes);
  // The next alert or update, skipping the fixture's probe alerts.
  std::optional<Published> Receive(Ms timeout);
  // The next message, probes included.
  std::optional<Published> ReceiveAny(Ms timeout);

 private:
  zmq::socket_t socket_;
};

}  // namespace vigia::e2e
