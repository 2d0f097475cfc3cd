// SPDX-License-Identifier: Apache-2.0
// Edit distance for "did you mean ...?" suggestions (unknown regions, groups,
// event fields, catalog keys). Only on error paths, so simple beats fast.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace vigia::detail {

// Levenshtein distance, ASCII case-insensitive. Only the first 256 bytes of each
// argument count, so a huge input can't make a suggestion expensive.
size_t EditDistance(std::string_view a, std::string_view b);

// Up to `n` of `candidates` closest to `word`, nearest first, ties in the order
// given. Candidates further than `max_distance` are left out.
std::vector<std::string_view> ClosestWords(std::string_view word,
                                           const std::vector<std::string_view>& candidates,
                                           size_t n, size_t max_distance = SIZE_MAX);

}  // namespace vigia::detail
