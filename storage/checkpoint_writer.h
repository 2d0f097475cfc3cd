// SPDX-License-Identifier: Apache-2.0
// The engine checkpoint's writer: stores checkpoints
// (Database::WriteCheckpoint) and the duplicate check's segments on its own
// thread and connection, so the core thread only hands the bytes over
// (daemon.md, "Storage and recovery").
//
// A job's segments are written first, each in its own transaction (the journal
// writer waits at most one segment for the lock), in the order submitted; then
// its checkpoint row, with the pruning of segments no longer named, in one
// transaction. A job submitted while an older one is still unwritten
// supersedes that one's checkpoint row, never its segments. A failing write
// (disk full, read-only) is rolled back and retried with backoff (50 ms
// doubling to 2 s): nothing submitted is dropped, healthy() is false
// meanwhile, and committed_arrival() stays where it was.
//
// Thread rules: Submit(), Stop() and the accessors are thread-safe; call
// Stop() from one thread. Nothing here logs event data.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/result.h"
#include "storage/database.h"
#include "storage/error.h"

namespace vigia::storage {

struct CheckpointJob {
  uint64_t seq = 0;    // the last journal seq the state includes (all durably journaled)
  TimeUs clock = 0;    // the engine clock
  std::string state;   // opaque bytes
  TimeUs arrival = 0;  // reported by committed_arrival() once the row is committed
  std::vector<DedupSegmentRow> segments;  // ids increasing, above every id submitted before
  // Segments the stored checkpoint still needs: ids in [first, last] whose
  // newest key arrived at or after `expired_before`. The others are deleted
  // with the checkpoint row.
  uint64_t segments_first = 1, segments_last = 0;
  TimeUs segments_expired_before = INT64_MIN;
};

struct CheckpointWriterOptions {
  SyncMode sync = SyncMode::kFull;
  std::chrono::milliseconds retry_min{50}, retry_max{2000};
};

class CheckpointWriter {
 public:
  // Opens its own connection to `path` (see Database::Open) and starts the
  // thread.
  static Result<std::unique_ptr<CheckpointWriter>, Error> Start(const std::filesystem::path& path,
                                                                CheckpointWriterOptions options);
  ~CheckpointWriter();  // Stop() with the default timeout
  CheckpointWriter(const CheckpointWriter&) = delete;
  CheckpointWriter& operator=(const CheckpointWriter&) = delete;

  // Queues `job`; never waits for the disk. Ignored after Stop().
  void Submit(CheckpointJob job);

  // Writes what is queued, for at most `timeout` (retrying failed writes
  // meanwhile), then stops the thread. True when every job submitted was
  // committed. Idempotent.
  bool Stop(std::chrono::milliseconds timeout = std::chrono::seconds(5));

  // The arrival of the newest committed checkpoint's last event; INT64_MIN
  // before the first commit.
  TimeUs committed_arrival() const { return committed_arrival_.load(std::memory_order_acquire); }
  uint64_t committed() const { return committed_.load(std::memory_order_acquire); }
  // False from a failed write until the next successful one.
  bool healthy() const { return healthy_.load(std::memory_order_acquire); }
  uint64_t failed_writes() const { return failed_writes_.load(std::memory_order_relaxed); }
  // Jobs submitted and not yet committed (superseded ones included).
  size_t pending() const;

  // Runs `sql` on the writer's connection, on its thread, before its next
  // write (e.g. PRAGMA query_only=1 to simulate a read-only file). Waits for
  // it; kOther after Stop().
  Status ExecForTest(std::string sql);

 private:
  CheckpointWriter(std::unique_ptr<Database> db, CheckpointWriterOptions options);
  void Run();
  // Writes the head of what is taken; false on a failure (retried).
  bool WriteSome();

  std::unique_ptr<Database> db_;  // writer thread only
  const CheckpointWriterOptions options_;
  std::atomic<TimeUs> committed_arrival_{INT64_MIN};
  std::atomic<uint64_t> committed_{0};
  std::atomic<bool> healthy_{true};
  std::atomic<uint64_t> failed_writes_{0};

  // Taken from the queue, not yet written: writer thread only.
  std::deque<DedupSegmentRow> segments_;
  std::optional<CheckpointJob> row_;  // the newest job's checkpoint row (segments moved out)
  size_t taken_jobs_ = 0;             // jobs taken, not yet written out
  Error last_failure_{ErrorKind::kOther, 0, ""};

  mutable std::mutex mu_;
  std::condition_variable wake_, test_done_;
  std::vector<CheckpointJob> queue_;                // guarded by mu_
  size_t pending_ = 0;                              // guarded by mu_
  bool stopping_ = false;                           // guarded by mu_
  bool running_ = true;                             // guarded by mu_
  std::chrono::steady_clock::time_point deadline_;  // of Stop(); guarded by mu_
  std::optional<std::string> test_sql_;             // guarded by mu_
  std::optional<Status> test_result_;               // guarded by mu_
  bool flushed_ = true;                             // guarded by mu_, valid after the join
  std::thread thread_;
};

}  // namespace vigia::storage
