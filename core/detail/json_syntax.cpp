// SPDX-License-Identifier: Apache-2.0
#include "core/detail/json_syntax.h"

#include <cstdint>
#include <vector>

namespace vigia::detail {
namespace {

class Checker {
 public:
  Checker(std::string_view text, size_t max_depth, std::string_view* id)
      : s_(text), max_depth_(max_depth), id_(id) {}

  // Iterative, with an explicit stack, so hostile nesting can't overflow ours.
  std::optional<JsonSyntaxError> Run() {
    SkipSpace();
    if (AtEnd()) return Fail(s_.empty() ? "empty input" : "no JSON value, only whitespace");
    for (;;) {
      // Here: at the start of a value.
      if (auto e = Value()) return e;
      // Here: after a complete value.
      for (;;) {
        SkipSpace();
        if (stack_.empty()) {
          if (!AtEnd()) return Fail("unexpected data after the JSON value");
          return std::nullopt;
        }
        const char close = stack_.back() == '{' ? '}' : ']';
        if (AtEnd()) return Fail("unexpected end of input");
        if (Peek() == close) {
          ++pos_;
          stack_.pop_back();
          continue;
        }
        if (Peek() != ',') {
          return Fail(close == '}' ? "expected ',' or '}' after an object member"
                                   : "expected ',' or ']' after an array element");
        }
        ++pos_;
        SkipSpace();
        if (stack_.back() == '{') {
          if (auto e = Key()) return e;
        }
        break;  // to the next value
      }
    }
  }

 private:
  // Parses one value; of a non-empty container only the opening (and its first
  // key): the rest is driven by Run()'s loop.
  std::optional<JsonSyntaxError> Value() {
    for (;;) {
      const bool is_id = id_pending_;  // this value belongs to the top-level "id"
      id_pending_ = false;
      SkipSpace();
      if (AtEnd()) return Fail("unexpected end of input, expected a value");
      const char c = Peek();
      if (c == '{' || c == '[') {
        if (stack_.size() >= max_depth_) return Fail("nesting too deep");
        ++pos_;
        SkipSpace();
        if (!AtEnd() && Peek() == (c == '{' ? '}' : ']')) {
          ++pos_;
          return std::nullopt;
        }
        stack_.push_back(c);
        if (c == '{') {
          if (auto e = Key()) return e;
        }
        continue;  // to the container's first value
      }
      if (c == '"') {
        const size_t start = pos_;
        if (auto e = String()) return e;
        if (is_id && id_ != nullptr && !id_found_) {
          std::string_view raw = s_.substr(start + 1, pos_ - start - 2);
          id_found_ = true;
          if (raw.find('\\') == std::string_view::npos) *id_ = raw;
        }
        return std::nullopt;
      }
      if (c == '-' || (c >= '0' && c <= '9')) return Number();
      if (c == 't') return Literal("true");
      if (c == 'f') return Literal("false");
      if (c == 'n') return Literal("null");
      return Fail("unexpected " + Describe(c));
    }
  }

  // An object key and its ':'; leaves pos_ at the value.
  std::optional<JsonSyntaxError> Key() {
    if (AtEnd()) return Fail("unexpected end of input, expected a string key");
    if (Peek() != '"') return Fail("expected a string key, found " + Describe(Peek()));
    const size_t start = pos_;
    if (auto e = String()) return e;
    id_pending_ = stack_.size() == 1 && s_.substr(start, pos_ - start) == "\"id\"";
    SkipSpace();
    if (AtEnd() || Peek() != ':') return Fail("expected ':' after an object key");
    ++pos_;
    return std::nullopt;
  }

  std::optional<JsonSyntaxError> String() {
    ++pos_;  // the opening quote
    for (;;) {
      if (AtEnd()) return Fail("unterminated string");
      const auto c = static_cast<unsigned char>(s_[pos_]);
      if (c == '"') {
        ++pos_;
        return std::nullopt;
      }
      if (c == '\\') {
        if (auto e = Escape()) return e;
      } else if (c < 0x20) {
        return Fail("unescaped control character in a string");
      } else if (c < 0x80) {
        ++pos_;
      } else if (!Utf8Sequence()) {
        return Fail("invalid UTF-8");
      }
    }
  }

  std::optional<JsonSyntaxError> Escape() {
    ++pos_;  // the backslash
    if (AtEnd()) return Fail("unterminated string");
    switch (Peek()) {
      case '"':
      case '\\':
      case '/':
      case 'b':
      case 'f':
      case 'n':
      case 'r':
      case 't':
        ++pos_;
        return std::nullopt;
      case 'u':
        break;
      default:
        return Fail("invalid escape sequence");
    }
    const size_t start = pos_ - 1;
    uint32_t unit;
    if (!Hex4(unit)) return Fail("invalid \\u escape");
    if (unit >= 0xDC00 && unit <= 0xDFFF) return FailAt(start, "unpaired surrogate in \\u escape");
    if (unit >= 0xD800 && unit <= 0xDBFF) {
      uint32_t low;
      if (pos_ + 1 >= s_.size() || s_[pos_] != '\\' || s_[pos_ + 1] != 'u') {
        return FailAt(start, "unpaired surrogate in \\u escape");
      }
      pos_ += 1;
      if (!Hex4(low)) return Fail("invalid \\u escape");
      if (low < 0xDC00 || low > 0xDFFF) return FailAt(start, "unpaired surrogate in \\u escape");
    }
    return std::nullopt;
  }

