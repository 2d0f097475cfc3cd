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
#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>
#include <zmq.hpp>

#include "config/notifier_config.h"
#include "connectors/bus.h"
#include "connectors/curve_auth.h"
#include "connectors/ingest_channel.h"
#include "core/event_decoder.h"
#include "daemon/alert_store.h"
#include "engine/dedup_index.h"
#include "engine/engine.h"
#include "storage/checkpoint_writer.h"
#include "storage/checkpointer.h"
#include "storage/database.h"
#include "storage/journal_writer.h"

namespace vigia::notifier {
class Dispatcher;
class Notifier;
struct HistoryNote;
struct EscalationView;
}  // namespace vigia::notifier

namespace vigia::daemon {

inline constexpr const char* kQueryEndpoint = "inproc://vigia.query";
inline constexpr const char* kAlertsInproc = "inproc://vigia.alerts";

struct StorageOptions {
  std::filesystem::path path;  // the SQLite database; its folder is created
  storage::SyncMode sync = storage::SyncMode::kFull;
  DurationUs retention = 730 * kDay;
};

struct CoreOptions {
  DurationUs max_future_skew = 5 * kMinute;
  DurationUs dedup_window = 30 * kDay;
  std::vector<std::string> publish;  // PUB endpoints (besides kAlertsInproc)
  // Absent: nothing is journaled (alerts and dead letters live in memory only).
  std::optional<StorageOptions> storage;
  // After a recovery, deadlines that passed while the daemon was down wait this
  // long for the events queued meanwhile (daemon.md, "Storage and recovery").
  DurationUs startup_grace = 5 * kMinute;
  DurationUs checkpoint_every = kMinute;
  // Decodes the journal at recovery. Must outlive the core when storage is set.
  const connectors::CatalogHandle* catalogs = nullptr;
  // Absent: alerts are stored and published, not sent anywhere.
  std::optional<config::NotifierConfig> notifier;
  std::string node = "vigia";  // names this daemon in the watchdog's heartbeat
  // alerts.auth: the `publish` endpoints require CurveZMQ (the ZAP handler must serve its domain).
  std::optional<connectors::CurveServerKeys> publish_curve;
};

// New rules on their way to the core thread (the "swap" query). Exactly one
// side decides their fate, once: the core takes them (and swaps them in at
// once), or the sender withdraws them (it gave up waiting), and the core then
// leaves its rules as they are.
// Thread-safe: Take() on the core thread, Withdraw() on the sender's.
class RulesMailbox {
 public:
  explicit RulesMailbox(std::shared_ptr<const engine::CompiledRules> rules)
      : rules_(std::move(rules)) {}
  RulesMailbox(const RulesMailbox&) = delete;
  RulesMailbox& operator=(const RulesMailbox&) = delete;

  // True if the rules are the caller's to apply (not withdrawn, not taken before).
  bool Take() { return Settle(State::kTaken); }
  // True if the core will never apply the rules (not taken, not withdrawn before).
  bool Withdraw() { return Settle(State::kWithdrawn); }
  const std::shared_ptr<const engine::CompiledRules>& rules() const { return rules_; }

  // The "swap" query's frame (in-process only): it holds a reference to `box`,
  // released when the frame is closed, whether the core read it or not.
  static zmq::message_t ToFrame(std::shared_ptr<RulesMailbox> box);
  // The mailbox of a frame made by ToFrame() and passed over inproc; null if
  // the frame is not one.
  static std::shared_ptr<RulesMailbox> FromFrame(const zmq::message_t& frame);

 private:
  enum class State { kPending, kTaken, kWithdrawn };
  bool Settle(State to) {
    State expected = State::kPending;
    return state_.compare_exchange_strong(expected, to, std::memory_order_acq_rel);
  }

  const std::shared_ptr<const engine::CompiledRules> rules_;
  std::atomic<State> state_{State::kPending};
};

// Hands `rules` to the core listening on `endpoint` and waits until it has
// swapped them in: true. False if the core did not take them within `timeout`:
// they are withdrawn, and the core will never apply them. Once the core has
// taken them it applies them (nothing can fail then), so the wait goes on for
// its answer. `via` names who asked, for the audit log.
// Any thread (a socket of its own). The rules are released once the core has
// read the query, or when it is dropped unread; nothing leaks.
bool SwapRulesInCore(zmq::context_t& context, std::shared_ptr<const engine::CompiledRules> rules,
                     std::string_view via, std::chrono::milliseconds timeout,
                     const char* endpoint = kQueryEndpoint);

// A wall clock that tests can replace.
using WallClock = TimeUs (*)();
TimeUs SystemNow();

class Core : public engine::AlertSink {
 public:
  // `context` must outlive the core.
  Core(zmq::context_t& context, CoreOptions options,
       std::shared_ptr<const engine::CompiledRules> rules, WallClock now = SystemNow);
  ~Core() override;

  // Opens the database and recovers (newest checkpoint + the journal after
  // it, alerts), then binds the bus, query and publish sockets. Empty string
  // on success, else why not (one line).
  std::string Open();
  // Serves until `stop`; then answers what is queued and returns.
  void Run(const std::atomic<bool>& stop);

  // engine::AlertSink
  void OnAlert(const engine::Alert& alert) override;
  void OnRetraction(const engine::Retraction& retraction) override;

 private:
  // A reply the core owes a connector once an event's seq is durable.
  struct Waiting {
    uint64_t seq = 0;
    // The event (its body moved to the journal); null: a duplicate's reply,
    // held until `seq` is durable.
    std::unique_ptr<connectors::BusEvent> event;
    std::string connector;         // the connector's routing id
    uint64_t token = 0;
    std::string reply;             // for duplicates
    uint64_t dedup_pos = 0;        // dedup_.recorded() once its key was recorded
  };

