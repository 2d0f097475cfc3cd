// SPDX-License-Identifier: Apache-2.0
// Storage errors: SQLite result codes folded into the few kinds the daemon
// acts on (busy → retry, full/read-only → operator, corrupt → stop), with
// SQLite's message. Messages never hold event data: SQLite's messages name
// tables and columns, not values. Value types; any thread.
#pragma once

#include <cassert>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace vigia::storage {

enum class ErrorKind : uint8_t {
  kBusy,      // SQLITE_BUSY, SQLITE_LOCKED: another connection holds the lock
  kFull,      // SQLITE_FULL: disk (or max_page_count) full
  kReadOnly,  // SQLITE_READONLY*: file, folder or connection not writable
  kIo,        // SQLITE_IOERR*, SQLITE_CANTOPEN
  kCorrupt,   // SQLITE_CORRUPT, SQLITE_NOTADB
  kOther,     // anything else (schema version, constraint, misuse)
};

// "busy", "full", "read_only", "io", "corrupt", "other".
std::string_view ToString(ErrorKind kind);

struct Error {
  ErrorKind kind = ErrorKind::kOther;
  int sqlite_code = 0;  // extended result code; 0 when not from SQLite
  std::string message;  // "commit: database or disk is full"
};

// Maps an (extended) SQLite result code to its kind.
ErrorKind KindOfSqliteCode(int code);

// "full: commit: database or disk is full".
std::string ToString(const Error& error);

// The outcome of an operation without a value (LevelDB's Status).
class Status {
 public:
  Status() = default;  // success
  Status(Error error) : error_(std::move(error)) {}  // NOLINT: implicit by design

  bool ok() const { return !error_.has_value(); }
  // REQUIRES: !ok().
  const Error& error() const {
    assert(!ok());
    return *error_;
  }

 private:
  std::optional<Error> error_;
};

}  // namespace vigia::storage
