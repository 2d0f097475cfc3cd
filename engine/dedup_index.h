// SPDX-License-Identifier: Apache-2.0
// The duplicate check by (source, id) within the dedup window (events.md):
// a known key with the same content is a duplicate (accepted, not evaluated
// again); with different content, a conflict. Single-threaded.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/event.h"
#include "core/result.h"
#include "core/time.h"
#include "engine/checkpoint.h"
#include "engine/detail/position_table.h"

namespace vigia::engine {
namespace detail {
class ByteWriter;
}  // namespace detail

class DedupIndex {
 public:
  enum class Verdict : uint8_t { kNew, kDuplicate, kConflict };

  explicit DedupIndex(DurationUs window = 30 * kDay);
  ~DedupIndex();
  DedupIndex(DedupIndex&&) noexcept;
  DedupIndex& operator=(DedupIndex&&) noexcept;

  // Checks and, when new, records the event's key at `arrival`. Keys older than
  // arrival − window are forgotten first.
  Verdict Check(const Event& e, TimeUs arrival);
  size_t size() const { return seen_.size(); }  // keys known

  // The index as a checkpoint blob (checkpoint.h). Deterministic.
  std::string SaveState() const;
  // Replaces the index with a blob's; returns the number of keys. The window
  // stays this index's own: keys older than it are forgotten at the next Check.
  // On error the index is unchanged.
  Result<size_t, CheckpointError> LoadState(std::string_view blob);

  // --- Incremental checkpoints: segments of the keys recorded since the last
  // one, so a checkpoint costs what arrived since, not the whole window.
  // Loading the segments in order, from an empty index, gives an index that
  // answers Check() as the saved one did.

  // A key's position: keys recorded before it, by Check() or a load; this is
  // the position the next key gets.
  uint64_t recorded() const { return forgotten_ + by_arrival_.size(); }
  // Keys before this position are in a segment (taken or open).
  uint64_t segmented() const { return segmented_; }

  struct Segment {
    std::string blob;  // format "VGDS" (checkpoint.h)
    uint64_t keys = 0;
    TimeUs newest = INT64_MIN;  // arrival of its newest key
  };
  // Adds the keys at positions [segmented(), upto), at most `max_keys` of
  // them, to the open segment, closed once it holds `max_bytes`; keys the
  // window has already forgotten are skipped. Returns the number of keys still
  // to add before `upto`. Cost: the keys added.
  uint64_t ExtendSegments(uint64_t upto, uint64_t max_keys, size_t max_bytes);
  // The closed segments, then the open one closed; oldest first. Empty when
  // no key was added since the last call.
  std::vector<Segment> TakeSegments();
  // Records a segment's keys after those held, as Check() did, and counts
  // them as segmented. REQUIRES: segmented() == recorded() (e.g. a new index,
  // or one loaded from segments only). On error the index is unchanged.
  Result<size_t, CheckpointError> LoadSegment(std::string_view blob);

 private:
  struct Recorded {
    TimeUs arrival;
    uint64_t content;  // as recorded (a newer record may hold the key now)
    std::string key;   // source \x1f id
  };
  static uint64_t Hash(std::string_view key);
  // The position of the record the key is known from, in seen_ (so that it can
  // be moved to a newer record), or null.
  const uint64_t* KnownAt(std::string_view key, uint64_t hash) const;
  uint64_t* KnownAt(std::string_view key, uint64_t hash);
  // The record the key is known from, or null.
  const Recorded* Known(std::string_view key, uint64_t hash) const;
  // Makes the key known from the record at `position`, as Check() and the
  // loads do: the newer record wins when the key is known already.
  void Learn(uint64_t hash, uint64_t position);
  const Recorded& At(uint64_t position) const { return by_arrival_[position - forgotten_]; }

  DurationUs window_;
  // Each known key's hash and the position of the record it is known from
  // (in by_arrival_): the key's text is kept once, in its record.
  detail::PositionTable seen_;
  std::deque<Recorded> by_arrival_;  // expiry order
  uint64_t forgotten_ = 0;  // keys popped from by_arrival_
  uint64_t segmented_ = 0;  // position up to which keys are in segments
  std::unique_ptr<detail::ByteWriter> open_;  // the open segment, null when none
  Segment open_info_;
  TimeUs open_prev_ = 0;  // arrival of the open segment's previous key
  std::vector<Segment> closed_;
};

}  // namespace vigia::engine
