// SPDX-License-Identifier: Apache-2.0
// Character-class checks for event fields, and the nesting scan that runs before
// parsing. Hand-written: these are on the hot path, and too simple for a regex.
#pragma once

#include <cstddef>
#include <cstring>
#include <string>
#include <string_view>

#include "core/detail/json_text.h"

namespace vigia::detail {

// Every byte in 0x20-0x7E.
inline bool IsPrintableAscii(std::string_view s) {
  for (char c : s) {
    if (c < 0x20 || c > 0x7E) return false;
  }
  return true;
}

// [a-z][a-z0-9_]* (event types).
inline bool IsTypeName(std::string_view s) {
  if (s.empty() || s[0] < 'a' || s[0] > 'z') return false;
  for (char c : s) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
  }
  return true;
}

// [a-z0-9][a-z0-9_-]* (categories).
inline bool IsCategoryCode(std::string_view s) {
  if (s.empty() || s[0] == '_' || s[0] == '-') return false;
  for (char c : s) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-')) return false;
  }
  return true;
}

// Characters (code points) of valid UTF-8: the bytes that don't continue one.
inline size_t CountChars(std::string_view s) {
  size_t n = 0;
  for (char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

// True when arrays/objects nest deeper than `max_depth`, counting brackets
// outside strings. Meant to run before parsing, on any bytes: on malformed input
// it still terminates and errs on neither side in a way that matters (the parser
// reports the syntax error).
inline bool ExceedsDepth(std::string_view s, int max_depth) {
  const char* p = s.data();
  const char* const end = p + s.size();
  int depth = 0;
  while (p < end) {
    const char c = *p++;
    if (c == '{' || c == '[') {
      if (++depth > max_depth) return true;
    } else if (c == '}' || c == ']') {
      --depth;
    } else if (c == '"') {
      // Skip the string: find the next quote not escaped by an odd run of backslashes.
      for (;;) {
        const void* q = std::memchr(p, '"', static_cast<size_t>(end - p));
        if (q == nullptr) return false;  // unterminated: no brackets left to count
        const char* quote = static_cast<const char*>(q);
        const char* b = quote;
        while (b > p && b[-1] == '\\') --b;
        p = quote + 1;
        if ((quote - b) % 2 == 0) break;
      }
    }
  }
  return false;
}

// Input quoted in a message: at most 64 bytes, control bytes shown as \xNN.
inline std::string Printable(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (char c : Excerpt(s)) {
    const auto b = static_cast<unsigned char>(c);
    if (b < 0x20 || b == 0x7F) {
      out.append("\\x");
      out.push_back(kHex[b >> 4]);
      out.push_back(kHex[b & 0xF]);
    } else {
      out.push_back(c);
    }
  }
  return out;
}

}  // namespace vigia::detail
