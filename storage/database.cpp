// SPDX-License-Identifier: Apache-2.0
#include "storage/database.h"

#include <openssl/evp.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <cstdint>
#include <iterator>

#include <spdlog/spdlog.h>

#include "storage/detail/schema.h"
#include "storage/log_events.h"

namespace vigia::storage {
namespace {

constexpr int kBusyTimeoutMs = 5000;
// Rows per retention transaction: short enough that the journal writer,
// waiting on the lock, barely notices.
constexpr int kDeleteBatch = 10000;
constexpr int kKeepCheckpoints = 3;
constexpr size_t kHashSize = 32;

TimeUs WallNow() {
  using namespace std::chrono;
  return duration_cast<microseconds>(system_clock::now().time_since_epoch()).count();
}

// SQLite binds a null pointer as NULL; an empty view may have one.
const char* NonNull(std::string_view s) { return s.data() != nullptr ? s.data() : ""; }

void AppendU64(std::string& out, uint64_t v) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>(v >> (8 * i)));
}

// SHA-256 over the previous hash and the fields, each length-prefixed so that
// no two different entries encode alike.
std::string AuditHash(std::string_view prev_hash, TimeUs at, std::string_view actor,
                      std::string_view action, std::string_view target, std::string_view detail) {
  std::string content(prev_hash);
  AppendU64(content, static_cast<uint64_t>(at));
  for (std::string_view field : {actor, action, target, detail}) {
    AppendU64(content, field.size());
    content.append(field);
  }
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  EVP_Digest(content.data(), content.size(), digest, &size, EVP_sha256(), nullptr);
  return std::string(reinterpret_cast<const char*>(digest), size);
}

}  // namespace

