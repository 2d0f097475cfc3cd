// SPDX-License-Identifier: Apache-2.0
#include "engine/dedup_index.h"

#include "engine/detail/byte_codec.h"

namespace vigia::engine {

DedupIndex::Verdict DedupIndex::Check(const Event& e, TimeUs arrival) {
  std::string key;
  key.reserve(e.source.size() + 1 + e.id.size());
  key.append(e.source).push_back('\x1f');  // source has no control characters (events.md)
  key.append(e.id);
  const uint64_t content = ContentHash(e);
  auto it = seen_.find(key);
  if (it != seen_.end() && it->second.arrival >= arrival - window_)
    return it->second.content == content ? Verdict::kDuplicate : Verdict::kConflict;
  // New (or known only from before the window): record it, then forget what the
  // window has passed. Only accepted events move the window.
  if (it != seen_.end()) it->second = Seen{content, arrival};
  else seen_.emplace(key, Seen{content, arrival});
  by_arrival_.emplace_back(arrival, std::move(key));
  while (!by_arrival_.empty() && by_arrival_.front().first < arrival - window_) {
    auto old = seen_.find(by_arrival_.front().second);
    if (old != seen_.end() && old->second.arrival == by_arrival_.front().first) seen_.erase(old);
    by_arrival_.pop_front();
  }
  return Verdict::kNew;
}

// The body, format 1: the expiry queue as it is, count, then per entry: arrival
// − previous arrival (i64), key, whether the key is known from it (u8) [content
// hash (fixed 8 bytes)]. The map is rebuilt from the entries it is known from;
// the others are kept because they still take part in the expiry order.
namespace {
inline constexpr std::string_view kDedupMagic = "VGCD";
inline constexpr uint64_t kDedupVersion = 1;
}  // namespace

std::string DedupIndex::SaveState() const {
  detail::ByteWriter w(kDedupMagic, kDedupVersion);
  w.U64(by_arrival_.size());
  uint64_t prev = 0;  // unsigned: the differences wrap instead of overflowing
  for (const auto& [arrival, key] : by_arrival_) {
    w.I64(static_cast<int64_t>(static_cast<uint64_t>(arrival) - prev));
    prev = static_cast<uint64_t>(arrival);
    w.Str(key);
    auto it = seen_.find(key);
    const bool known = it != seen_.end() && it->second.arrival == arrival;
    w.U8(known);
    if (known) w.Fixed64(it->second.content);
  }
  return std::move(w).Finish();
}

Result<size_t, CheckpointError> DedupIndex::LoadState(std::string_view blob) {
  auto opened = detail::ByteReader::Open(blob, kDedupMagic, kDedupVersion);
  if (!opened) return MakeError(opened.error());
  detail::ByteReader& r = *opened;
  std::unordered_map<std::string, Seen> seen;
  std::deque<std::pair<TimeUs, std::string>> by_arrival;
  const size_t n = r.Count();
  uint64_t prev = 0;
  for (size_t i = 0; i < n && r.ok(); ++i) {
    prev += static_cast<uint64_t>(r.I64());
    const TimeUs arrival = static_cast<TimeUs>(prev);
    std::string key = r.Str();
    const uint8_t known = r.U8();
    if (known > 1) r.Fail();
    if (known == 1) {
      const Seen s{r.Fixed64(), arrival};
      auto [it, inserted] = seen.emplace(key, s);
      // Known from two entries only when they are equal (out-of-order arrivals).
      if (!inserted && (it->second.content != s.content || it->second.arrival != arrival)) r.Fail();
    }
    by_arrival.emplace_back(arrival, std::move(key));
  }
  if (!r.done()) return MakeError(CheckpointError::kMalformed);
  seen_ = std::move(seen);
  by_arrival_ = std::move(by_arrival);
  return seen_.size();
}

}  // namespace vigia::engine
