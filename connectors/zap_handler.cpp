// SPDX-License-Identifier: Apache-2.0
#include "connectors/zap_handler.h"

#include <array>
#include <vector>

#include <zmq_addon.hpp>

#include "core/thread_name.h"

namespace vigia::connectors {
namespace {

constexpr auto kPoll = std::chrono::milliseconds(100);
constexpr auto kReportEvery = std::chrono::seconds(1);

}  // namespace

ZapHandler::ZapHandler(zmq::context_t& context, RefusalLog log)
    : context_(context), log_(std::move(log)) {}

ZapHandler::~ZapHandler() { Stop(); }

void ZapHandler::AddDomain(std::string domain, const ClientKeyHandle& keys) {
  domains_[std::move(domain)] = &keys;
}

std::string ZapHandler::Start() {
  try {
    socket_ = zmq::socket_t(context_, zmq::socket_type::rep);
    socket_.set(zmq::sockopt::linger, 0);
    socket_.bind(kZapEndpoint);
  } catch (const zmq::error_t& e) {
    return std::string("cannot start the ZAP handler on ") + kZapEndpoint + ": " + e.what();
  }
  thread_ = std::thread([this] { Serve(); });
  return {};
}

void ZapHandler::Stop() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

ZapDecision ZapHandler::Decide(std::string_view domain, std::string_view mechanism,
                               std::string_view credentials) const {
  auto it = domains_.find(domain);
  if (it == domains_.end()) return {"400", "unknown domain", ""};
  if (mechanism != "CURVE") return {"400", "CurveZMQ required", ""};
  const std::shared_ptr<const ClientKeySet> keys = it->second->load();
  const ClientKey* key = keys ? keys->FindByBinaryKey(credentials) : nullptr;
  if (!key) return {"400", "unknown key", ""};
  return {"200", "OK", key->name};
}

void ZapHandler::Report(std::string_view domain, std::string_view address, std::string_view reason) {
  const auto now = std::chrono::steady_clock::now();
  if (now - last_report_ < kReportEvery) {
    ++suppressed_;
    return;
  }
  last_report_ = now;
  if (log_) log_({std::string(domain), std::string(address), std::string(reason), suppressed_});
  suppressed_ = 0;
}

void ZapHandler::Serve() {
  NameThisThread("vigia-zap");
  zmq::pollitem_t item{socket_.handle(), 0, ZMQ_POLLIN, 0};
  while (!stop_.load(std::memory_order_relaxed)) {
    try {
      zmq::poll(&item, 1, kPoll);
      if (!(item.revents & ZMQ_POLLIN)) continue;
      // version, request id, domain, address, identity, mechanism, credentials...
      std::vector<zmq::message_t> request;
      if (!zmq::recv_multipart(socket_, std::back_inserter(request), zmq::recv_flags::dontwait))
        continue;
      ZapDecision decision;
      std::string request_id;
      if (request.size() < 6 || request[0].to_string_view() != "1.0") {
        decision = {"500", "malformed ZAP request", ""};
      } else {
        request_id = request[1].to_string();
        const std::string_view credentials =
            request.size() > 6 ? request[6].to_string_view() : std::string_view();
        decision = Decide(request[2].to_string_view(), request[5].to_string_view(), credentials);
        if (decision.status_code != "200")
          Report(request[2].to_string_view(), request[3].to_string_view(), decision.status_text);
      }
      std::array<zmq::const_buffer, 6> reply = {
          zmq::str_buffer("1.0"), zmq::buffer(request_id), zmq::buffer(decision.status_code),
          zmq::buffer(decision.status_text), zmq::buffer(decision.user_id), zmq::const_buffer()};
      zmq::send_multipart(socket_, reply);
    } catch (const zmq::error_t& e) {
      if (e.num() == ETERM) break;
      // A REP that failed mid-turn: the session that asked times out and
      // refuses its peer; carry on with the next request.
      Report("-", "-", std::string("ZAP handler error: ") + e.what());
    }
  }
  socket_.close();
}

}  // namespace vigia::connectors
