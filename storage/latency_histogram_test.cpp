// SPDX-License-Identifier: Apache-2.0
#include "storage/latency_histogram.h"

#include <thread>
#include <vector>

#include <catch2/catch.hpp>

namespace vigia::storage {
namespace {

using namespace std::chrono_literals;

TEST_CASE("storage: the latency histogram renders cumulative Prometheus buckets",
          "[storage][histogram]") {
  LatencyHistogram h;
  h.Record(300us);
  h.Record(500us);  // a bound is inclusive (le)
  h.Record(501us);
  h.Record(3ms);
  h.Record(10s);
  CHECK(h.count() == 5);
  CHECK(h.sum_seconds() == Approx(10.004301));
  CHECK(h.Text("vigia_journal_commit_seconds") ==
        "# TYPE vigia_journal_commit_seconds histogram\n"
        "vigia_journal_commit_seconds_bucket{le=\"0.0005\"} 2\n"
        "vigia_journal_commit_seconds_bucket{le=\"0.001\"} 3\n"
        "vigia_journal_commit_seconds_bucket{le=\"0.0025\"} 3\n"
        "vigia_journal_commit_seconds_bucket{le=\"0.005\"} 4\n"
        "vigia_journal_commit_seconds_bucket{le=\"0.01\"} 4\n"
        "vigia_journal_commit_seconds_bucket{le=\"0.025\"} 4\n"
        "vigia_journal_commit_seconds_bucket{le=\"0.05\"} 4\n"
        "vigia_journal_commit_seconds_bucket{le=\"0.1\"} 4\n"
        "vigia_journal_commit_seconds_bucket{le=\"0.25\"} 4\n"
        "vigia_journal_commit_seconds_bucket{le=\"0.5\"} 4\n"
        "vigia_journal_commit_seconds_bucket{le=\"1\"} 4\n"
        "vigia_journal_commit_seconds_bucket{le=\"2.5\"} 4\n"
        "vigia_journal_commit_seconds_bucket{le=\"+Inf\"} 5\n"
        "vigia_journal_commit_seconds_sum 10.004301\n"
        "vigia_journal_commit_seconds_count 5\n");
}

TEST_CASE("storage: the latency histogram counts every record from several threads",
          "[storage][histogram]") {
  LatencyHistogram h;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&h, t] {
      for (int i = 0; i < 10000; ++i) h.Record(std::chrono::microseconds(t * 1000 + 1 + i % 7));
    });
  for (auto& t : threads) t.join();
  CHECK(h.count() == 40000);
  CHECK_THAT(h.Text("x"), Catch::Contains("x_bucket{le=\"0.0005\"} 10000\n") &&
                              Catch::Contains("x_bucket{le=\"0.001\"} 10000\n") &&
                              Catch::Contains("x_bucket{le=\"0.0025\"} 30000\n") &&
                              Catch::Contains("x_bucket{le=\"0.005\"} 40000\n"));
}

}  // namespace
}  // namespace vigia::storage