  // At 'u': reads it and four hex digits.
  bool Hex4(uint32_t& out) {
    ++pos_;
    out = 0;
    for (int i = 0; i < 4; ++i, ++pos_) {
      if (AtEnd()) return false;
      const char c = Peek();
      uint32_t d;
      if (c >= '0' && c <= '9')
        d = static_cast<uint32_t>(c - '0');
      else if (c >= 'a' && c <= 'f')
        d = static_cast<uint32_t>(c - 'a' + 10);
      else if (c >= 'A' && c <= 'F')
        d = static_cast<uint32_t>(c - 'A' + 10);
      else
        return false;
      out = out * 16 + d;
    }
    return true;
  }

  // One multi-byte UTF-8 character (Unicode 15, table 3-7: no overlongs, no
  // surrogates, nothing above U+10FFFF).
  bool Utf8Sequence() {
    auto at = [this](size_t i) -> unsigned {
      return pos_ + i < s_.size() ? static_cast<unsigned char>(s_[pos_ + i]) : 0u;
    };
    const unsigned b0 = at(0);
    unsigned lo = 0x80, hi = 0xBF;
    size_t n;
    if (b0 >= 0xC2 && b0 <= 0xDF)
      n = 2;
    else if (b0 >= 0xE0 && b0 <= 0xEF) {
      n = 3;
      if (b0 == 0xE0) lo = 0xA0;
      if (b0 == 0xED) hi = 0x9F;
    } else if (b0 >= 0xF0 && b0 <= 0xF4) {
      n = 4;
      if (b0 == 0xF0) lo = 0x90;
      if (b0 == 0xF4) hi = 0x8F;
    } else {
      return false;
    }
    if (at(1) < lo || at(1) > hi) return false;
    for (size_t i = 2; i < n; ++i) {
      if (at(i) < 0x80 || at(i) > 0xBF) return false;
    }
    pos_ += n;
    return true;
  }

  std::optional<JsonSyntaxError> Number() {
    if (Peek() == '-') ++pos_;
    if (AtEnd() || !IsDigit(Peek())) return Fail("invalid number: expected a digit");
    if (Peek() == '0') {
      ++pos_;
      if (!AtEnd() && IsDigit(Peek())) return Fail("invalid number: leading zero");
    } else {
      while (!AtEnd() && IsDigit(Peek())) ++pos_;
    }
    if (!AtEnd() && Peek() == '.') {
      ++pos_;
      if (AtEnd() || !IsDigit(Peek())) return Fail("invalid number: expected a digit after '.'");
      while (!AtEnd() && IsDigit(Peek())) ++pos_;
    }
    if (!AtEnd() && (Peek() == 'e' || Peek() == 'E')) {
      ++pos_;
      if (!AtEnd() && (Peek() == '+' || Peek() == '-')) ++pos_;
      if (AtEnd() || !IsDigit(Peek())) return Fail("invalid number: expected an exponent");
      while (!AtEnd() && IsDigit(Peek())) ++pos_;
    }
    return std::nullopt;
  }

  std::optional<JsonSyntaxError> Literal(std::string_view word) {
    if (s_.substr(pos_, word.size()) != word) return Fail("invalid literal");
    pos_ += word.size();
    return std::nullopt;
  }

  void SkipSpace() {
    while (!AtEnd()) {
      const char c = Peek();
      if (c != ' ' && c != '\t' && c != '\n' && c != '\r') return;
      ++pos_;
    }
  }

  static bool IsDigit(char c) { return c >= '0' && c <= '9'; }

  static std::string Describe(char c) {
    const auto b = static_cast<unsigned char>(c);
    if (b > 0x20 && b < 0x7F) return std::string("character '") + c + "'";
    static constexpr char kHex[] = "0123456789ABCDEF";
    return std::string("byte 0x") + kHex[b >> 4] + kHex[b & 0xF];
  }

  bool AtEnd() const { return pos_ >= s_.size(); }
  char Peek() const { return s_[pos_]; }
  std::optional<JsonSyntaxError> Fail(std::string message) const {
    return FailAt(pos_, std::move(message));
  }
  std::optional<JsonSyntaxError> FailAt(size_t offset, std::string message) const {
    return JsonSyntaxError{offset, std::move(message)};
  }

  std::string_view s_;
  size_t max_depth_;
  size_t pos_ = 0;
  std::vector<char> stack_;  // '{' or '[' for each open container
  std::string_view* id_;
  bool id_pending_ = false;  // the key just read is the top-level "id"
  bool id_found_ = false;
};

}  // namespace

std::optional<JsonSyntaxError> CheckJsonSyntax(std::string_view text, size_t max_depth,
                                               std::string_view* top_level_id) {
  return Checker(text, max_depth, top_level_id).Run();
}

}  // namespace vigia::detail
