// SPDX-License-Identifier: Apache-2.0
#include "storage/journal_writer.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <sstream>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include "storage/checkpointer.h"
#include "storage/detail/test_util.h"

namespace vigia::storage {
namespace {

using namespace std::chrono_literals;
using testing::MakeRow;
using testing::RawDb;
using testing::TempDir;
using testing::WaitFor;

// Records what on_durable reported, from the writer thread.
struct DurableLog {
  std::atomic<uint64_t> last{0};
  std::atomic<uint64_t> calls{0};
  std::atomic<bool> decreasing{false};

  std::function<void(uint64_t)> Callback() {
    return [this](uint64_t seq) {
      if (seq <= last.load()) decreasing = true;
      last = seq;
      ++calls;
    };
  }
};

std::unique_ptr<JournalWriter> StartOrFail(const std::filesystem::path& path,
                                           JournalWriterOptions options) {
  auto writer = JournalWriter::Start(path, std::move(options));
  if (!writer) FAIL(ToString(writer.error()));
  return *std::move(writer);
}

std::vector<JournalRow> ReadAll(const std::filesystem::path& path) {
  auto db = Database::Open(path, SyncMode::kFull);
  REQUIRE(db);
  std::vector<JournalRow> rows;
  REQUIRE((*db)->ReadJournal(0, [&](const JournalRow& row) { rows.push_back(row); }).ok());
  return rows;
}

// Every row 1..n exactly once, in order, with exact fields.
void CheckJournal(const std::filesystem::path& path, uint64_t n) {
  const auto rows = ReadAll(path);
  REQUIRE(rows.size() == n);
  for (uint64_t i = 0; i < n; ++i) {
    const JournalRow expected = MakeRow(i + 1);
    const JournalRow& row = rows[i];
    if (row.seq != expected.seq || row.arrival != expected.arrival || row.time != expected.time ||
        row.source != expected.source || row.id != expected.id || row.body != expected.body)
      FAIL("row " << i << " differs (seq " << row.seq << ")");
  }
}

TEST_CASE("storage: 10,000 rows appended from one thread become durable in order with exact fields",
          "[storage][journal_writer]") {
  TempDir dir;
  DurableLog durable;
  auto writer = StartOrFail(dir.db(), {.on_durable = durable.Callback()});
  for (uint64_t seq = 1; seq <= 10'000; ++seq) REQUIRE(writer->Append(MakeRow(seq)));
  REQUIRE(WaitFor([&] { return writer->durable_seq() == 10'000; }));
  CHECK(durable.last == 10'000);
  CHECK_FALSE(durable.decreasing);
  CHECK(writer->pending() == 0);
  CHECK(writer->healthy());
  CHECK_FALSE(writer->last_error());
  // Group commit: one histogram entry per commit, fewer commits than rows.
  CHECK(writer->histogram().count() == durable.calls);
  CHECK(writer->histogram().count() < 10'000);
  CHECK_THAT(writer->HistogramText("vigia_journal_commit_seconds"),
             Catch::Contains("vigia_journal_commit_seconds_count " + std::to_string(durable.calls)));
  CHECK(writer->Stop());
  CheckJournal(dir.db(), 10'000);
}

TEST_CASE("storage: rows reported durable are already in the file for a fresh connection",
          "[storage][journal_writer]") {
  TempDir dir;
  auto writer = StartOrFail(dir.db(), {.sync = SyncMode::kNormal});
  uint64_t seq = 0;
  for (int round = 0; round < 20; ++round) {
    for (int i = 0; i < 500; ++i) REQUIRE(writer->Append(MakeRow(++seq)));
    // Whatever is durable at this instant must be readable; more may follow.
    const uint64_t durable = writer->durable_seq();
    RawDb raw(dir.db());
    CHECK(raw.Int("SELECT count(*) FROM journal WHERE seq <= " + std::to_string(durable)) ==
          static_cast<int64_t>(durable));
  }
  REQUIRE(WaitFor([&] { return writer->durable_seq() == seq; }));
  RawDb raw(dir.db());
  CHECK(raw.Int("SELECT count(*) FROM journal") == static_cast<int64_t>(seq));
}

TEST_CASE("storage: a read-only connection makes the writer unhealthy until it can write again",
          "[storage][journal_writer][errors]") {
  // Runs as root too (CI): query_only gives the same SQLITE_READONLY that a
  // read-only file gives an unprivileged daemon.
  TempDir dir;
  DurableLog durable;
  auto writer =
      StartOrFail(dir.db(), {.retry_min = 1ms, .retry_max = 20ms, .on_durable = durable.Callback()});
  for (uint64_t seq = 1; seq <= 10; ++seq) REQUIRE(writer->Append(MakeRow(seq)));
  REQUIRE(WaitFor([&] { return writer->durable_seq() == 10; }));

  REQUIRE(writer->ExecForTest("PRAGMA query_only = 1").ok());
  for (uint64_t seq = 11; seq <= 110; ++seq) REQUIRE(writer->Append(MakeRow(seq)));
  REQUIRE(WaitFor([&] { return !writer->healthy(); }));
  REQUIRE(writer->last_error());
  CHECK(writer->last_error()->kind == ErrorKind::kReadOnly);
  CHECK(writer->durable_seq() == 10);
  CHECK(writer->pending() == 100);
  // More rows while unhealthy join the queue behind the failed batch.
  for (uint64_t seq = 111; seq <= 150; ++seq) REQUIRE(writer->Append(MakeRow(seq)));
  REQUIRE(WaitFor([&] { return writer->failed_commits() >= 3; }));
  CHECK(durable.last == 10);

  REQUIRE(writer->ExecForTest("PRAGMA query_only = 0").ok());
  REQUIRE(WaitFor([&] { return writer->durable_seq() == 150; }));
  CHECK(writer->healthy());
  CHECK(writer->pending() == 0);
  CHECK(durable.last == 150);
  CHECK_FALSE(durable.decreasing);
  CHECK(writer->last_error()->kind == ErrorKind::kReadOnly);  // kept after recovery
  CHECK(writer->Stop());
  CheckJournal(dir.db(), 150);
}

TEST_CASE("storage: a full disk makes the writer unhealthy with kFull and it recovers when space returns",
          "[storage][journal_writer][errors]") {
  TempDir dir;
  auto writer = StartOrFail(dir.db(), {.retry_min = 1ms, .retry_max = 20ms});
  REQUIRE(writer->Append(MakeRow(1)));
  REQUIRE(WaitFor([&] { return writer->durable_seq() == 1; }));
  // The file may not grow past its current size.
  REQUIRE(writer->ExecForTest("PRAGMA max_page_count = 1").ok());
  for (uint64_t seq = 2; seq <= 2000; ++seq) REQUIRE(writer->Append(MakeRow(seq)));
  REQUIRE(WaitFor([&] { return !writer->healthy(); }));
  CHECK(writer->last_error()->kind == ErrorKind::kFull);
  CHECK(writer->durable_seq() < 2000);

  REQUIRE(writer->ExecForTest("PRAGMA max_page_count = 1073741823").ok());
  REQUIRE(WaitFor([&] { return writer->durable_seq() == 2000; }));
  CHECK(writer->healthy());
  CHECK(writer->Stop());
  CheckJournal(dir.db(), 2000);
}

TEST_CASE("storage: a journal failure is logged once at error level, its recovery once, never event data",
          "[storage][journal_writer][errors]") {
  std::ostringstream out;
  auto logger = std::make_shared<spdlog::logger>(
      "test", std::make_shared<spdlog::sinks::ostream_sink_mt>(out));
  logger->set_pattern("%l %v");
  logger->set_level(spdlog::level::trace);
  const auto previous = spdlog::default_logger();
  spdlog::set_default_logger(logger);
  struct Restore {
    std::shared_ptr<spdlog::logger> logger;
    ~Restore() { spdlog::set_default_logger(logger); }
  } restore{previous};

  TempDir dir;
  auto writer = StartOrFail(dir.db(), {.retry_min = 1ms, .retry_max = 2ms});
  REQUIRE(writer->ExecForTest("PRAGMA query_only = 1").ok());
  JournalRow row = MakeRow(1);
  row.source = "SOURCE-MARK";
  row.id = "ID-MARK";
  row.body = "{\"name\":\"BODY-MARK\"}";
  REQUIRE(writer->Append(row));
  REQUIRE(WaitFor([&] { return writer->failed_commits() >= 5; }));
  REQUIRE(writer->ExecForTest("PRAGMA query_only = 0").ok());
  REQUIRE(WaitFor([&] { return writer->durable_seq() == 1; }));
  writer->Stop();

  const std::string text = out.str();
  INFO(text);
  const auto count = [&](const std::string& needle) {
    size_t n = 0;
    for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
    return n;
  };
  CHECK(count("error storage.journal_failed kind=read_only") == 1);
  CHECK(count("info storage.journal_recovered") == 1);
  CHECK(count("MARK") == 0);
}

TEST_CASE("storage: Append refuses past max_pending and accepts again once rows are durable",
          "[storage][journal_writer]") {
  TempDir dir;
  auto writer = StartOrFail(dir.db(), {.max_pending = 50, .retry_min = 1ms, .retry_max = 5ms});
  REQUIRE(writer->ExecForTest("PRAGMA query_only = 1").ok());  // nothing gets out
  for (uint64_t seq = 1; seq <= 50; ++seq) REQUIRE(writer->Append(MakeRow(seq)));
  CHECK_FALSE(writer->Append(MakeRow(51)));
  CHECK(writer->pending() == 50);
  REQUIRE(WaitFor([&] { return !writer->healthy(); }));
  CHECK_FALSE(writer->Append(MakeRow(51)));  // rows being retried count too

  REQUIRE(writer->ExecForTest("PRAGMA query_only = 0").ok());
  REQUIRE(WaitFor([&] { return writer->pending() == 0; }));
  CHECK(writer->Append(MakeRow(51)));
  REQUIRE(WaitFor([&] { return writer->durable_seq() == 51; }));
  CHECK(writer->Stop());
  CheckJournal(dir.db(), 51);
}

TEST_CASE("storage: Stop flushes the queue, or gives up at its timeout when commits keep failing",
          "[storage][journal_writer]") {
  TempDir dir;
  SECTION("flushes") {
    auto writer = StartOrFail(dir.db(), {});
    for (uint64_t seq = 1; seq <= 5000; ++seq) REQUIRE(writer->Append(MakeRow(seq)));
    CHECK(writer->Stop());
    CHECK(writer->pending() == 0);
    CHECK_FALSE(writer->Append(MakeRow(5001)));
    CHECK_FALSE(writer->ExecForTest("SELECT 1").ok());
    CheckJournal(dir.db(), 5000);
  }
  SECTION("gives up") {
    auto writer = StartOrFail(dir.db(), {.retry_min = 10ms, .retry_max = 20ms});
    REQUIRE(writer->ExecForTest("PRAGMA query_only = 1").ok());
    for (uint64_t seq = 1; seq <= 10; ++seq) REQUIRE(writer->Append(MakeRow(seq)));
    const auto start = std::chrono::steady_clock::now();
    CHECK_FALSE(writer->Stop(200ms));
    const auto took = std::chrono::steady_clock::now() - start;
    CHECK(took >= 150ms);
    CHECK(took < 2s);
    CHECK(writer->pending() == 10);
    CHECK(ReadAll(dir.db()).empty());
  }
}

// Not a test: `storage_test "[.bench]" -s` prints the journal's throughput.
// Put TMPDIR on the disk to measure (it must not be a tmpfs).
TEST_CASE("storage: journal throughput, 1,000,000 rows of 350 bytes", "[.bench][storage]") {
  constexpr uint64_t kRows = 1'000'000;
  for (SyncMode sync : {SyncMode::kFull, SyncMode::kNormal}) {
    TempDir dir;
    auto checkpointer = Checkpointer::Start(dir.db());
    REQUIRE(checkpointer);
    auto writer = StartOrFail(dir.db(), {.sync = sync});
    uint64_t refused = 0;
    const auto start = std::chrono::steady_clock::now();
    for (uint64_t seq = 1; seq <= kRows; ++seq) {
      JournalRow row = MakeRow(seq);
      while (!writer->Append(row)) {
        ++refused;
        std::this_thread::yield();
      }
    }
    REQUIRE(WaitFor([&] { return writer->durable_seq() == kRows; }, 600s));
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const auto& h = writer->histogram();
    std::printf("sync=%s rows=%llu seconds=%.2f rows_per_s=%.0f commits=%llu rows_per_commit=%.0f "
                "mean_commit_ms=%.2f refused_appends=%llu checkpoints=%llu\n",
                sync == SyncMode::kFull ? "full" : "normal",
                static_cast<unsigned long long>(kRows), seconds, kRows / seconds,
                static_cast<unsigned long long>(h.count()),
                static_cast<double>(kRows) / static_cast<double>(h.count()),
                1000 * h.sum_seconds() / static_cast<double>(h.count()),
                static_cast<unsigned long long>(refused),
                static_cast<unsigned long long>((*checkpointer)->runs()));
    std::printf("%s", writer->HistogramText("vigia_journal_commit_seconds").c_str());
    CHECK(writer->Stop());
  }
}

// Not a test: the latency from Append() to durable at a steady 10,000 rows/s.
TEST_CASE("storage: journal latency at 10,000 rows/s", "[.bench][storage]") {
  using Clock = std::chrono::steady_clock;
  constexpr uint64_t kRows = 30'000;
  constexpr auto kGap = 100us;
  for (SyncMode sync : {SyncMode::kFull, SyncMode::kNormal}) {
    TempDir dir;
    auto checkpointer = Checkpointer::Start(dir.db());
    REQUIRE(checkpointer);
    std::vector<Clock::time_point> appended(kRows + 1);
    std::vector<double> latency_us;  // writer thread until the end
    latency_us.reserve(kRows);
    uint64_t done = 0;
    auto writer = StartOrFail(dir.db(), {.sync = sync, .on_durable = [&](uint64_t seq) {
                                           const auto now = Clock::now();
                                           for (; done < seq; ++done)
                                             latency_us.push_back(
                                                 std::chrono::duration<double, std::micro>(
                                                     now - appended[done + 1]).count());
                                         }});
    const auto start = Clock::now();
    for (uint64_t seq = 1; seq <= kRows; ++seq) {
      std::this_thread::sleep_until(start + seq * kGap);
      JournalRow row = MakeRow(seq);
      appended[seq] = Clock::now();
      REQUIRE(writer->Append(std::move(row)));
    }
    REQUIRE(WaitFor([&] { return writer->durable_seq() == kRows; }));
    const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
    writer->Stop();
    std::sort(latency_us.begin(), latency_us.end());
    const auto at = [&](double q) { return latency_us[static_cast<size_t>(q * (kRows - 1))]; };
    std::printf("sync=%s rows=%llu rows_per_s=%.0f commits=%llu append_to_durable_us p50=%.0f "
                "p99=%.0f p999=%.0f max=%.0f\n",
                sync == SyncMode::kFull ? "full" : "normal",
                static_cast<unsigned long long>(kRows), kRows / seconds,
                static_cast<unsigned long long>(writer->histogram().count()), at(0.5), at(0.99),
                at(0.999), latency_us.back());
  }
}

}  // namespace
}  // namespace vigia::storage
