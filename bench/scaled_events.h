// SPDX-License-Identifier: Apache-2.0
// A long, realistic event stream from a short JSON Lines file: what
// bench/scale_events.py writes, generated in memory. Event i is base event
// i % n of copy k = i / n, its id suffixed "-k" and its time shifted by
// k × (the base's time span + 30 days), so every copy is new to the duplicate
// check and the rules see the same patterns again, in order of time.
// Thread rules: none once loaded (At() is const).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/catalog.h"
#include "core/event.h"

namespace vigia::bench {

class ScaledEvents {
 public:
  // Decodes every line of `path` (an invalid line is an error). Empty string
  // on success, else why not.
  std::string Load(const std::string& path, const Catalogs& catalogs);

  size_t base_size() const { return base_.size(); }
  // Event i of the endless stream. REQUIRES: Load() succeeded.
  Event At(uint64_t i) const;

 private:
  std::vector<Event> base_;
  DurationUs shift_ = 0;  // between two copies
};

}  // namespace vigia::bench
