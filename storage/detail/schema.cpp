// SPDX-License-Identifier: Apache-2.0
#include "storage/detail/schema.h"

namespace vigia::storage::detail {
namespace {

// Times are microseconds since the Unix epoch (core/time.h).
constexpr const char* kV1 = R"sql(
-- Append-only. No index on (source, id): a random-key index caps appends near
-- 35,000 rows/s; the duplicate check lives in memory (checkpoint + journal).
CREATE TABLE journal (
  seq INTEGER PRIMARY KEY,
  arrival INTEGER NOT NULL,
  time INTEGER NOT NULL,
  source TEXT NOT NULL,
  id TEXT NOT NULL,
  body TEXT NOT NULL
);

CREATE TABLE dead_letters (
  id INTEGER PRIMARY KEY,
  arrival INTEGER NOT NULL,
  connector TEXT NOT NULL,
  code TEXT NOT NULL,
  reply TEXT NOT NULL,
  raw BLOB NOT NULL
);

CREATE TABLE alerts (
  id TEXT PRIMARY KEY,
  rule TEXT NOT NULL,
  region TEXT NOT NULL,
  grp TEXT NOT NULL,
  level TEXT NOT NULL,
  status TEXT NOT NULL,
  fired_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  json TEXT NOT NULL
);
CREATE INDEX alerts_by_fired_at ON alerts (fired_at);

CREATE TABLE alert_history (
  alert_id TEXT NOT NULL,
  at INTEGER NOT NULL,
  what TEXT NOT NULL,
  "by" TEXT NOT NULL,
  note TEXT NOT NULL
);
CREATE INDEX alert_history_by_alert ON alert_history (alert_id, at);

CREATE TABLE checkpoints (
  seq INTEGER PRIMARY KEY,
  clock INTEGER NOT NULL,
  written_at INTEGER NOT NULL,
  state BLOB NOT NULL
);

-- Hash-chained (notifier.md): hash = SHA-256(prev_hash, at, actor, action,
-- target, detail); the first entry's prev_hash is 32 zero bytes.
CREATE TABLE audit (
  id INTEGER PRIMARY KEY,
  at INTEGER NOT NULL,
  actor TEXT NOT NULL,
  action TEXT NOT NULL,
  target TEXT NOT NULL,
  detail TEXT NOT NULL,
  prev_hash BLOB NOT NULL,
  hash BLOB NOT NULL
);

-- The notifier (notifier.md): one row per (alert, tier, receiver) delivery.
CREATE TABLE outbox (
  id INTEGER PRIMARY KEY,
  alert_id TEXT NOT NULL,
  receiver TEXT NOT NULL,
  tier INTEGER NOT NULL,
  payload TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt INTEGER NOT NULL,
  status TEXT NOT NULL DEFAULT 'pending'
);
CREATE INDEX outbox_due ON outbox (status, next_attempt);

CREATE TABLE escalations (
  alert_id TEXT NOT NULL,
  tier INTEGER NOT NULL,
  due_at INTEGER NOT NULL,
  done INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (alert_id, tier)
);
CREATE INDEX escalations_due ON escalations (done, due_at);

CREATE TABLE silences (
  id TEXT PRIMARY KEY,
  matchers TEXT NOT NULL,
  starts INTEGER NOT NULL,
  ends INTEGER NOT NULL,
  created_by TEXT NOT NULL,
  comment TEXT NOT NULL
);
)sql";


// v2: the notifier's tables as notifier/notifier.h uses them (v1 had
// placeholders no release wrote to).
constexpr const char* kV2 = R"sql(
DROP TABLE outbox;
DROP TABLE escalations;
DROP TABLE silences;

-- One row per (alert, policy): what to send next and when.
CREATE TABLE escalations (
  alert_id TEXT NOT NULL,
  policy TEXT NOT NULL,
  fired_at INTEGER NOT NULL,
  next_tier INTEGER NOT NULL,
  repeat_n INTEGER NOT NULL,
  due_at INTEGER NOT NULL,
  state TEXT NOT NULL,              -- active | stopped | done
  PRIMARY KEY (alert_id, policy)
);
CREATE INDEX escalations_active ON escalations (state) WHERE state = 'active';

-- One row per delivery: (alert, policy, tier, repeat, receiver), or a
-- resolution notice. Sent at least once, with backoff.
CREATE TABLE outbox (
  id INTEGER PRIMARY KEY,
  alert_id TEXT NOT NULL,
  receiver TEXT NOT NULL,
  policy TEXT NOT NULL,
  tier INTEGER NOT NULL,
  n INTEGER NOT NULL,
  kind TEXT NOT NULL,               -- firing | resolved
  idempotency_key TEXT NOT NULL,
  subject TEXT NOT NULL,
  body TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  attempts INTEGER NOT NULL,
  next_attempt INTEGER NOT NULL,
  status TEXT NOT NULL,             -- pending | sent | failed | cancelled
  last_error TEXT NOT NULL
);
CREATE INDEX outbox_pending ON outbox (status) WHERE status = 'pending';
CREATE INDEX outbox_by_alert ON outbox (alert_id);

CREATE TABLE silences (
  id TEXT PRIMARY KEY,
  where_json TEXT NOT NULL,
  starts INTEGER NOT NULL,
  ends INTEGER NOT NULL,
  created_by TEXT NOT NULL,
  reason TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
)sql";

// v3: the duplicate check is checkpointed incrementally (daemon/core.h): a
// checkpoint's state names a range of these segments instead of holding the
// whole check. Older checkpoints (the check inside the state) stay readable.
constexpr const char* kV3 = R"sql(
CREATE TABLE dedup_segments (
  id INTEGER PRIMARY KEY,
  newest INTEGER NOT NULL,          -- arrival of its newest key
  keys INTEGER NOT NULL,
  state BLOB NOT NULL
);
)sql";

constexpr Migration kMigrations[] = {
    {1, kV1},
    {2, kV2},
    {3, kV3},
};

}  // namespace

std::span<const Migration> Migrations() { return kMigrations; }

}  // namespace vigia::storage::detail
