// SPDX-License-Identifier: Apache-2.0
#include "daemon/core.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <sstream>
#include <system_error>

#include <boost/json.hpp>
#include <spdlog/spdlog.h>
#include <zmq_addon.hpp>

#include "connectors/bus.h"
#include "daemon/log_events.h"
#include "notifier/dispatcher.h"
#include "notifier/notifier.h"

namespace vigia::daemon {
namespace {

constexpr size_t kMaxDeadLetters = 10000;
constexpr long kTickMs = 100;  // the clock follows the wall clock at least this often
// Alert rows, dead letters and the notifier's rows are committed at most this
// often (one transaction, one fsync), so a burst of alerts shares its commits;
// an alert after a quiet spell is written at once. Operators' changes are
// written before they are confirmed, whatever the time.
constexpr auto kFlushEvery = std::chrono::milliseconds(20);
// Events waiting for their commit beyond which ingest answers `overloaded`.
constexpr size_t kMaxJournalPending = 50000;
constexpr size_t kRestoredAlerts = 100000;  // newest alerts put back in memory at start
// Replies queued for one connector beyond which they are sent before the loop
// turn ends (about 1,000 replies), so its clients never wait for a long turn.
constexpr size_t kReplyBatchBytes = 64 * 1024;

// A checkpoint row's state: "VGC3", the arrival of the last event it includes
// (8 bytes, little-endian, two's complement), the engine blob preceded by its
// length (8 bytes, little-endian), then the first and last ids of the
// duplicate check's segments (8 bytes each): loaded in order, they rebuild it.
// Written before schema v3, and still read: "VGC2", the arrival, then the
// engine blob and the whole duplicate-check blob, each preceded by its length.
constexpr std::string_view kCheckpointMagic = "VGC3";
constexpr std::string_view kCheckpointMagicV2 = "VGC2";
// Keys added to the duplicate check's open segment per tick at most (a few ms
// of the core thread), and the size at which a segment is closed (one
// transaction of the checkpoint writer, which the journal writer may wait for).
constexpr uint64_t kSegmentKeysPerTick = 10000;
constexpr size_t kSegmentBytes = 1 << 20;

void PutU64(std::string& out, uint64_t v) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>(v >> (8 * i)));
}

bool TakeU64(std::string_view& in, uint64_t* v) {
  if (in.size() < 8) return false;
  *v = 0;
  for (int i = 0; i < 8; ++i) *v |= static_cast<uint64_t>(static_cast<unsigned char>(in[i])) << (8 * i);
  in.remove_prefix(8);
  return true;
}

bool TakeBlob(std::string_view& in, std::string_view* blob) {
  uint64_t n = 0;
  if (!TakeU64(in, &n)) return false;
  if (n > in.size()) return false;
  *blob = in.substr(0, n);
  in.remove_prefix(n);
  return true;
}

std::string ErrorCodeOfReply(std::string_view reply) {
  boost::system::error_code ec;
  auto parsed = boost::json::parse(reply, ec);
  if (ec || !parsed.is_object()) return {};
  const auto* err = parsed.as_object().if_contains("error");
  if (!err || !err->is_object()) return {};
  const auto* code = err->as_object().if_contains("code");
  return code && code->is_string() ? std::string(code->as_string()) : std::string();
}

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

// The frame's data is a reference to the mailbox, owned by the frame: ZeroMQ's
// free function releases it when the frame is closed (read, or dropped
// unread). inproc hands frames over without copying them, so the reader finds
// the reference at data().
zmq::message_t RulesMailbox::ToFrame(std::shared_ptr<RulesMailbox> box) {
  using Ref = std::shared_ptr<RulesMailbox>;
  auto ref = std::make_unique<Ref>(std::move(box));
  zmq::message_t frame(ref.get(), sizeof(Ref),
                       [](void* data, void*) { delete static_cast<Ref*>(data); });
  ref.release();  // the frame owns it now
  return frame;
}

std::shared_ptr<RulesMailbox> RulesMailbox::FromFrame(const zmq::message_t& frame) {
  using Ref = std::shared_ptr<RulesMailbox>;
  if (frame.size() != sizeof(Ref)) return nullptr;
  return *static_cast<const Ref*>(frame.data());
}

