// SPDX-License-Identifier: Apache-2.0
#include "core/time.h"

#include <catch2/catch.hpp>

namespace vigia {
namespace {

constexpr TimeUs kExample = 1'490'256'900 * kSecond;  // 2017-03-23T08:15:00Z

TEST_CASE("an RFC 3339 UTC timestamp parses to microseconds since the epoch", "[core][time]") {
  CHECK(ParseRfc3339("2017-03-23T08:15:00Z") == kExample);
  CHECK(ParseRfc3339("1970-01-01T00:00:00Z") == 0);
  CHECK(ParseRfc3339("1969-12-31T23:59:59Z") == -kSecond);
  CHECK(ParseRfc3339("0001-01-01T00:00:00Z") == -62'135'596'800 * kSecond);
  CHECK(ParseRfc3339("9999-12-31T23:59:59Z") == 253'402'300'799 * kSecond);
}

TEST_CASE("offsets convert to the same UTC instant", "[core][time]") {
  CHECK(ParseRfc3339("2017-03-23T02:15:00-06:00") == kExample);
  CHECK(ParseRfc3339("2017-03-23T13:45:00+05:30") == kExample);
  CHECK(ParseRfc3339("2017-03-23T08:15:00+00:00") == kExample);
  CHECK(ParseRfc3339("2017-03-23T08:15:00-00:00") == kExample);
  // Across midnight and a month end.
  CHECK(ParseRfc3339("2017-03-31T20:00:00-06:00") == ParseRfc3339("2017-04-01T02:00:00Z"));
  CHECK(ParseRfc3339("2017-01-01T05:00:00+08:00") == ParseRfc3339("2016-12-31T21:00:00Z"));
}

TEST_CASE("fractional seconds are kept to the microsecond and truncated beyond", "[core][time]") {
  CHECK(ParseRfc3339("2017-03-23T08:15:00.25Z") == kExample + 250'000);
  CHECK(ParseRfc3339("2017-03-23T08:15:00.000001Z") == kExample + 1);
  CHECK(ParseRfc3339("2017-03-23T08:15:00.1234567899Z") == kExample + 123'456);
  CHECK(ParseRfc3339("2017-03-23T02:15:00.250-06:00") == kExample + 250'000);
  CHECK(ParseRfc3339("1969-12-31T23:59:59.5Z") == -500'000);
}

TEST_CASE("lower-case t and z are accepted", "[core][time]") {
  CHECK(ParseRfc3339("2017-03-23t08:15:00z") == kExample);
}

TEST_CASE("February 29 is valid only in leap years", "[core][time]") {
  CHECK(ParseRfc3339("2016-02-29T00:00:00Z") == 1'456'704'000 * kSecond);
  CHECK(ParseRfc3339("2000-02-29T00:00:00Z").has_value());
  CHECK_FALSE(ParseRfc3339("2017-02-29T00:00:00Z").has_value());
  CHECK_FALSE(ParseRfc3339("1900-02-29T00:00:00Z").has_value());
  CHECK_FALSE(ParseRfc3339("2017-04-31T00:00:00Z").has_value());
  CHECK_FALSE(ParseRfc3339("2017-02-30T00:00:00Z").has_value());
}

TEST_CASE("a leap second is the first instant of the next minute", "[core][time]") {
  CHECK(ParseRfc3339("2016-12-31T23:59:60Z") == ParseRfc3339("2017-01-01T00:00:00Z"));
  CHECK(ParseRfc3339("2016-12-31T23:59:60.5Z") == ParseRfc3339("2017-01-01T00:00:00.5Z"));
  CHECK_FALSE(ParseRfc3339("2016-12-31T23:59:61Z").has_value());
}

TEST_CASE("malformed or out-of-range timestamps are rejected", "[core][time]") {
  for (const char* bad : {"",
                          "23/03/2017",
                          "2017-03-23",
                          "2017-03-23T08:15:00",
                          "2017-03-23 08:15:00Z",
                          "2017-03-23T08:15Z",
                          "2017-3-23T08:15:00Z",
                          "2017-03-23T8:15:00Z",
                          "2017-13-01T00:00:00Z",
                          "2017-00-01T00:00:00Z",
                          "2017-01-00T00:00:00Z",
                          "2017-01-32T00:00:00Z",
                          "2017-03-23T24:00:00Z",
                          "2017-03-23T08:60:00Z",
                          "0000-01-01T00:00:00Z",
                          "2017-03-23T08:15:00.Z",
                          "2017-03-23T08:15:00ZZ",
                          "2017-03-23T08:15:00+0600",
                          "2017-03-23T08:15:00+24:00",
                          "2017-03-23T08:15:00+05:60",
                          "2017-03-23T08:15:00+5:00",
                          "+2017-03-23T08:15:00Z",
                          "2017-03-23T08:15:00 Z",
                          " 2017-03-23T08:15:00Z",
                          "2017-03-23T08:15:00Z ",
                          "2017-03-23T08:15:00UTC",
                          "２017-03-23T08:15:00Z",
                          "2017-03-23T08:15:0aZ"}) {
    INFO(bad);
    CHECK_FALSE(ParseRfc3339(bad).has_value());
  }
}

TEST_CASE("timestamps format in UTC with the shortest exact fraction", "[core][time]") {
  CHECK(FormatRfc3339(kExample) == "2017-03-23T08:15:00Z");
  CHECK(FormatRfc3339(kExample + 250'000) == "2017-03-23T08:15:00.25Z");
  CHECK(FormatRfc3339(kExample + 1) == "2017-03-23T08:15:00.000001Z");
  CHECK(FormatRfc3339(kExample + 123'456) == "2017-03-23T08:15:00.123456Z");
  CHECK(FormatRfc3339(0) == "1970-01-01T00:00:00Z");
  CHECK(FormatRfc3339(-1) == "1969-12-31T23:59:59.999999Z");
  CHECK(FormatRfc3339(-62'135'596'800 * kSecond) == "0001-01-01T00:00:00Z");
  CHECK(FormatRfc3339(253'402'300'799 * kSecond) == "9999-12-31T23:59:59Z");
}

TEST_CASE("formatting never fails, even far outside the parseable years", "[core][time]") {
  CHECK_FALSE(FormatRfc3339(INT64_MAX).empty());
  CHECK_FALSE(FormatRfc3339(INT64_MIN).empty());
}

TEST_CASE("formatting then parsing gives the same instant", "[core][time]") {
  for (TimeUs t :
       {kExample, kExample + 7, TimeUs{-1}, TimeUs{0}, 1'456'704'000 * kSecond + 999'999}) {
    INFO(t);
    CHECK(ParseRfc3339(FormatRfc3339(t)) == t);
  }
}

TEST_CASE("durations are an integer and one unit", "[core][time]") {
  CHECK(ParseDuration("90s") == 90 * kSecond);
  CHECK(ParseDuration("15m") == 15 * kMinute);
  CHECK(ParseDuration("36h") == 36 * kHour);
  CHECK(ParseDuration("7d") == 7 * kDay);
  CHECK(ParseDuration("2w") == 2 * kWeek);
  CHECK(ParseDuration("1s") == kSecond);
}

TEST_CASE("malformed, zero, negative and overflowing durations are rejected", "[core][time]") {
  for (const char* bad :
       {"", "7 days", "0d", "-1h", "5x", "s", "7", "1.5h", "+1h", " 1h", "1h ", "1H", "1hh",
        "1h30m", "0", "00s", "99999999999999999999s", "9223372036854775807w", "15250285w"}) {
    INFO(bad);
    CHECK_FALSE(ParseDuration(bad).has_value());
  }
  // The largest whole number of weeks that fits.
  CHECK(ParseDuration("15250284w") == 15'250'284 * kWeek);
}

TEST_CASE("durations format with the largest exact unit up to days", "[core][time]") {
  CHECK(FormatDuration(7 * kDay) == "7d");
  CHECK(FormatDuration(2 * kWeek) == "14d");
  CHECK(FormatDuration(90 * kSecond) == "90s");
  CHECK(FormatDuration(36 * kHour) == "36h");
  CHECK(FormatDuration(15 * kMinute) == "15m");
  CHECK(FormatDuration(kHour + kSecond) == "3601s");
  CHECK(FormatDuration(0) == "0s");
  CHECK(FormatDuration(-5 * kMinute) == "-5m");
  CHECK(FormatDuration(1'500'000) == "1500ms");
  CHECK(FormatDuration(7) == "7us");
  for (const char* text : {"90s", "15m", "36h", "7d"}) {
    CHECK(FormatDuration(*ParseDuration(text)) == text);
  }
}

}  // namespace
}  // namespace vigia
