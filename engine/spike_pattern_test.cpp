// SPDX-License-Identifier: Apache-2.0
#include "engine/test_harness.h"

using vigia::engine::testing::Ev;
using vigia::engine::testing::Harness;

namespace {

const char* kSpike = R"(
rules:
  - id: smear-spike
    level: warning
    match: {type: media_alert, category: smear_campaign}
    spike: {window: 1d, baseline: 10d, ratio: 3, min_count: 4, by: [region]}
)";

std::string Smear(int n, const std::string& t) {
  return Ev("m" + std::to_string(n), t, R"("category":"smear_campaign")", "MX-VER", "media_alert");
}

}  // namespace

TEST_CASE("spike fires when the window holds min_count and ratio × the expected rate",
          "[engine][spike]") {
  Harness h(kSpike);
  // Baseline: 10 events over 10 days → expected 1 per day.
  for (int d = 1; d <= 10; ++d) {
    char t[32];
    std::snprintf(t, sizeof t, "2017-09-%02dT12:00:00Z", d);
    h.Push(Smear(d, t));
  }
  CHECK(h.alerts.empty());
  // Window (t − 1d, t]: 4 events ≥ min_count, 4 ≥ 3 × 1 when the baseline holds ~1/day.
  h.Push(Smear(11, "2017-09-11T13:00:00Z"));
  h.Push(Smear(12, "2017-09-11T14:00:00Z"));
  h.Push(Smear(13, "2017-09-11T15:00:00Z"));
  CHECK(h.alerts.empty());
  h.Push(Smear(14, "2017-09-11T16:00:00Z"));
  REQUIRE(h.alerts.size() == 1);
  // Current: m11..m14 (m10 at 09-10T12:00 is outside (t − 1d, t]).
  CHECK(h.alerts[0].count == 4);
  CHECK(h.alerts[0].events == std::vector<std::string>{"m11", "m12", "m13", "m14"});
  // Default cooldown = window: more events the same day do not fire again.
  h.Push(Smear(15, "2017-09-11T17:00:00Z"));
  CHECK(h.alerts.size() == 1);
  CHECK(h.counters().suppressed == 1);
}

TEST_CASE("spike does not fire when the baseline is as busy", "[engine][spike]") {
  Harness h(kSpike);
  int n = 0;
  for (int d = 1; d <= 10; ++d)
    for (int k = 0; k < 3; ++k) {
      char t[32];
      std::snprintf(t, sizeof t, "2017-09-%02dT%02d:00:00Z", d, 8 + k);
      h.Push(Smear(++n, t));
    }
  // Expected 3 per day; 5 in the window is < 3 × 3.
  for (int k = 0; k < 5; ++k) {
    char t[32];
    std::snprintf(t, sizeof t, "2017-09-11T%02d:00:00Z", 10 + k);
    h.Push(Smear(++n, t));
  }
  CHECK(h.alerts.empty());
}

TEST_CASE("spike with an empty baseline fires at min_count", "[engine][spike]") {
  Harness h(kSpike);
  h.Push(Smear(1, "2017-09-11T10:00:00Z"));
  h.Push(Smear(2, "2017-09-11T11:00:00Z"));
  h.Push(Smear(3, "2017-09-11T12:00:00Z"));
  CHECK(h.alerts.empty());
  h.Push(Smear(4, "2017-09-11T13:00:00Z"));
  CHECK(h.alerts.size() == 1);
}