bool SwapRulesInCore(zmq::context_t& context, std::shared_ptr<const engine::CompiledRules> rules,
                     std::string_view via, std::chrono::milliseconds timeout,
                     const char* endpoint) {
  auto box = std::make_shared<RulesMailbox>(std::move(rules));
  zmq::socket_t s(context, zmq::socket_type::req);
  s.set(zmq::sockopt::linger, 0);
  s.set(zmq::sockopt::sndtimeo, static_cast<int>(timeout.count()));
  s.set(zmq::sockopt::rcvtimeo, static_cast<int>(timeout.count()));
  s.connect(endpoint);
  if (!s.send(zmq::buffer("swap", 4), zmq::send_flags::sndmore)) return false;  // no core
  s.send(RulesMailbox::ToFrame(box), zmq::send_flags::sndmore);
  s.send(zmq::buffer(via), zmq::send_flags::none);
  zmq::message_t reply;
  const bool answered = s.recv(reply).has_value();
  // Answered or not, the rules' fate is settled here, once: not taken by now
  // (a timeout, or a query the core refused), they never will be.
  if (box->Withdraw()) return false;
  // Taken: the core is swapping them in. Its answer follows at once (Core::Swap
  // cannot fail once it has taken them), so this wait has no timeout.
  if (!answered) {
    s.set(zmq::sockopt::rcvtimeo, -1);
    [[maybe_unused]] const auto late = s.recv(reply);
  }
  return true;
}

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

Core::~Core() {
  if (wake_fd_ >= 0) ::close(wake_fd_);
}

std::string Core::Open() {
  if (options_.storage) {
    if (std::string err = OpenStorage(); !err.empty()) return err;
  } else if (std::string err = StartNotifier(); !err.empty()) {
    return err;
  }
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
    if (options_.publish_curve) connectors::MakeCurveServer(pub_, *options_.publish_curve);
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
  std::vector<zmq::pollitem_t> items = {{ingest_.handle(), 0, ZMQ_POLLIN, 0},
                                        {query_.handle(), 0, ZMQ_POLLIN, 0}};
  const size_t durable_item = wake_fd_ >= 0 ? items.size() : SIZE_MAX;
  if (wake_fd_ >= 0) items.push_back({nullptr, wake_fd_, ZMQ_POLLIN, 0});
  const size_t outcome_item = dispatcher_ ? items.size() : SIZE_MAX;
  if (dispatcher_) items.push_back({nullptr, dispatcher_->wake_fd(), ZMQ_POLLIN, 0});
  while (!stop.load(std::memory_order_relaxed)) {
    auto timeout = std::chrono::milliseconds(kTickMs);
    if (WritesPending())
      timeout = std::clamp(std::chrono::ceil<std::chrono::milliseconds>(
                               next_flush_ - std::chrono::steady_clock::now()),
                           std::chrono::milliseconds(0), timeout);
    zmq::poll(items.data(), items.size(), timeout);
    if (items[0].revents & ZMQ_POLLIN)
      for (int i = 0; i < 1024 && (ingest_.get(zmq::sockopt::events) & ZMQ_POLLIN); ++i) OnIngest();
    if (durable_item != SIZE_MAX && (items[durable_item].revents & ZMQ_POLLIN)) OnDurable();
    SendReplies();  // before the slower work below (queries, alert writes)
    if (outcome_item != SIZE_MAX && (items[outcome_item].revents & ZMQ_POLLIN)) OnNotifierOutcomes();
    if (items[1].revents & ZMQ_POLLIN) OnQuery();
    Tick();
  }
  // Drain: every event already handed over is journaled, evaluated and answered.
  while (ingest_.get(zmq::sockopt::events) & ZMQ_POLLIN) OnIngest();
  SendReplies();
  // The last alerts' deliveries reach the dispatcher before it stops.
  if (db_) FlushWrites();
  StopNotifier();
  CloseStorage();
  SendReplies();
}

void Core::Tick() {
  const TimeUs now = now_();
  TimeUs target = std::max(now, last_arrival_);
  // After a recovery the clock waits for the events queued during the outage.
  if (now < grace_until_) target = std::min(target, held_clock_);
  // Nor may it pass an event that waits for its commit (it would come late).
  for (const Waiting& w : waiting_)
    if (w.event) {
      target = std::min(target, w.event->event.arrival);
      break;
    }
  if (target != INT64_MIN) engine_->AdvanceTo(target);
  if (now >= next_cap_check_) {
    WarnCappedRules();
    next_cap_check_ = now + kMinute;
  }
  if (notifier_) notifier_->Poll(now, Healthy());
  if (!db_) {
    if (notifier_) notifier_->AfterCommit();
    return;
  }
  // A checkpoint covers every event evaluated so far, so their alert rows are
  // written first, whatever the time: recovery replays only the journal after
  // it, and would not raise them again.
  const bool checkpoint_due = now >= next_checkpoint_;
  if (const auto steady = std::chrono::steady_clock::now();
      WritesPending() && (steady >= next_flush_ || checkpoint_due)) {
    FlushWrites();
    next_flush_ = steady + kFlushEvery;
  }
  // The duplicate check's segment grows a little every tick, so a checkpoint
  // only closes it.
  dedup_.ExtendSegments(dedup_evaluated_, kSegmentKeysPerTick, kSegmentBytes);
  if (checkpoint_due && !WritesPending() && WriteCheckpoint(false))
    next_checkpoint_ = now + options_.checkpoint_every;
  if (now >= next_retention_) {
    ApplyRetention();
    next_retention_ = now + kDay;
  }
}

