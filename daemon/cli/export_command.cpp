// SPDX-License-Identifier: Apache-2.0
// `vigia export`: a database's journal as JSON Lines, the input of `vigia
// replay` (and of any other tool). Each line is a row's body, the event's
// canonical JSON, in seq order (the order the daemon evaluated them in); the
// range is on event time, [since, until), so consecutive ranges never overlap.
#include "daemon/cli/export_command.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <iostream>

#include "core/time.h"
#include "daemon/cli/commands.h"
#include "daemon/cli/common.h"

namespace vigia::cli {

namespace fs = std::filesystem;

std::unique_ptr<storage::Database> OpenDatabaseOrReport(const std::string& path,
                                                        std::string_view command) {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) {
    std::cerr << command << ": no database at '" << path << "'\n";
    return nullptr;
  }
  // kNormal: this connection only reads; the daemon's own keeps its setting.
  auto db = storage::Database::Open(path, storage::SyncMode::kNormal);
  if (!db) {
    std::cerr << command << ": cannot open '" << path << "': " << storage::ToString(db.error())
              << "\n";
    return nullptr;
  }
  return std::move(*db);
}

namespace {

std::optional<TimeUs> ParseTimeOption(const std::optional<std::string>& text, const char* name,
                                      bool& bad) {
  if (!text) return std::nullopt;
  auto t = ParseRfc3339(*text);
  if (!t) {
    std::cerr << "vigia export: " << name << ": expected an RFC 3339 timestamp such as "
              << "2017-03-23T08:15:00Z, got '" << *text << "'\n";
    bad = true;
  }
  return t;
}

}  // namespace

int RunExport(const ExportOptions& options) {
  bool bad = false;
  const auto since = ParseTimeOption(options.since, "--since", bad);
  const auto until = ParseTimeOption(options.until, "--until", bad);
  if (bad) return kExitUsage;
  auto db = OpenDatabaseOrReport(options.db, "vigia export");
  if (!db) return kExitUsage;

  // A file is written beside OUT and renamed over it at the end, so OUT is never
  // half written; mkstemp makes it private (0600): it holds event data.
  std::FILE* out = stdout;
  std::string tmp;
  if (options.out != "-") {
    tmp = options.out + ".XXXXXX";
    const int fd = ::mkstemp(tmp.data());
    if (fd < 0 || (out = ::fdopen(fd, "w")) == nullptr) {
      std::cerr << "vigia export: cannot create a file beside '" << options.out
                << "': " << std::strerror(errno) << "\n";
      if (fd >= 0) {
        ::close(fd);
        ::unlink(tmp.c_str());
      }
      return kExitUsage;
    }
  }
  size_t rows = 0, written = 0;
  int write_errno = 0;  // the first write error
  const storage::Status read = db->ReadJournal(0, [&](const storage::JournalRow& row) {
    ++rows;
    if ((since && row.time < *since) || (until && row.time >= *until) || write_errno) return;
    if (std::fwrite(row.body.data(), 1, row.body.size(), out) != row.body.size() ||
        std::fputc('\n', out) == EOF)
      write_errno = errno ? errno : EIO;
    ++written;
  });
  if ((out == stdout ? std::fflush(stdout) : std::fclose(out)) != 0 && !write_errno)
    write_errno = errno ? errno : EIO;
  auto fail = [&](const std::string& what) {
    std::cerr << "vigia export: " << what << "\n";
    if (!tmp.empty()) ::unlink(tmp.c_str());
    return kExitProblems;
  };
  if (!read.ok()) return fail("reading the journal: " + storage::ToString(read.error()));
  if (write_errno) {
    return fail("cannot write " +
                (tmp.empty() ? std::string("to stdout") : "'" + options.out + "'") + ": " +
                std::strerror(write_errno));
  }
  if (!tmp.empty() && ::rename(tmp.c_str(), options.out.c_str()) != 0)
    return fail("cannot write '" + options.out + "': " + std::strerror(errno));
  std::cerr << "export: " << written << " of " << rows << " events\n";
  return kExitOk;
}

}  // namespace vigia::cli