// The cached statements, prepared once the schema is current.
enum class Database::Sql : uint8_t {
  kBegin, kCommit, kRollback,
  kInsertJournal, kReadJournal, kMaxSeq, kDeleteJournal,
  kInsertDeadLetter, kUpsertAlert, kReadAlerts, kInsertHistory,
  kLastAuditHash, kInsertAudit, kReadAudit,
  kInsertCheckpoint, kPruneCheckpoints, kNewestCheckpoint, kHasAlert,
  kUpsertEscalation, kReadEscalations, kInsertOutbox, kUpdateOutbox, kReadOutbox, kMaxOutboxId,
  kUpsertSilence, kReadSilences,
  kInsertSegment, kReadSegments, kMaxSegmentId, kDeleteSegments,
  kCount
};
namespace {
constexpr const char* kSqlText[] = {
    "BEGIN IMMEDIATE",
    "COMMIT",
    "ROLLBACK",
    "INSERT INTO journal (seq, arrival, time, source, id, body) VALUES (?, ?, ?, ?, ?, ?)",
    "SELECT seq, arrival, time, source, id, body FROM journal WHERE seq > ? ORDER BY seq",
    "SELECT max(coalesce((SELECT max(seq) FROM journal), 0),"
    " coalesce((SELECT max(seq) FROM checkpoints), 0))",
    "DELETE FROM journal WHERE seq IN"
    " (SELECT seq FROM journal WHERE arrival < ? ORDER BY seq LIMIT ?)",
    "INSERT INTO dead_letters (arrival, connector, code, reply, raw) VALUES (?, ?, ?, ?, ?)",
    "INSERT INTO alerts (id, rule, region, grp, level, status, fired_at, updated_at, json)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET rule = excluded.rule,"
    " region = excluded.region, grp = excluded.grp, level = excluded.level,"
    " status = excluded.status, fired_at = excluded.fired_at,"
    " updated_at = excluded.updated_at, json = excluded.json",
    "SELECT id, rule, region, grp, level, status, fired_at, updated_at, json FROM"
    " (SELECT * FROM alerts ORDER BY fired_at DESC, id DESC LIMIT ?) ORDER BY fired_at, id",
    "INSERT INTO alert_history (alert_id, at, what, \"by\", note) VALUES (?, ?, ?, ?, ?)",
    "SELECT hash FROM audit ORDER BY id DESC LIMIT 1",
    "INSERT INTO audit (at, actor, action, target, detail, prev_hash, hash)"
    " VALUES (?, ?, ?, ?, ?, ?, ?)",
    "SELECT id, at, actor, action, target, detail, prev_hash, hash FROM audit ORDER BY id",
    "INSERT OR REPLACE INTO checkpoints (seq, clock, written_at, state) VALUES (?, ?, ?, ?)",
    "DELETE FROM checkpoints WHERE seq NOT IN"
    " (SELECT seq FROM checkpoints ORDER BY seq DESC LIMIT ?)",
    "SELECT seq, clock, written_at, state FROM checkpoints ORDER BY seq DESC LIMIT 1",
    "SELECT 1 FROM alerts WHERE id = ?",
    "INSERT OR REPLACE INTO escalations (alert_id, policy, fired_at, next_tier, repeat_n, due_at,"
    " state) VALUES (?, ?, ?, ?, ?, ?, ?)",
    "SELECT alert_id, policy, fired_at, next_tier, repeat_n, due_at, state FROM escalations"
    " WHERE state = 'active'",
    "INSERT INTO outbox (id, alert_id, receiver, policy, tier, n, kind, idempotency_key, subject,"
    " body, created_at, attempts, next_attempt, status, last_error)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    "UPDATE outbox SET attempts = ?, next_attempt = ?, status = ?, last_error = ? WHERE id = ?",
    "SELECT id, alert_id, receiver, policy, tier, n, kind, idempotency_key, subject, body,"
    " created_at, attempts, next_attempt, status, last_error FROM outbox"
    " WHERE (?1 = '' OR alert_id = ?1) AND (?2 = '' OR status = ?2) ORDER BY id",
    "SELECT coalesce(max(id), 0) FROM outbox",
    "INSERT OR REPLACE INTO silences (id, where_json, starts, ends, created_by, reason, created_at)"
    " VALUES (?, ?, ?, ?, ?, ?, ?)",
    "SELECT id, where_json, starts, ends, created_by, reason, created_at FROM silences"
    " WHERE ends > ? ORDER BY starts, id",
    "INSERT OR REPLACE INTO dedup_segments (id, newest, keys, state) VALUES (?, ?, ?, ?)",
    "SELECT id, newest, keys, state FROM dedup_segments WHERE id BETWEEN ? AND ? ORDER BY id",
    "SELECT coalesce(max(id), 0) FROM dedup_segments",
    "DELETE FROM dedup_segments WHERE id < ?1 OR id > ?2 OR newest < ?3",
};
}  // namespace

// A cached statement in use: binds left to right, and is reset (bindings
// cleared) when it goes out of scope, so no statement stays active.
class Database::Statement {
 public:
  explicit Statement(sqlite3_stmt* stmt) : stmt_(stmt) {}
  ~Statement() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  Statement& Bind(int64_t v) {
    sqlite3_bind_int64(stmt_, ++index_, v);
    return *this;
  }
  // The text must outlive the step (no copy is made).
  Statement& Bind(std::string_view text) {
    sqlite3_bind_text(stmt_, ++index_, NonNull(text), static_cast<int>(text.size()), SQLITE_STATIC);
    return *this;
  }
  Statement& BindBlob(std::string_view bytes) {
    sqlite3_bind_blob(stmt_, ++index_, NonNull(bytes), static_cast<int>(bytes.size()),
                      SQLITE_STATIC);
    return *this;
  }
  int Step() { return sqlite3_step(stmt_); }