void Core::WarnCappedRules() {
  const auto& counters = engine_->counters();
  for (const auto& r : rules_->rules()) {
    const uint64_t capped = counters[r.index].keys_capped;
    uint64_t& warned = capped_warned_[r.rule->id];
    if (capped > warned)
      spdlog::warn("engine.keys_capped rule={} events_not_tracked={} (the rule holds its maximum of open keys)",
                   r.rule->id, capped - warned);
    warned = capped;
  }
}

void Core::OnIngest() {
  std::vector<zmq::message_t>& frames = ingest_frames_;
  frames.clear();
  if (!zmq::recv_multipart(ingest_, std::back_inserter(frames), zmq::recv_flags::dontwait)) return;
  if (frames.size() < 4) return;
  const zmq::message_t& connector = frames[0];
  const std::string_view kind(static_cast<const char*>(frames[1].data()), frames[1].size());
  const uint64_t token = connectors::FrameU64(frames[2]);
  ++received_;

  if (kind == "D") {
    std::string reply = frames.size() > 4 ? frames[4].to_string() : std::string();
    const std::string code = ErrorCodeOfReply(reply);
    for (size_t c = 0; c < kErrorCodeCount; ++c)
      if (ToString(static_cast<ErrorCode>(c)) == code) ++rejected_[c];
    AddDeadLetter(now_(), frames[3].to_string(), std::move(reply));
    return;
  }

  std::unique_ptr<connectors::BusEvent> ingested = connectors::TakeEvent(frames[3]);
  if (!ingested) return;
  Event* const event = &ingested->event;
  const std::string_view peer(static_cast<const char*>(connector.data()), connector.size());
  const TimeUs now = std::max(now_(), last_arrival_);  // non-decreasing
  // The engine's arrival: during the startup grace, events queued while the
  // daemon was down count as having arrived when it went down.
  const TimeUs arrival = now < grace_until_ ? std::max(held_clock_, last_arrival_) : now;
  auto reject = [&](ErrorCode code, std::string field, std::string message) {
    EventError err{code, event->id, std::move(field), std::move(message)};
    const std::string reply = RenderError(err);
    ++rejected_[static_cast<size_t>(code)];
    AddDeadLetter(now, ingested->body.substr(0, connectors::kDeadLetterMax), reply);
    if (token) Reply(peer, token, reply);
  };
  if (event->time > now + options_.max_future_skew) {
    return reject(ErrorCode::kFutureEvent, "time",
                  "more than " + FormatDuration(options_.max_future_skew) +
                      " ahead of the daemon's clock (" + FormatRfc3339(now) + ")");
  }
  if (journal_ && (!journal_->healthy() || journal_->pending() >= kMaxJournalPending)) {
    // Not journaled, so not accepted: the client must send it again. Not a dead
    // letter either: nothing is wrong with the event.
    ++rejected_[static_cast<size_t>(ErrorCode::kOverloaded)];
    if (overloaded_logged_++ % 10000 == 0)
      spdlog::warn("ingest.overloaded reason={} pending={}",
                   journal_->healthy() ? "journal_backlog" : "journal_failing", journal_->pending());
    if (token)
      Reply(peer, token,
            RenderError({ErrorCode::kOverloaded, event->id, "",
                         journal_->healthy() ? "the journal is behind; send it again later"
                                             : "the journal cannot be written; send it again later"}));
    return;
  }
  switch (dedup_.Check(*event, now)) {
    case engine::DedupIndex::Verdict::kConflict:
      return reject(ErrorCode::kDuplicateConflict, "id",
                    "a known (source, id) with different content");
    case engine::DedupIndex::Verdict::kDuplicate:
      ++duplicates_;
      if (!token) return;
      // The original may still wait for its commit: so does this answer.
      if (journal_ && !waiting_.empty())
        waiting_.push_back({seq_, nullptr, std::string(peer), token, RenderAccepted(event->id, true)});
      else
        Reply(peer, token, RenderAccepted(event->id, true));
      return;
    case engine::DedupIndex::Verdict::kNew:
      break;
  }
  event->seq = ++seq_;
  event->arrival = last_arrival_ = arrival;
  if (journal_) {
    storage::JournalRow row{event->seq,    arrival,   event->time,
                            event->source, event->id, std::move(ingested->body)};
    if (!journal_->Append(std::move(row))) {  // only after Stop()
      if (token) Reply(peer, token, RenderError({ErrorCode::kOverloaded, event->id, "", "stopping"}));
      return;
    }
    const uint64_t seq = event->seq;
    waiting_.push_back({seq, std::move(ingested), std::string(peer), token, {}, dedup_.recorded()});
    return;
  }
  Evaluate(*event);
  if (token) Reply(peer, token, RenderAccepted(event->id, false));
}

