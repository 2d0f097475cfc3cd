// SPDX-License-Identifier: Apache-2.0
#include "bench/scaled_events.h"

#include <algorithm>
#include <fstream>

#include "core/event_decoder.h"

namespace vigia::bench {

std::string ScaledEvents::Load(const std::string& path, const Catalogs& catalogs) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return "cannot open " + path;
  EventDecoder decoder(catalogs, DecodeLimits{});
  size_t line_no = 0;
  for (std::string line; std::getline(in, line);) {
    ++line_no;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    auto event = decoder.Decode(line);
    if (!event.has_value())
      return path + ":" + std::to_string(line_no) + ": " + event.error().message;
    base_.push_back(std::move(event).value());
  }
  if (base_.empty()) return path + ": no events";
  auto [lo, hi] = std::minmax_element(
      base_.begin(), base_.end(), [](const Event& a, const Event& b) { return a.time < b.time; });
  shift_ = hi->time - lo->time + 30 * kDay;
  return {};
}

Event ScaledEvents::At(uint64_t i) const {
  const uint64_t copy = i / base_.size();
  Event e = base_[i % base_.size()];
  e.id += "-" + std::to_string(copy);
  e.time += static_cast<DurationUs>(copy) * shift_;
  return e;
}

}  // namespace vigia::bench
