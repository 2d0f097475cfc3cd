// SPDX-License-Identifier: Apache-2.0
#include "storage/checkpointer.h"

#include <chrono>
#include <filesystem>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include "storage/detail/test_util.h"

namespace vigia::storage {
namespace {

using namespace std::chrono_literals;
using testing::MakeRow;
using testing::RawDb;
using testing::TempDir;
using testing::WaitFor;

int64_t FileSize(const std::filesystem::path& path) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  return ec ? 0 : static_cast<int64_t>(size);
}

std::filesystem::path Wal(const TempDir& dir) { return dir.db().string() + "-wal"; }

// Appends `mib` MiB of journal in commits of 100 rows of 1 KiB.
void Write(Database& db, uint64_t* seq, int mib) {
  for (int commit = 0; commit < mib * 10; ++commit) {
    std::vector<JournalRow> rows;
    for (int i = 0; i < 100; ++i) rows.push_back(MakeRow(++*seq, 1024));
    REQUIRE(db.AppendJournal(rows).ok());
  }
}

TEST_CASE("storage: writers never checkpoint; the checkpointer does, and the WAL is then reused",
          "[storage][checkpointer]") {
  TempDir dir;
  auto db = Database::Open(dir.db(), SyncMode::kNormal);
  REQUIRE(db);
  uint64_t seq = 0;
  // SQLite's default would checkpoint (and then reuse the WAL) past 1000
  // pages, about 4 MiB; this connection must leave it all to the checkpointer.
  Write(**db, &seq, 12);
  const int64_t wal = FileSize(Wal(dir));
  CHECK(wal > 12 << 20);
  CHECK(FileSize(dir.db()) < 1 << 20);

  auto checkpointer = Checkpointer::Start(dir.db(), {.interval = 20ms});
  REQUIRE(checkpointer);
  REQUIRE(WaitFor([&] {
    const auto r = (*checkpointer)->last_result();
    return (*checkpointer)->runs() > 0 && r.wal_frames > 0 && r.checkpointed_frames == r.wal_frames;
  }));
  CHECK_FALSE((*checkpointer)->last_error());
  (*checkpointer)->Stop();
  CHECK(FileSize(dir.db()) > 12 << 20);  // the rows are in the database file now

  // Fully checkpointed: the next commits start the WAL over instead of growing it.
  Write(**db, &seq, 4);
  CHECK(FileSize(Wal(dir)) == wal);
  RawDb raw(dir.db());
  CHECK(raw.Int("SELECT count(*) FROM journal") == static_cast<int64_t>(seq));
}

TEST_CASE("storage: a WAL past the size limit is checkpointed before the interval",
          "[storage][checkpointer]") {
  TempDir dir;
  auto db = Database::Open(dir.db(), SyncMode::kNormal);
  REQUIRE(db);
  auto checkpointer = Checkpointer::Start(dir.db(), {.interval = 1h, .wal_bytes = 2 << 20});
  REQUIRE(checkpointer);
  uint64_t seq = 0;
  Write(**db, &seq, 1);
  // Below the limit: nothing happens for a while (the poll is 100 ms).
  std::this_thread::sleep_for(300ms);
  CHECK((*checkpointer)->runs() == 0);
  Write(**db, &seq, 2);
  REQUIRE(WaitFor([&] { return (*checkpointer)->runs() > 0; }, 5s));
  CHECK((*checkpointer)->last_result().checkpointed_frames > 0);
}

TEST_CASE("storage: Stop ends the checkpointer promptly", "[storage][checkpointer]") {
  TempDir dir;
  auto checkpointer = Checkpointer::Start(dir.db(), {.interval = 1h});
  REQUIRE(checkpointer);
  const auto start = std::chrono::steady_clock::now();
  (*checkpointer)->Stop();
  CHECK(std::chrono::steady_clock::now() - start < 1s);
  (*checkpointer)->Stop();  // idempotent
}

}  // namespace
}  // namespace vigia::storage