  int64_t Int(int col) const { return sqlite3_column_int64(stmt_, col); }
  std::string_view Text(int col) const {
    const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, col));
    return p ? std::string_view(p, sqlite3_column_bytes(stmt_, col)) : std::string_view();
  }
  std::string_view Blob(int col) const {
    const auto* p = static_cast<const char*>(sqlite3_column_blob(stmt_, col));
    return p ? std::string_view(p, sqlite3_column_bytes(stmt_, col)) : std::string_view();
  }

 private:
  sqlite3_stmt* stmt_;
  int index_ = 0;
};

Database::Database(sqlite3* db, std::filesystem::path path)
    : db_(db), path_(std::move(path)),
      statements_(new sqlite3_stmt*[static_cast<size_t>(Sql::kCount)]()) {
  static_assert(std::size(kSqlText) == static_cast<size_t>(Sql::kCount));
}

Database::~Database() {
  for (size_t i = 0; i < static_cast<size_t>(Sql::kCount); ++i) sqlite3_finalize(statements_[i]);
  sqlite3_close_v2(db_);
}

Error Database::Fail(int code, std::string_view what) const {
  return Error{KindOfSqliteCode(code), code, std::string(what) + ": " + sqlite3_errmsg(db_)};
}

namespace {

// The database holds personal data: a missing folder is created 0700 and a
// new database file 0600 (whatever the umask); SQLite gives the -wal and -shm
// files the mode of the database file. Existing files and folders are left as
// they are (an operator may have chosen otherwise). Errors are left for
// sqlite3_open_v2 to report, except a folder that cannot be created.
Status CreatePrivately(const std::filesystem::path& path) {
  if (path.empty() || path == ":memory:") return {};
  std::filesystem::path folder;
  for (const auto& part : path.parent_path()) {
    folder /= part;
    if (::mkdir(folder.c_str(), 0700) == 0) {
      ::chmod(folder.c_str(), 0700);  // exactly 0700, whatever the umask
    } else if (errno != EEXIST) {
      return Error{errno == EACCES || errno == EROFS ? ErrorKind::kReadOnly : ErrorKind::kIo, 0,
                   "cannot create the folder " + folder.string() + ": " + std::strerror(errno)};
    }
  }
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd >= 0) {
    ::fchmod(fd, 0600);
    ::close(fd);  // an empty file is an empty SQLite database
  }
  return {};
}

}  // namespace

Result<std::unique_ptr<Database>, Error> Database::Open(const std::filesystem::path& path,
                                                        SyncMode sync) {
  if (Status s = CreatePrivately(path); !s.ok()) return MakeError(s.error());
  sqlite3* raw = nullptr;
  const int rc = sqlite3_open_v2(path.c_str(), &raw,
                                 SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                                 nullptr);
  if (rc != SQLITE_OK) {
    Error error{KindOfSqliteCode(rc), rc,
                "cannot open " + path.string() + ": " + (raw ? sqlite3_errmsg(raw) : sqlite3_errstr(rc))};
    sqlite3_close_v2(raw);
    const auto folder = path.has_parent_path() ? path.parent_path() : std::filesystem::path(".");
    if (::access(folder.c_str(), W_OK) != 0) error.kind = ErrorKind::kReadOnly;
    return MakeError(std::move(error));
  }
  sqlite3_extended_result_codes(raw, 1);
  std::unique_ptr<Database> db(new Database(raw, path));
  // SQLite falls back to read-only when the file is not writable.
  if (sqlite3_db_readonly(raw, "main") == 1)
    return MakeError(Error{ErrorKind::kReadOnly, SQLITE_READONLY,
                           "cannot write " + path.string() + ": the file is read-only"});
  sqlite3_busy_timeout(raw, kBusyTimeoutMs);
  // First, so that a database of a newer version is left untouched.
  if (Status s = db->Migrate(); !s.ok()) return MakeError(s.error());

  // journal_mode answers the mode in effect, which stays "delete" if WAL could not be set.
  std::string mode;
  const auto keep_mode = [](void* out, int, char** values, char**) {
    if (values[0]) *static_cast<std::string*>(out) = values[0];
    return 0;
  };
  if (int c = sqlite3_exec(raw, "PRAGMA journal_mode=WAL", keep_mode, &mode, nullptr); c != SQLITE_OK)
    return MakeError(db->Fail(c, "setting WAL mode on " + path.string()));
  if (mode != "wal")
    return MakeError(Error{ErrorKind::kOther, 0,
                           "cannot use WAL mode on " + path.string() + " (journal mode " + mode + ")"});
  const std::string pragmas =
      std::string("PRAGMA synchronous=") + (sync == SyncMode::kFull ? "FULL" : "NORMAL") +
      "; PRAGMA wal_autocheckpoint=0; PRAGMA journal_size_limit=" + std::to_string(kWalSizeLimit);
  if (Status s = db->Exec(pragmas); !s.ok()) return MakeError(s.error());

  for (int i = 0; i < static_cast<int>(Sql::kCount); ++i) {
    if (int c = sqlite3_prepare_v3(raw, kSqlText[i], -1, SQLITE_PREPARE_PERSISTENT,
                                   &db->statements_[i], nullptr);
        c != SQLITE_OK)
      return MakeError(db->Fail(c, "preparing statement " + std::to_string(i)));
  }
  return db;
}