void Core::Evaluate(Event& event) {
  ++accepted_;
  evaluated_arrival_ = event.arrival;
  engine_->Process(event);
}

void Core::OnDurable() {
  uint64_t signals = 0;
  if (::read(wake_fd_, &signals, sizeof signals) < 0) { /* nothing to read: fine */ }
  const uint64_t durable = durable_seq_.load(std::memory_order_acquire);
  while (!waiting_.empty() && waiting_.front().seq <= durable) {
    Waiting& w = waiting_.front();
    if (w.event) {
      dedup_evaluated_ = w.dedup_pos;
      Evaluate(w.event->event);
      if (w.token) Reply(w.connector, w.token, RenderAccepted(w.event->event.id, false));
    } else {
      Reply(w.connector, w.token, w.reply);
    }
    waiting_.pop_front();
  }
}

void Core::AddDeadLetter(TimeUs arrival, std::string raw, std::string reply) {
  if (db_) {
    storage::DeadLetterRow row;
    row.arrival = arrival;
    row.code = ErrorCodeOfReply(reply);
    row.reply = reply;
    row.raw = raw;
    if (dead_letter_rows_.size() < kMaxDeadLetters) dead_letter_rows_.push_back(std::move(row));
  }
  dead_letters_.push_back({arrival, std::move(raw), std::move(reply)});
  if (dead_letters_.size() > kMaxDeadLetters) dead_letters_.pop_front();
}

void Core::Reply(std::string_view connector, uint64_t token, std::string_view json) {
  // Connectors are few (one per endpoint): a linear search.
  auto batch = std::find_if(replies_.begin(), replies_.end(),
                            [&](const ReplyBatch& b) { return b.connector == connector; });
  if (batch == replies_.end())
    batch = replies_.insert(replies_.end(), {std::string(connector), {}});
  connectors::AppendReply(batch->replies, token, json);
  if (batch->replies.size() >= kReplyBatchBytes) SendReplies();
}

void Core::SendReplies() {
  for (ReplyBatch& batch : replies_) {
    if (batch.replies.empty()) continue;
    std::array<zmq::const_buffer, 2> frames = {zmq::buffer(batch.connector),
                                               zmq::buffer(batch.replies)};
    try {
      zmq::send_multipart(ingest_, frames, zmq::send_flags::dontwait);
    } catch (const zmq::error_t&) {
      // The connector is gone (shutdown): nobody waits for these replies.
    }
    batch.replies.clear();  // keeps its capacity for the next turn
  }
}

void Core::OnAlert(const engine::Alert& alert) {
  // Recovery re-raises the alerts of the replayed events: those stored, even if
  // too old to be held in memory, are not raised again.
  if (recovering_ && db_ && !store_.Find(alert.id)) {
    auto stored = db_->HasAlert(alert.id);
    if (stored.has_value() && *stored) {
      ++alerts_repeated_;
      return;
    }
  }
  if (!store_.Add(alert)) {
    ++alerts_repeated_;
    return;  // an alert id is raised once, across restarts too
  }
  ++alerts_raised_;
  StoredAlert& a = *store_.FindMutable(alert.id);
  PersistAlert(a, "fired", "vigia", "");
  NotifyFired(a);
  Publish(Topic("alert", rules::ToString(alert.level), alert), StoredAlertJson(a, false));
}

void Core::OnRetraction(const engine::Retraction& x) {
  if (const StoredAlert* a = store_.Retract(x)) {
    PersistAlert(*a, "resolved", "vigia", x.reason);
    if (notifier_) {
      notifier::Notice notice;
      notice.kind = notifier::Notice::Kind::kResolved;
      notice.reason = x.reason;
      notice.by = "vigia";
      notifier_->OnResolved(a->alert.id, notice, now_());
    }
    Publish(Topic("update", "resolved", a->alert), StoredAlertJson(*a, false));
  }
}

void Core::PersistAlert(const StoredAlert& a, const std::string& change, const std::string& by,
                        const std::string& note) {
  if (!db_) return;
  storage::AlertRow row;
  row.id = a.alert.id;
  row.rule = a.alert.rule;
  row.region = a.alert.region.value_or("");
  for (const auto& g : a.alert.groups) row.group += (row.group.empty() ? "" : ",") + g;
  row.level = std::string(rules::ToString(a.alert.level));
  row.status = a.alert.status;
  row.fired_at = a.alert.fired_at;
  row.updated_at = a.history.empty() ? a.alert.fired_at : a.history.back().at;
  row.json = StoredAlertJson(a, true);
  AlertWrite w{std::move(row), {}, std::nullopt};
  w.history = {w.row.id, w.row.updated_at, change, by, note};
  if (by != "vigia")
    w.audit = storage::AuditRow{now_(), by, change == "acknowledged" ? "ack" : "resolve", w.row.id, note};
  alert_writes_.push_back(std::move(w));
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
  if (frames.size() >= body + 2 && frames[body].to_string() == "swap") {
    reply = Swap(frames[body + 1], frames.size() > body + 2 ? frames[body + 2].to_string() : "vigiad");
  } else {
    reply = HandleQuery(frames[body].to_string());
  }
  frames.resize(body + 1);
  frames[body] = zmq::message_t(reply.data(), reply.size());
  zmq::send_multipart(query_, frames, zmq::send_flags::dontwait);
}

