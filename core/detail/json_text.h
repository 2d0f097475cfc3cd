// SPDX-License-Identifier: Apache-2.0
// Small helpers for writing JSON text and for quoting input in messages.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace vigia::detail {

// Appends `s` as a JSON string literal (with quotes). `s` should be UTF-8; bytes
// are copied as they are except '"', '\\' and control characters, which are
// escaped.
inline void AppendJsonString(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.push_back('"');
  size_t run = 0;  // start of the pending run of bytes that need no escape
  for (size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.append(s.data() + run, i - run);
    run = i + 1;
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
