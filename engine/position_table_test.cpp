// SPDX-License-Identifier: Apache-2.0
// The duplicate check's hash index (detail::PositionTable): compared with a
// std::unordered_map over random inserts, moves and erases, with hashes made
// to collide so that runs of occupied slots wrap around the array's end and
// erasing has entries to shift back.
#include <catch2/catch.hpp>

#include <random>
#include <unordered_map>

#include "engine/detail/position_table.h"

using vigia::engine::detail::PositionTable;

namespace {

// Keys are small integers; a record at a position holds key records[position].
struct Model {
  std::vector<uint64_t> records;                 // position → key
  std::unordered_map<uint64_t, uint64_t> known;  // key → position
};

}  // namespace

TEST_CASE("The position table finds, moves and forgets keys as a map does", "[engine][dedup]") {
  for (uint64_t hash_range : {uint64_t{3}, uint64_t{64}, uint64_t{1} << 40}) {
    INFO("hashes in [0, " << hash_range << ")");
    std::mt19937_64 random(hash_range);
    // Several keys share a hash when the range is small.
    auto hash_of = [&](uint64_t key) { return (key * 0x2545F4914F6CDD1Dull) % hash_range; };
    PositionTable table;
    Model model;
    auto find = [&](uint64_t key) {
      return table.Find(hash_of(key), [&](uint64_t p) { return model.records[p] == key; });
    };
    for (int step = 0; step < 20000; ++step) {
      const uint64_t key = random() % 500;
      const int op = static_cast<int>(random() % 3);
      uint64_t* at = find(key);
      auto it = model.known.find(key);
      REQUIRE((at != nullptr) == (it != model.known.end()));
      if (at) REQUIRE(*at == it->second);
      if (op < 2) {  // record the key again: new, or moved to the newer record
        const uint64_t position = model.records.size();
        model.records.push_back(key);
        if (at)
          *at = position;
        else
          table.Insert(hash_of(key), position);
        model.known[key] = position;
      } else if (at) {  // forget it, with the record it is known from
        CHECK(!table.Erase(hash_of(key), model.records.size()));  // not with another position
        REQUIRE(table.Erase(hash_of(key), *at));
        model.known.erase(it);
      } else {
        CHECK(!table.Erase(hash_of(key), model.records.size()));
      }
      REQUIRE(table.size() == model.known.size());
    }
    for (const auto& [key, position] : model.known) {
      const uint64_t* at = find(key);
      REQUIRE(at != nullptr);
      CHECK(*at == position);
    }
    CHECK(table.capacity() * 7 >= table.size() * 10);
  }
}

TEST_CASE("An empty position table finds nothing and erases nothing", "[engine][dedup]") {
  PositionTable table;
  CHECK(table.Find(7, [](uint64_t) { return true; }) == nullptr);
  CHECK(!table.Erase(7, 0));
  table.Insert(7, 0);
  table.clear();
  CHECK(table.size() == 0);
  CHECK(table.Find(7, [](uint64_t) { return true; }) == nullptr);
}

TEST_CASE("A position table moved from is empty and usable", "[engine][dedup]") {
  PositionTable table;
  for (uint64_t p = 0; p < 100; ++p) table.Insert(p * 7919, p);
  PositionTable moved(std::move(table));
  CHECK(moved.size() == 100);
  CHECK(table.size() == 0);  // NOLINT(bugprone-use-after-move): what is checked
  CHECK(table.capacity() == 0);
  table.Insert(5, 1);
  CHECK(table.size() == 1);
  CHECK(table.capacity() == 16);
  const uint64_t* at = table.Find(5, [](uint64_t p) { return p == 1; });
  REQUIRE(at != nullptr);
  CHECK(*at == 1);
  table = std::move(moved);
  CHECK(table.size() == 100);
  CHECK(moved.size() == 0);  // NOLINT(bugprone-use-after-move)
  const uint64_t* found = table.Find(42 * 7919, [](uint64_t p) { return p == 42; });
  REQUIRE(found != nullptr);
  CHECK(*found == 42);
}