std::string Core::Swap(const zmq::message_t& frame, const std::string& via) {
  // The rules were loaded and compiled off this thread; swap between two events.
  const std::shared_ptr<RulesMailbox> box = RulesMailbox::FromFrame(frame);
  if (!box) return ErrorJson(400, "swap: no rules");
  if (!box->Take()) {
    // The sender gave up waiting and reported the reload as failed: its rules stay out.
    spdlog::warn("rules.swap_withdrawn via={} (the reload had already been reported failed)", via);
    return ErrorJson(409, "swap: the rules were withdrawn");
  }
  rules_ = box->rules();
  engine_->SwapRules(rules_);
  // Reloads are audited (notifier.md). The row is committed by this loop
  // turn's Tick(), in one transaction with the turn's other writes, rather
  // than by an fsync of its own before the answer: the rules in force are
  // in memory only (a restart reads the rule files again), so the answer
  // promises nothing that the row's commit would make durable.
  if (db_)
    alert_writes_.push_back({{},
                             {},
                             storage::AuditRow{now_(), via, "reload", "rules",
                                               "rules=" + std::to_string(rules_->rules().size())}});
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
    if (const StoredAlert* before = store_.Find(id)) {
      if (before->alert.status == "firing") ObserveTimeToAck(*before, now_());
    }
    const StoredAlert* a = op == "ack" ? store_.Acknowledge(id, now_(), by, note, &error)
                                       : store_.Resolve(id, now_(), by, note, &error);
    if (!a) return ErrorJson(store_.Find(id) ? 409 : 404, error);
    PersistAlert(*a, op == "ack" ? "acknowledged" : "resolved", by, note);
    if (notifier_ && op == "ack") notifier_->OnAcknowledged(id, now_());
    if (notifier_ && op == "resolve") {
      notifier::Notice notice;
      notice.kind = notifier::Notice::Kind::kResolved;
      notice.reason = "operator";
      notice.by = by;
      notice.note = note;
      notifier_->OnResolved(id, notice, now_());
    }
    if (db_) FlushWrites();  // an operator's change is on disk before it is confirmed
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
      o["keys_capped"] = c.keys_capped;
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
  if (op == "silences" || op == "silence_add" || op == "silence_end") return SilenceQuery(op, q);
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
  m << "# HELP vigia_rule_keys_capped_total Events a rule did not track: it held its maximum of open keys.\n"
       "# TYPE vigia_rule_keys_capped_total counter\n";
  for (const auto& r : rules_->rules())
    m << "vigia_rule_keys_capped_total{rule=\"" << r.rule->id << "\"} " << counters[r.index].keys_capped
      << "\n";
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
  if (journal_) {
    m << "# HELP vigia_journal_commit_seconds Journal group commits: rows taken to commit done.\n"
      << journal_->HistogramText("vigia_journal_commit_seconds")
      << "# TYPE vigia_journal_pending gauge\n"
      << "vigia_journal_pending " << journal_->pending() << "\n"
      << "# TYPE vigia_journal_healthy gauge\n"
      << "vigia_journal_healthy " << (journal_->healthy() ? 1 : 0) << "\n"
      << "# TYPE vigia_journal_failed_commits_total counter\n"
      << "vigia_journal_failed_commits_total " << journal_->failed_commits() << "\n"
      << "# TYPE vigia_storage_errors_total counter\n"
      << "vigia_storage_errors_total " << storage_errors_ << "\n"
      << "# HELP vigia_checkpoint_failed_writes_total Engine checkpoint writes that failed (retried).\n"
      << "# TYPE vigia_checkpoint_failed_writes_total counter\n"
      << "vigia_checkpoint_failed_writes_total " << checkpoint_writer_->failed_writes() << "\n"
      << "# TYPE vigia_recovered_events_total counter\n"
      << "vigia_recovered_events_total " << recovered_events_ << "\n";
  }
  m << NotifierMetricsText();
  return m.str();
}

// --- storage -----------------------------------------------------------------

