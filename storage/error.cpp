// SPDX-License-Identifier: Apache-2.0
#include "storage/error.h"

#include <sqlite3.h>

namespace vigia::storage {

std::string_view ToString(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::kBusy: return "busy";
    case ErrorKind::kFull: return "full";
    case ErrorKind::kReadOnly: return "read_only";
    case ErrorKind::kIo: return "io";
    case ErrorKind::kCorrupt: return "corrupt";
    case ErrorKind::kOther: return "other";
  }
  return "other";
}

ErrorKind KindOfSqliteCode(int code) {
  switch (code & 0xff) {  // the primary code
    case SQLITE_BUSY:
    case SQLITE_LOCKED: return ErrorKind::kBusy;
    case SQLITE_FULL: return ErrorKind::kFull;
    case SQLITE_READONLY: return ErrorKind::kReadOnly;
    case SQLITE_IOERR:
    case SQLITE_CANTOPEN: return ErrorKind::kIo;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB: return ErrorKind::kCorrupt;
    default: return ErrorKind::kOther;
  }
}

std::string ToString(const Error& error) {
  return std::string(ToString(error.kind)) + ": " + error.message;
}

}  // namespace vigia::storage
