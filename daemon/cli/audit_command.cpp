// SPDX-License-Identifier: Apache-2.0
// `vigia audit verify` checks the chain through storage::Database (which holds
// the hashing); the count and `vigia audit list` use a read-only connection of
// their own, so that listing never changes the file.
#include "daemon/cli/audit_command.h"

#include <sqlite3.h>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>

#include <boost/json.hpp>

#include "config/config.h"
#include "core/time.h"
#include "daemon/cli/api_session.h"
#include "daemon/cli/common.h"
#include "storage/database.h"

namespace vigia::cli {
namespace {

namespace fs = std::filesystem;

constexpr const char* kInstalledConfig = "/etc/vigia/vigia.yaml";

// --db, else storage.path of the config vigiad would read; nullopt (after
// printing why) when that config is unusable.
std::optional<std::string> DatabasePath(const AuditOptions& options, std::ostream& err) {
  if (!options.db.empty()) return options.db;
  std::string file = options.config_file;
  std::error_code ec;
  if (file.empty() && fs::exists(kInstalledConfig, ec)) file = kInstalledConfig;
  if (file.empty()) return config::DefaultConfig(fs::current_path(ec)).storage.path.string();
  auto config = LoadConfigOrReport(file, err);
  if (!config) return std::nullopt;
  return config->storage.path.string();
}

// Database::Open would create a missing file.
bool Exists(const std::string& path, std::ostream& err) {
  std::error_code ec;
  if (fs::is_regular_file(path, ec)) return true;
  err << "vigia audit: no database at '" << path << "'\n";
  return false;
}

class ReadOnlyDb {
 public:
  // Empty on success, else SQLite's message.
  std::string Open(const std::string& path) {
    if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK)
      return db_ ? sqlite3_errmsg(db_) : "out of memory";
    sqlite3_busy_timeout(db_, 5000);
    return {};
  }
  ~ReadOnlyDb() { sqlite3_close(db_); }

  // Runs `sql`, calling `row` for each row. Empty on success, else SQLite's message.
  std::string Query(const char* sql, const std::function<void(sqlite3_stmt*)>& row) {
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(db_, sql, -1, &st, nullptr) != SQLITE_OK) return sqlite3_errmsg(db_);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) row(st);
    std::string error = rc == SQLITE_DONE ? "" : sqlite3_errmsg(db_);
    sqlite3_finalize(st);
    return error;
  }

 private:
  sqlite3* db_ = nullptr;
};

std::string Text(sqlite3_stmt* st, int column) {
  const auto* text = sqlite3_column_text(st, column);
  return text ? reinterpret_cast<const char*>(text) : "";
}

// Names and notes come from operators: control characters (escape sequences
// among them) become '?' so that they cannot drive the terminal.
std::string Inert(std::string text) {
  for (char& c : text)
    if (static_cast<unsigned char>(c) < ' ' || c == 127) c = '?';
  return text;
}

}  // namespace

int RunAuditVerify(const AuditOptions& options, std::ostream& out, std::ostream& err) {
  const std::optional<std::string> path = DatabasePath(options, err);
  if (!path) return kExitUsage;
  if (!Exists(*path, err)) return kExitProblems;
  // kNormal: this connection writes nothing but a migration; vigiad keeps its setting.
  auto db = storage::Database::Open(*path, storage::SyncMode::kNormal);
  if (!db) {
    err << "vigia audit: cannot open '" << *path << "': " << storage::ToString(db.error()) << "\n";
    return kExitProblems;
  }
  int64_t entries = 0;
  ReadOnlyDb reader;
  std::string error = reader.Open(*path);
  if (error.empty())
    error = reader.Query("SELECT count(*) FROM audit",
                         [&](sqlite3_stmt* st) { entries = sqlite3_column_int64(st, 0); });
  auto first_bad = (*db)->VerifyAudit();
  if (!first_bad) error = storage::ToString(first_bad.error());
  if (!error.empty()) {
    err << "vigia audit: cannot read the audit log of '" << *path << "': " << error << "\n";
    return kExitProblems;
  }
  if (*first_bad != 0) {
    err << "audit log: entry " << *first_bad
        << " does not match its hash chain (edited or deleted entries before it)\n";
    return kExitProblems;
  }
  out << "audit log: " << entries << (entries == 1 ? " entry" : " entries") << ", chain intact\n";
  return kExitOk;
}

int RunAuditList(const AuditOptions& options, std::ostream& out, std::ostream& err) {
  const std::optional<std::string> path = DatabasePath(options, err);
  if (!path) return kExitUsage;
  if (!Exists(*path, err)) return kExitProblems;
  const auto print = [&](sqlite3_stmt* st) {
    const int64_t id = sqlite3_column_int64(st, 0);
    const std::string at = FormatRfc3339(sqlite3_column_int64(st, 1));
    if (options.json) {
      out << boost::json::serialize(boost::json::object{{"id", id},
                                                        {"at", at},
                                                        {"actor", Text(st, 2)},
                                                        {"action", Text(st, 3)},
                                                        {"target", Text(st, 4)},
                                                        {"detail", Text(st, 5)}})
          << "\n";
    } else {
      out << Inert(std::to_string(id) + " " + at + " " + Text(st, 2) + " " + Text(st, 3) + " " +
                   Text(st, 4))
          << "\n";
    }
  };
  ReadOnlyDb reader;
  std::string error = reader.Open(*path);
  size_t shown = 0;
  if (error.empty())
    error = reader.Query("SELECT id, at, actor, action, target, detail FROM audit ORDER BY id",
                         [&](sqlite3_stmt* st) {
                           print(st);
                           ++shown;
                         });
  if (!error.empty()) {
    err << "vigia audit: cannot read the audit log of '" << *path << "': " << error << "\n";
    return kExitProblems;
  }
  if (shown == 0) err << "the audit log is empty\n";
  return kExitOk;
}

}  // namespace vigia::cli
