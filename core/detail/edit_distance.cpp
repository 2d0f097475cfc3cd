// SPDX-License-Identifier: Apache-2.0
#include "core/detail/edit_distance.h"

#include <algorithm>
#include <cstdint>
#include <numeric>

namespace vigia::detail {
namespace {

constexpr size_t kMaxCompared = 256;

char Lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

}  // namespace

size_t EditDistance(std::string_view a, std::string_view b) {
  a = a.substr(0, kMaxCompared);
  b = b.substr(0, kMaxCompared);
  // One row of the classic dynamic programme, indexed by position in b.
  std::vector<size_t> row(b.size() + 1);
  std::iota(row.begin(), row.end(), size_t{0});
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t above = row[j];
      const size_t substitution = diagonal + (Lower(a[i - 1]) == Lower(b[j - 1]) ? 0 : 1);
      row[j] = std::min({above + 1, row[j - 1] + 1, substitution});
      diagonal = above;
    }
  }
  return row[b.size()];
}

std::vector<std::string_view> ClosestWords(std::string_view word,
                                           const std::vector<std::string_view>& candidates,
                                           size_t n, size_t max_distance) {
  std::vector<std::pair<size_t, size_t>> ranked;  // (distance, index)
  ranked.reserve(candidates.size());
  for (size_t i = 0; i < candidates.size(); ++i) {
    const size_t d = EditDistance(word, candidates[i]);
    if (d <= max_distance) ranked.emplace_back(d, i);
  }
  // Pairs compare by distance, then index: ties keep the candidates' order.
  const size_t keep = std::min(n, ranked.size());
  std::partial_sort(ranked.begin(), ranked.begin() + static_cast<std::ptrdiff_t>(keep),
                    ranked.end());
  std::vector<std::string_view> out;
  out.reserve(keep);
  for (size_t i = 0; i < keep; ++i) out.push_back(candidates[ranked[i].second]);
  return out;
}

}  // namespace vigia::detail
