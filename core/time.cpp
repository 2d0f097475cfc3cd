// SPDX-License-Identifier: Apache-2.0
// Civil-date arithmetic with <chrono> calendar types only: no locale, no
// strptime/timegm, nothing that depends on the process's TZ.
#include "core/time.h"

#include <chrono>
#include <limits>

namespace vigia {
namespace {

// Reads exactly `n` ASCII digits at text[pos]; false if any is not a digit.
bool ReadDigits(std::string_view text, size_t pos, size_t n, int& out) {
  if (pos + n > text.size()) return false;
  int v = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    const unsigned d = static_cast<unsigned char>(text[i]) - '0';
    if (d > 9) return false;
    v = v * 10 + static_cast<int>(d);
  }
  out = v;
  return true;
}

bool Expect(std::string_view text, size_t pos, char c) {
  return pos < text.size() && text[pos] == c;
}

// Writes `v` (≥ 0) with at least `width` digits, zero-padded, at `p`; returns
// the end.
char* PutDigits(char* p, int64_t v, int width) {
  char buf[24];
  int n = 0;
  do {
    buf[n++] = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v > 0 || n < width);
  while (n > 0) *p++ = buf[--n];
  return p;
}

struct CivilDate {
  int64_t year;
  unsigned month, day;
};

// H. Hinnant's civil_from_days in 64 bits: defined for every TimeUs, unlike
// std::chrono::year, whose range ends at ±32767.
CivilDate CivilFromDays(int64_t z) {
  z += 719'468;
  const int64_t era = (z >= 0 ? z : z - 146'096) / 146'097;
  const auto doe = static_cast<unsigned>(z - era * 146'097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36'524 - doe / 146'096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned day = doy - (153 * mp + 2) / 5 + 1;
  const unsigned month = mp < 10 ? mp + 3 : mp - 9;
  return {static_cast<int64_t>(yoe) + era * 400 + (month <= 2 ? 1 : 0), month, day};
}

struct Unit {
  char symbol;
  DurationUs size;
};
// Largest first, for FormatDuration. Weeks are parsed but not printed: "7d" and
// "14d" read better in alerts and diagnostics than "1w" and "2w" (time.h).
constexpr Unit kPrintedUnits[] = {{'d', kDay}, {'h', kHour}, {'m', kMinute}, {'s', kSecond}};

}  // namespace

std::optional<TimeUs> ParseRfc3339(std::string_view text) {
  // date-time = YYYY-MM-DD "T" HH:MM:SS [.frac] ("Z" / ("+" / "-") HH:MM)
  int year, month, day, hour, minute, second;
  if (!ReadDigits(text, 0, 4, year) || !Expect(text, 4, '-') || !ReadDigits(text, 5, 2, month) ||
      !Expect(text, 7, '-') || !ReadDigits(text, 8, 2, day)) {
    return std::nullopt;
  }
  if (!(Expect(text, 10, 'T') || Expect(text, 10, 't'))) return std::nullopt;
  if (!ReadDigits(text, 11, 2, hour) || !Expect(text, 13, ':') ||
      !ReadDigits(text, 14, 2, minute) || !Expect(text, 16, ':') ||
      !ReadDigits(text, 17, 2, second)) {
    return std::nullopt;
  }
  size_t pos = 19;
  int64_t micros = 0;
  if (Expect(text, pos, '.')) {
    ++pos;
    const size_t first = pos;
    int64_t scale = 100'000;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      micros += (text[pos] - '0') * scale;  // digits beyond the 6th add 0: truncated
      scale /= 10;
      ++pos;
    }
    if (pos == first) return std::nullopt;
  }
  int64_t offset_seconds = 0;
  if (Expect(text, pos, 'Z') || Expect(text, pos, 'z')) {
    ++pos;
  } else if (Expect(text, pos, '+') || Expect(text, pos, '-')) {
    const int sign = text[pos] == '-' ? -1 : 1;
    int offset_hour, offset_minute;
    if (!ReadDigits(text, pos + 1, 2, offset_hour) || !Expect(text, pos + 3, ':') ||
        !ReadDigits(text, pos + 4, 2, offset_minute) || offset_hour > 23 || offset_minute > 59) {
      return std::nullopt;
    }
    offset_seconds = sign * (offset_hour * 3600 + offset_minute * 60);
    pos += 6;
  } else {
    return std::nullopt;
  }
  if (pos != text.size()) return std::nullopt;

  if (year < 1 || hour > 23 || minute > 59 || second > 60) return std::nullopt;
  const std::chrono::year_month_day date{std::chrono::year{year},
                                         std::chrono::month{static_cast<unsigned>(month)},
                                         std::chrono::day{static_cast<unsigned>(day)}};
  if (!date.ok()) return std::nullopt;  // e.g. 2017-02-29, 2017-04-31
  const int64_t days = std::chrono::sys_days{date}.time_since_epoch().count();
  // A leap second (:60) is the same instant as :00 of the next minute: Unix time
  // has no leap seconds, and this keeps the order of events around it.
  const int64_t seconds = days * 86'400 + hour * 3'600 + minute * 60 + second - offset_seconds;
  return seconds * kSecond + micros;
}

void AppendRfc3339(std::string& out, TimeUs t) {
  // Floor division, so instants before 1970 still land on the right day.
  int64_t days = t / kDay;
  int64_t in_day = t % kDay;
  if (in_day < 0) {
    in_day += kDay;
    --days;
  }
  const CivilDate date = CivilFromDays(days);
  const int64_t seconds = in_day / kSecond;
  const int64_t micros = in_day % kSecond;

  char buf[64];  // a year of up to 19 digits, a sign and 27 more characters
  char* p = buf;
  if (date.year < 0) *p++ = '-';  // not RFC 3339, but never wrong
  p = PutDigits(p, date.year < 0 ? -date.year : date.year, 4);
  *p++ = '-';
  p = PutDigits(p, date.month, 2);
  *p++ = '-';
  p = PutDigits(p, date.day, 2);
  *p++ = 'T';
  p = PutDigits(p, seconds / 3600, 2);
  *p++ = ':';
  p = PutDigits(p, seconds / 60 % 60, 2);
  *p++ = ':';
  p = PutDigits(p, seconds % 60, 2);
  if (micros != 0) {
    *p++ = '.';
    int64_t fraction = micros;
    int width = 6;
    while (fraction % 10 == 0) {
      fraction /= 10;
      --width;
    }
    p = PutDigits(p, fraction, width);
  }
  *p++ = 'Z';
  out.append(buf, p);
}

std::string FormatRfc3339(TimeUs t) {
  std::string out;
  AppendRfc3339(out, t);
  return out;
}

std::optional<DurationUs> ParseDuration(std::string_view text) {
  if (text.size() < 2) return std::nullopt;
  DurationUs unit;
  switch (text.back()) {
    case 's':
      unit = kSecond;
      break;
    case 'm':
      unit = kMinute;
      break;
    case 'h':
      unit = kHour;
      break;
    case 'd':
      unit = kDay;
      break;
    case 'w':
      unit = kWeek;
      break;
    default:
      return std::nullopt;
  }
  const DurationUs max_count = std::numeric_limits<DurationUs>::max() / unit;
  DurationUs count = 0;
  for (char c : text.substr(0, text.size() - 1)) {
    if (c < '0' || c > '9') return std::nullopt;  // also rejects signs and spaces
    count = count * 10 + (c - '0');
    if (count > max_count) return std::nullopt;
  }
  if (count == 0) return std::nullopt;
  return count * unit;
}

std::string FormatDuration(DurationUs d) {
  if (d == 0) return "0s";
  std::string out;
  // Negative durations don't come from ParseDuration, but render them honestly.
  const bool negative = d < 0;
  const uint64_t magnitude = negative ? 0 - static_cast<uint64_t>(d) : static_cast<uint64_t>(d);
  if (negative) out.push_back('-');
  for (const Unit& u : kPrintedUnits) {
    if (magnitude % static_cast<uint64_t>(u.size) == 0) {
      out += std::to_string(magnitude / static_cast<uint64_t>(u.size));
      out.push_back(u.symbol);
      return out;
    }
  }
  // Sub-second durations only arise from arithmetic; keep them exact.
  if (magnitude % 1000 == 0) return out + std::to_string(magnitude / 1000) + "ms";
  return out + std::to_string(magnitude) + "us";
}

}  // namespace vigia
