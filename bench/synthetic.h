// SPDX-License-Identifier: Apache-2.0
// The synthetic workload of shared/spec/daemon.md ("Benchmarks"): a realistic
// event stream and a rule set of N rules as state coordinators would write them.
// Deterministic: the same options give byte-identical output on every platform
// (std::mt19937_64 and the distributions of bench/random.h).
//
// Time is compressed: the stream runs at `rate` events per event-time second
// (2,000 by default, a national feed squeezed into minutes), so the generated
// rules use minutes and hours where a coordinator would write days. The
// heartbeats expect the stream's check-in cadence (kCheckinEvery) and the
// absences its all-clears, so every pattern kind keeps state and sometimes fires.
// Thread rules: none (pure functions).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "core/time.h"

namespace vigia::bench {

// Protected persons check in this often (±10 %), some stop or are late.
inline constexpr DurationUs kCheckinEvery = 60 * kSecond;

struct StreamOptions {
  uint64_t seed = 1;
  size_t events = 100000;
  size_t subjects = 100000;  // pseudonymous people and communities, Zipf-ranked
  double zipf = 1.1;         // exponent of the subjects' skew
  double region_zipf = 0.9;  // exponent of the regions' skew (32 regions)
  TimeUs start = 1488326400LL * kSecond;  // 2017-03-01T00:00:00Z
  double rate = 2000;                     // events per event-time second
};

// `events` JSON Lines (no newline), valid per shared/spec/events.md against the
// default catalogs: reports and media alerts over the taxonomy, the 13 groups and
// the 32 regions (subjects and regions Zipf-skewed; a subject keeps its region,
// groups and municipality), bursts of smear campaigns in one state, check-ins of
// protected persons every kCheckinEvery (some stop, some are late, some announce
// attrs.next_checkin_within), panics mostly followed by a "safe" check-in,
// missed check-ins, protection measures. Ids are unique; event times strictly
// increase from `start` (so arrival = time in a replay).
// REQUIRES: subjects > 0, rate > 0.
std::vector<std::string> GenerateEvents(const StreamOptions& options);

struct RuleSetOptions {
  size_t rules = 1000;
  uint64_t seed = 1;
};

// Writes a rule set of exactly `rules` rules into `dir` (created if needed):
// gen-lists.yaml ($lists only), gen-national.yaml (national rules, ~10 %) and
// one gen-state-<region>.yaml per state that has rules (more rules for the
// states with more events). Every pattern kind (none, count, count with
// distinct, sequence, absence, heartbeat, spike) and rules on alerts, scoped to
// one or two states and/or some groups, with per-region and per-group overrides.
// The first rules cycle through the kinds, so even 10 rules have each. The set
// loads with no diagnostic at all. gen-*.yaml files already in `dir` are removed
// first, so that a smaller set does not inherit a larger one's files. Returns
// the files written, gen-lists.yaml first. Throws std::filesystem::filesystem_error
// (or std::runtime_error) when `dir` cannot be written.
std::vector<std::filesystem::path> WriteRules(const RuleSetOptions& options,
                                              const std::filesystem::path& dir);

// The same rule set as (file name, YAML text), in the order WriteRules writes it.
std::vector<std::pair<std::string, std::string>> GenerateRuleTexts(const RuleSetOptions& options);

}  // namespace vigia::bench
