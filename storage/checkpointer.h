// SPDX-License-Identifier: Apache-2.0
// The WAL checkpointer: copies the WAL back into the database file on its own
// thread and connection, every `interval` or sooner when the WAL file grows
// past `wal_bytes`, so that no checkpoint ever runs inside a commit (one
// stalls the journal writer for 15–70 ms; daemon.md, "Benchmarks").
// Checkpoints are PASSIVE: they never wait for, nor block, readers and writers.
//
// Thread rules: Stop() and the accessors are thread-safe; failures are logged
// (a warning when they start, info when they stop) and retried next turn.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

#include "core/result.h"
#include "storage/database.h"
#include "storage/error.h"

namespace vigia::storage {

struct CheckpointerOptions {
  std::chrono::milliseconds interval{1000};
  // A WAL file larger than this is checkpointed at the next poll (100 ms).
  int64_t wal_bytes = 2 * kWalSizeLimit;
};

class Checkpointer {
 public:
  // Opens its own connection to `path` (see Database::Open) and starts the thread.
  static Result<std::unique_ptr<Checkpointer>, Error> Start(const std::filesystem::path& path,
                                                            CheckpointerOptions options = {});
  ~Checkpointer();  // Stop()
  Checkpointer(const Checkpointer&) = delete;
  Checkpointer& operator=(const Checkpointer&) = delete;

  // Stops and joins the thread (after the checkpoint in progress). Idempotent;
  // call from one thread.
  void Stop();

  // Checkpoints run without error (including those with nothing to copy).
  uint64_t runs() const { return runs_.load(std::memory_order_acquire); }
  // The outcome of the latest successful run.
  WalCheckpointResult last_result() const;
  // The most recent failure, nullopt if none yet.
  std::optional<Error> last_error() const;

 private:
  Checkpointer(std::unique_ptr<Database> db, CheckpointerOptions options);
  void Run();
  void CheckpointOnce();
  int64_t WalFileSize() const;

  std::unique_ptr<Database> db_;  // used by the checkpointer thread only
  const CheckpointerOptions options_;
  std::atomic<uint64_t> runs_{0};
  bool failing_ = false;  // checkpointer thread only

  mutable std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ = false;               // guarded by mu_
  WalCheckpointResult last_result_;     // guarded by mu_
  std::optional<Error> last_error_;     // guarded by mu_
  std::thread thread_;
};

}  // namespace vigia::storage
