// SPDX-License-Identifier: Apache-2.0
#include "daemon/core.h"

#include <chrono>
#include <cstring>
#include <sstream>

#include <boost/json.hpp>
#include <zmq_addon.hpp>

#include "connectors/bus.h"

namespace vigia::daemon {
namespace {

constexpr size_t kMaxDeadLetters = 10000;
constexpr long kTickMs = 100;  // the clock follows the wall clock at least this often

std::string Topic(const char* kind, std::string_view change, const engine::Alert& a) {
  return std::string(kind) + "." + std::string(change) + "." + a.region.value_or("-");
}

std::string ErrorJson(int status, const std::string& message) {
  boost::json::object o;
  o["status"] = status;
  o["error"] = message;
  return boost::json::serialize(o);
}

std::string Ok(const std::string& body_json) {
  return "{\"status\":200,\"body\":" + body_json + "}";
}

std::optional<std::string> Str(const boost::json::object& o, const char* key) {
  if (auto* v = o.if_contains(key); v && v->is_string()) return std::string(v->as_string());
  return std::nullopt;
}

}  // namespace

TimeUs SystemNow() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Core::Core(zmq::context_t& context, CoreOptions options,
           std::shared_ptr<const engine::CompiledRules> rules, WallClock now)
    : context_(context),
      options_(std::move(options)),
      now_(now),
      ingest_(context, zmq::socket_type::router),
      query_(context, zmq::socket_type::router),
      pub_(context, zmq::socket_type::pub),
      rules_(std::move(rules)),
      engine_(std::make_unique<engine::Engine>(rules_, *this)),
      dedup_(options_.dedup_window) {}

Core::~Core() = default;

std::string Core::Open() {
  try {
    ingest_.set(zmq::sockopt::sndhwm, 0);  // replies: bounded by the connectors' in-flight
    ingest_.set(zmq::sockopt::rcvhwm, connectors::kIngestHighWaterMark);
    ingest_.set(zmq::sockopt::linger, 0);
    ingest_.bind(connectors::kIngestEndpoint);
    query_.set(zmq::sockopt::linger, 0);
    query_.bind(kQueryEndpoint);
    pub_.set(zmq::sockopt::linger, 0);
    pub_.set(zmq::sockopt::sndhwm, 100000);
    pub_.bind(kAlertsInproc);
  } catch (const zmq::error_t& e) {
    return std::string("cannot bind the internal bus: ") + e.what();
  }
  for (const auto& endpoint : options_.publish) {
    try {
      pub_.bind(endpoint);
    } catch (const zmq::error_t& e) {
      return "cannot bind the alert stream " + endpoint + ": " + e.what();
    }
  }
  return {};
}

void Core::Run(const std::atomic<bool>& stop) {
  zmq::pollitem_t items[] = {{ingest_.handle(), 0, ZMQ_POLLIN, 0},
                             {query_.handle(), 0, ZMQ_POLLIN, 0}};
  while (!stop.load(std::memory_order_relaxed)) {
    zmq::poll(items, 2, std::chrono::milliseconds(kTickMs));
    if (items[0].revents & ZMQ_POLLIN)
      for (int i = 0; i < 1024 && (ingest_.get(zmq::sockopt::events) & ZMQ_POLLIN); ++i) OnIngest();
    if (items[1].revents & ZMQ_POLLIN) OnQuery();
    engine_->AdvanceTo(std::max(now_(), last_arrival_));
  }
  // Drain: every event already handed over gets evaluated and answered.
  while (ingest_.get(zmq::sockopt::events) & ZMQ_POLLIN) OnIngest();
}

void Core::OnIngest() {
  std::vector<zmq::message_t> frames;
  if (!zmq::recv_multipart(ingest_, std::back_inserter(frames), zmq::recv_flags::dontwait)) return;
  if (frames.size() < 4) return;
  const zmq::message_t& connector = frames[0];
  const std::string_view kind(static_cast<const char*>(frames[1].data()), frames[1].size());
  const uint64_t token = connectors::FrameU64(frames[2]);
  ++received_;

  if (kind == "D") {
    std::string reply = frames.size() > 4 ? frames[4].to_string() : std::string();
    boost::system::error_code ec;
    auto parsed = boost::json::parse(reply, ec);
    if (!ec && parsed.is_object())
      if (auto* err = parsed.as_object().if_contains("error"); err && err->is_object())
        if (auto code = Str(err->as_object(), "code"))
          for (size_t c = 0; c < kErrorCodeCount; ++c)
            if (ToString(static_cast<ErrorCode>(c)) == *code) ++rejected_[c];
    dead_letters_.push_back({now_(), frames[3].to_string(), std::move(reply)});
    if (dead_letters_.size() > kMaxDeadLetters) dead_letters_.pop_front();
    return;
  }

  std::unique_ptr<Event> event = connectors::TakeEvent(frames[3]);
  if (!event) return;
  const TimeUs arrival = std::max(now_(), last_arrival_);  // non-decreasing
  auto reject = [&](ErrorCode code, std::string field, std::string message) {
    EventError err{code, event->id, std::move(field), std::move(message)};
    const std::string reply = RenderError(err);
    ++rejected_[static_cast<size_t>(code)];
    dead_letters_.push_back({arrival, CanonicalJson(*event).substr(0, connectors::kDeadLetterMax), reply});
    if (dead_letters_.size() > kMaxDeadLetters) dead_letters_.pop_front();
    if (token) Reply(connector, token, reply);
  };
  if (event->time > arrival + options_.max_future_skew) {
    return reject(ErrorCode::kFutureEvent, "time",
                  "more than " + FormatDuration(options_.max_future_skew) +
                      " ahead of the daemon's clock (" + FormatRfc3339(arrival) + ")");
  }
  switch (dedup_.Check(*event, arrival)) {
    case engine::DedupIndex::Verdict::kConflict:
      return reject(ErrorCode::kDuplicateConflict, "id",
                    "a known (source, id) with different content");
    case engine::DedupIndex::Verdict::kDuplicate:
      ++duplicates_;
      if (token) Reply(connector, token, RenderAccepted(event->id, true));
      return;
    case engine::DedupIndex::Verdict::kNew:
      break;
  }
  event->seq = ++seq_;
  event->arrival = last_arrival_ = arrival;
  ++accepted_;
  engine_->Process(*event);
  if (token) Reply(connector, token, RenderAccepted(event->id, false));
}

void Core::Reply(const zmq::message_t& connector, uint64_t token, const std::string& json) {
  std::array<zmq::const_buffer, 3> frames = {
      zmq::buffer(connector.data(), connector.size()), zmq::buffer(&token, sizeof token),
      zmq::buffer(json)};
  try {
    zmq::send_multipart(ingest_, frames, zmq::send_flags::dontwait);
  } catch (const zmq::error_t&) {
    // The connector is gone (shutdown): nobody waits for this reply.
  }
}

void Core::OnAlert(const engine::Alert& alert) {
  if (!store_.Add(alert)) {
    ++alerts_repeated_;
    return;  // an alert id is raised once
  }
  ++alerts_raised_;
  Publish(Topic("alert", rules::ToString(alert.level), alert), engine::AlertJson(alert));
}

void Core::OnRetraction(const engine::Retraction& x) {
  if (const StoredAlert* a = store_.Retract(x))
    Publish(Topic("update", "resolved", a->alert), StoredAlertJson(*a, false));
}

void Core::Publish(const std::string& topic, const std::string& json) {
  std::array<zmq::const_buffer, 2> frames = {zmq::buffer(topic), zmq::buffer(json)};
  zmq::send_multipart(pub_, frames, zmq::send_flags::dontwait);
}

void Core::OnQuery() {
  std::vector<zmq::message_t> frames;
  if (!zmq::recv_multipart(query_, std::back_inserter(frames), zmq::recv_flags::dontwait)) return;
  // [routing id] [empty delimiter, from REQ] payload...
  size_t body = 1;
  if (frames.size() > body && frames[body].size() == 0) ++body;
  if (frames.size() <= body) return;
  std::string reply;
  if (frames.size() == body + 2 && frames[body].to_string() == "swap") {
    reply = Swap(frames[body + 1]);
  } else {
    reply = HandleQuery(frames[body].to_string());
  }
  frames.resize(body + 1);
  frames[body] = zmq::message_t(reply.data(), reply.size());
  zmq::send_multipart(query_, frames, zmq::send_flags::dontwait);
}

std::string Core::Swap(const zmq::message_t& frame) {
  // The rules were loaded and compiled off this thread; swap between two events.
  std::shared_ptr<const engine::CompiledRules>* holder = nullptr;
  if (frame.size() != sizeof holder) return ErrorJson(400, "swap: no rules");
  std::memcpy(&holder, frame.data(), sizeof holder);
  std::unique_ptr<std::shared_ptr<const engine::CompiledRules>> owned(holder);
  rules_ = *owned;
  engine_->SwapRules(rules_);
  return Ok("{\"rules\":" + std::to_string(rules_->rules().size()) + "}");
}

std::string Core::HandleQuery(const std::string& request) {
  boost::system::error_code ec;
  auto parsed = boost::json::parse(request, ec);
  if (ec || !parsed.is_object()) return ErrorJson(400, "bad query");
  const auto& q = parsed.as_object();
  const std::string op = Str(q, "op").value_or("");
  if (op == "alerts") {
    AlertFilter f;
    f.status = Str(q, "status");
    f.region = Str(q, "region");
    f.group = Str(q, "group");
    f.level = Str(q, "level");
    if (auto since = Str(q, "since")) {
      f.since = ParseRfc3339(*since);
      if (!f.since) return ErrorJson(400, "since: expected an RFC 3339 timestamp");
    }
    std::string body = "[";
    for (const StoredAlert* a : store_.List(f)) body += (body.size() > 1 ? "," : "") + StoredAlertJson(*a, false);
    return Ok(body + "]");
  }
  if (op == "alert") {
    const StoredAlert* a = store_.Find(Str(q, "id").value_or(""));
    return a ? Ok(StoredAlertJson(*a, true)) : ErrorJson(404, "no alert with this id");
  }
  if (op == "ack" || op == "resolve") {
    std::string error;
    const std::string id = Str(q, "id").value_or(""), by = Str(q, "by").value_or("");
    const std::string note = Str(q, "note").value_or("");
    if (by.empty()) return ErrorJson(400, "by: who acknowledges or resolves is required");
    const StoredAlert* a = op == "ack" ? store_.Acknowledge(id, now_(), by, note, &error)
                                       : store_.Resolve(id, now_(), by, note, &error);
    if (!a) return ErrorJson(store_.Find(id) ? 409 : 404, error);
    Publish(Topic("update", op == "ack" ? "acknowledged" : "resolved", a->alert),
            StoredAlertJson(*a, false));
    return Ok(StoredAlertJson(*a, true));
  }
  if (op == "rules") {
    boost::json::array out;
    const auto& counters = engine_->counters();
    for (const auto& r : rules_->rules()) {
      const auto& c = counters[r.index];
      boost::json::object o;
      o["id"] = r.rule->id;
      o["level"] = std::string(rules::ToString(r.rule->level));
      o["pattern"] = std::string(rules::ToString(r.rule->kind));
      o["version"] = r.rule->version;
      o["shadow"] = r.rule->shadow;
      o["file"] = r.rule->pos.file;
      o["evaluations"] = c.evaluations;
      o["firings"] = c.firings;
      o["suppressed"] = c.suppressed;
      o["late"] = c.late;
      o["no_key"] = c.no_key;
      o["dropped"] = c.dropped;
      out.push_back(std::move(o));
    }
    return Ok(boost::json::serialize(out));
  }
  if (op == "deadletters") {
    boost::json::array out;
    for (auto it = dead_letters_.rbegin(); it != dead_letters_.rend() && out.size() < 1000; ++it) {
      boost::json::object o;
      o["arrival"] = FormatRfc3339(it->arrival);
      o["message"] = it->raw;
      boost::system::error_code ec2;
      o["reply"] = boost::json::parse(it->reply, ec2);
      out.push_back(std::move(o));
    }
    return Ok(boost::json::serialize(out));
  }
  if (op == "metrics") {
    boost::json::object o;
    o["text"] = MetricsText();
    return Ok(boost::json::serialize(o));
  }
  return ErrorJson(400, "unknown query '" + op + "'");
}

std::string Core::MetricsText() const {
  std::ostringstream m;
  m << "# HELP vigia_events_received_total Messages received by the core (valid or not).\n"
       "# TYPE vigia_events_received_total counter\n"
    << "vigia_events_received_total " << received_ << "\n"
    << "# TYPE vigia_events_accepted_total counter\n"
    << "vigia_events_accepted_total " << accepted_ << "\n"
    << "# TYPE vigia_events_duplicate_total counter\n"
    << "vigia_events_duplicate_total " << duplicates_ << "\n"
    << "# HELP vigia_events_rejected_total Rejected messages by error code.\n"
       "# TYPE vigia_events_rejected_total counter\n";
  for (size_t c = 0; c < kErrorCodeCount; ++c)
    m << "vigia_events_rejected_total{code=\"" << ToString(static_cast<ErrorCode>(c)) << "\"} "
      << rejected_[c] << "\n";
  m << "# TYPE vigia_rule_evaluations_total counter\n";
  const auto& counters = engine_->counters();
  for (const auto& r : rules_->rules())
    m << "vigia_rule_evaluations_total{rule=\"" << r.rule->id << "\"} " << counters[r.index].evaluations << "\n";
  m << "# TYPE vigia_rule_firings_total counter\n";
  for (const auto& r : rules_->rules())
    m << "vigia_rule_firings_total{rule=\"" << r.rule->id << "\"} " << counters[r.index].firings << "\n";
  m << "# TYPE vigia_events_late_total counter\n";
  uint64_t late = 0;
  for (const auto& c : counters) late += c.late;
  m << "vigia_events_late_total " << late << "\n";
  m << "# TYPE vigia_alerts gauge\n";
  for (const char* status : {"firing", "acknowledged", "resolved"})
    m << "vigia_alerts{status=\"" << status << "\"} " << store_.CountByStatus(status) << "\n";
  m << "# TYPE vigia_engine_open_keys gauge\n"
    << "vigia_engine_open_keys " << engine_->open_keys() << "\n";
  m << "# HELP vigia_engine_lag_seconds Wall clock minus the engine clock.\n"
       "# TYPE vigia_engine_lag_seconds gauge\n"
    << "vigia_engine_lag_seconds "
    // Before the first tick the engine clock is unset (INT64_MIN): no lag to show.
    << (engine_->clock() == INT64_MIN ? 0.0 : static_cast<double>(now_() - engine_->clock()) / kSecond)
    << "\n";
  return m.str();
}

}  // namespace vigia::daemon
