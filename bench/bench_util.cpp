// SPDX-License-Identifier: Apache-2.0
#include "bench/bench_util.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <sstream>

namespace vigia::bench {

std::string LoadAverage() {
  std::ifstream in("/proc/loadavg");
  std::string one, five, fifteen;
  in >> one >> five >> fifteen;
  return one + " " + five + " " + fifteen;
}

double PeakRssMib(pid_t pid) {
  std::ifstream in(pid ? "/proc/" + std::to_string(pid) + "/status" : "/proc/self/status");
  for (std::string line; std::getline(in, line);)
    if (line.rfind("VmHWM:", 0) == 0) return std::stod(line.substr(6)) / 1024;  // "  1234 kB"
  return 0;
}

bool ResetPeakRss() {
  std::ofstream out("/proc/self/clear_refs");
  out << "5";
  out.flush();
  return static_cast<bool>(out);
}

Percentiles ComputePercentiles(std::vector<int64_t>& samples_us) {
  Percentiles p;
  p.count = samples_us.size();
  if (samples_us.empty()) return p;
  std::sort(samples_us.begin(), samples_us.end());
  auto at = [&](double q) {
    const size_t i = std::min(samples_us.size() - 1, static_cast<size_t>(q * samples_us.size()));
    return samples_us[i] / 1000.0;
  };
  p.p50 = at(0.50);
  p.p90 = at(0.90);
  p.p99 = at(0.99);
  p.p999 = at(0.999);
  p.max = samples_us.back() / 1000.0;
  return p;
}

std::string ToString(const Percentiles& p) {
  char buf[160];
  std::snprintf(buf, sizeof buf, "n=%zu p50=%.2f p90=%.2f p99=%.2f p99.9=%.2f max=%.2f ms", p.count,
                p.p50, p.p90, p.p99, p.p999, p.max);
  return buf;
}

std::filesystem::path MakeTempDir(const std::filesystem::path& parent, const std::string& prefix) {
  std::string tmpl = (parent / (prefix + "XXXXXX")).string();
  if (!::mkdtemp(tmpl.data())) return {};
  return tmpl;
}

}  // namespace vigia::bench