Status Database::Migrate() {
  const auto read_version = [this](int* version) -> Status {
    sqlite3_stmt* stmt = nullptr;
    int rc = sqlite3_prepare_v2(db_, "PRAGMA user_version", -1, &stmt, nullptr);
    if (rc == SQLITE_OK) rc = sqlite3_step(stmt);
    if (rc == SQLITE_ROW) *version = sqlite3_column_int(stmt, 0);
    Status s = rc == SQLITE_ROW ? Status() : Status(Fail(rc, "reading the schema version"));
    sqlite3_finalize(stmt);
    return s;
  };
  const auto too_new = [this](int version) {
    return Error{ErrorKind::kOther, 0,
                 path_.string() + " has schema version " + std::to_string(version) +
                     ", newer than the version " + std::to_string(kSchemaVersion) +
                     " this vigia supports; use a newer vigia"};
  };
  int version = 0;
  if (Status s = read_version(&version); !s.ok()) return s;
  if (version > kSchemaVersion) return too_new(version);
  if (version == kSchemaVersion) return {};
  int from = 0;
  Status s = InTransaction([&]() -> Status {
    // Another connection may have migrated while this one waited for the lock.
    if (Status r = read_version(&from); !r.ok()) return r;
    if (from > kSchemaVersion) return too_new(from);
    for (const auto& m : detail::Migrations()) {
      if (m.version <= from) continue;
      if (int rc = sqlite3_exec(db_, m.sql, nullptr, nullptr, nullptr); rc != SQLITE_OK)
        return Fail(rc, "migrating " + path_.string() + " to schema version " +
                            std::to_string(m.version));
    }
    return Exec("PRAGMA user_version=" + std::to_string(kSchemaVersion));
  });
  if (s.ok() && from < kSchemaVersion)
    spdlog::info("{} from={} to={} file={}", log::kMigrated, from, kSchemaVersion, path_.string());
  return s;
}

Database::Statement Database::Prepare(Sql sql) {
  return Statement(statements_[static_cast<size_t>(sql)]);
}

Status Database::Transaction(const std::function<Status()>& body) { return InTransaction(body); }

Result<bool, Error> Database::HasAlert(const std::string& id) {
  Statement st = Prepare(Sql::kHasAlert);
  st.Bind(id);
  const int rc = st.Step();
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return MakeError(Fail(rc, "alert lookup"));
}

