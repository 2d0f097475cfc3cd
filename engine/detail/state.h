// SPDX-License-Identifier: Apache-2.0
// Engine internals: the per-(rule, variant, key) state. Not included outside engine/.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <memory>
#include <new>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include <boost/smart_ptr/intrusive_ptr.hpp>
#include <boost/smart_ptr/intrusive_ref_counter.hpp>
#include <boost/unordered/unordered_map.hpp>

#include "core/time.h"

namespace vigia::engine::detail {

// A list of groups interned by the engine (Interner): stored once, however
// many records hold it.
struct InternedGroups : boost::intrusive_ref_counter<InternedGroups, boost::thread_unsafe_counter> {
  explicit InternedGroups(std::vector<std::string> l) : list(std::move(l)) {}
  std::vector<std::string> list;
};
using GroupList = boost::intrusive_ptr<const InternedGroups>;

// What state keeps of an event: one per evaluated event that some state holds,
// shared by every rule and key that holds it. One heap block: the fields, then
// the id's and the subject's text. The count is not atomic: records never
// leave the engine's thread.
class Record : public boost::intrusive_ref_counter<Record, boost::thread_unsafe_counter> {
 public:
  // A record with copies of `id` and `subject` (nullopt: none); the rest is
  // filled in by the caller.
  static boost::intrusive_ptr<Record> Make(std::string_view id,
                                           std::optional<std::string_view> subject) {
    void* block = ::operator new(sizeof(Record) + id.size() + (subject ? subject->size() : 0));
    auto* rec = new (block) Record(id, subject);
    return boost::intrusive_ptr<Record>(rec);
  }
  // The block is plain storage (Make): freed as such, not by size.
  static void operator delete(void* block) { ::operator delete(block); }

  std::string_view id() const { return {text(), id_size_}; }
  bool has_subject() const { return has_subject_; }
  std::string_view subject() const { return {text() + id_size_, subject_size_}; }
  std::optional<std::string> subject_value() const {
    return has_subject_ ? std::optional<std::string>(subject()) : std::nullopt;
  }
  bool same_subject(const Record& o) const {
    return has_subject_ == o.has_subject_ && subject() == o.subject();
  }
  const std::vector<std::string>& roots() const {
    static const std::vector<std::string> kNone;
    return root_events ? *root_events : kNone;
  }

  int16_t depth = 0;  // 0 for input events; an alert event's depth

 private:  // here, to share the count's word
  bool has_subject_ = false;
  uint32_t id_size_ = 0, subject_size_ = 0;

 public:
  TimeUs time = 0;
  uint64_t order = 0;                   // evaluation order: the (time, seq) tie-break
  const std::string* region = nullptr;  // interned; "" for none
  GroupList groups;                     // interned; never null
  std::unique_ptr<const std::vector<std::string>> root_events;  // alert events only

 private:
  Record(std::string_view id, std::optional<std::string_view> subject)
      : has_subject_(subject.has_value()),
        id_size_(static_cast<uint32_t>(id.size())),
        subject_size_(subject ? static_cast<uint32_t>(subject->size()) : 0) {
    std::memcpy(text(), id.data(), id.size());
    if (subject) std::memcpy(text() + id_size_, subject->data(), subject->size());
  }
  char* text() { return reinterpret_cast<char*>(this + 1); }
  const char* text() const { return reinterpret_cast<const char*>(this + 1); }
};
using RecordPtr = boost::intrusive_ptr<const Record>;
// The fields take 56 bytes (the count, depth and flag share one word): with an
// id of 19 characters and a subject of 8, one 96-byte heap block per record.
static_assert(sizeof(Record) <= 56);

// A `distinct` value held by a count window.
struct DistinctValue : boost::intrusive_ref_counter<DistinctValue, boost::thread_unsafe_counter> {
  explicit DistinctValue(std::string t) : text(std::move(t)) {}
  std::string text;
};

// One event held by a state: its time (read by every window scan, so kept here)
// and its record, whose order breaks ties. Entries of the same event share its
// record, so equal records mean the same event. Trivially copyable: the
// EntryList that holds it owns the references, so windows shift with memmove.
struct Entry {
  TimeUs time = 0;
  const Record* rec = nullptr;
  const DistinctValue* distinct = nullptr;  // count with `distinct` (null: none, read as "")
  uint32_t step = 0;                        // sequence: the step it is a candidate for

  bool Before(const Entry& o) const {
    return time != o.time ? time < o.time : rec->order < o.rec->order;
  }
  std::string_view distinct_value() const {
    return distinct ? std::string_view(distinct->text) : std::string_view();
  }
};

static_assert(std::is_trivially_copyable_v<Entry>);

// The events a state holds, in (time, order) order, with a reference to each
// one's record and distinct value. Read like a vector; changed only through
// the members below, which keep the references.
class EntryList {
 public:
  using const_iterator = std::vector<Entry>::const_iterator;

  EntryList() = default;
  EntryList(const EntryList& o) : list_(o.list_) {
    for (const Entry& e : list_) Ref(e);
  }
  EntryList(EntryList&& o) noexcept : list_(std::exchange(o.list_, {})) {}
  EntryList& operator=(EntryList o) noexcept {
    list_.swap(o.list_);
    return *this;
  }
  ~EntryList() { clear(); }

