// SPDX-License-Identifier: Apache-2.0
// Helpers for the storage tests: a temporary folder, a raw SQLite connection
// to look at what was really written, waiting with a timeout, journal rows.
#pragma once

#include <sqlite3.h>
#include <stdlib.h>

#include <chrono>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <thread>

#include "storage/database.h"

namespace vigia::storage::testing {

// A fresh folder under the system temp folder, removed with everything in it.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "vigia-storage-XXXXXX").string();
    if (!::mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::permissions(path_, std::filesystem::perms::owner_all,
                                 std::filesystem::perm_options::add, ec);
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path db() const { return path_ / "vigia.db"; }

 private:
  std::filesystem::path path_;
};

// A plain connection, to check the file independently of Database.
class RawDb {
 public:
  explicit RawDb(const std::filesystem::path& path) {
    if (sqlite3_open(path.c_str(), &db_) != SQLITE_OK) throw std::runtime_error("open failed");
    sqlite3_busy_timeout(db_, 5000);
  }
  ~RawDb() { sqlite3_close(db_); }
  RawDb(const RawDb&) = delete;
  RawDb& operator=(const RawDb&) = delete;

  void Exec(const std::string& sql) {
    char* message = nullptr;
    if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &message) != SQLITE_OK) {
      std::string text = message ? message : "?";
      sqlite3_free(message);
      throw std::runtime_error(sql + ": " + text);
    }
  }
  // The first column of the first row ("" / 0 when there is none).
  std::string Text(const std::string& sql) {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK)
      throw std::runtime_error(sql + ": " + sqlite3_errmsg(db_));
    std::string out;
    if (sqlite3_step(stmt) == SQLITE_ROW && sqlite3_column_type(stmt, 0) != SQLITE_NULL)
      out.assign(static_cast<const char*>(sqlite3_column_blob(stmt, 0)),
                 static_cast<size_t>(sqlite3_column_bytes(stmt, 0)));
    sqlite3_finalize(stmt);
    return out;
  }
  int64_t Int(const std::string& sql) {
    const std::string text = Text(sql);
    return text.empty() ? 0 : std::stoll(text);
  }

 private:
  sqlite3* db_ = nullptr;
};

template <typename Predicate>
bool WaitFor(Predicate done, std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
  const auto until = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    if (std::chrono::steady_clock::now() > until) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return true;
}

// A row whose fields all derive from seq; the body is about `body_size` bytes.
inline JournalRow MakeRow(uint64_t seq, size_t body_size = 350) {
  JournalRow row;
  row.seq = seq;
  row.arrival = 1'700'000'000'000'000 + static_cast<TimeUs>(seq) * 1000;
  row.time = 1'490'000'000'000'000 + static_cast<TimeUs>(seq) * 7;
  row.source = "src-" + std::to_string(seq % 7);
  row.id = "ev-" + std::to_string(seq * 2654435761u % 1000003);
  row.body = "{\"id\":\"" + row.id + "\",\"type\":\"report\",\"seq\":" + std::to_string(seq) +
             ",\"attrs\":{\"note\":\"";
  while (row.body.size() + 3 < body_size) row.body.push_back(static_cast<char>('a' + seq % 26));
  row.body += "\"}}";
  return row;
}

}  // namespace vigia::storage::testing