Status Database::InTransaction(const std::function<Status()>& body) {
  // Inside a transaction already (Transaction around the typed helpers): the
  // outer one commits or rolls back.
  if (!sqlite3_get_autocommit(db_)) return body();
  // Before the migration the cached statements do not exist yet.
  const auto control = [this](Sql sql, const char* text) {
    sqlite3_stmt* cached = statements_[static_cast<size_t>(sql)];
    if (cached) return Statement(cached).Step();
    return sqlite3_exec(db_, text, nullptr, nullptr, nullptr) == SQLITE_OK ? SQLITE_DONE
                                                                            : sqlite3_errcode(db_);
  };
  if (int rc = control(Sql::kBegin, "BEGIN IMMEDIATE"); rc != SQLITE_DONE) return Fail(rc, "begin");
  Status s = body();
  if (s.ok()) {
    const int rc = control(Sql::kCommit, "COMMIT");
    if (rc == SQLITE_DONE) return s;
    s = Fail(rc, "commit");
  }
  // Some errors (full, I/O) have already rolled the transaction back.
  if (!sqlite3_get_autocommit(db_)) control(Sql::kRollback, "ROLLBACK");
  return s;
}

Status Database::Exec(const std::string& sql) {
  if (int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, nullptr); rc != SQLITE_OK)
    return Fail(rc, "exec");
  return {};
}

Status Database::AppendJournal(std::span<const JournalRow> rows) {
  return InTransaction([&]() -> Status {
    for (const JournalRow& row : rows) {
      Statement st = Prepare(Sql::kInsertJournal);
      st.Bind(static_cast<int64_t>(row.seq)).Bind(row.arrival).Bind(row.time);
      st.Bind(row.source).Bind(row.id).Bind(row.body);
      if (int rc = st.Step(); rc != SQLITE_DONE) return Fail(rc, "journal insert");
    }
    return {};
  });
}

Status Database::ReadJournal(uint64_t after_seq,
                             const std::function<void(const JournalRow&)>& callback) {
  Statement st = Prepare(Sql::kReadJournal);
  st.Bind(static_cast<int64_t>(after_seq));
  JournalRow row;  // reused: its strings keep their capacity
  int rc;
  while ((rc = st.Step()) == SQLITE_ROW) {
    row.seq = static_cast<uint64_t>(st.Int(0));
    row.arrival = st.Int(1);
    row.time = st.Int(2);
    row.source.assign(st.Text(3));
    row.id.assign(st.Text(4));
    row.body.assign(st.Text(5));
    callback(row);
  }
  return rc == SQLITE_DONE ? Status() : Status(Fail(rc, "journal read"));
}

Result<uint64_t, Error> Database::MaxSeq() {
  Statement st = Prepare(Sql::kMaxSeq);
  if (int rc = st.Step(); rc != SQLITE_ROW) return MakeError(Fail(rc, "journal max seq"));
  return static_cast<uint64_t>(st.Int(0));
}

Result<uint64_t, Error> Database::DeleteJournalBefore(TimeUs cutoff) {
  uint64_t deleted = 0;
  for (;;) {
    Statement st = Prepare(Sql::kDeleteJournal);
    st.Bind(cutoff).Bind(int64_t{kDeleteBatch});
    if (int rc = st.Step(); rc != SQLITE_DONE) return MakeError(Fail(rc, "journal retention"));
    const int64_t n = sqlite3_changes64(db_);
    deleted += static_cast<uint64_t>(n);
    if (n < kDeleteBatch) return deleted;
  }
}

Status Database::AppendDeadLetter(const DeadLetterRow& row) {
  Statement st = Prepare(Sql::kInsertDeadLetter);
  st.Bind(row.arrival).Bind(row.connector).Bind(row.code).Bind(row.reply).BindBlob(row.raw);
  if (int rc = st.Step(); rc != SQLITE_DONE) return Fail(rc, "dead letter insert");
  return {};
}

Status Database::AppendDeadLetters(std::span<const DeadLetterRow> rows) {
  return InTransaction([&]() -> Status {
    for (const DeadLetterRow& row : rows)
      if (Status s = AppendDeadLetter(row); !s.ok()) return s;
    return {};
  });
}

