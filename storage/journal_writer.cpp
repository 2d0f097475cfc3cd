// SPDX-License-Identifier: Apache-2.0
#include "storage/journal_writer.h"

#include <algorithm>
#include <iterator>

#include <spdlog/spdlog.h>

#include "core/thread_name.h"
#include "storage/log_events.h"

namespace vigia::storage {

using Clock = std::chrono::steady_clock;

Result<std::unique_ptr<JournalWriter>, Error> JournalWriter::Start(
    const std::filesystem::path& path, JournalWriterOptions options) {
  auto db = Database::Open(path, options.sync);
  if (!db) return MakeError(db.error());
  std::unique_ptr<JournalWriter> writer(new JournalWriter(*std::move(db), std::move(options)));
  writer->thread_ = std::thread([w = writer.get()] { w->Run(); });
  return writer;
}

JournalWriter::JournalWriter(std::unique_ptr<Database> db, JournalWriterOptions options)
    : db_(std::move(db)), options_(std::move(options)) {}

JournalWriter::~JournalWriter() { Stop(); }

bool JournalWriter::Append(JournalRow row) {
  {
    std::lock_guard lock(mu_);
    if (stopping_ || !running_ || pending_ >= options_.max_pending) return false;
    queue_.push_back(std::move(row));
    ++pending_;
  }
  wake_.notify_one();
  return true;
}

bool JournalWriter::Stop(std::chrono::milliseconds timeout) {
  {
    std::lock_guard lock(mu_);
    if (!stopping_) {
      stopping_ = true;
      deadline_ = Clock::now() + timeout;
      ++wakeups_;
    }
  }
  wake_.notify_one();
  if (thread_.joinable()) thread_.join();
  std::lock_guard lock(mu_);
  return flushed_;
}

std::optional<Error> JournalWriter::last_error() const {
  std::lock_guard lock(mu_);
  return last_error_;
}

size_t JournalWriter::pending() const {
  std::lock_guard lock(mu_);
  return pending_;
}

std::string JournalWriter::HistogramText(std::string_view metric_name) const {
  return histogram_.Text(metric_name);
}

Status JournalWriter::ExecForTest(std::string sql) {
  TestRequest request{std::move(sql), {}, false};
  std::unique_lock lock(mu_);
  test_done_.wait(lock, [&] { return test_request_ == nullptr || !running_; });
  if (!running_ || stopping_) return Error{ErrorKind::kOther, 0, "the journal writer is stopped"};
  test_request_ = &request;
  ++wakeups_;
  wake_.notify_one();
  test_done_.wait(lock, [&] { return request.done; });
  return request.result;
}

void JournalWriter::Run() {
  NameThisThread("vigia-journal");
  try {
    Loop();
  } catch (const std::exception& e) {
    // Unexpected (out of memory, or on_durable threw): the journal stops and
    // says so; Append() refuses from now on.
    spdlog::error("{} thread=journal what=\"{}\"", log::kThreadFailed, e.what());
    healthy_.store(false, std::memory_order_release);
  }
  std::lock_guard lock(mu_);
  running_ = false;
  if (pending_ > 0) flushed_ = false;
  if (test_request_) {
    test_request_->result = Error{ErrorKind::kOther, 0, "the journal writer is stopped"};
    test_request_->done = true;
    test_request_ = nullptr;
  }
  test_done_.notify_all();
}

void JournalWriter::Loop() {
  std::vector<JournalRow> batch;  // taken from the queue, not yet committed
  auto backoff = options_.retry_min;
  uint64_t failures = 0;  // since the last success
  std::unique_lock lock(mu_);
  for (;;) {
    if (test_request_) RunTestRequest(lock);
    if (batch.empty() && queue_.empty()) {
      if (stopping_) return;
      wake_.wait(lock);
      continue;
    }
    if (stopping_ && Clock::now() >= deadline_) {
      flushed_ = false;
      spdlog::error("{} rows={}", log::kJournalUnflushed, pending_);
      return;
    }
    // Rows kept from a failed commit go first: order is seq order.
    if (batch.empty()) {
      batch.swap(queue_);
    } else {
      batch.insert(batch.end(), std::make_move_iterator(queue_.begin()),
                   std::make_move_iterator(queue_.end()));
      queue_.clear();
    }
    lock.unlock();

    const auto taken = Clock::now();
    const Status status = db_->AppendJournal(batch);
    const auto committed = Clock::now();
    if (status.ok()) {
      histogram_.Record(committed - taken);
      const uint64_t seq = batch.back().seq;
      const size_t rows = batch.size();
      batch.clear();
      if (!healthy_.load(std::memory_order_relaxed)) {
        healthy_.store(true, std::memory_order_release);
        spdlog::info("{} failed_commits={} rows={}", log::kJournalRecovered, failures, rows);
      }
      failures = 0;
      backoff = options_.retry_min;
      if (options_.on_durable) options_.on_durable(seq);
      lock.lock();
      // After the callback, so that durable_seq() == n means it has seen n too.
      pending_ -= rows;
      durable_seq_.store(seq, std::memory_order_release);
      continue;
    }

    ++failures;
    failed_commits_.fetch_add(1, std::memory_order_relaxed);
    lock.lock();
    OnFailure(status.error(), batch.size());
    // Back off, but wake for Stop() (then retry until its deadline) and tests.
    const uint64_t seen = wakeups_;
    auto until = Clock::now() + backoff;
    if (stopping_) until = std::min(until, deadline_);
    wake_.wait_until(lock, until, [&] { return wakeups_ != seen; });
    backoff = std::min(backoff * 2, options_.retry_max);
  }
}

// REQUIRES: mu_ held.
void JournalWriter::OnFailure(const Error& error, size_t rows) {
  last_error_ = error;
  if (healthy_.load(std::memory_order_relaxed)) {
    healthy_.store(false, std::memory_order_release);
    spdlog::error("{} kind={} code={} rows={} reason=\"{}\"", log::kJournalFailed,
                  ToString(error.kind), error.sqlite_code, rows, error.message);
  } else {
    spdlog::debug("{} kind={} code={} rows={} retry=true", log::kJournalFailed,
                  ToString(error.kind), error.sqlite_code, rows);
  }
}

// REQUIRES: mu_ held through `lock`; released while the SQL runs.
void JournalWriter::RunTestRequest(std::unique_lock<std::mutex>& lock) {
  TestRequest* request = test_request_;
  lock.unlock();
  Status result = db_->Exec(request->sql);
  lock.lock();
  request->result = std::move(result);
  request->done = true;
  test_request_ = nullptr;
  test_done_.notify_all();
}

}  // namespace vigia::storage
