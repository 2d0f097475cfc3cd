// SPDX-License-Identifier: Apache-2.0
#include "engine/dedup_index.h"

#include <algorithm>
#include <functional>
#include <utility>

#include "engine/detail/byte_codec.h"

namespace vigia::engine {

DedupIndex::DedupIndex(DurationUs window) : window_(window) {}
DedupIndex::~DedupIndex() = default;
DedupIndex::DedupIndex(DedupIndex&&) noexcept = default;
DedupIndex& DedupIndex::operator=(DedupIndex&&) noexcept = default;

uint64_t DedupIndex::Hash(std::string_view key) { return std::hash<std::string_view>{}(key); }

const uint64_t* DedupIndex::KnownAt(std::string_view key, uint64_t hash) const {
  return seen_.Find(hash, [&](uint64_t p) { return At(p).key == key; });
}

uint64_t* DedupIndex::KnownAt(std::string_view key, uint64_t hash) {
  return const_cast<uint64_t*>(std::as_const(*this).KnownAt(key, hash));
}

const DedupIndex::Recorded* DedupIndex::Known(std::string_view key, uint64_t hash) const {
  const uint64_t* at = KnownAt(key, hash);
  return at ? &At(*at) : nullptr;
}

void DedupIndex::Learn(uint64_t hash, uint64_t position) {
  const Recorded& r = At(position);
  uint64_t* known = KnownAt(r.key, hash);
  if (!known)
    seen_.Insert(hash, position);
  else if (At(*known).arrival <= r.arrival)
    *known = position;
}

DedupIndex::Verdict DedupIndex::Check(const Event& e, TimeUs arrival) {
  std::string key;
  key.reserve(e.source.size() + 1 + e.id.size());
  key.append(e.source).push_back('\x1f');  // source has no control characters (events.md)
  key.append(e.id);
  const uint64_t hash = Hash(key);
  const uint64_t content = ContentHash(e);
  uint64_t* known = KnownAt(key, hash);
  if (known && At(*known).arrival >= arrival - window_)
    return At(*known).content == content ? Verdict::kDuplicate : Verdict::kConflict;
  // New (or known only from before the window): record it, then forget what the
  // window has passed. Only accepted events move the window.
  const uint64_t position = recorded();
  if (known)
    *known = position;
  else
    seen_.Insert(hash, position);
  by_arrival_.push_back({arrival, content, std::move(key)});
  while (!by_arrival_.empty() && by_arrival_.front().arrival < arrival - window_) {
    // The key is forgotten with the record it is known from (not with an older one).
    seen_.Erase(Hash(by_arrival_.front().key), forgotten_);
    by_arrival_.pop_front();
    ++forgotten_;
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
  for (const Recorded& r : by_arrival_) {
    w.I64(static_cast<int64_t>(static_cast<uint64_t>(r.arrival) - prev));
    prev = static_cast<uint64_t>(r.arrival);
    w.Str(r.key);
    const bool known = Known(r.key, Hash(r.key)) == &r;
    w.U8(known);
    if (known) w.Fixed64(r.content);
  }
  return std::move(w).Finish();
}

Result<size_t, CheckpointError> DedupIndex::LoadState(std::string_view blob) {
  auto opened = detail::ByteReader::Open(blob, kDedupMagic, kDedupVersion);
  if (!opened) return MakeError(opened.error());
  detail::ByteReader& r = *opened;
  DedupIndex loaded(window_);  // none of its keys is in a segment
  const size_t n = r.Count();
  uint64_t prev = 0;
  for (size_t i = 0; i < n && r.ok(); ++i) {
    prev += static_cast<uint64_t>(r.I64());
    const TimeUs arrival = static_cast<TimeUs>(prev);
    std::string key = r.Str();
    const uint8_t known = r.U8();
    if (known > 1) r.Fail();
    const uint64_t content = known == 1 ? r.Fixed64() : 0;  // unknown: superseded, never looked at
    if (!r.ok()) break;
    const uint64_t hash = Hash(key);
    // Known from two entries only when they are equal (out-of-order arrivals).
    const Recorded* before = known == 1 ? loaded.Known(key, hash) : nullptr;
    if (before && (before->content != content || before->arrival != arrival)) r.Fail();
    loaded.by_arrival_.push_back({arrival, content, std::move(key)});
    if (known == 1) loaded.Learn(hash, i);
  }
  if (!r.done()) return MakeError(CheckpointError::kMalformed);
  *this = std::move(loaded);
  return seen_.size();
}

// A segment, format 1: per key, in the order recorded: arrival − previous
// arrival (i64; the first: its arrival), key, whether the content follows
// (u8; written: always 1) [content hash (fixed 8 bytes)]; no count: the
// entries run to the end of the body.
namespace {
inline constexpr std::string_view kSegmentMagic = "VGDS";
inline constexpr uint64_t kSegmentVersion = 1;
}  // namespace

uint64_t DedupIndex::ExtendSegments(uint64_t upto, uint64_t max_keys, size_t max_bytes) {
  upto = std::min(upto, recorded());
  segmented_ = std::max(segmented_, forgotten_);  // forgotten before they were saved: expired
  for (uint64_t added = 0; segmented_ < upto && added < max_keys; ++added, ++segmented_) {
    const Recorded& k = by_arrival_[segmented_ - forgotten_];
    if (!open_) {
      open_ = std::make_unique<detail::ByteWriter>(kSegmentMagic, kSegmentVersion);
      open_info_ = Segment{};
      open_prev_ = 0;
    }
    // Every key as recorded, superseded or not (no lookup): loading replays
    // the records in order, so the newest of a key wins as it did here.
    open_->I64(static_cast<int64_t>(static_cast<uint64_t>(k.arrival) - static_cast<uint64_t>(open_prev_)));
    open_prev_ = k.arrival;
    open_->Str(k.key);
    open_->U8(1);
    open_->Fixed64(k.content);
    ++open_info_.keys;
    open_info_.newest = std::max(open_info_.newest, k.arrival);
    if (open_->size() >= max_bytes) {
      open_info_.blob = std::move(*open_).Finish();
      open_.reset();
      closed_.push_back(std::move(open_info_));
    }
  }
  return upto > segmented_ ? upto - segmented_ : 0;
}

std::vector<DedupIndex::Segment> DedupIndex::TakeSegments() {
  if (open_) {
    open_info_.blob = std::move(*open_).Finish();
    open_.reset();
    closed_.push_back(std::move(open_info_));
  }
  return std::exchange(closed_, {});
}

Result<size_t, CheckpointError> DedupIndex::LoadSegment(std::string_view blob) {
  auto opened = detail::ByteReader::Open(blob, kSegmentMagic, kSegmentVersion);
  if (!opened) return MakeError(opened.error());
  detail::ByteReader& r = *opened;
  struct Entry {
    TimeUs arrival;
    std::string key;
    bool known;
    uint64_t content;
  };
  std::vector<Entry> entries;
  uint64_t prev = 0;
  while (r.ok() && !r.done()) {
    prev += static_cast<uint64_t>(r.I64());
    Entry e{static_cast<TimeUs>(prev), r.Str(), false, 0};
    const uint8_t known = r.U8();
    if (known > 1) r.Fail();
    e.known = known == 1;
    if (e.known) e.content = r.Fixed64();
    if (r.ok()) entries.push_back(std::move(e));
  }
  if (!r.done()) return MakeError(CheckpointError::kMalformed);
  for (Entry& e : entries) {
    const uint64_t hash = e.known ? Hash(e.key) : 0;
    by_arrival_.push_back({e.arrival, e.content, std::move(e.key)});
    // The newer record wins (segments come in order; arrivals barely step back).
    if (e.known) Learn(hash, recorded() - 1);
  }
  segmented_ = recorded();
  return entries.size();
}

}  // namespace vigia::engine