std::string Core::OpenStorage() {
  const StorageOptions& so = *options_.storage;
  // Database::Open creates the folder (0700) and the file (0600).
  auto db = storage::Database::Open(so.path, so.sync);
  if (!db.has_value()) return "cannot open the database " + so.path.string() + ": " + ToString(db.error());
  db_ = std::move(db).value();
  // Before recovery: alerts raised by the replay are routed like live ones.
  if (std::string err = StartNotifier(); !err.empty()) return err;
  if (std::string err = Recover(); !err.empty()) return err;

  wake_fd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (wake_fd_ < 0) return std::string("eventfd: ") + std::strerror(errno);
  storage::JournalWriterOptions wo;
  wo.sync = so.sync;
  wo.max_pending = kMaxJournalPending + 1;
  // The seq is passed on in our own atomic: the writer publishes its
  // durable_seq() only after this callback returns.
  wo.on_durable = [fd = wake_fd_, durable = &durable_seq_](uint64_t seq) {
    durable->store(seq, std::memory_order_release);
    const uint64_t one = 1;
    if (::write(fd, &one, sizeof one) < 0) { /* counter saturated: the core is awake anyway */ }
  };
  auto writer = storage::JournalWriter::Start(so.path, std::move(wo));
  if (!writer.has_value()) return "cannot start the journal writer: " + ToString(writer.error());
  journal_ = std::move(writer).value();
  auto checkpointer = storage::Checkpointer::Start(so.path);
  if (!checkpointer.has_value()) return "cannot start the WAL checkpointer: " + ToString(checkpointer.error());
  wal_checkpointer_ = std::move(checkpointer).value();
  storage::CheckpointWriterOptions cwo;
  cwo.sync = so.sync;
  auto checkpoint_writer = storage::CheckpointWriter::Start(so.path, cwo);
  if (!checkpoint_writer.has_value())
    return "cannot start the checkpoint writer: " + ToString(checkpoint_writer.error());
  checkpoint_writer_ = std::move(checkpoint_writer).value();
  const TimeUs now = now_();
  next_checkpoint_ = now + options_.checkpoint_every;
  next_retention_ = now;  // at start, then daily
  return {};
}

