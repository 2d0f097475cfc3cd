// SPDX-License-Identifier: Apache-2.0
#include "storage/latency_histogram.h"

#include <cstdio>

namespace vigia::storage {
namespace {

// Upper bounds in nanoseconds, and as Prometheus prints them.
constexpr int64_t kBoundsNs[LatencyHistogram::kBuckets - 1] = {
    500'000,     1'000'000,   2'500'000,   5'000'000,     10'000'000,    25'000'000,
    50'000'000, 100'000'000, 250'000'000, 500'000'000, 1'000'000'000, 2'500'000'000};
constexpr const char* kLabels[LatencyHistogram::kBuckets] = {
    "0.0005", "0.001", "0.0025", "0.005", "0.01", "0.025", "0.05",
    "0.1",    "0.25",  "0.5",    "1",     "2.5",  "+Inf"};

}  // namespace

void LatencyHistogram::Record(std::chrono::nanoseconds latency) {
  const int64_t ns = latency.count() < 0 ? 0 : latency.count();
  size_t b = 0;
  while (b < kBuckets - 1 && ns > kBoundsNs[b]) ++b;  // le: the bound is inclusive
  buckets_[b].fetch_add(1, std::memory_order_relaxed);
  sum_ns_.fetch_add(static_cast<uint64_t>(ns), std::memory_order_relaxed);
}

uint64_t LatencyHistogram::count() const {
  uint64_t n = 0;
  for (const auto& b : buckets_) n += b.load(std::memory_order_relaxed);
  return n;
}

double LatencyHistogram::sum_seconds() const {
  return static_cast<double>(sum_ns_.load(std::memory_order_relaxed)) / 1e9;
}

std::string LatencyHistogram::Text(std::string_view name) const {
  const std::string n(name);
  std::string out = "# TYPE " + n + " histogram\n";
  // The count is the +Inf bucket, so the text is consistent even while
  // Record() runs.
  uint64_t cumulative = 0;
  for (size_t b = 0; b < kBuckets; ++b) {
    cumulative += buckets_[b].load(std::memory_order_relaxed);
    out += n + "_bucket{le=\"" + kLabels[b] + "\"} " + std::to_string(cumulative) + "\n";
  }
  char sum[32];
  std::snprintf(sum, sizeof sum, "%.9g", sum_seconds());
  out += n + "_sum " + sum + "\n";
  out += n + "_count " + std::to_string(cumulative) + "\n";
  return out;
}

}  // namespace vigia::storage
