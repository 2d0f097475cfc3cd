// SPDX-License-Identifier: Apache-2.0
// A latency histogram with fixed Prometheus-style buckets (seconds: 0.0005,
// 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, +Inf),
// rendered in the Prometheus text format.
// Thread rules: Record() and every reader may run on any threads at once
// (relaxed atomic counters; a reading may miss a concurrent Record()).
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace vigia::storage {

class LatencyHistogram {
 public:
  static constexpr size_t kBuckets = 13;  // 12 bounds and +Inf

  void Record(std::chrono::nanoseconds latency);

  uint64_t count() const;
  double sum_seconds() const;

  // `# TYPE <name> histogram`, then <name>_bucket{le="..."} (cumulative),
  // <name>_sum and <name>_count, each line ending in '\n'.
  std::string Text(std::string_view name) const;

 private:
  std::array<std::atomic<uint64_t>, kBuckets> buckets_{};  // not cumulative
  std::atomic<uint64_t> sum_ns_{0};
};

}  // namespace vigia::storage
