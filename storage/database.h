// SPDX-License-Identifier: Apache-2.0
// One connection to vigia's SQLite database (daemon.md, "Storage and
// recovery"): the event journal, dead letters, alerts and their history, the
// audit log, engine checkpoints, and the notifier's outbox, escalations and
// silences. WAL mode; the schema has a version (PRAGMA user_version) and
// ordered migrations, applied in one transaction when an older database is
// opened.
//
// Connections never checkpoint the WAL themselves (wal_autocheckpoint=0): a
// checkpoint inside a commit stalls it for 15–70 ms, so a Checkpointer
// (checkpointer.h) must run beside them, or the WAL grows without bound
// (SQLite still checkpoints when the last connection to the file closes).
//
// Thread rules: a Database is used by one thread at a time (each thread that
// writes has its own: the JournalWriter, the Checkpointer, the core). Several
// connections, in this process or others, may share the file.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "core/result.h"
#include "core/time.h"
#include "storage/error.h"

struct sqlite3;
struct sqlite3_stmt;

namespace vigia::storage {

// The schema version this build reads and writes.
inline constexpr int kSchemaVersion = 3;
// The WAL file is truncated to this size when SQLite restarts it.
inline constexpr int64_t kWalSizeLimit = 32 << 20;

enum class SyncMode : uint8_t {
  kFull,    // fsync at each commit: a committed row survives a power loss
  kNormal,  // no fsync at commit: survives a crash of the daemon, not of the machine
};

// One accepted event. seq is assigned by the core: > 0 and increasing.
struct JournalRow {
  uint64_t seq = 0;
  TimeUs arrival = 0;  // wall clock when the core accepted it
  TimeUs time = 0;     // event time
  std::string source, id;
  std::string body;  // the event's JSON
};

struct DeadLetterRow {
  TimeUs arrival = 0;
  std::string connector, code;  // code: the error code of the reply
  std::string reply;            // the error reply JSON
  std::string raw;              // the message as received (bytes)
};

// An alert's current state; `json` is its full rendering.
struct AlertRow {
  std::string id, rule, region, group, level, status;
  TimeUs fired_at = 0, updated_at = 0;
  std::string json;
};

struct AlertHistoryRow {
  std::string alert_id;
  TimeUs at = 0;
  std::string what;  // fired, acknowledged, resolved, notified, ...
  std::string by, note;
};

struct AuditRow {
  TimeUs at = 0;
  std::string actor, action, target, detail;
};

// The notifier's escalation of one alert under one policy (notifier.md).
struct EscalationRow {
  std::string alert_id, policy;
  TimeUs fired_at = 0;
  int64_t next_tier = 0;  // the tier to send next
  int64_t repeat_n = 0;   // 0: its first send; n: its n-th repeat
  TimeUs due_at = 0;
  std::string state;      // active | stopped | done
};

// One delivery of the notifier's outbox.
struct OutboxRow {
  int64_t id = 0;  // chosen by the caller (> 0, unique)
  std::string alert_id, receiver, policy;
  int64_t tier = 0, n = 0;
  std::string kind;  // firing | resolved
  std::string idempotency_key, subject, body;
  TimeUs created_at = 0;
  int64_t attempts = 0;
  TimeUs next_attempt = 0;
  std::string status;  // pending | sent | failed | cancelled
  std::string last_error;
};

struct SilenceRow {
  std::string id;
  std::string where_json;  // {"level": [...], "region": [...], ...}
  TimeUs starts = 0, ends = 0;
  std::string created_by, reason;
  TimeUs created_at = 0;
};

struct Checkpoint {
  uint64_t seq = 0;       // the last journal seq the state includes
  TimeUs clock = 0;       // the engine clock
  TimeUs written_at = 0;  // wall clock
  std::string state;      // opaque bytes
};

// A segment of the duplicate check's incremental checkpoint: the keys recorded
// between two engine checkpoints (daemon/core.h). Ids grow with time; a
// checkpoint names the range of ids that, loaded in order, rebuild the check.
struct DedupSegmentRow {
  uint64_t id = 0;          // > 0
  TimeUs newest = 0;        // arrival of its newest key
  uint64_t keys = 0;
  std::string state;        // opaque bytes
};

struct WalCheckpointResult {
  int64_t wal_frames = 0;           // frames in the WAL
  int64_t checkpointed_frames = 0;  // of which now in the database file
};

class Database {
 public:
  // Opens or creates the database at `path`, in WAL mode with `sync`, and
  // migrates it to kSchemaVersion. Missing folders are created with mode 0700
  // and a new database file with 0600 (its -wal and -shm follow), whatever
  // the umask: it holds personal data. Errors: kReadOnly when the file (or a
  // missing folder) cannot be written, kOther naming both versions when the
  // database is newer than this build, the SQLite error otherwise.
  static Result<std::unique_ptr<Database>, Error> Open(const std::filesystem::path& path,
                                                       SyncMode sync);
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  const std::filesystem::path& path() const { return path_; }

