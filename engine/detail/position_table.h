// SPDX-License-Identifier: Apache-2.0
// A hash index over records the caller keeps elsewhere, in order: each entry is
// a key's hash and the position of the record that holds the key, so the key's
// text is stored once (in the record) and a lookup that misses never leaves the
// table. Open addressing with linear probing in one array of 16-byte slots;
// erasing shifts the following entries back (no tombstones).
// The caller decides what a key is: Find() takes a predicate that compares the
// key looked up with the record at a position.
#pragma once

#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

namespace vigia::engine::detail {

class PositionTable {
 public:
  PositionTable() = default;
  PositionTable(PositionTable&& other) noexcept
      : slots_(std::exchange(other.slots_, {})),
        size_(std::exchange(other.size_, 0)),
        shift_(std::exchange(other.shift_, 64)) {}
  PositionTable& operator=(PositionTable&& other) noexcept {
    slots_ = std::exchange(other.slots_, {});
    size_ = std::exchange(other.size_, 0);
    shift_ = std::exchange(other.shift_, 64);
    return *this;
  }
  PositionTable(const PositionTable&) = default;
  PositionTable& operator=(const PositionTable&) = default;

  // The position of the entry for the key hashed to `hash` for which
  // `same(position)` is true, or null. The pointer lets the caller move the
  // key to a newer record; it is valid until the next Insert() or Erase().
  template <class Same>
  const uint64_t* Find(uint64_t hash, Same&& same) const {
    if (slots_.empty()) return nullptr;
    for (size_t i = Home(hash);; i = Next(i)) {
      const Slot& s = slots_[i];
      if (s.position == kEmpty) return nullptr;
      if (s.hash == hash && same(s.position)) return &s.position;
    }
  }
  template <class Same>
  uint64_t* Find(uint64_t hash, Same&& same) {
    return const_cast<uint64_t*>(std::as_const(*this).Find(hash, same));
  }

  // Adds an entry. REQUIRES: no entry for the key (Find() gave null).
  void Insert(uint64_t hash, uint64_t position) {
    // Grows past 70 % full: runs of occupied slots stay short.
    if ((size_ + 1) * 10 > slots_.size() * 7) Grow();
    Place(hash, position);
    ++size_;
  }

  // Removes the entry with this hash and position, if there is one.
  bool Erase(uint64_t hash, uint64_t position) {
    if (slots_.empty()) return false;
    size_t hole = Home(hash);
    for (;; hole = Next(hole)) {
      const Slot& s = slots_[hole];
      if (s.position == kEmpty) return false;
      if (s.hash == hash && s.position == position) break;
    }
    // Backward shift: an entry after the hole moves into it unless its home
    // lies cyclically in (hole, its slot], where a lookup would still find it.
    for (size_t i = Next(hole);; i = Next(i)) {
      const Slot& s = slots_[i];
      if (s.position == kEmpty) break;
      const size_t home = Home(s.hash);
      const bool stays = hole <= i ? (hole < home && home <= i) : (hole < home || home <= i);
      if (stays) continue;
      slots_[hole] = s;
      hole = i;
    }
    slots_[hole].position = kEmpty;
    --size_;
    return true;
  }

  size_t size() const { return size_; }
  size_t capacity() const { return slots_.size(); }
  void clear() {
    slots_.clear();
    size_ = 0;
  }

 private:
  static constexpr uint64_t kEmpty = UINT64_MAX;
  struct Slot {
    uint64_t hash = 0;
    uint64_t position = kEmpty;
  };

  // The high bits: the low ones of some hashes (std::hash of an integer) vary little.
  size_t Home(uint64_t hash) const { return static_cast<size_t>((hash * kMix) >> shift_); }
  size_t Next(size_t i) const { return (i + 1) & (slots_.size() - 1); }

  void Place(uint64_t hash, uint64_t position) {
    size_t i = Home(hash);
    while (slots_[i].position != kEmpty) i = Next(i);
    slots_[i] = Slot{hash, position};
  }

  void Grow() {
    std::vector<Slot> old(slots_.empty() ? 16 : slots_.size() * 2);
    old.swap(slots_);
    shift_ = 64;
    for (size_t n = slots_.size(); n > 1; n >>= 1) --shift_;
    for (const Slot& s : old)
      if (s.position != kEmpty) Place(s.hash, s.position);
  }

  static constexpr uint64_t kMix = 0x9E3779B97F4A7C15ull;  // Fibonacci hashing

  std::vector<Slot> slots_;  // a power of two in size, or empty
  size_t size_ = 0;
  int shift_ = 64;  // 64 − log2(slots_.size())
};

}  // namespace vigia::engine::detail