Status Database::ReadAlerts(size_t limit, const std::function<void(const AlertRow&)>& callback) {
  Statement st = Prepare(Sql::kReadAlerts);
  st.Bind(static_cast<int64_t>(std::min<size_t>(limit, INT64_MAX)));
  AlertRow row;
  int rc;
  while ((rc = st.Step()) == SQLITE_ROW) {
    row.id.assign(st.Text(0));
    row.rule.assign(st.Text(1));
    row.region.assign(st.Text(2));
    row.group.assign(st.Text(3));
    row.level.assign(st.Text(4));
    row.status.assign(st.Text(5));
    row.fired_at = st.Int(6);
    row.updated_at = st.Int(7);
    row.json.assign(st.Text(8));
    callback(row);
  }
  return rc == SQLITE_DONE ? Status() : Status(Fail(rc, "alerts read"));
}

Status Database::UpsertAlert(const AlertRow& row) {
  Statement st = Prepare(Sql::kUpsertAlert);
  st.Bind(row.id).Bind(row.rule).Bind(row.region).Bind(row.group).Bind(row.level);
  st.Bind(row.status).Bind(row.fired_at).Bind(row.updated_at).Bind(row.json);
  if (int rc = st.Step(); rc != SQLITE_DONE) return Fail(rc, "alert upsert");
  return {};
}

Status Database::AppendAlertHistory(const AlertHistoryRow& row) {
  Statement st = Prepare(Sql::kInsertHistory);
  st.Bind(row.alert_id).Bind(row.at).Bind(row.what).Bind(row.by).Bind(row.note);
  if (int rc = st.Step(); rc != SQLITE_DONE) return Fail(rc, "alert history insert");
  return {};
}

Status Database::AppendAudit(const AuditRow& row) {
  return InTransaction([&]() -> Status {
    std::string prev(kHashSize, '\0');
    {
      Statement last = Prepare(Sql::kLastAuditHash);
      const int rc = last.Step();
      if (rc == SQLITE_ROW) prev = last.Blob(0);
      else if (rc != SQLITE_DONE) return Fail(rc, "audit read");
    }
    const std::string hash = AuditHash(prev, row.at, row.actor, row.action, row.target, row.detail);
    Statement st = Prepare(Sql::kInsertAudit);
    st.Bind(row.at).Bind(row.actor).Bind(row.action).Bind(row.target).Bind(row.detail);
    st.BindBlob(prev).BindBlob(hash);
    if (int rc = st.Step(); rc != SQLITE_DONE) return Fail(rc, "audit insert");
    return {};
  });
}

Result<int64_t, Error> Database::VerifyAudit() {
  Statement st = Prepare(Sql::kReadAudit);
  std::string prev(kHashSize, '\0');
  int rc;
  while ((rc = st.Step()) == SQLITE_ROW) {
    const std::string hash =
        AuditHash(prev, st.Int(1), st.Text(2), st.Text(3), st.Text(4), st.Text(5));
    if (st.Blob(6) != prev || st.Blob(7) != hash) return st.Int(0);
    prev = hash;
  }
  if (rc != SQLITE_DONE) return MakeError(Fail(rc, "audit read"));
  return int64_t{0};
}

Status Database::WriteCheckpoint(uint64_t seq, TimeUs clock, std::string_view state) {
  return InTransaction([&]() -> Status {
    Statement insert = Prepare(Sql::kInsertCheckpoint);
    insert.Bind(static_cast<int64_t>(seq)).Bind(clock).Bind(WallNow()).BindBlob(state);
    if (int rc = insert.Step(); rc != SQLITE_DONE) return Fail(rc, "checkpoint insert");
    Statement prune = Prepare(Sql::kPruneCheckpoints);
    prune.Bind(int64_t{kKeepCheckpoints});
    if (int rc = prune.Step(); rc != SQLITE_DONE) return Fail(rc, "checkpoint prune");
    return {};
  });
}

