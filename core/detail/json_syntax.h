// SPDX-License-Identifier: Apache-2.0
// A strict RFC 8259 syntax checker that says where the first error is. The
// decoder's fast path (simdjson on-demand) validates only what it reads, and
// stops at the first bad field; this runs on the error path to decide whether a
// message is malformed JSON at all, and at which byte.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace vigia::detail {

struct JsonSyntaxError {
  size_t offset = 0;    // 0-based byte offset of the first bad byte (size() at a premature end)
  std::string message;  // e.g. "expected ',' or '}' after an object member"
};

// nullopt when `text` is exactly one JSON value, optionally surrounded by
// whitespace: valid UTF-8, no lone surrogate escapes, no unescaped control
// characters, strict numbers. Nesting beyond `max_depth` is reported as an error
// too (the decoder checks depth before, so this only bounds the work).
// When `top_level_id` is given, it is set to the raw text of the first top-level
// member "id" whose value is a string without escapes, if that member was read
// before any error (so error replies can name the event).
std::optional<JsonSyntaxError> CheckJsonSyntax(std::string_view text, size_t max_depth = 1024,
                                               std::string_view* top_level_id = nullptr);

}  // namespace vigia::detail