std::string Core::Recover() {
  // 1. The newest engine checkpoint.
  uint64_t after = 0;
  auto ckpt = db_->LoadNewestCheckpoint();
  if (!ckpt.has_value()) return "cannot read the checkpoints: " + ToString(ckpt.error());
  auto max_segment = db_->MaxDedupSegmentId();
  if (!max_segment.has_value()) return "cannot read the checkpoints: " + ToString(max_segment.error());
  bool chained = false;  // the duplicate check came from segments [first, last]
  uint64_t first = 1, last = 0;
  if (const auto& c = ckpt.value()) {
    std::string_view in = c->state, engine_blob, dedup_blob;
    uint64_t arrival = 0;
    const auto take_magic = [&in](std::string_view magic) {
      if (in.substr(0, magic.size()) != magic) return false;
      in.remove_prefix(magic.size());
      return true;
    };
    const bool v3 = take_magic(kCheckpointMagic);
    const bool framed =
        v3 ? TakeU64(in, &arrival) && TakeBlob(in, &engine_blob) && TakeU64(in, &first) &&
                 TakeU64(in, &last) && in.empty()
           : take_magic(kCheckpointMagicV2) && TakeU64(in, &arrival) && TakeBlob(in, &engine_blob) &&
                 TakeBlob(in, &dedup_blob) && in.empty();
    Result<engine::CheckpointStats, engine::CheckpointError> engine_loaded =
        MakeError(engine::CheckpointError::kNotACheckpoint);
    Result<size_t, engine::CheckpointError> dedup_loaded =
        MakeError(engine::CheckpointError::kNotACheckpoint);
    if (framed && v3) {
      size_t keys = 0;
      std::optional<engine::CheckpointError> failed;
      storage::Status st = db_->ReadDedupSegments(first, last, [&](const storage::DedupSegmentRow& row) {
        if (failed) return;
        auto loaded = dedup_.LoadSegment(row.state);
        if (loaded.has_value()) keys += loaded.value();
        else failed = loaded.error();
      });
      if (!st.ok()) return "cannot read the checkpoints: " + ToString(st.error());
      if (failed) dedup_loaded = MakeError(*failed);
      else dedup_loaded = keys;
    } else if (framed) {
      dedup_loaded = dedup_.LoadState(dedup_blob);
    }
    // Both or neither: a failed dedup load must not leave a loaded engine.
    if (dedup_loaded.has_value()) engine_loaded = engine_->LoadState(engine_blob);
    if (!engine_loaded.has_value() || !dedup_loaded.has_value()) {
      // The journal holds everything the checkpoint summed up (retention
      // never deletes what recovery needs): replay it all instead.
      spdlog::error("recovery.checkpoint_unusable seq={} error={}", c->seq,
                    ToString(!engine_loaded.has_value() ? engine_loaded.error() : dedup_loaded.error()));
      engine_ = std::make_unique<engine::Engine>(rules_, *this);
      dedup_ = engine::DedupIndex(options_.dedup_window);
    } else {
      after = c->seq;
      chained = v3;
      checkpointed_arrival_ = evaluated_arrival_ = static_cast<TimeUs>(arrival);
      spdlog::info("recovery.checkpoint seq={} keys={} rules_dropped={} dedup_keys={} dedup_segments={}", c->seq,
                   engine_loaded.value().keys, engine_loaded.value().variants_dropped,
                   dedup_loaded.value(), v3 && last >= first ? last - first + 1 : 0);
    }
  }
  if (chained) {
    // Segments written after the newest checkpoint row (a crash or a failed
    // write in between) hold keys the journal replay records again: gone, so
    // the next checkpoint's chain does not name them.
    if (storage::Status st = db_->DeleteDedupSegments(first, last, INT64_MIN); !st.ok())
      return "cannot delete unused checkpoint segments: " + ToString(st.error());
    segments_first_ = first;
    next_segment_ = std::max(first, last + 1);
  } else {
    // A new chain; the next checkpoint deletes any older segments.
    segments_first_ = next_segment_ = max_segment.value() + 1;
  }
  // 2. The alerts already raised (newest kept in memory), so none is raised twice.
  size_t restored = 0, unreadable = 0;
  storage::Status st = db_->ReadAlerts(kRestoredAlerts, [&](const storage::AlertRow& row) {
    if (auto a = StoredAlertFromJson(row.json); a && store_.Restore(std::move(*a))) ++restored;
    else ++unreadable;
  });
  if (!st.ok()) return "cannot read the alerts: " + ToString(st.error());
  // 3. The journal after the checkpoint, as it was evaluated live.
  std::shared_ptr<const Catalogs> catalogs = options_.catalogs ? options_.catalogs->load() : nullptr;
  if (!catalogs) return "recovery needs the catalogs";
  DecodeLimits limits;
  limits.max_message = 1 << 30;  // journaled events were checked on the way in
  limits.max_depth = 64;
  EventDecoder decoder(*catalogs, limits);
  uint64_t skipped = 0;
  recovering_ = true;
  st = db_->ReadJournal(after, [&](const storage::JournalRow& row) {
    auto decoded = decoder.Decode(row.body);
    if (!decoded.has_value()) {
      // A region or group removed from the catalogs since: the event cannot be
      // evaluated as it was. Counted, never fatal.
      ++skipped;
      return;
    }
    Event event = std::move(decoded).value();
    event.seq = row.seq;
    event.arrival = evaluated_arrival_ = row.arrival;
    dedup_.Check(event, row.arrival);
    dedup_evaluated_ = dedup_.recorded();
    last_arrival_ = std::max(last_arrival_, row.arrival);
    ++recovered_events_;
    engine_->Process(event);
  });
  recovering_ = false;
  if (!st.ok()) return "cannot read the journal: " + ToString(st.error());
  auto max_seq = db_->MaxSeq();
  if (!max_seq.has_value()) return "cannot read the journal: " + ToString(max_seq.error());
  seq_ = std::max(max_seq.value(), engine_->last_seq());
  if (engine_->clock() != INT64_MIN) {
    held_clock_ = engine_->clock();
    grace_until_ = now_() + options_.startup_grace;
    last_arrival_ = std::max(last_arrival_, held_clock_);
  }
  spdlog::info("recovery.done events={} skipped={} alerts={} unreadable_alerts={} seq={} grace={}",
               recovered_events_, skipped, restored, unreadable, seq_,
               FormatDuration(options_.startup_grace));
  return {};
}

bool Core::WriteCheckpoint(bool final) {
  using SteadyClock = std::chrono::steady_clock;
  const auto start = SteadyClock::now();
  // As of the last evaluated event: its seq is durable, and so are the seqs of
  // every key before dedup_evaluated_ (keys of events still waiting for their
  // commit are not saved: lost in a crash, those events must not come back as
  // duplicates).
  if (dedup_.ExtendSegments(dedup_evaluated_, final ? UINT64_MAX : 0, kSegmentBytes) > 0)
    return false;
  const std::string engine_blob = engine_->SaveState();
  const auto serialised = SteadyClock::now();
  storage::CheckpointJob job;
  uint64_t keys = 0;
  for (engine::DedupIndex::Segment& seg : dedup_.TakeSegments()) {
    keys += seg.keys;
    job.segments.push_back({next_segment_++, seg.newest, seg.keys, std::move(seg.blob)});
  }
  job.seq = engine_->last_seq();
  job.clock = engine_->clock();
  job.arrival = evaluated_arrival_;
  job.segments_first = segments_first_;
  job.segments_last = next_segment_ - 1;
  // Keys older than this are forgotten by every later check (arrivals do not
  // go back), so their segments are no longer needed.
  job.segments_expired_before =
      evaluated_arrival_ == INT64_MIN ? INT64_MIN : evaluated_arrival_ - options_.dedup_window;
  job.state.reserve(kCheckpointMagic.size() + 32 + engine_blob.size());
  job.state = kCheckpointMagic;
  PutU64(job.state, static_cast<uint64_t>(evaluated_arrival_));
  PutU64(job.state, engine_blob.size());
  job.state += engine_blob;
  PutU64(job.state, job.segments_first);
  PutU64(job.state, job.segments_last);
  const size_t bytes = job.state.size(), segments = job.segments.size();
  checkpoint_writer_->Submit(std::move(job));
  const auto done = SteadyClock::now();
  auto us = [](auto a, auto b) {
    return std::chrono::duration_cast<std::chrono::microseconds>(b - a).count();
  };
  spdlog::debug("engine.checkpoint seq={} engine_bytes={} segments={} dedup_keys={} core_us={} engine_us={}",
                engine_->last_seq(), bytes, segments, keys, us(start, done), us(start, serialised));
  return true;
}