Result<std::optional<Checkpoint>, Error> Database::LoadNewestCheckpoint() {
  Statement st = Prepare(Sql::kNewestCheckpoint);
  const int rc = st.Step();
  if (rc == SQLITE_DONE) return std::optional<Checkpoint>();
  if (rc != SQLITE_ROW) return MakeError(Fail(rc, "checkpoint read"));
  return std::optional<Checkpoint>(Checkpoint{static_cast<uint64_t>(st.Int(0)), st.Int(1),
                                              st.Int(2), std::string(st.Blob(3))});
}

Status Database::InsertDedupSegment(const DedupSegmentRow& row) {
  Statement st = Prepare(Sql::kInsertSegment);
  st.Bind(static_cast<int64_t>(row.id)).Bind(row.newest).Bind(static_cast<int64_t>(row.keys));
  st.BindBlob(row.state);
  if (int rc = st.Step(); rc != SQLITE_DONE) return Fail(rc, "dedup segment insert");
  return {};
}

Status Database::ReadDedupSegments(uint64_t first, uint64_t last,
                                   const std::function<void(const DedupSegmentRow&)>& row) {
  // Ids are stored as SQLite integers (signed): above INT64_MAX means all.
  const auto clamp = [](uint64_t v) { return static_cast<int64_t>(std::min<uint64_t>(v, INT64_MAX)); };
  Statement st = Prepare(Sql::kReadSegments);
  st.Bind(clamp(first)).Bind(clamp(last));
  int rc;
  DedupSegmentRow r;
  while ((rc = st.Step()) == SQLITE_ROW) {
    r.id = static_cast<uint64_t>(st.Int(0));
    r.newest = st.Int(1);
    r.keys = static_cast<uint64_t>(st.Int(2));
    r.state.assign(st.Blob(3));
    row(r);
  }
  if (rc != SQLITE_DONE) return Fail(rc, "dedup segment read");
  return {};
}

Result<uint64_t, Error> Database::MaxDedupSegmentId() {
  Statement st = Prepare(Sql::kMaxSegmentId);
  if (int rc = st.Step(); rc != SQLITE_ROW) return MakeError(Fail(rc, "dedup segment max"));
  return static_cast<uint64_t>(st.Int(0));
}

Status Database::DeleteDedupSegments(uint64_t first, uint64_t last, TimeUs expired_before) {
  const auto clamp = [](uint64_t v) { return static_cast<int64_t>(std::min<uint64_t>(v, INT64_MAX)); };
  Statement st = Prepare(Sql::kDeleteSegments);
  st.Bind(clamp(first)).Bind(clamp(last)).Bind(expired_before);
  if (int rc = st.Step(); rc != SQLITE_DONE) return Fail(rc, "dedup segment delete");
  return {};
}

Result<WalCheckpointResult, Error> Database::CheckpointWal() {
  int log = 0, done = 0;
  if (int rc = sqlite3_wal_checkpoint_v2(db_, nullptr, SQLITE_CHECKPOINT_PASSIVE, &log, &done);
      rc != SQLITE_OK)
    return MakeError(Fail(rc, "wal checkpoint"));
  return WalCheckpointResult{log, done};
}

// --- the notifier's tables

Status Database::UpsertEscalation(const EscalationRow& row) {
  Statement st = Prepare(Sql::kUpsertEscalation);
  st.Bind(row.alert_id).Bind(row.policy).Bind(row.fired_at).Bind(row.next_tier);
  st.Bind(row.repeat_n).Bind(row.due_at).Bind(row.state);
  if (int rc = st.Step(); rc != SQLITE_DONE) return Fail(rc, "escalation upsert");
  return {};
}

Status Database::ReadActiveEscalations(const std::function<void(const EscalationRow&)>& callback) {
  Statement st = Prepare(Sql::kReadEscalations);
  EscalationRow row;
  int rc;
  while ((rc = st.Step()) == SQLITE_ROW) {
    row.alert_id.assign(st.Text(0));
    row.policy.assign(st.Text(1));
    row.fired_at = st.Int(2);
    row.next_tier = st.Int(3);
    row.repeat_n = st.Int(4);
    row.due_at = st.Int(5);
    row.state.assign(st.Text(6));
    callback(row);
  }
  return rc == SQLITE_DONE ? Status() : Status(Fail(rc, "escalations read"));
}