  // Runs SQL without parameters or results (schema work, PRAGMAs in tests).
  Status Exec(const std::string& sql);

  // --- journal (append-only; no index but seq: see daemon.md, "Benchmarks")
  // Appends `rows` in one transaction: all or none.
  // REQUIRES: seqs increasing and above every seq already journaled.
  Status AppendJournal(std::span<const JournalRow> rows);
  // Calls `row` for each row with seq > after_seq, in seq order. The row is
  // valid only during the call.
  Status ReadJournal(uint64_t after_seq, const std::function<void(const JournalRow&)>& row);
  // The seq to continue after: the highest in the journal or in a
  // checkpoint (retention may have emptied the journal), 0 when none.
  Result<uint64_t, Error> MaxSeq();
  // Retention: deletes journal rows with arrival < cutoff, in batches so the
  // journal writer waits at most one batch. Returns the number deleted.
  Result<uint64_t, Error> DeleteJournalBefore(TimeUs cutoff);

  // --- other tables
  Status AppendDeadLetter(const DeadLetterRow& row);
  // Appends `rows` in one transaction: all or none.
  Status AppendDeadLetters(std::span<const DeadLetterRow> rows);
  // Runs `body` (calls of the helpers here) in one transaction: one commit
  // (one fsync with sync: full) for all of them; all or nothing.
  Status Transaction(const std::function<Status()>& body);
  // Whether an alert with this id is stored.
  Result<bool, Error> HasAlert(const std::string& id);
  // Inserts the alert, or replaces the fields of the one with its id.
  Status UpsertAlert(const AlertRow& row);
  // Calls `row` for the `limit` most recently fired alerts, oldest first
  // (fired_at, then id). The row is valid only during the call.
  Status ReadAlerts(size_t limit, const std::function<void(const AlertRow&)>& row);
  Status AppendAlertHistory(const AlertHistoryRow& row);
  // Appends to the hash chain: each entry stores the SHA-256 of the previous
  // entry's hash and of its own fields.
  Status AppendAudit(const AuditRow& row);
  // Checks the audit chain; the id of the first entry that does not match,
  // 0 when all do.
  Result<int64_t, Error> VerifyAudit();

  // --- the notifier's tables
  Status UpsertEscalation(const EscalationRow& row);
  // Calls `row` for each escalation whose state is active.
  Status ReadActiveEscalations(const std::function<void(const EscalationRow&)>& row);
  Status InsertOutbox(const OutboxRow& row);
  // Sets attempts, next_attempt, status and last_error of row `id`.
  Status UpdateOutbox(const OutboxRow& row);
  // Calls `row` for the outbox rows of `alert_id` (all of them when empty)
  // whose status is `status` (any when empty), by id.
  Status ReadOutbox(const std::string& alert_id, const std::string& status,
                    const std::function<void(const OutboxRow&)>& row);
  // The highest outbox id, 0 when empty.
  Result<int64_t, Error> MaxOutboxId();
  Status UpsertSilence(const SilenceRow& row);
  // Calls `row` for each silence that ends after `now`.
  Status ReadSilences(TimeUs now, const std::function<void(const SilenceRow&)>& row);

  // Stores a checkpoint (replacing one with the same seq) and keeps only the
  // 3 newest. written_at is the wall clock.
  Status WriteCheckpoint(uint64_t seq, TimeUs clock, std::string_view state);
  // The checkpoint with the highest seq, nullopt when there is none.
  Result<std::optional<Checkpoint>, Error> LoadNewestCheckpoint();

  // --- the duplicate check's segments (schema v3)
  // Stores a segment (replacing one with the same id).
  Status InsertDedupSegment(const DedupSegmentRow& row);
  // Calls `row` for each segment with first <= id <= last, by id. The row is
  // valid only during the call.
  Status ReadDedupSegments(uint64_t first, uint64_t last,
                           const std::function<void(const DedupSegmentRow&)>& row);
  // The highest segment id, 0 when none.
  Result<uint64_t, Error> MaxDedupSegmentId();
  // Deletes the segments outside [first, last], and those in it whose newest
  // key arrived before `expired_before` (the duplicate check has forgotten them).
  Status DeleteDedupSegments(uint64_t first, uint64_t last, TimeUs expired_before);

  // PRAGMA wal_checkpoint(PASSIVE): copies what it can of the WAL into the
  // database without waiting for readers or writers.
  Result<WalCheckpointResult, Error> CheckpointWal();

 private:
  enum class Sql : uint8_t;
  class Statement;
  Database(sqlite3* db, std::filesystem::path path);

  Status Migrate();
  Statement Prepare(Sql sql);
  // Runs `body` between BEGIN IMMEDIATE and COMMIT; rolls back on failure.
  Status InTransaction(const std::function<Status()>& body);
  Error Fail(int code, std::string_view what) const;

  sqlite3* db_;
  std::filesystem::path path_;
  std::unique_ptr<sqlite3_stmt*[]> statements_;  // cached, by Sql
};

}  // namespace vigia::storage