bool Core::WritesPending() const {
  return db_ && (!alert_writes_.empty() || !dead_letter_rows_.empty() || (notifier_ && notifier_->dirty()));
}

void Core::FlushWrites() {
  // One transaction (one fsync) for everything produced since the last one.
  if (!WritesPending()) return;
  storage::Status st = db_->Transaction([&]() -> storage::Status {
    for (const AlertWrite& w : alert_writes_) {
      if (!w.row.id.empty()) {  // else an audit record only (silences)
        if (auto s = db_->UpsertAlert(w.row); !s.ok()) return s;
        if (auto s = db_->AppendAlertHistory(w.history); !s.ok()) return s;
      }
      if (w.audit)
        if (auto s = db_->AppendAudit(*w.audit); !s.ok()) return s;
    }
    // The notifier's schedule and outbox, with the alerts that caused them.
    if (notifier_)
      if (auto s = notifier_->WritePending(*db_); !s.ok()) return s;
    if (!dead_letter_rows_.empty()) return db_->AppendDeadLetters(dead_letter_rows_);
    return {};
  });
  // Deliveries go out once their rows are on disk, or at once when the disk
  // fails: an alert must not wait for storage (Notifier::SubmitUncommitted).
  if (notifier_) {
    if (st.ok()) {
      notifier_->AfterCommit();
    } else {
      notifier_->SubmitUncommitted();
    }
  }
  if (!st.ok()) {
    ++storage_errors_;
    if (storage_errors_ % 100 == 1)
      spdlog::error("storage.write_failed alerts={} dead_letters={} error=\"{}\"", alert_writes_.size(),
                    dead_letter_rows_.size(), ToString(st.error()));
    // Retried at the next tick; bounded (dead letters are bounded at intake).
    if (alert_writes_.size() < kMaxDeadLetters) return;
  }
  alert_writes_.clear();
  dead_letter_rows_.clear();
}

void Core::ApplyRetention() {
  // Events a loaded rule may still need are in the newest checkpoint's state;
  // recovery needs only the journal after it. Arrivals grow with seq, so rows
  // that arrived before the checkpointed events are all in it.
  checkpointed_arrival_ = std::max(checkpointed_arrival_, checkpoint_writer_->committed_arrival());
  const TimeUs cutoff = std::min(now_() - options_.storage->retention, checkpointed_arrival_);
  auto deleted = db_->DeleteJournalBefore(cutoff);
  if (!deleted.has_value()) {
    ++storage_errors_;
    spdlog::error("storage.retention_failed error=\"{}\"", ToString(deleted.error()));
  } else if (deleted.value() > 0) {
    spdlog::info("storage.retention deleted={}", deleted.value());
  }
}

void Core::CloseStorage() {
  if (!journal_) return;
  // Everything handed over is committed (or reported), evaluated and answered.
  const bool flushed = journal_->Stop(std::chrono::seconds(5));
  OnDurable();
  for (const Waiting& w : waiting_)
    if (w.token)
      Reply(w.connector, w.token,
            RenderError({ErrorCode::kOverloaded, w.event ? w.event->event.id : "", "",
                         "vigiad stopped before the event could be journaled; send it again"}));
  if (!flushed) spdlog::error("storage.unflushed events={}", waiting_.size());
  waiting_.clear();
  FlushWrites();
  WriteCheckpoint(true);
  if (!checkpoint_writer_->Stop(std::chrono::seconds(4)))
    spdlog::error("storage.checkpoint_unflushed (the next start replays the journal after the last one written)");
  wal_checkpointer_->Stop();
  if (wake_fd_ >= 0) ::close(wake_fd_);
  wake_fd_ = -1;
}

}  // namespace vigia::daemon
