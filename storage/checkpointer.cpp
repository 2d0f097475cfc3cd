// SPDX-License-Identifier: Apache-2.0
#include "storage/checkpointer.h"

#include <algorithm>
#include <system_error>

#include <spdlog/spdlog.h>

#include "core/thread_name.h"
#include "storage/log_events.h"

namespace vigia::storage {

using Clock = std::chrono::steady_clock;
constexpr std::chrono::milliseconds kPoll{100};

Result<std::unique_ptr<Checkpointer>, Error> Checkpointer::Start(const std::filesystem::path& path,
                                                                 CheckpointerOptions options) {
  // The sync mode matters little here: a checkpoint always syncs the WAL
  // before copying and, at FULL and NORMAL alike, the database file after.
  auto db = Database::Open(path, SyncMode::kFull);
  if (!db) return MakeError(db.error());
  std::unique_ptr<Checkpointer> c(new Checkpointer(*std::move(db), options));
  c->thread_ = std::thread([p = c.get()] { p->Run(); });
  return c;
}

Checkpointer::Checkpointer(std::unique_ptr<Database> db, CheckpointerOptions options)
    : db_(std::move(db)), options_(options) {}

Checkpointer::~Checkpointer() { Stop(); }

void Checkpointer::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_one();
  if (thread_.joinable()) thread_.join();
}

WalCheckpointResult Checkpointer::last_result() const {
  std::lock_guard lock(mu_);
  return last_result_;
}

std::optional<Error> Checkpointer::last_error() const {
  std::lock_guard lock(mu_);
  return last_error_;
}

int64_t Checkpointer::WalFileSize() const {
  std::error_code ec;
  const auto size = std::filesystem::file_size(db_->path().string() + "-wal", ec);
  return ec ? 0 : static_cast<int64_t>(size);
}

void Checkpointer::Run() {
  NameThisThread("vigia-checkpt");
  const auto poll = std::min(options_.interval, kPoll);
  auto next = Clock::now() + options_.interval;
  std::unique_lock lock(mu_);
  while (!stopping_) {
    wake_.wait_for(lock, poll, [&] { return stopping_; });
    if (stopping_) break;
    if (Clock::now() < next && WalFileSize() <= options_.wal_bytes) continue;
    lock.unlock();
    try {
      CheckpointOnce();
    } catch (const std::exception& e) {  // out of memory; try again next turn
      spdlog::error("{} thread=checkpointer what=\"{}\"", log::kThreadFailed, e.what());
    }
    next = Clock::now() + options_.interval;
    lock.lock();
  }
}

void Checkpointer::CheckpointOnce() {
  auto result = db_->CheckpointWal();
  if (!result) {
    // Busy: another checkpoint (another process) is running; not a failure.
    if (result.error().kind == ErrorKind::kBusy) return;
    if (!failing_)
      spdlog::warn("{} kind={} code={} reason=\"{}\"", log::kCheckpointFailed,
                   ToString(result.error().kind), result.error().sqlite_code,
                   result.error().message);
    failing_ = true;
    std::lock_guard lock(mu_);
    last_error_ = result.error();
    return;
  }
  if (failing_) spdlog::info("{} recovered=true", log::kCheckpointFailed);
  failing_ = false;
  {
    std::lock_guard lock(mu_);
    last_result_ = *result;
  }
  runs_.fetch_add(1, std::memory_order_release);
}

}  // namespace vigia::storage