  const std::vector<Entry>& view() const { return list_; }
  const_iterator begin() const { return list_.begin(); }
  const_iterator end() const { return list_.end(); }
  size_t size() const { return list_.size(); }
  bool empty() const { return list_.empty(); }
  const Entry& operator[](size_t i) const { return list_[i]; }
  const Entry& front() const { return list_.front(); }
  const Entry& back() const { return list_.back(); }

  // Inserts `e` in (time, order) order, after equal ones; returns its index.
  size_t InsertSorted(const Entry& e) {
    auto at = std::upper_bound(list_.begin(), list_.end(), e,
                               [](const Entry& x, const Entry& y) { return x.Before(y); });
    Ref(e);
    return static_cast<size_t>(list_.insert(at, e) - list_.begin());
  }
  // REQUIRES: `e` is not before back().
  void push_back(const Entry& e) {
    Ref(e);
    list_.push_back(e);
  }
  void erase(const_iterator first, const_iterator last) {
    for (auto it = first; it != last; ++it) Unref(*it);
    list_.erase(first, last);
  }
  void erase(const_iterator at) { erase(at, at + 1); }
  template <typename Pred>
  void erase_if(Pred pred) {
    auto keep =
        std::stable_partition(list_.begin(), list_.end(), [&](const Entry& e) { return !pred(e); });
    erase(keep, list_.end());
  }
  void clear() { erase(list_.begin(), list_.end()); }

 private:
  static void Ref(const Entry& e) {
    intrusive_ptr_add_ref(e.rec);
    if (e.distinct) intrusive_ptr_add_ref(e.distinct);
  }
  static void Unref(const Entry& e) {
    intrusive_ptr_release(e.rec);
    if (e.distinct) intrusive_ptr_release(e.distinct);
  }

  std::vector<Entry> list_;
};

// A fired absence/heartbeat alert that a late closing event may still retract.
inline constexpr size_t kMaxRetractable = 16;  // per key; the oldest is forgotten
struct Retractable {
  std::string alert_id;
  TimeUs opened_at = 0;
  TimeUs deadline = 0;
};

// An absence's or a heartbeat's deadline, and the alerts it fired.
struct Timer {
  bool open = false;     // absence deadline open / heartbeat armed
  TimeUs opened_at = 0;  // absence: first `after`; heartbeat: last beat time
  TimeUs deadline = 0;
  std::vector<Retractable> fired;  // oldest first, at most kMaxRetractable
};

struct KeyState {
  static constexpr TimeUs kNever = INT64_MIN;
  TimeUs last_alert = kNever;  // the newest alert's time, for cooldown
  // count/spike window; absence `after` events; a heartbeat's last beat;
  // sequence candidates of every step (Entry::step).
  EntryList entries;
  std::unique_ptr<Timer> timer;          // absence and heartbeat: made by their first event

  Timer& timer_state() {
    if (!timer) timer = std::make_unique<Timer>();
    return *timer;
  }
  bool open() const { return timer && timer->open; }
  bool alerted() const { return last_alert != kNever; }
};

// A key with its hash, computed once per event and reused by every rule with
// the same `by` (the tables look it up without hashing it again).
struct HashedKey {
  std::string_view text;
  size_t hash;
};

struct KeyHash {
  using is_transparent = void;
  size_t operator()(std::string_view key) const { return std::hash<std::string_view>{}(key); }
  size_t operator()(const HashedKey& key) const { return key.hash; }
};

struct KeyEqual {
  using is_transparent = void;
  bool operator()(std::string_view a, std::string_view b) const { return a == b; }
  bool operator()(const HashedKey& a, std::string_view b) const { return a.text == b; }
  bool operator()(std::string_view a, const HashedKey& b) const { return a == b.text; }
};

inline HashedKey Hashed(std::string_view key) { return {key, KeyHash{}(key)}; }

// The regions and group lists of the records, each stored once. Regions come
// from the catalogs (and checkpoints), so they are few and kept for good; a
// group list is dropped by Sweep once no record holds it.
class Interner {
 public:
  const std::string* Region(std::string_view region) { return &*regions_.emplace(region).first; }
  GroupList Groups(const std::vector<std::string>& groups);
  void Sweep() {
    std::erase_if(groups_, [](const auto& kv) { return kv.second->use_count() == 1; });
  }

 private:
  std::unordered_set<std::string> regions_;
  std::unordered_map<std::string, GroupList> groups_;  // by the groups joined
  std::string scratch_;
};

struct VariantState {
  // Boost's node-based map (fast closed addressing): std::unordered_map's
  // interface and stable references, with a cheaper lookup per event.
  boost::unordered_map<std::string, KeyState, KeyHash, KeyEqual> keys;
  // Never reused, and kept across reloads with the state: the logs of closing
  // events (closer_log.h) name the states of their key by it.
  uint32_t id = 0;
  // The evaluation order when the state began (0: with the engine): events
  // evaluated before are not its own, even when logged.
  uint64_t born = 0;
};

struct RuleState {
  std::vector<VariantState> variants;
};

}  // namespace vigia::engine::detail
