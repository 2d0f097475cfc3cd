// SPDX-License-Identifier: Apache-2.0
// The journal's writer: group commit on its own thread and connection.
// Append() queues a row (cheap); the writer thread takes everything queued,
// inserts it in one transaction, commits (with sync: full, one fsync per
// batch), then reports the highest seq now durable. The core answers an ack
// event only once its seq is durable.
//
// A failing commit (busy, disk full, read-only) is rolled back; the rows stay
// queued in order and are retried with backoff (50 ms doubling to 2 s) until
// a commit succeeds: healthy() is false meanwhile, and the queue bound makes
// Append() refuse, so ingest answers `overloaded` instead of losing events.
//
// Thread rules: Append() and the accessors are thread-safe; Stop() is called
// by the owner (one thread). on_durable runs on the writer thread. Nothing
// here logs event data.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "core/result.h"
#include "storage/database.h"
#include "storage/error.h"
#include "storage/latency_histogram.h"

namespace vigia::storage {

struct JournalWriterOptions {
  SyncMode sync = SyncMode::kFull;
  // Rows queued or being written beyond which Append() refuses.
  size_t max_pending = 100000;
  std::chrono::milliseconds retry_min{50}, retry_max{2000};
  // Called on the writer thread after each commit with the highest seq now
  // durable. Must not call back into the writer's Stop().
  std::function<void(uint64_t durable_seq)> on_durable = nullptr;
};

class JournalWriter {
 public:
  // Opens its own connection to `path` (migrating it, see Database::Open) and
  // starts the writer thread. Errors are Database::Open's.
  static Result<std::unique_ptr<JournalWriter>, Error> Start(const std::filesystem::path& path,
                                                             JournalWriterOptions options);
  ~JournalWriter();  // Stop() with the default timeout
  JournalWriter(const JournalWriter&) = delete;
  JournalWriter& operator=(const JournalWriter&) = delete;

  // Queues `row` for the next commit. False, and `row` is not queued, when
  // max_pending rows already wait or after Stop().
  // REQUIRES: row.seq above every seq appended before and already journaled.
  bool Append(JournalRow row);

  // Writes what is queued, for at most `timeout` (retrying failed commits
  // meanwhile), then stops the thread. True when every row appended was
  // committed. Idempotent.
  bool Stop(std::chrono::milliseconds timeout = std::chrono::seconds(5));

  // False from a failed commit until the next successful one.
  bool healthy() const { return healthy_.load(std::memory_order_acquire); }
  // The most recent failure (kept after recovery), nullopt if none yet.
  std::optional<Error> last_error() const;
  // The highest seq committed and reported to on_durable, 0 before the first
  // commit. Updated with pending().
  uint64_t durable_seq() const { return durable_seq_.load(std::memory_order_acquire); }
  // Rows appended and not yet committed.
  size_t pending() const;
  uint64_t failed_commits() const { return failed_commits_.load(std::memory_order_relaxed); }

  // Commit latency (rows taken from the queue → commit returned) in the
  // Prometheus text format, e.g. HistogramText("vigia_journal_commit_seconds").
  std::string HistogramText(std::string_view metric_name) const;
  const LatencyHistogram& histogram() const { return histogram_; }

  // Runs `sql` on the writer's connection, on the writer thread, between two
  // commits (e.g. PRAGMA query_only=1 or max_page_count to simulate a
  // read-only file or a full disk). Waits for it; kOther after Stop().
  Status ExecForTest(std::string sql);

 private:
  struct TestRequest {
    std::string sql;
    Status result;
    bool done = false;
  };

  JournalWriter(std::unique_ptr<Database> db, JournalWriterOptions options);
  void Run();
  void Loop();
  void OnFailure(const Error& error, size_t rows);
  void RunTestRequest(std::unique_lock<std::mutex>& lock);

  std::unique_ptr<Database> db_;  // used by the writer thread only
  const JournalWriterOptions options_;
  LatencyHistogram histogram_;
  std::atomic<bool> healthy_{true};
  std::atomic<uint64_t> durable_seq_{0};
  std::atomic<uint64_t> failed_commits_{0};

  mutable std::mutex mu_;
  std::condition_variable wake_;       // the writer waits on it
  std::condition_variable test_done_;  // ExecForTest waits on it
  std::vector<JournalRow> queue_;      // guarded by mu_
  size_t pending_ = 0;                 // queued + being written; guarded by mu_
  bool stopping_ = false;              // guarded by mu_
  bool running_ = true;                // guarded by mu_
  uint64_t wakeups_ = 0;               // Stop and ExecForTest requests; guarded by mu_
  std::chrono::steady_clock::time_point deadline_;  // of Stop(); guarded by mu_
  TestRequest* test_request_ = nullptr;             // guarded by mu_
  std::optional<Error> last_error_;                 // guarded by mu_
  bool flushed_ = true;                             // guarded by mu_, valid after the join
  std::thread thread_;
};

}  // namespace vigia::storage
