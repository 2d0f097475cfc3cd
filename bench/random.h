// SPDX-License-Identifier: Apache-2.0
// Portable pseudo-random draws for the synthetic stream and rule sets. The
// std::*_distribution classes may give different numbers on another standard
// library, so only std::mt19937_64 (whose output the standard fixes) is used,
// with the distributions written out here: the same seed gives the same stream
// everywhere. Thread rules: none (values; one Rng per thread).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <utility>
#include <vector>

namespace vigia::bench {

class Rng {
 public:
  explicit Rng(uint64_t seed) : engine_(seed) {}

  uint64_t Next() { return engine_(); }
  // Uniform in [0, 1), 53 random bits.
  double Uniform() { return static_cast<double>(engine_() >> 11) * 0x1.0p-53; }
  // Uniform in [0, n). REQUIRES: n > 0.
  size_t Below(size_t n) {
    return static_cast<size_t>((static_cast<unsigned __int128>(engine_()) * n) >> 64);
  }
  // Uniform in [lo, hi]. REQUIRES: lo <= hi.
  int64_t Between(int64_t lo, int64_t hi) {
    return lo + static_cast<int64_t>(Below(static_cast<size_t>(hi - lo) + 1));
  }
  bool Chance(double p) { return Uniform() < p; }
  template <typename T>
  const T& Pick(const std::vector<T>& items) {
    return items[Below(items.size())];
  }

 private:
  std::mt19937_64 engine_;
};

// Draws an index in [0, n) by inverse CDF: rank k has weight w[k].
class Weighted {
 public:
  Weighted() = default;
  explicit Weighted(const std::vector<double>& weights) {
    cdf_.reserve(weights.size());
    double sum = 0;
    for (double w : weights) cdf_.push_back(sum += w);
    for (double& c : cdf_) c /= sum;
  }
  // Rank k with probability proportional to (k + 1)^-s.
  static Weighted Zipf(size_t n, double s) {
    std::vector<double> w(n);
    for (size_t k = 0; k < n; ++k) w[k] = std::pow(static_cast<double>(k + 1), -s);
    return Weighted(w);
  }
  // REQUIRES: built with at least one positive weight.
  size_t Sample(Rng& rng) const {
    const double u = rng.Uniform();
    auto it = std::upper_bound(cdf_.begin(), cdf_.end(), u);
    return it == cdf_.end() ? cdf_.size() - 1 : static_cast<size_t>(it - cdf_.begin());
  }
  size_t size() const { return cdf_.size(); }
  // The probability of rank k.
  double Probability(size_t k) const { return k == 0 ? cdf_[0] : cdf_[k] - cdf_[k - 1]; }

 private:
  std::vector<double> cdf_;
};

}  // namespace vigia::bench
