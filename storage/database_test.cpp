// SPDX-License-Identifier: Apache-2.0
#include "storage/database.h"

#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <vector>

#include <catch2/catch.hpp>

#include "storage/detail/schema.h"
#include "storage/detail/test_util.h"

namespace vigia::storage {
namespace {

using testing::MakeRow;
using testing::RawDb;
using testing::TempDir;

std::unique_ptr<Database> OpenOrFail(const std::filesystem::path& path,
                                     SyncMode sync = SyncMode::kFull) {
  auto db = Database::Open(path, sync);
  if (!db) FAIL(ToString(db.error()));
  return *std::move(db);
}

std::vector<JournalRow> ReadAll(Database& db, uint64_t after = 0) {
  std::vector<JournalRow> rows;
  auto s = db.ReadJournal(after, [&](const JournalRow& row) { rows.push_back(row); });
  REQUIRE(s.ok());
  return rows;
}

void CheckSame(const JournalRow& a, const JournalRow& b) {
  CHECK(a.seq == b.seq);
  CHECK(a.arrival == b.arrival);
  CHECK(a.time == b.time);
  CHECK(a.source == b.source);
  CHECK(a.id == b.id);
  CHECK(a.body == b.body);
}

TEST_CASE("storage: a new database is created at the current schema version with every table",
          "[storage][schema]") {
  TempDir dir;
  { auto db = OpenOrFail(dir.db()); }
  RawDb raw(dir.db());
  CHECK(raw.Int("PRAGMA user_version") == kSchemaVersion);
  CHECK(raw.Text("PRAGMA journal_mode") == "wal");
  for (const char* table : {"journal", "dead_letters", "alerts", "alert_history", "checkpoints",
                            "audit", "outbox", "escalations", "silences"}) {
    INFO(table);
    CHECK(raw.Int(std::string("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = '") +
                  table + "'") == 1);
  }
  // The journal must stay append-only at full speed: no secondary index.
  CHECK(raw.Int("SELECT count(*) FROM sqlite_master WHERE type = 'index' AND tbl_name = 'journal'") == 0);
}

TEST_CASE("storage: opening a current database again changes nothing", "[storage][schema]") {
  TempDir dir;
  {
    auto db = OpenOrFail(dir.db());
    REQUIRE(db->AppendJournal(std::vector{MakeRow(1)}).ok());
  }
  auto db = OpenOrFail(dir.db());
  CHECK(ReadAll(*db).size() == 1);
}

TEST_CASE("storage: a version 0 database is migrated in one transaction", "[storage][schema]") {
  TempDir dir;
  SECTION("its other tables are kept") {
    {
      RawDb raw(dir.db());
      raw.Exec("CREATE TABLE notes (x TEXT); INSERT INTO notes VALUES ('kept')");
    }
    auto db = OpenOrFail(dir.db());
    RawDb raw(dir.db());
    CHECK(raw.Int("PRAGMA user_version") == kSchemaVersion);
    CHECK(raw.Text("SELECT x FROM notes") == "kept");
    CHECK(raw.Int("SELECT count(*) FROM sqlite_master WHERE name = 'journal'") == 1);
  }
  SECTION("a migration that fails leaves the database as it was") {
    {
      RawDb raw(dir.db());
      raw.Exec("CREATE TABLE alerts (x TEXT)");  // clashes with version 1's alerts
    }
    auto db = Database::Open(dir.db(), SyncMode::kFull);
    REQUIRE_FALSE(db);
    CHECK_THAT(db.error().message, Catch::Contains("schema version 1") &&
                                       Catch::Contains("alerts already exists"));
    RawDb raw(dir.db());
    CHECK(raw.Int("PRAGMA user_version") == 0);
    // journal is created before alerts: the rollback removed it.
    CHECK(raw.Int("SELECT count(*) FROM sqlite_master WHERE name = 'journal'") == 0);
  }
}

TEST_CASE("storage: a database with a newer schema version is refused naming both versions",
          "[storage][schema]") {
  TempDir dir;
  {
    RawDb raw(dir.db());
    raw.Exec("PRAGMA user_version = 99");
  }
  auto db = Database::Open(dir.db(), SyncMode::kFull);
  REQUIRE_FALSE(db);
  CHECK(db.error().kind == ErrorKind::kOther);
  CHECK_THAT(db.error().message,
             Catch::Contains("schema version 99") && Catch::Contains("version " + std::to_string(kSchemaVersion) + " this vigia supports"));
  RawDb raw(dir.db());
  CHECK(raw.Int("PRAGMA user_version") == 99);
  CHECK(raw.Int("SELECT count(*) FROM sqlite_master") == 0);
  CHECK(raw.Text("PRAGMA journal_mode") == "delete");  // not even switched to WAL
}

TEST_CASE("storage: a file that is not a database is refused as corrupt", "[storage][schema]") {
  TempDir dir;
  {
    std::FILE* f = std::fopen(dir.db().c_str(), "w");
    REQUIRE(f);
    std::fputs(std::string(8192, 'x').c_str(), f);
    std::fclose(f);
  }
  auto db = Database::Open(dir.db(), SyncMode::kFull);
  REQUIRE_FALSE(db);
  CHECK(db.error().kind == ErrorKind::kCorrupt);
}

TEST_CASE("storage: journal rows round-trip with exact fields in seq order", "[storage][journal]") {
  TempDir dir;
  auto db = OpenOrFail(dir.db(), SyncMode::kNormal);
  std::vector<JournalRow> rows;
  for (uint64_t seq = 1; seq <= 50; ++seq) rows.push_back(MakeRow(seq));
  rows[3].body = "{\"note\":\"comillas \\\" y acentos: Chihuahua, Oaxaca, niñez\"}";
  rows[4].source = "";  // empty strings stay empty, not NULL
  rows[4].id = "";
  rows[5].body = std::string("nul\0inside", 10);
  rows[6].time = -1'000'000;  // before 1970
  REQUIRE(db->AppendJournal(std::span(rows).first(20)).ok());
  REQUIRE(db->AppendJournal(std::span(rows).subspan(20)).ok());

  const auto all = ReadAll(*db);
  REQUIRE(all.size() == rows.size());
  for (size_t i = 0; i < rows.size(); ++i) CheckSame(all[i], rows[i]);

  const auto after = ReadAll(*db, 45);
  REQUIRE(after.size() == 5);
  CHECK(after.front().seq == 46);
  CHECK(after.back().seq == 50);
  CHECK(*db->MaxSeq() == 50);
}

TEST_CASE("storage: a journal batch is all or nothing", "[storage][journal]") {
  TempDir dir;
  auto db = OpenOrFail(dir.db());
  REQUIRE(db->AppendJournal(std::vector{MakeRow(5)}).ok());
  // seq 5 again in the middle of the batch: the batch fails as a whole.
  auto s = db->AppendJournal(std::vector{MakeRow(6), MakeRow(5), MakeRow(7)});
  REQUIRE_FALSE(s.ok());
  CHECK(s.error().kind == ErrorKind::kOther);
  CHECK_THAT(s.error().message, Catch::Contains("UNIQUE constraint failed: journal.seq"));
  CHECK(ReadAll(*db).size() == 1);
  CHECK(db->AppendJournal(std::vector{MakeRow(6)}).ok());  // the connection is usable
}

TEST_CASE("storage: MaxSeq continues after the newest checkpoint when retention emptied the journal",
          "[storage][journal]") {
  TempDir dir;
  auto db = OpenOrFail(dir.db());
  CHECK(*db->MaxSeq() == 0);
  REQUIRE(db->WriteCheckpoint(700, 1, "s").ok());
  CHECK(*db->MaxSeq() == 700);
  REQUIRE(db->AppendJournal(std::vector{MakeRow(701)}).ok());
  CHECK(*db->MaxSeq() == 701);
}

TEST_CASE("storage: DeleteJournalBefore deletes exactly the rows that arrived before the cutoff",
          "[storage][journal][retention]") {
  TempDir dir;
  auto db = OpenOrFail(dir.db(), SyncMode::kNormal);
  // More than one deletion batch, and a few late rows with an old arrival.
  constexpr uint64_t kRows = 25'000;
  std::vector<JournalRow> rows;
  for (uint64_t seq = 1; seq <= kRows; ++seq) {
    JournalRow row = MakeRow(seq, 40);
    row.arrival = static_cast<TimeUs>(seq) * 10;
    if (seq % 5000 == 0) row.arrival = 5;  // old
    rows.push_back(std::move(row));
  }
  REQUIRE(db->AppendJournal(rows).ok());
  const TimeUs cutoff = 21'234 * 10;  // rows 1..21233 arrived before it
  auto deleted = db->DeleteJournalBefore(cutoff);
  REQUIRE(deleted);
  // 21,233 in order, plus the old rows 25,000 (5,000 ... 20,000 are among them).
  CHECK(*deleted == 21'233 + 1);
  const auto left = ReadAll(*db);
  REQUIRE(left.size() == kRows - *deleted);
  CHECK(left.front().seq == 21'234);
  CHECK(left.back().seq == kRows - 1);
  for (const auto& row : left) CHECK(row.arrival >= cutoff);
  CHECK(*db->DeleteJournalBefore(cutoff) == 0);
}

TEST_CASE("storage: only the three newest checkpoints are kept", "[storage][checkpoint]") {
  TempDir dir;
  auto db = OpenOrFail(dir.db());
  auto none = db->LoadNewestCheckpoint();
  REQUIRE(none);
  CHECK_FALSE(none->has_value());

  const std::string state("\x00\x01state\xff", 8);
  for (uint64_t seq : {10, 20, 30, 40, 50})
    REQUIRE(db->WriteCheckpoint(seq, static_cast<TimeUs>(seq) * 100, state + std::to_string(seq)).ok());
  RawDb raw(dir.db());
  CHECK(raw.Text("SELECT group_concat(seq) FROM (SELECT seq FROM checkpoints ORDER BY seq)") ==
        "30,40,50");

  auto newest = db->LoadNewestCheckpoint();
  REQUIRE(newest);
  REQUIRE(newest->has_value());
  const Checkpoint& c = **newest;
  CHECK(c.seq == 50);
  CHECK(c.clock == 5000);
  CHECK(c.state == state + "50");
  const auto now = std::chrono::duration_cast<std::chrono::microseconds>(
                       std::chrono::system_clock::now().time_since_epoch()).count();
  CHECK(c.written_at <= now);
  CHECK(c.written_at > now - 60 * kSecond);

  SECTION("a checkpoint at the same seq replaces it") {
    REQUIRE(db->WriteCheckpoint(50, 1, "again").ok());
    CHECK(raw.Int("SELECT count(*) FROM checkpoints") == 3);
    CHECK((*db->LoadNewestCheckpoint())->state == "again");
  }
}

TEST_CASE("storage: alerts are upserted by id and their history appended", "[storage][alerts]") {
  TempDir dir;
  auto db = OpenOrFail(dir.db());
  AlertRow alert{"a-1", "journalist-threat-cluster", "MX-CHH", "journalist", "critical",
                 "firing", 100, 100, "{\"id\":\"a-1\"}"};
  REQUIRE(db->UpsertAlert(alert).ok());
  REQUIRE(db->AppendAlertHistory({"a-1", 100, "fired", "vigia", ""}).ok());
  alert.status = "acknowledged";
  alert.updated_at = 200;
  alert.json = "{\"id\":\"a-1\",\"status\":\"acknowledged\"}";
  REQUIRE(db->UpsertAlert(alert).ok());
  REQUIRE(db->AppendAlertHistory({"a-1", 200, "acknowledged", "op-3", "on it"}).ok());

  RawDb raw(dir.db());
  CHECK(raw.Int("SELECT count(*) FROM alerts") == 1);
  CHECK(raw.Text("SELECT status || ' ' || updated_at || ' ' || fired_at || ' ' || grp FROM alerts") ==
        "acknowledged 200 100 journalist");
  CHECK(raw.Text("SELECT json FROM alerts") == alert.json);
  CHECK(raw.Text("SELECT group_concat(what || '/' || \"by\" || '/' || note, ';') FROM"
                 " (SELECT * FROM alert_history WHERE alert_id = 'a-1' ORDER BY at)") ==
        "fired/vigia/;acknowledged/op-3/on it");
}

TEST_CASE("storage: a Transaction of helpers commits all or none; HasAlert finds stored ids",
          "[storage][alerts]") {
  TempDir dir;
  auto db = OpenOrFail(dir.db());
  AlertRow alert{"a-1", "r", "MX-CHH", "journalist", "warning", "firing", 100, 100, "{}"};
  REQUIRE(db->Transaction([&]() -> Status {
                if (auto s = db->UpsertAlert(alert); !s.ok()) return s;
                if (auto s = db->AppendAlertHistory({"a-1", 100, "fired", "vigia", ""}); !s.ok()) return s;
                return db->AppendDeadLetters(std::vector<DeadLetterRow>{{1, "zmq", "malformed_json", "{}", "x"}});
              }).ok());
  auto found = db->HasAlert("a-1");
  REQUIRE(found.has_value());
  CHECK(*found);
  auto missing = db->HasAlert("a-2");
  REQUIRE(missing.has_value());
  CHECK(!*missing);
  // A failing step rolls back the steps before it.
  alert.id = "a-2";
  CHECK(!db->Transaction([&]() -> Status {
              if (auto s = db->UpsertAlert(alert); !s.ok()) return s;
              return db->Exec("INSERT INTO no_such_table VALUES (1)");
            }).ok());
  CHECK(!*db->HasAlert("a-2"));
  RawDb raw(dir.db());
  CHECK(raw.Int("SELECT count(*) FROM alert_history") == 1);
  CHECK(raw.Int("SELECT count(*) FROM dead_letters") == 1);
}

TEST_CASE("storage: ReadAlerts gives the newest alerts, oldest first", "[storage][alerts]") {
  TempDir dir;
  auto db = OpenOrFail(dir.db());
  for (int i : {3, 1, 5, 2, 4})
    REQUIRE(db->UpsertAlert({"a-" + std::to_string(i), "r", "MX-GRO", "", "warning", "firing",
                             i * 100, i * 100 + 1, "{}"})
                .ok());
  std::vector<std::string> seen;
  REQUIRE(db->ReadAlerts(3, [&](const AlertRow& row) {
              seen.push_back(row.id + "@" + std::to_string(row.fired_at) + "/" +
                             std::to_string(row.updated_at) + row.region + row.level + row.status);
            }).ok());
  CHECK(seen == std::vector<std::string>{"a-3@300/301MX-GROwarningfiring",
                                         "a-4@400/401MX-GROwarningfiring",
                                         "a-5@500/501MX-GROwarningfiring"});
}

TEST_CASE("storage: dead letters keep the raw bytes", "[storage][dead_letters]") {
  TempDir dir;
  auto db = OpenOrFail(dir.db());
  const std::string raw_bytes("{\"id\":\xff\xfe\x00 broken", 17);
  REQUIRE(db->AppendDeadLetter({42, "zmq.ack", "invalid_json", "{\"ok\":false}", raw_bytes}).ok());
  RawDb raw(dir.db());
  CHECK(raw.Text("SELECT raw FROM dead_letters") == raw_bytes);
  CHECK(raw.Text("SELECT typeof(raw) FROM dead_letters") == "blob");
  CHECK(raw.Text("SELECT arrival || ' ' || connector || ' ' || code FROM dead_letters") ==
        "42 zmq.ack invalid_json");

  SECTION("a batch is one transaction") {
    std::vector<DeadLetterRow> rows = {{43, "file.x", "too_large", "{}", "a"},
                                       {44, "file.x", "invalid_json", "{}", "b"}};
    REQUIRE(db->AppendDeadLetters(rows).ok());
    CHECK(raw.Text("SELECT group_concat(raw) FROM (SELECT raw FROM dead_letters WHERE arrival > 42"
                   " ORDER BY id)") == "a,b");
    REQUIRE(db->Exec("PRAGMA query_only = 1").ok());
    CHECK_FALSE(db->AppendDeadLetters(rows).ok());
    REQUIRE(db->Exec("PRAGMA query_only = 0").ok());
    CHECK(raw.Int("SELECT count(*) FROM dead_letters") == 3);
  }
}

TEST_CASE("storage: the audit log is a hash chain that shows edits and deletions",
          "[storage][audit]") {
  TempDir dir;
  auto db = OpenOrFail(dir.db());
  CHECK(*db->VerifyAudit() == 0);
  REQUIRE(db->AppendAudit({1, "op-1", "acknowledge", "a-1", "note"}).ok());
  REQUIRE(db->AppendAudit({2, "op-2", "silence", "s-1", "{\"region\":\"MX-GRO\"}"}).ok());
  REQUIRE(db->AppendAudit({3, "vigia", "reload", "rules", "42 rules"}).ok());
  CHECK(*db->VerifyAudit() == 0);

  RawDb raw(dir.db());
  CHECK(raw.Int("SELECT count(DISTINCT hash) FROM audit") == 3);
  CHECK(raw.Int("SELECT count(*) FROM audit a JOIN audit b ON b.id = a.id + 1"
                " WHERE b.prev_hash = a.hash") == 2);
  SECTION("an edited entry") {
    raw.Exec("UPDATE audit SET detail = 'other' WHERE id = 2");
    CHECK(*db->VerifyAudit() == 2);
  }
  SECTION("a deleted entry breaks the chain at the next one") {
    raw.Exec("DELETE FROM audit WHERE id = 2");
    CHECK(*db->VerifyAudit() == 3);
  }
  SECTION("an entry whose hash was overwritten") {
    raw.Exec("UPDATE audit SET hash = zeroblob(32) WHERE id = 1");
    CHECK(*db->VerifyAudit() == 1);
  }
}

TEST_CASE("storage: SQLite result codes map to the error kinds", "[storage][errors]") {
  CHECK(KindOfSqliteCode(SQLITE_BUSY) == ErrorKind::kBusy);
  CHECK(KindOfSqliteCode(SQLITE_BUSY_SNAPSHOT) == ErrorKind::kBusy);
  CHECK(KindOfSqliteCode(SQLITE_LOCKED) == ErrorKind::kBusy);
  CHECK(KindOfSqliteCode(SQLITE_FULL) == ErrorKind::kFull);
  CHECK(KindOfSqliteCode(SQLITE_READONLY) == ErrorKind::kReadOnly);
  CHECK(KindOfSqliteCode(SQLITE_READONLY_DBMOVED) == ErrorKind::kReadOnly);
  CHECK(KindOfSqliteCode(SQLITE_IOERR_FSYNC) == ErrorKind::kIo);
  CHECK(KindOfSqliteCode(SQLITE_CANTOPEN) == ErrorKind::kIo);
  CHECK(KindOfSqliteCode(SQLITE_CORRUPT) == ErrorKind::kCorrupt);
  CHECK(KindOfSqliteCode(SQLITE_NOTADB) == ErrorKind::kCorrupt);
  CHECK(KindOfSqliteCode(SQLITE_CONSTRAINT_PRIMARYKEY) == ErrorKind::kOther);
  CHECK(ToString(Error{ErrorKind::kFull, SQLITE_FULL, "commit: disk full"}) ==
        "full: commit: disk full");
}

TEST_CASE("storage: writes on a read-only connection fail as kReadOnly and roll back",
          "[storage][errors]") {
  TempDir dir;
  auto db = OpenOrFail(dir.db());
  REQUIRE(db->AppendJournal(std::vector{MakeRow(1)}).ok());
  REQUIRE(db->Exec("PRAGMA query_only = 1").ok());
  auto s = db->AppendJournal(std::vector{MakeRow(2)});
  REQUIRE_FALSE(s.ok());
  CHECK(s.error().kind == ErrorKind::kReadOnly);
  CHECK_FALSE(db->WriteCheckpoint(1, 1, "x").ok());
  REQUIRE(db->Exec("PRAGMA query_only = 0").ok());
  CHECK(db->AppendJournal(std::vector{MakeRow(2)}).ok());
  CHECK(ReadAll(*db).size() == 2);
}

// The permission bits of `path` (0 when it does not exist).
unsigned ModeOf(const std::filesystem::path& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return 0;
  return st.st_mode & 07777;
}

TEST_CASE("storage: a new database and its folders are private to the daemon's user",
          "[storage][privacy]") {
  TempDir dir;
  const mode_t old_umask = ::umask(022);  // a usual umask: files 0644 unless we take care
  const auto folder = dir.path() / "var" / "db";
  const auto path = folder / "vigia.db";
  {
    auto db = OpenOrFail(path);
    REQUIRE(db->AppendJournal(std::vector{MakeRow(1)}).ok());
    CHECK(ModeOf(dir.path() / "var") == 0700);
    CHECK(ModeOf(folder) == 0700);
    CHECK(ModeOf(path) == 0600);
    CHECK(ModeOf(path.string() + "-wal") == 0600);
    CHECK(ModeOf(path.string() + "-shm") == 0600);
  }
  SECTION("an existing file keeps the mode the operator gave it") {
    std::filesystem::permissions(path, std::filesystem::perms::owner_read |
                                           std::filesystem::perms::owner_write |
                                           std::filesystem::perms::group_read);
    { auto db = OpenOrFail(path); }
    CHECK(ModeOf(path) == 0640);
  }
  ::umask(old_umask);
}

TEST_CASE("storage: a read-only file or folder is refused as kReadOnly", "[storage][errors]") {
  // chmod does not stop root: this needs an unprivileged user (the query_only
  // test above covers the same error path as root).
  if (::geteuid() == 0) {
    WARN("skipped: running as root");
    return;
  }
  TempDir dir;
  SECTION("an existing database file") {
    { auto db = OpenOrFail(dir.db()); }
    std::filesystem::permissions(dir.db(), std::filesystem::perms::owner_read);
    auto db = Database::Open(dir.db(), SyncMode::kFull);
    REQUIRE_FALSE(db);
    CHECK(db.error().kind == ErrorKind::kReadOnly);
  }
  SECTION("a new file in a read-only folder") {
    std::filesystem::permissions(dir.path(), std::filesystem::perms::owner_read |
                                                 std::filesystem::perms::owner_exec);
    auto db = Database::Open(dir.db(), SyncMode::kFull);
    REQUIRE_FALSE(db);
    CHECK(db.error().kind == ErrorKind::kReadOnly);
  }
}

TEST_CASE("storage: a full disk fails as kFull, rolls back, and writes resume when space returns",
          "[storage][errors]") {
  TempDir dir;
  auto db = OpenOrFail(dir.db());
  REQUIRE(db->AppendJournal(std::vector{MakeRow(1)}).ok());
  // max_page_count cannot go below the current size: 1 means "no growth".
  REQUIRE(db->Exec("PRAGMA max_page_count = 1").ok());
  std::vector<JournalRow> rows;
  for (uint64_t seq = 2; seq <= 200; ++seq) rows.push_back(MakeRow(seq));
  auto s = db->AppendJournal(rows);
  REQUIRE_FALSE(s.ok());
  CHECK(s.error().kind == ErrorKind::kFull);
  CHECK(*db->MaxSeq() == 1);
  REQUIRE(db->Exec("PRAGMA max_page_count = 1073741823").ok());
  CHECK(db->AppendJournal(rows).ok());
  CHECK(*db->MaxSeq() == 200);
}

TEST_CASE("storage: a version 1 database keeps its data when migrated to the current version",
          "[storage][schema]") {
  TempDir dir;
  {
    RawDb raw(dir.db());
    raw.Exec(detail::Migrations()[0].sql);
    raw.Exec("PRAGMA user_version = 1");
    raw.Exec("INSERT INTO alerts VALUES ('a-1', 'r', 'MX-CHH', 'journalist', 'critical', 'firing',"
             " 1, 1, '{}')");
  }
  auto db = OpenOrFail(dir.db());
  RawDb raw(dir.db());
  CHECK(raw.Int("PRAGMA user_version") == kSchemaVersion);
  CHECK(raw.Int("SELECT count(*) FROM alerts") == 1);
  CHECK(raw.Int("SELECT count(*) FROM pragma_table_info('outbox') WHERE name = 'idempotency_key'") == 1);
}

TEST_CASE("storage: a version 2 database keeps its checkpoint when migrated to version 3",
          "[storage][schema]") {
  TempDir dir;
  {
    RawDb raw(dir.db());
    raw.Exec(detail::Migrations()[0].sql);
    raw.Exec(detail::Migrations()[1].sql);
    raw.Exec("PRAGMA user_version = 2");
    raw.Exec("INSERT INTO checkpoints VALUES (7, 70, 700, x'56474332')");
  }
  auto db = OpenOrFail(dir.db());
  RawDb raw(dir.db());
  CHECK(raw.Int("PRAGMA user_version") == 3);
  auto c = db->LoadNewestCheckpoint();
  REQUIRE(c.has_value());
  REQUIRE(c.value().has_value());
  CHECK(c.value()->seq == 7);
  CHECK(c.value()->state == "VGC2");
  CHECK(*db->MaxDedupSegmentId() == 0);
}

TEST_CASE("storage: dedup segments round-trip, by id range, and are pruned", "[storage][checkpoint]") {
  TempDir dir;
  auto db = OpenOrFail(dir.db());
  for (uint64_t id = 1; id <= 5; ++id)
    REQUIRE(db->InsertDedupSegment({id, static_cast<TimeUs>(id * 100), id, "s" + std::to_string(id)}).ok());
  CHECK(*db->MaxDedupSegmentId() == 5);
  std::vector<uint64_t> ids;
  std::string states;
  const auto read = [&](uint64_t first, uint64_t last) {
    ids.clear();
    states.clear();
    REQUIRE(db->ReadDedupSegments(first, last, [&](const DedupSegmentRow& r) {
                ids.push_back(r.id);
                states += r.state;
                CHECK(r.keys == r.id);
                CHECK(r.newest == static_cast<TimeUs>(r.id * 100));
              }).ok());
  };
  read(2, 4);
  CHECK(ids == std::vector<uint64_t>{2, 3, 4});
  CHECK(states == "s2s3s4");
  read(0, UINT64_MAX);
  CHECK(ids.size() == 5);
  // Outside [2, 5], or whose newest key is older than 300: 1 and 2 go.
  REQUIRE(db->DeleteDedupSegments(2, 5, 300).ok());
  read(0, UINT64_MAX);
  CHECK(ids == std::vector<uint64_t>{3, 4, 5});
  REQUIRE(db->DeleteDedupSegments(3, 4, INT64_MIN).ok());
  read(0, UINT64_MAX);
  CHECK(ids == std::vector<uint64_t>{3, 4});
}

TEST_CASE("storage: escalations, outbox rows and silences round-trip", "[storage][notifier]") {
  TempDir dir;
  auto db = OpenOrFail(dir.db());
  EscalationRow e{"a-1", "chihuahua", 100, 1, 0, 500, "active"};
  REQUIRE(db->UpsertEscalation(e).ok());
  REQUIRE(db->UpsertEscalation({"a-2", "national", 100, 0, 0, 100, "stopped"}).ok());
  e.next_tier = 2;
  e.due_at = 900;
  REQUIRE(db->UpsertEscalation(e).ok());  // replaces
  std::vector<EscalationRow> active;
  REQUIRE(db->ReadActiveEscalations([&](const EscalationRow& r) { active.push_back(r); }).ok());
  REQUIRE(active.size() == 1);
  CHECK(active[0].alert_id == "a-1");
  CHECK(active[0].next_tier == 2);
  CHECK(active[0].due_at == 900);

  auto max0 = db->MaxOutboxId();
  REQUIRE(max0);
  CHECK(*max0 == 0);
  OutboxRow o;
  o.id = 7;
  o.alert_id = "a-1";
  o.receiver = "state";
  o.policy = "chihuahua";
  o.tier = 1;
  o.kind = "firing";
  o.idempotency_key = "a-1/chihuahua/1/0";
  o.body = "{}";
  o.created_at = 100;
  o.next_attempt = 100;
  o.status = "pending";
  REQUIRE(db->InsertOutbox(o).ok());
  OutboxRow other = o;
  other.id = 8;
  other.alert_id = "a-2";
  REQUIRE(db->InsertOutbox(other).ok());
  CHECK_FALSE(db->InsertOutbox(o).ok());  // the id is taken
  o.attempts = 2;
  o.status = "sent";
  o.last_error = "HTTP 200";
  REQUIRE(db->UpdateOutbox(o).ok());
  std::vector<OutboxRow> rows;
  REQUIRE(db->ReadOutbox("a-1", "", [&](const OutboxRow& r) { rows.push_back(r); }).ok());
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].status == "sent");
  CHECK(rows[0].attempts == 2);
  CHECK(rows[0].idempotency_key == "a-1/chihuahua/1/0");
  rows.clear();
  REQUIRE(db->ReadOutbox("", "pending", [&](const OutboxRow& r) { rows.push_back(r); }).ok());
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].id == 8);
  CHECK(*db->MaxOutboxId() == 8);

  REQUIRE(db->UpsertSilence({"s-1", R"({"region":["MX-CHH"]})", 10, 50, "ana", "drill", 5}).ok());
  REQUIRE(db->UpsertSilence({"s-2", "{}", 10, 200, "ana", "", 5}).ok());
  std::vector<std::string> ids;
  REQUIRE(db->ReadSilences(100, [&](const SilenceRow& r) { ids.push_back(r.id); }).ok());
  CHECK(ids == std::vector<std::string>{"s-2"});
}

}  // namespace
}  // namespace vigia::storage
