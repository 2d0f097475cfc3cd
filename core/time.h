// SPDX-License-Identifier: Apache-2.0
// Event time: microseconds since the Unix epoch, UTC. Durations in microseconds.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace vigia {

using TimeUs = int64_t;      // microseconds since 1970-01-01T00:00:00Z
using DurationUs = int64_t;  // microseconds

inline constexpr DurationUs kSecond = 1'000'000;
inline constexpr DurationUs kMinute = 60 * kSecond;
inline constexpr DurationUs kHour = 60 * kMinute;
inline constexpr DurationUs kDay = 24 * kHour;
inline constexpr DurationUs kWeek = 7 * kDay;

// Parses an RFC 3339 timestamp with offset ("2017-03-23T08:15:00Z",
// "2017-03-23T02:15:00.250-06:00"). Lower-case 't'/'z' are accepted (RFC 3339
// 5.6). Fractions beyond microseconds are truncated. nullopt when malformed or
// out of range (years 0001-9999, valid calendar date, seconds 00-60, offset
// hours 00-23). A leap second :60 denotes the same instant as :00 of the next
// minute (Unix time has no leap seconds).
std::optional<TimeUs> ParseRfc3339(std::string_view text);

// Renders UTC with a 'Z': "2017-03-23T08:15:00Z"; a fraction only when
// non-zero, without trailing zeros ("...:00.25Z").
std::string FormatRfc3339(TimeUs t);
// The same, appended to `out`.
void AppendRfc3339(std::string& out, TimeUs t);

// Parses "<integer><unit>" with unit s, m, h, d or w ("90s", "15m", "7d").
// nullopt when malformed, zero or negative, or overflowing.
std::optional<DurationUs> ParseDuration(std::string_view text);

// Renders the largest unit that divides d exactly ("7d", "90s", "36h"). Weeks
// are not used ("14d", not "2w"); 0 is "0s"; a duration that is not a whole
// number of seconds is rendered in "ms" or "us" (ParseDuration doesn't read those).
std::string FormatDuration(DurationUs d);

}  // namespace vigia
