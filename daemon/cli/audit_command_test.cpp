// SPDX-License-Identifier: Apache-2.0
// `vigia audit verify` and `list` on a temporary database written through
// storage::Database, then edited behind its back with sqlite3.
#include "daemon/cli/audit_command.h"

#include <catch2/catch.hpp>

#include <sqlite3.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <boost/json.hpp>

#include "core/time.h"
#include "daemon/cli/cli_test_util.h"
#include "daemon/cli/common.h"
#include "storage/database.h"

namespace vigia::cli {
namespace {

namespace fs = std::filesystem;

// Edits the file as an attacker with write access would.
void Tamper(const fs::path& db, const char* sql) {
  sqlite3* raw = nullptr;
  REQUIRE(sqlite3_open(db.c_str(), &raw) == SQLITE_OK);
  char* error = nullptr;
  const int rc = sqlite3_exec(raw, sql, nullptr, nullptr, &error);
  INFO((error ? error : ""));
  sqlite3_free(error);
  sqlite3_close(raw);
  REQUIRE(rc == SQLITE_OK);
}

TimeUs At(const char* rfc3339) { return *ParseRfc3339(rfc3339); }

TEST_CASE("vigia audit verify checks the hash chain; list shows the entries", "[cli][audit]") {
  TempDir dir("vigia-audit-test");
  const fs::path path = dir / "vigia.db";
  {
    auto opened = storage::Database::Open(path, storage::SyncMode::kNormal);
    REQUIRE(opened);
    storage::Database& db = **opened;
    REQUIRE(db.AppendAudit({At("2026-05-01T10:00:00Z"), "ana", "ack", "a-1", "on it"}).ok());
    REQUIRE(db.AppendAudit({At("2026-05-01T10:05:00Z"), "beto", "silence", "s-1",
                            R"({"where":{"region":["MX-CHH"]}})"})
                .ok());
    REQUIRE(
        db.AppendAudit({At("2026-05-01T11:00:00Z"), "admin-token", "reload", "rules", "1 rules"})
            .ok());
  }
  AuditOptions o;
  o.db = path.string();

  Output r = Run(RunAuditVerify, o);
  CHECK(r.code == kExitOk);
  CHECK(r.out == "audit log: 3 entries, chain intact\n");
  CHECK(r.err.empty());

  r = Run(RunAuditList, o);
  CHECK(r.code == kExitOk);
  CHECK(r.out ==
        "1 2026-05-01T10:00:00Z ana ack a-1\n"
        "2 2026-05-01T10:05:00Z beto silence s-1\n"
        "3 2026-05-01T11:00:00Z admin-token reload rules\n");
  o.json = true;
  r = Run(RunAuditList, o);
  std::istringstream lines(r.out);
  std::string first;
  std::getline(lines, first);
  CHECK(boost::json::parse(first) ==
        boost::json::parse(R"({"id":1,"at":"2026-05-01T10:00:00Z","actor":"ana","action":"ack",
                               "target":"a-1","detail":"on it"})"));

  SECTION("an edited entry is named") {
    Tamper(path, "UPDATE audit SET actor = 'carla' WHERE id = 2");
    r = Run(RunAuditVerify, o);
    CHECK(r.code == kExitProblems);
    CHECK(r.out.empty());
    CHECK(r.err ==
          "audit log: entry 2 does not match its hash chain (edited or deleted entries before "
          "it)\n");
  }
  SECTION("a deleted entry breaks the chain at the next one") {
    Tamper(path, "DELETE FROM audit WHERE id = 2");
    r = Run(RunAuditVerify, o);
    CHECK(r.code == kExitProblems);
    CHECK_THAT(r.err, Catch::StartsWith("audit log: entry 3 does not match"));
  }
  SECTION("--config names the database through storage.path") {
    o.db.clear();
    std::ofstream(dir / "vigia.yaml")
        << "rules: [rules/*.yaml]\ningest: {zmq: [{bind: \"tcp://127.0.0.1:7701\", mode: ack}]}\n"
           "storage: {path: vigia.db}\n";
    o.config_file = (dir / "vigia.yaml").string();
    r = Run(RunAuditVerify, o);
    INFO(r.err);
    CHECK(r.code == kExitOk);
    CHECK(r.out == "audit log: 3 entries, chain intact\n");
  }
}

TEST_CASE("vigia audit: an empty log, and files it cannot use", "[cli][audit]") {
  TempDir dir("vigia-audit-test");
  AuditOptions o;
  SECTION("an empty audit log is intact") {
    o.db = (dir / "vigia.db").string();
    REQUIRE(storage::Database::Open(o.db, storage::SyncMode::kNormal));
    Output r = Run(RunAuditVerify, o);
    CHECK(r.code == kExitOk);
    CHECK(r.out == "audit log: 0 entries, chain intact\n");
    r = Run(RunAuditList, o);
    CHECK(r.code == kExitOk);
    CHECK(r.out.empty());
    CHECK(r.err == "the audit log is empty\n");
  }
  SECTION("a missing database is not created") {
    o.db = (dir / "missing.db").string();
    for (auto fn : {RunAuditVerify, RunAuditList}) {
      Output r = Run(fn, o);
      CHECK(r.code == kExitProblems);
      CHECK(r.err == "vigia audit: no database at '" + o.db + "'\n");
    }
    CHECK_FALSE(fs::exists(o.db));
  }
  SECTION("a file that is not a database") {
    o.db = (dir / "notes.txt").string();
    std::ofstream(o.db) << std::string(4096, 'x');
    Output r = Run(RunAuditVerify, o);
    CHECK(r.code == kExitProblems);
    CHECK_THAT(r.err, Catch::StartsWith("vigia audit: cannot open '" + o.db + "': "));
    r = Run(RunAuditList, o);
    CHECK(r.code == kExitProblems);
    CHECK_THAT(r.err, Catch::StartsWith("vigia audit: cannot read the audit log of '" + o.db));
  }
  SECTION("a config with errors is a usage error") {
    std::ofstream(dir / "vigia.yaml") << "storage: {pathh: x.db}\n";
    o.config_file = (dir / "vigia.yaml").string();
    Output r = Run(RunAuditVerify, o);
    CHECK(r.code == kExitUsage);
    CHECK_THAT(r.err, Catch::Contains("config not used"));
  }
}

}  // namespace
}  // namespace vigia::cli
