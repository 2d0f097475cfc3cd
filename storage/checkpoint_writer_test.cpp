// SPDX-License-Identifier: Apache-2.0
#include "storage/checkpoint_writer.h"

#include <catch2/catch.hpp>
#include <chrono>
#include <string>
#include <vector>

#include "storage/detail/test_util.h"

namespace vigia::storage {
namespace {

using namespace std::chrono_literals;
using testing::RawDb;
using testing::TempDir;
using testing::WaitFor;

std::unique_ptr<CheckpointWriter> StartOrFail(const TempDir& dir) {
  CheckpointWriterOptions o;
  o.sync = SyncMode::kNormal;
  o.retry_min = 10ms;
  o.retry_max = 50ms;
  auto w = CheckpointWriter::Start(dir.db(), o);
  REQUIRE(w.has_value());
  return std::move(w).value();
}

// A job naming segments [first, last], of which [new_first, last] are new.
CheckpointJob Job(uint64_t seq, uint64_t first, uint64_t new_first, uint64_t last) {
  CheckpointJob job;
  job.seq = seq;
  job.clock = static_cast<TimeUs>(seq) * 10;
  job.state = "state-" + std::to_string(seq);
  job.arrival = static_cast<TimeUs>(seq) * 100;
  for (uint64_t id = new_first; id <= last; ++id)
    job.segments.push_back({id, static_cast<TimeUs>(id) * 1000, id, "seg-" + std::to_string(id)});
  job.segments_first = first;
  job.segments_last = last;
  return job;
}

std::vector<uint64_t> SegmentIds(const TempDir& dir) {
  auto db = Database::Open(dir.db(), SyncMode::kNormal);
  REQUIRE(db.has_value());
  std::vector<uint64_t> ids;
  REQUIRE((*db)
              ->ReadDedupSegments(0, UINT64_MAX,
                                  [&](const DedupSegmentRow& r) {
                                    CHECK(r.state == "seg-" + std::to_string(r.id));
                                    ids.push_back(r.id);
                                  })
              .ok());
  return ids;
}

std::optional<Checkpoint> Newest(const TempDir& dir) {
  auto db = Database::Open(dir.db(), SyncMode::kNormal);
  REQUIRE(db.has_value());
  auto c = (*db)->LoadNewestCheckpoint();
  REQUIRE(c.has_value());
  return c.value();
}

}  // namespace

TEST_CASE("checkpoint writer: segments, then the row; pruning; committed_arrival",
          "[storage][checkpoint]") {
  TempDir dir;
  auto w = StartOrFail(dir);
  CHECK(w->committed_arrival() == INT64_MIN);
  w->Submit(Job(10, 1, 1, 3));
  REQUIRE(WaitFor([&] { return w->committed() == 1; }, 5s));
  CHECK(w->committed_arrival() == 1000);
  CHECK(w->pending() == 0);
  CHECK(SegmentIds(dir) == std::vector<uint64_t>{1, 2, 3});
  // A new chain from 4 (e.g. after a recovery without a usable checkpoint), and
  // segment 5 expired: 1–3 and 5 go with the row.
  CheckpointJob job = Job(20, 4, 4, 6);
  job.segments_expired_before = 5500;
  w->Submit(std::move(job));
  REQUIRE(WaitFor([&] { return w->committed() == 2; }, 5s));
  CHECK(SegmentIds(dir) == std::vector<uint64_t>{6});
  auto c = Newest(dir);
  REQUIRE(c);
  CHECK(c->seq == 20);
  CHECK(c->state == "state-20");
  CHECK(w->Stop());
  CHECK(w->healthy());
}

TEST_CASE(
    "checkpoint writer: a failing disk loses nothing; writes resume when "
    "it is back",
    "[storage][checkpoint]") {
  TempDir dir;
  auto w = StartOrFail(dir);
  w->Submit(Job(10, 1, 1, 2));
  REQUIRE(WaitFor([&] { return w->committed() == 1; }, 5s));
  REQUIRE(w->ExecForTest("PRAGMA query_only = 1").ok());
  w->Submit(Job(20, 1, 3, 4));
  w->Submit(Job(30, 1, 5, 5));  // supersedes 20's row, not its segments
  REQUIRE(WaitFor([&] { return w->failed_writes() >= 2; }, 5s));
  CHECK_FALSE(w->healthy());
  CHECK(w->committed_arrival() == 1000);  // retention must not count on them
  CHECK(w->pending() == 2);
  CHECK(Newest(dir)->seq == 10);
  CHECK(SegmentIds(dir) == std::vector<uint64_t>{1, 2});
  REQUIRE(w->ExecForTest("PRAGMA query_only = 0").ok());
  REQUIRE(WaitFor([&] { return w->committed_arrival() == 3000; }, 5s));
  CHECK(w->healthy());
  CHECK(Newest(dir)->seq == 30);
  CHECK(SegmentIds(dir) == std::vector<uint64_t>{1, 2, 3, 4, 5});
  CHECK(w->Stop());
}

TEST_CASE("checkpoint writer: Stop gives up at its deadline while the disk fails",
          "[storage][checkpoint]") {
  TempDir dir;
  auto w = StartOrFail(dir);
  REQUIRE(w->ExecForTest("PRAGMA query_only = 1").ok());
  w->Submit(Job(10, 1, 1, 2));
  const auto start = std::chrono::steady_clock::now();
  CHECK_FALSE(w->Stop(300ms));
  CHECK(std::chrono::steady_clock::now() - start < 3s);
  CHECK(w->committed() == 0);
  w->Submit(Job(20, 1, 1, 2));  // ignored after Stop
  CHECK_FALSE(w->Stop());       // idempotent
}

}  // namespace vigia::storage
