// SPDX-License-Identifier: Apache-2.0
// Small helpers shared by the vigia-bench modes: timing, latency percentiles,
// the machine's load and the process's peak memory, temp dirs.
// Thread rules: none (free functions, value types).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace vigia::bench {

using Clock = std::chrono::steady_clock;

inline double Seconds(Clock::time_point since) {
  return std::chrono::duration<double>(Clock::now() - since).count();
}

// "3.12 2.80 2.41": /proc/loadavg's 1, 5 and 15 minute load averages.
std::string LoadAverage();

// The peak resident set (VmHWM) of process `pid` (0: this one) in MiB, 0 when unknown.
double PeakRssMib(pid_t pid = 0);
// Resets this process's VmHWM to its current RSS (/proc/self/clear_refs), so
// that PeakRssMib() measures from here. False when the kernel refuses.
bool ResetPeakRss();

struct Percentiles {
  size_t count = 0;
  double p50 = 0, p90 = 0, p99 = 0, p999 = 0, max = 0;  // milliseconds
};
// Of `samples_us` (microseconds; sorted in place).
Percentiles ComputePercentiles(std::vector<int64_t>& samples_us);
// "n=1000 p50=0.41 p90=0.62 p99=1.30 p99.9=2.10 max=3.05 ms"
std::string ToString(const Percentiles& p);

// A new empty directory `<parent>/<prefix>XXXXXX`; empty path on failure.
std::filesystem::path MakeTempDir(const std::filesystem::path& parent, const std::string& prefix);

}  // namespace vigia::bench
