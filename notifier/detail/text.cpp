// SPDX-License-Identifier: Apache-2.0
#include "notifier/detail/text.h"

#include <cstdint>

namespace vigia::notifier::detail {
namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

bool IsContinuation(unsigned char c) { return (c & 0xC0) == 0x80; }

// Length of the valid UTF-8 sequence at the start of `s` (RFC 3629: no
// overlong forms, no surrogates, nothing above U+10FFFF), and its code point;
// 0 when the bytes there are not one.
size_t DecodeOne(std::string_view s, uint32_t* cp) {
  const auto b0 = static_cast<unsigned char>(s[0]);
  if (b0 < 0x80) {
    *cp = b0;
    return 1;
  }
  size_t len = 0;
  uint32_t min = 0;
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    len = 2, min = 0x80, *cp = b0 & 0x1F;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    len = 3, min = 0x800, *cp = b0 & 0x0F;
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    len = 4, min = 0x10000, *cp = b0 & 0x07;
  } else {
    return 0;
  }
  if (s.size() < len) return 0;
  for (size_t i = 1; i < len; ++i) {
    const auto b = static_cast<unsigned char>(s[i]);
    if (!IsContinuation(b)) return 0;
    *cp = (*cp << 6) | (b & 0x3F);
  }
  if (*cp < min || *cp > 0x10FFFF || (*cp >= 0xD800 && *cp <= 0xDFFF)) return 0;
  return len;
}

bool IsControl(uint32_t cp) {
  return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F) || cp == 0x2028 || cp == 0x2029;
}

}  // namespace

std::string OneLine(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  while (!s.empty()) {
    uint32_t cp = 0;
    const size_t len = DecodeOne(s, &cp);
    if (len == 0) {
      // One replacement per bad byte keeps this simple and still valid.
      out += kReplacement;
      s.remove_prefix(1);
      continue;
    }
    if (IsControl(cp)) {
      out.push_back(' ');
    } else {
      out.append(s.substr(0, len));
    }
    s.remove_prefix(len);
  }
  return out;
}

size_t CodePoints(std::string_view s) {
  size_t n = 0;
  for (char c : s) n += !IsContinuation(static_cast<unsigned char>(c));
  return n;
}

std::string_view FirstCodePoints(std::string_view s, size_t n) {
  size_t seen = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    if (!IsContinuation(static_cast<unsigned char>(s[i])) && seen++ == n) return s.substr(0, i);
  }
  return s;
}

std::string Truncate(std::string_view s, size_t max) {
  if (CodePoints(s) <= max) return std::string(s);
  std::string_view kept = FirstCodePoints(s, max - 1);
  // "word …" reads worse than "word…"; dropping spaces only shortens.
  while (!kept.empty() && kept.back() == ' ') kept.remove_suffix(1);
  return std::string(kept) + std::string(kEllipsis);
}

std::string FitPieces(std::vector<std::string> pieces,
                      const std::function<std::string(const std::vector<std::string>&)>& render,
                      std::initializer_list<size_t> cut_order, size_t max) {
  for (size_t i : cut_order) {
    std::string out = render(pieces);
    const size_t len = CodePoints(out);
    if (len <= max) return out;
    const size_t excess = len - max;
    const size_t have = CodePoints(pieces[i]);
    if (have > excess + 1) {
      // Cut to have - excess code points, the ellipsis included: the piece stays
      // non-empty, so the separators around it stay and the text is now `max`.
      pieces[i] = Truncate(pieces[i], have - excess);
      return render(pieces);
    }
    pieces[i].clear();
  }
  return Truncate(render(pieces), max);
}

}  // namespace vigia::notifier::detail
