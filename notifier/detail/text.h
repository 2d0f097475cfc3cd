// SPDX-License-Identifier: Apache-2.0
// Plain-text helpers for the renderers (notifier/render.h): one-line UTF-8
// sanitising, code point counting and length fitting. Internal to notifier/.
// Pure functions; thread-safe.
#pragma once

#include <cstddef>
#include <functional>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

namespace vigia::notifier::detail {

inline constexpr std::string_view kEllipsis = "\xE2\x80\xA6";  // U+2026, one code point

// `s` as valid UTF-8 on one line: each invalid byte sequence becomes U+FFFD and
// each control character (C0, DEL, C1, U+2028, U+2029) a space, so a value can
// neither break a line of a message (header injection) nor its encoding.
std::string OneLine(std::string_view s);

// Number of code points. REQUIRES: `s` is valid UTF-8 (e.g. OneLine's result).
size_t CodePoints(std::string_view s);

// The first `n` code points of `s` (all of it when shorter); never ends inside
// a UTF-8 sequence. REQUIRES: `s` is valid UTF-8.
std::string_view FirstCodePoints(std::string_view s, size_t n);

// `s` cut to at most `max` code points; a cut text ends with kEllipsis (which
// counts as one). REQUIRES: `s` is valid UTF-8, max >= 1.
std::string Truncate(std::string_view s, size_t max);

// Renders `pieces` with `render` in at most `max` code points: while too long,
// shortens the piece named next in `cut_order` (to a prefix ending in
// kEllipsis, or to nothing when not even one code point of it would remain);
// when every listed piece is spent, cuts the rendered text itself. `render`
// must treat an empty piece as absent. REQUIRES: pieces are valid UTF-8,
// max >= 1, indices in `cut_order` are < pieces.size().
std::string FitPieces(std::vector<std::string> pieces,
                      const std::function<std::string(const std::vector<std::string>&)>& render,
                      std::initializer_list<size_t> cut_order, size_t max);

}  // namespace vigia::notifier::detail