Status Database::InsertOutbox(const OutboxRow& row) {
  Statement st = Prepare(Sql::kInsertOutbox);
  st.Bind(row.id).Bind(row.alert_id).Bind(row.receiver).Bind(row.policy).Bind(row.tier);
  st.Bind(row.n).Bind(row.kind).Bind(row.idempotency_key).Bind(row.subject).Bind(row.body);
  st.Bind(row.created_at).Bind(row.attempts).Bind(row.next_attempt).Bind(row.status);
  st.Bind(row.last_error);
  if (int rc = st.Step(); rc != SQLITE_DONE) return Fail(rc, "outbox insert");
  return {};
}

Status Database::UpdateOutbox(const OutboxRow& row) {
  Statement st = Prepare(Sql::kUpdateOutbox);
  st.Bind(row.attempts).Bind(row.next_attempt).Bind(row.status).Bind(row.last_error).Bind(row.id);
  if (int rc = st.Step(); rc != SQLITE_DONE) return Fail(rc, "outbox update");
  return {};
}

Status Database::ReadOutbox(const std::string& alert_id, const std::string& status,
                            const std::function<void(const OutboxRow&)>& callback) {
  Statement st = Prepare(Sql::kReadOutbox);
  st.Bind(alert_id).Bind(status);
  OutboxRow row;
  int rc;
  while ((rc = st.Step()) == SQLITE_ROW) {
    row.id = st.Int(0);
    row.alert_id.assign(st.Text(1));
    row.receiver.assign(st.Text(2));
    row.policy.assign(st.Text(3));
    row.tier = st.Int(4);
    row.n = st.Int(5);
    row.kind.assign(st.Text(6));
    row.idempotency_key.assign(st.Text(7));
    row.subject.assign(st.Text(8));
    row.body.assign(st.Text(9));
    row.created_at = st.Int(10);
    row.attempts = st.Int(11);
    row.next_attempt = st.Int(12);
    row.status.assign(st.Text(13));
    row.last_error.assign(st.Text(14));
    callback(row);
  }
  return rc == SQLITE_DONE ? Status() : Status(Fail(rc, "outbox read"));
}

Result<int64_t, Error> Database::MaxOutboxId() {
  Statement st = Prepare(Sql::kMaxOutboxId);
  if (int rc = st.Step(); rc != SQLITE_ROW) return MakeError(Fail(rc, "outbox max id"));
  return st.Int(0);
}

Status Database::UpsertSilence(const SilenceRow& row) {
  Statement st = Prepare(Sql::kUpsertSilence);
  st.Bind(row.id).Bind(row.where_json).Bind(row.starts).Bind(row.ends).Bind(row.created_by);
  st.Bind(row.reason).Bind(row.created_at);
  if (int rc = st.Step(); rc != SQLITE_DONE) return Fail(rc, "silence upsert");
  return {};
}

Status Database::ReadSilences(TimeUs now, const std::function<void(const SilenceRow&)>& callback) {
  Statement st = Prepare(Sql::kReadSilences);
  st.Bind(now);
  SilenceRow row;
  int rc;
  while ((rc = st.Step()) == SQLITE_ROW) {
    row.id.assign(st.Text(0));
    row.where_json.assign(st.Text(1));
    row.starts = st.Int(2);
    row.ends = st.Int(3);
    row.created_by.assign(st.Text(4));
    row.reason.assign(st.Text(5));
    row.created_at = st.Int(6);
    callback(row);
  }
  return rc == SQLITE_DONE ? Status() : Status(Fail(rc, "silences read"));
}

}  // namespace vigia::storage
