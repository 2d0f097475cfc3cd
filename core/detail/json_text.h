// SPDX-License-Identifier: Apache-2.0
// Small helpers for writing JSON text and for quoting input in messages.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace vigia::detail {

// Whether any of the 8 bytes of `word` is a control character, '"' or '\\' (the
// bytes a JSON string escapes): the "has a byte less than n" and "has a zero
// byte" tests of Hacker's Delight, 8 bytes at a time.
inline bool HasJsonEscape(uint64_t word) {
  constexpr uint64_t kOnes = 0x0101010101010101ULL;
  constexpr uint64_t kHigh = 0x8080808080808080ULL;
  const uint64_t quote = word ^ (kOnes * '"');
  const uint64_t backslash = word ^ (kOnes * '\\');
  const uint64_t found = ((word - kOnes * 0x20) & ~word) | ((quote - kOnes) & ~quote) |
                         ((backslash - kOnes) & ~backslash);
  return (found & kHigh) != 0;
}

// Appends `s` as a JSON string literal (with quotes). `s` should be UTF-8; bytes
// are copied as they are except '"', '\\' and control characters, which are
// escaped. Runs with nothing to escape are found 8 bytes at a time and copied
// at once: every journaled event's text goes through here.
inline void AppendJsonString(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  // Most strings (codes, ids, names) need no escape: checked a word at a time,
  // the last word overlapping the one before, and copied whole.
  bool clean = true;
  if (s.size() >= 8) {
    uint64_t word;
    for (size_t at = 0; clean && at + 8 < s.size(); at += 8) {
      std::memcpy(&word, s.data() + at, 8);
      clean = !HasJsonEscape(word);
    }
    std::memcpy(&word, s.data() + s.size() - 8, 8);
    clean = clean && !HasJsonEscape(word);
  } else {
    for (char ch : s) {
      const auto c = static_cast<unsigned char>(ch);
      clean = clean && c >= 0x20 && c != '"' && c != '\\';
    }
  }
  if (clean) {
    out.push_back('"');
    out.append(s);
    out.push_back('"');
    return;
  }
  out.push_back('"');
  size_t run = 0;  // start of the pending run of bytes that need no escape
  size_t i = 0;
  while (true) {
    for (uint64_t word; i + 8 <= s.size(); i += 8) {
      std::memcpy(&word, s.data() + i, 8);
      if (HasJsonEscape(word)) break;
    }
    if (i >= s.size()) break;
    const auto c = static_cast<unsigned char>(s[i++]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.append(s.data() + run, i - 1 - run);
    run = i;
    out.push_back('\\');
    switch (c) {
      case '"':
        out.push_back('"');
        break;
      case '\\':
        out.push_back('\\');
        break;
      case '\n':
        out.push_back('n');
        break;
      case '\r':
        out.push_back('r');
        break;
      case '\t':
        out.push_back('t');
        break;
      case '\b':
        out.push_back('b');
        break;
      case '\f':
        out.push_back('f');
        break;
      default:
        out.append("u00");
        out.push_back(kHex[c >> 4]);
        out.push_back(kHex[c & 0xF]);
    }
  }
  out.append(s.data() + run, s.size() - run);
  out.push_back('"');
}

// At most `max_bytes` of `s` for a message, cut at a UTF-8 character boundary
// and marked with "…" when cut, so error messages never echo much input.
inline std::string Excerpt(std::string_view s, size_t max_bytes = 64) {
  if (s.size() <= max_bytes) return std::string(s);
  size_t cut = max_bytes;
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
  std::string out(s.substr(0, cut));
  out.append("\u2026");
  return out;
}

}  // namespace vigia::detail
