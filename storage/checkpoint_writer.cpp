// SPDX-License-Identifier: Apache-2.0
#include "storage/checkpoint_writer.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "core/thread_name.h"
#include "storage/log_events.h"

namespace vigia::storage {

using Clock = std::chrono::steady_clock;

Result<std::unique_ptr<CheckpointWriter>, Error> CheckpointWriter::Start(
    const std::filesystem::path& path, CheckpointWriterOptions options) {
  auto db = Database::Open(path, options.sync);
  if (!db) return MakeError(db.error());
  std::unique_ptr<CheckpointWriter> writer(new CheckpointWriter(*std::move(db), options));
  writer->thread_ = std::thread([w = writer.get()] { w->Run(); });
  return writer;
}

CheckpointWriter::CheckpointWriter(std::unique_ptr<Database> db, CheckpointWriterOptions options)
    : db_(std::move(db)), options_(options) {}

CheckpointWriter::~CheckpointWriter() { Stop(); }

void CheckpointWriter::Submit(CheckpointJob job) {
  {
    std::lock_guard lock(mu_);
    if (stopping_ || !running_) return;
    queue_.push_back(std::move(job));
    ++pending_;
  }
  wake_.notify_one();
}

bool CheckpointWriter::Stop(std::chrono::milliseconds timeout) {
  {
    std::lock_guard lock(mu_);
    if (!stopping_) {
      stopping_ = true;
      deadline_ = Clock::now() + timeout;
    }
  }
  wake_.notify_one();
  if (thread_.joinable()) thread_.join();
  std::lock_guard lock(mu_);
  return flushed_;
}

size_t CheckpointWriter::pending() const {
  std::lock_guard lock(mu_);
  return pending_;
}

Status CheckpointWriter::ExecForTest(std::string sql) {
  std::unique_lock lock(mu_);
  test_done_.wait(lock, [&] { return !test_sql_ || !running_; });
  if (!running_ || stopping_)
    return Error{ErrorKind::kOther, 0, "the checkpoint writer is stopped"};
  test_sql_ = std::move(sql);
  test_result_.reset();
  wake_.notify_one();
  test_done_.wait(lock, [&] { return test_result_.has_value() || !running_; });
  if (!test_result_) return Error{ErrorKind::kOther, 0, "the checkpoint writer is stopped"};
  Status result = std::move(*test_result_);
  test_result_.reset();
  test_done_.notify_all();
  return result;
}

bool CheckpointWriter::WriteSome() {
  // Segments first, oldest first, one transaction each: a checkpoint row is
  // committed only once every segment it names is.
  if (!segments_.empty()) {
    const Status s = db_->InsertDedupSegment(segments_.front());
    if (!s.ok()) {
      last_failure_ = s.error();
      return false;
    }
    segments_.pop_front();
    return true;
  }
  const CheckpointJob& job = *row_;
  const Status s = db_->Transaction([&]() -> Status {
    if (Status w = db_->WriteCheckpoint(job.seq, job.clock, job.state); !w.ok()) return w;
    return db_->DeleteDedupSegments(job.segments_first, job.segments_last,
                                    job.segments_expired_before);
  });
  if (!s.ok()) {
    last_failure_ = s.error();
    return false;
  }
  committed_arrival_.store(job.arrival, std::memory_order_release);
  committed_.fetch_add(1, std::memory_order_acq_rel);
  row_.reset();
  return true;
}

void CheckpointWriter::Run() {
  NameThisThread("vigia-ckpt-io");
  auto backoff = options_.retry_min;
  uint64_t failures = 0;  // since the last success
  std::unique_lock lock(mu_);
  try {
    for (;;) {
      if (test_sql_ && !test_result_) {
        const std::string sql = *test_sql_;
        lock.unlock();
        Status result = db_->Exec(sql);
        lock.lock();
        test_sql_.reset();
        test_result_ = std::move(result);
        test_done_.notify_all();
      }
      // Newer jobs: their segments queue behind the unwritten ones; the
      // newest checkpoint row supersedes an unwritten older one.
      for (CheckpointJob& job : queue_) {
        for (DedupSegmentRow& s : job.segments) segments_.push_back(std::move(s));
        job.segments.clear();
        row_ = std::move(job);
        ++taken_jobs_;
      }
      queue_.clear();
      if (!row_ && segments_.empty()) {
        pending_ -= taken_jobs_;
        taken_jobs_ = 0;
        if (stopping_) break;
        wake_.wait(lock);
        continue;
      }
      if (stopping_ && Clock::now() >= deadline_) {
        flushed_ = false;
        spdlog::error("{} segments={} checkpoint={}", log::kEngineCheckpointUnflushed,
                      segments_.size(), row_.has_value());
        break;
      }
      lock.unlock();
      const bool ok = WriteSome();
      lock.lock();
      if (ok) {
        if (!healthy_.load(std::memory_order_relaxed)) {
          healthy_.store(true, std::memory_order_release);
          spdlog::info("{} failed_writes={}", log::kEngineCheckpointRecovered, failures);
        }
        failures = 0;
        backoff = options_.retry_min;
        if (!row_ && segments_.empty()) {
          pending_ -= taken_jobs_;
          taken_jobs_ = 0;
        }
        continue;
      }
      ++failures;
      failed_writes_.fetch_add(1, std::memory_order_relaxed);
      if (healthy_.load(std::memory_order_relaxed)) {
        healthy_.store(false, std::memory_order_release);
        spdlog::error(
            "{} kind={} code={} reason=\"{}\" (retried; recovery "
            "replays the journal meanwhile)",
            log::kEngineCheckpointFailed, ToString(last_failure_.kind), last_failure_.sqlite_code,
            last_failure_.message);
      }
      // Back off, but wake for Stop() (then retry until its deadline), new jobs
      // and tests.
      auto until = Clock::now() + backoff;
      if (stopping_) until = std::min(until, deadline_);
      const bool was_stopping = stopping_;
      wake_.wait_until(lock, until,
                       [&] { return stopping_ != was_stopping || (test_sql_ && !test_result_); });
      backoff = std::min(backoff * 2, options_.retry_max);
    }
  } catch (const std::exception& e) {
    // Unexpected (out of memory): checkpoints stop and say so; recovery
    // replays the journal after the last one committed.
    if (!lock.owns_lock()) lock.lock();
    spdlog::error("{} thread=checkpoint what=\"{}\"", log::kThreadFailed, e.what());
    healthy_.store(false, std::memory_order_release);
    flushed_ = false;
  }
  running_ = false;
  if (pending_ > 0) flushed_ = false;
  test_done_.notify_all();
}

}  // namespace vigia::storage