  std::string OpenStorage();
  std::string Recover();
  void OnIngest();
  void OnDurable();
  void Evaluate(Event& event);
  void Tick();
  void WarnCappedRules();
  // Hands a checkpoint to the checkpoint writer: the engine's state and the
  // duplicate check's keys recorded since the previous one, both as of the
  // last evaluated event. Not `final`: false, and nothing is written, while
  // more keys wait for their segment than a tick adds (a tick after a
  // recovery or a burst); `final` (shutdown) adds them all.
  bool WriteCheckpoint(bool final);
  // Alert rows, dead letters, the notifier's rows: waiting for FlushWrites().
  bool WritesPending() const;
  void FlushWrites();
  void ApplyRetention();
  void PersistAlert(const StoredAlert& a, const std::string& change, const std::string& by,
                    const std::string& note);
  void AddDeadLetter(TimeUs arrival, std::string raw, std::string reply);
  void CloseStorage();
  // The notifier (core_notify.cpp).
  std::string StartNotifier();
  void StopNotifier();
  void OnNotifierOutcomes();
  void OnNotifierHistory(const std::string& alert_id, const notifier::HistoryNote& note);
  void OnNotifierSchedule(const std::string& alert_id, const std::vector<notifier::EscalationView>& views,
                          bool escalated);
  // Routes a new alert (or marks it silenced); before it is persisted and published.
  void NotifyFired(StoredAlert& a);
  std::string SilenceQuery(const std::string& op, const boost::json::object& q);
  void ObserveTimeToAck(const StoredAlert& a, TimeUs at);
  std::string NotifierMetricsText() const;
  bool Healthy() const;
  void OnQuery();
  std::string HandleQuery(const std::string& request);
  std::string Swap(const zmq::message_t& frame, const std::string& via);
  void Publish(const std::string& topic, const std::string& json);
  // Queues a reply for `connector`; SendReplies() sends the queue, one bus
  // message per connector (bus.h). Sent at once when a batch grows large.
  void Reply(std::string_view connector, uint64_t token, std::string_view json);
  void SendReplies();
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

  // Storage (all null without it). The journal writer, the checkpoint writer
  // and the WAL checkpointer have their own threads and connections; db_ is
  // the core's (recovery, alerts, dead letters, retention).
  std::unique_ptr<storage::Database> db_;
  std::unique_ptr<storage::JournalWriter> journal_;
  std::unique_ptr<storage::CheckpointWriter> checkpoint_writer_;
  // The duplicate check's incremental checkpoint: keys before this position
  // belong to evaluated (so durably journaled) events and may be saved.
  uint64_t dedup_evaluated_ = 0;
  // Segment ids: the newest checkpoint's chain starts at segments_first_; the
  // next segment gets next_segment_.
  uint64_t segments_first_ = 1, next_segment_ = 1;
  std::unique_ptr<storage::Checkpointer> wal_checkpointer_;
  int wake_fd_ = -1;                 // eventfd the writer signals after each commit
  std::atomic<uint64_t> durable_seq_{0};  // set by the writer before it signals
  std::deque<Waiting> waiting_;      // by seq
  struct ReplyBatch {
    std::string connector;  // routing id
    std::string replies;    // AppendReply's format (bus.h)
  };
  // One per connector answered so far.
  std::vector<ReplyBatch> replies_;
  // OnIngest's frames, kept to reuse their storage.
  std::vector<zmq::message_t> ingest_frames_;
  std::vector<storage::DeadLetterRow> dead_letter_rows_;  // written at the next tick
  struct AlertWrite {
    storage::AlertRow row;
    storage::AlertHistoryRow history;
    std::optional<storage::AuditRow> audit;  // operators' changes
  };
  std::vector<AlertWrite> alert_writes_;  // written by FlushWrites(), in one transaction
  std::chrono::steady_clock::time_point next_flush_{};  // FlushWrites() at a tick from then
  TimeUs grace_until_ = 0;           // wall clock; the engine clock is held before it
  TimeUs held_clock_ = INT64_MIN;    // the recovered engine clock
  TimeUs next_checkpoint_ = 0, next_retention_ = 0, next_cap_check_ = 0;
  std::map<std::string, uint64_t> capped_warned_;  // rule id → keys_capped already logged
  TimeUs evaluated_arrival_ = INT64_MIN;     // of the last event evaluated
  // Of the last event in the newest committed checkpoint (the recovered one,
  // then as the checkpoint writer reports).
  TimeUs checkpointed_arrival_ = INT64_MIN;
  bool recovering_ = false;
  uint64_t recovered_events_ = 0, storage_errors_ = 0;

  struct DeadLetter {
    TimeUs arrival;
    std::string raw, reply;
  };
  std::deque<DeadLetter> dead_letters_;

  // Counters (exported by /metrics).
  uint64_t received_ = 0, accepted_ = 0, duplicates_ = 0, unknown_category_ = 0;
  uint64_t rejected_[kErrorCodeCount] = {};
  uint64_t alerts_raised_ = 0, alerts_repeated_ = 0;
  uint64_t overloaded_logged_ = 0;

  // The notifier (null without a `notifier` section).
  std::unique_ptr<notifier::Dispatcher> dispatcher_;
  std::unique_ptr<notifier::Notifier> notifier_;
  // Time to acknowledge by (region, level): Prometheus histogram buckets.
  struct AckHistogram {
    std::vector<uint64_t> buckets;  // cumulative counts are computed when exported
    double sum = 0;
    uint64_t count = 0;
  };
  std::map<std::pair<std::string, std::string>, AckHistogram> time_to_ack_;
};

}  // namespace vigia::daemon
